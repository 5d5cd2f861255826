// reddit_001 (Reddit), in JavaScript: the same task, rules and expected output as
// reddit_001.py (see there): Thread A = most comments of the top 5 hot threads, re-fetched at
// depth 5 when more than 10 of its first 15 top-level comments have replies; Thread B = the
// highest score among the other four, fetched with 10 comments at depth 2.

const subreddit = input.subreddit ?? "MachineLearning";
const r = tools.reddit;

function parsePosts(text) {
  const posts = [];
  let post = null;
  for (const line of text.split("\n")) {
    if (post === null) {
      if (line.startsWith("Title: ")) post = { title: line.slice(7), content: "" };
    } else if (line.startsWith("Score: ") && post.score === undefined) {
      post.score = Number(line.slice(7));
    } else if (line.startsWith("Comments: ") && post.comments === undefined) {
      post.comments = Number(line.slice(10));
    } else if (line.startsWith("Link: ")) {
      const rest = line.includes("/comments/") ? line.split("/comments/")[1] : "";
      post.id = rest.split("/")[0];
    } else if (line === "---") {
      posts.push(post);
      post = null;
    }
  }
  return posts;
}

function parseComments(text) {
  const at = text.indexOf("\nComments:\n");
  if (at < 0) return [];
  const comments = [];
  for (let line of text.slice(at + 11).split("\n")) {
    if (line === "") continue;
    let depth = 0;
    while (line.startsWith("-- ")) {
      depth += 1;
      line = line.slice(3);
    }
    const last = comments[comments.length - 1];
    if (line.startsWith("* Author: ")) comments.push({ depth, author: line.slice(10), score: null, body: null });
    else if (!last) continue;
    else if (line.startsWith("  Score: ") && last.score === null) last.score = Number(line.slice(9));
    else if (last.body === null) last.body = line.startsWith("  ") ? line.slice(2) : line;
    else last.body += "\n" + line;
  }
  return comments;
}

const repliedTopLevel = (cs) => cs.filter((c, i) => c.depth === 0 && i + 1 < cs.length && cs[i + 1].depth === 1).length;

function topSnippet(cs) {
  let best = null;
  for (const c of cs) if (c.depth === 0 && (best === null || c.score > best.score)) best = c;
  return best === null ? null : best.body.slice(0, 200);
}

const fetch = (id, limit, depth) =>
  parseComments(r.fetch_reddit_post_content({ post_id: id, comment_limit: limit, comment_depth: depth }));

const posts = parsePosts(r.fetch_reddit_hot_threads({ subreddit, limit: 5 }));
let a = null;
for (const p of posts) if (a === null || p.comments > a.comments) a = p;
let b = null;
for (const p of posts) if (p.id !== a.id && (b === null || p.score > b.score)) b = p;

let aComments = fetch(a.id, 15, 3);
const withReplies = repliedTopLevel(aComments);
const deeper = withReplies > 10;
let aDepth = 3;
if (deeper) {
  aDepth = 5;
  aComments = fetch(a.id, 15, 5);
}
const bComments = fetch(b.id, 10, 2);

return {
  subreddit,
  threads: [
    {
      role: "most commented", id: a.id, title: a.title, score: a.score, comment_count: a.comments,
      fetched_depth: aDepth, top_level_comments_with_replies: withReplies, comments_retrieved: aComments.length,
      top_comment_snippet: topSnippet(aComments), deeper_refetch_performed: deeper,
    },
    {
      role: "highest score among the others", id: b.id, title: b.title, score: b.score, comment_count: b.comments,
      fetched_depth: 2, comments_retrieved: bComments.length, top_comment_snippet: topSnippet(bComments),
      deeper_refetch_performed: false,
    },
  ],
};
