# reddit_001 (Reddit): the most-discussed and the next most-upvoted of r/MachineLearning's top 5
# hot threads, for a newsletter.
#
# Chain: fetch_reddit_hot_threads("MachineLearning", 5) -> Thread A = most comments, Thread B =
# highest score among the other four -> fetch_reddit_post_content(A, 15, 3) -> if more than 10
# of those (up to) 15 top-level comments have a reply: fetch_reddit_post_content(A, 15, 5);
# fetch_reddit_post_content(B, 10, 2).
#
# Rules (where the task leaves room):
# - The post id is the path segment after "/comments/" in a post's Link line; comment_count
#   is the listing's "Comments:" (Reddit's count of all comments).
# - Ties (comments for A, score for B) go to the thread listed first.
# - top_comment_snippet: the body of the top-level comment with the highest score in the
#   final fetch (the first one on a tie), cut to 200 characters.
#
# Expected output (offline data): A = 1p4gq7a "[D] Is GPT-5 scaling plateauing? ..." (96 comments,
# 1843 points): 14 of its first 15 top-level comments have replies, so it is re-fetched at depth 5;
# B = 1p4fz3m "[P] Open-source toolkit for evaluating LLaMA fine-tunes on domain QA" (2210 points,
# 41 comments), fetched at depth 2.

subreddit = input.get("subreddit", "MachineLearning")
r = tools.reddit

def parse_posts(text):
    posts = []
    post = None
    for line in text.split("\n"):
        if line.startswith("Title: ") and post is None:
            post = {"title": line[7:], "content": ""}
        elif post is None:
            continue
        elif line.startswith("Score: ") and "score" not in post:
            post["score"] = int(line[7:])
        elif line.startswith("Comments: ") and "comments" not in post:
            post["comments"] = int(line[10:])
        elif line.startswith("Content: ") and post["content"] == "":
            post["content"] = line[9:]
        elif line.startswith("Link: "):
            post["link"] = line[6:]
            rest = line.split("/comments/", 1)[1] if "/comments/" in line else ""
            post["id"] = rest.split("/")[0]
        elif line == "---":
            posts.append(post)
            post = None
    return posts

def parse_comments(text):
    at = text.find("\nComments:\n")
    if at < 0:
        return []
    comments = []
    for line in text[at + 11:].split("\n"):
        if line == "":
            continue
        depth = 0
        while line.startswith("-- "):
            depth = depth + 1
            line = line[3:]
        if line.startswith("* Author: "):
            comments.append({"depth": depth, "author": line[10:], "score": None, "body": None})
        elif not comments:
            continue
        elif line.startswith("  Score: ") and comments[-1]["score"] is None:
            comments[-1]["score"] = int(line[9:])
        elif comments[-1]["body"] is None:
            comments[-1]["body"] = line[2:] if line.startswith("  ") else line
        else:
            comments[-1]["body"] = comments[-1]["body"] + "\n" + line
    return comments

def replied_top_level(comments):
    n = 0
    for i, c in enumerate(comments):
        if c["depth"] == 0 and i + 1 < len(comments) and comments[i + 1]["depth"] == 1:
            n = n + 1
    return n

def top_snippet(comments):
    best = None
    for c in comments:
        if c["depth"] == 0 and (best is None or c["score"] > best["score"]):
            best = c
    return None if best is None else best["body"][0:200]

posts = parse_posts(r.fetch_reddit_hot_threads(subreddit=subreddit, limit=5))
a = None
for p in posts:
    if a is None or p["comments"] > a["comments"]:
        a = p
b = None
for p in posts:
    if p["id"] != a["id"] and (b is None or p["score"] > b["score"]):
        b = p

a_comments = parse_comments(r.fetch_reddit_post_content(post_id=a["id"], comment_limit=15, comment_depth=3))
with_replies = replied_top_level(a_comments)
deeper = with_replies > 10
a_depth = 3
if deeper:
    a_depth = 5
    a_comments = parse_comments(r.fetch_reddit_post_content(post_id=a["id"], comment_limit=15, comment_depth=5))
b_comments = parse_comments(r.fetch_reddit_post_content(post_id=b["id"], comment_limit=10, comment_depth=2))

{
    "subreddit": subreddit,
    "threads": [
        {"role": "most commented", "id": a["id"], "title": a["title"], "score": a["score"],
         "comment_count": a["comments"], "fetched_depth": a_depth,
         "top_level_comments_with_replies": with_replies, "comments_retrieved": len(a_comments),
         "top_comment_snippet": top_snippet(a_comments), "deeper_refetch_performed": deeper},
        {"role": "highest score among the others", "id": b["id"], "title": b["title"], "score": b["score"],
         "comment_count": b["comments"], "fetched_depth": 2, "comments_retrieved": len(b_comments),
         "top_comment_snippet": top_snippet(b_comments), "deeper_refetch_performed": False},
    ],
}
