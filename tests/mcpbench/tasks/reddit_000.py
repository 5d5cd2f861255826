# reddit_000 (Reddit): engagement and discussion depth in r/MachineLearning vs r/artificial.
#
# Chain: fetch_reddit_hot_threads for both subreddits (10 each) -> fetch_reddit_post_content
# (20, 2) per thread -> threads with > 50 comments: (50, 3) -> threads mentioning GPT,
# Transformer or LLaMA: (50, 4) -> titles found in both subreddits: (5, 1) for each post ->
# report.
#
# Rules (where the task leaves room):
# - post ids come from the Link lines; a thread's listed comment count is the listing's
#   "Comments:"; "retrieved" counts the comments a fetch shows (all levels).
# - growth = retrieved at (50, 3) - retrieved at (20, 2) for threads over 50 comments, else 0.
#   Threads are sorted by growth (then hot order).
# - Keywords match the title or the Content line, ignoring case. A thread's final count is
#   that of its deepest fetch. avg_comment_depth: the mean level (1 = top-level) of the
#   comments in the deepest fetch; the subreddit's is the mean over its threads.
# - The pair note compares what can be measured: mean score of the top 5 comments and how
#   many of them are questions; it does not judge tone.
# - The five action items are built from the measurements (largest growth in each
#   subreddit, the keyword with the most threads - ties go to the keyword listed first -, the
#   cross-posted title, the deepest thread, the busiest thread without a keyword); at most 5.
#
# Expected output (offline data): 10 + 10 threads; over 50 comments: 4 in r/MachineLearning,
# 5 in r/artificial; keyword threads: 5 and 4 (the travel-agent thread only through its
# body's "GPT-based"); one identical title, "EU AI Act enforcement starts: what changes for
# open-source models?" (1p4m0vc / 1p4m1ab). Numbers as in the expected file.

subs = input.get("subreddits", ["MachineLearning", "artificial"])
keywords = input.get("keywords", ["GPT", "Transformer", "LLaMA"])
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

def fetch(pid, limit, depth):
    return parse_comments(r.fetch_reddit_post_content(post_id=pid, comment_limit=limit, comment_depth=depth))

def mean_level(comments):
    if not comments:
        return 0.0
    return round(sum([c["depth"] + 1 for c in comments]) / len(comments), 2)

def side(cs):
    return [{"author": c["author"], "score": c["score"], "text": c["body"]} for c in cs]

def avg(cs):
    return round(sum([c["score"] for c in cs]) / len(cs), 1) if cs else 0.0

def questions(cs):
    return len([c for c in cs if c["body"].strip().endswith("?")])

analysis = {}
all_threads = []
for sub in subs:
    posts = parse_posts(r.fetch_reddit_hot_threads(subreddit=sub, limit=10))
    rows = []
    for order, p in enumerate(posts):
        shallow = fetch(p["id"], 20, 2)
        row = {"post_id": p["id"], "title": p["title"], "score": p["score"], "listed_comments": p["comments"],
               "retrieved_depth_2": len(shallow), "retrieved_depth_3": None, "growth": 0, "keyword": None,
               "fetched_depths": [2]}
        final = shallow
        if p["comments"] > 50:
            deeper = fetch(p["id"], 50, 3)
            row["retrieved_depth_3"] = len(deeper)
            row["growth"] = len(deeper) - len(shallow)
            row["fetched_depths"].append(3)
            final = deeper
        text = (p["title"] + " " + p["content"]).lower()
        for k in keywords:
            if row["keyword"] is None and k.lower() in text:
                row["keyword"] = k
        if row["keyword"] is not None:
            deepest = fetch(p["id"], 50, 4)
            row["retrieved_depth_4"] = len(deepest)
            row["fetched_depths"].append(4)
            final = deepest
        row["final_comment_count"] = len(final)
        row["avg_comment_depth"] = mean_level(final)
        row["order"] = order
        rows.append(row)
        all_threads.append({"sub": sub, "row": row})
    ranked = sorted(rows, key=lambda x: (-x["growth"], x["order"]))
    keyword_rows = sorted([x for x in rows if x["keyword"] is not None], key=lambda x: (-x["final_comment_count"], x["order"]))
    for x in rows:
        x.pop("order")
    analysis[sub] = {
        "threads": ranked,
        "threads_over_50_comments": len([x for x in rows if x["listed_comments"] > 50]),
        "average_comment_depth": round(sum([x["avg_comment_depth"] for x in rows]) / len(rows), 2) if rows else 0.0,
        "top_keyword_threads": [{"post_id": x["post_id"], "title": x["title"], "keyword": x["keyword"],
                                 "final_comment_count": x["final_comment_count"]} for x in keyword_rows[0:3]],
    }

pairs = []
if len(subs) == 2:
    first = analysis[subs[0]]["threads"]
    second = analysis[subs[1]]["threads"]
    for x in first:
        for y in second:
            if x["title"] == y["title"]:
                left = fetch(x["post_id"], 5, 1)
                right = fetch(y["post_id"], 5, 1)
                note = (f"r/{subs[0]}: top comments average {avg(left)} points, {questions(left)} of {len(left)} are questions; "
                        f"r/{subs[1]}: {avg(right)} points, {questions(right)} of {len(right)} questions.")
                pairs.append({"title": x["title"], subs[0] + "_post_id": x["post_id"], subs[1] + "_post_id": y["post_id"],
                              "top_comments": {subs[0]: side(left), subs[1]: side(right)}, "note": note})

actions = []
for sub in subs:
    t = analysis[sub]["threads"]
    if t and t[0]["growth"] > 0:
        actions.append(f"r/{sub}: follow \"{t[0]['title']}\" - it grew by {t[0]['growth']} comments from depth 2 to depth 3.")
kw_counts = []
for k in keywords:
    hits = [a for a in all_threads if a["row"]["keyword"] == k]
    kw_counts.append([k, len(hits)])
kw_counts = sorted(kw_counts, key=lambda kc: -kc[1])
top_kw = kw_counts[0]
best_kw = None
for a in all_threads:
    if a["row"]["keyword"] == top_kw[0] and (best_kw is None or a["row"]["final_comment_count"] > best_kw["row"]["final_comment_count"]):
        best_kw = a
if best_kw is not None:
    actions.append(f"Track {top_kw[0]} discussions: {top_kw[1]} of {len(all_threads)} hot threads; the largest, \"{best_kw['row']['title']}\" (r/{best_kw['sub']}), shows {best_kw['row']['final_comment_count']} comments at depth 4.")
for pr in pairs:
    actions.append(f"Compare the two communities on \"{pr['title']}\": {pr['note']}")
deepest = None
for a in all_threads:
    if deepest is None or a["row"]["avg_comment_depth"] > deepest["row"]["avg_comment_depth"]:
        deepest = a
if deepest is not None:
    actions.append(f"Watch the deepest discussion, \"{deepest['row']['title']}\" (r/{deepest['sub']}): average comment level {deepest['row']['avg_comment_depth']}.")
quiet = None
for a in all_threads:
    if a["row"]["keyword"] is None and (quiet is None or a["row"]["listed_comments"] > quiet["row"]["listed_comments"]):
        quiet = a
if quiet is not None:
    actions.append(f"Beyond the keywords, the busiest thread is \"{quiet['row']['title']}\" (r/{quiet['sub']}, {quiet['row']['listed_comments']} comments): a topic to monitor.")

{"subreddit_analysis": analysis, "cross_subreddit_pairs": pairs, "action_items": actions[0:5]}
