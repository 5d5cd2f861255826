//! The synthetic threads (`data/reddit/threads.json`) and their comment trees, generated
//! deterministically from each thread's spec: how many comments, how many top-level, how
//! deep, how many of the best top-level comments surely have replies, and a pool of
//! on-topic remarks.

use std::sync::LazyLock;

use serde::Deserialize;

/// The data set, as shipped.
pub static DATA: LazyLock<Data> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../data/reddit/threads.json")).unwrap_or_else(|_| Data::default())
});

/// The data file.
#[derive(Debug, Default, Deserialize)]
pub struct Data {
    /// Phrases that may start a top-level remark.
    pub openers: Vec<String>,
    /// Generic replies.
    pub replies: Vec<String>,
    /// Two lists of user-name parts.
    pub name_parts: (Vec<String>, Vec<String>),
    /// The posts, each subreddit's in hot order.
    pub threads: Vec<Thread>,
}

/// One post and the spec of its comments.
#[derive(Debug, Deserialize)]
pub struct Thread {
    pub subreddit: String,
    pub id: String,
    pub title: String,
    pub author: String,
    pub score: i64,
    /// All comments, at every level.
    pub comments: usize,
    pub top_level: usize,
    pub max_depth: usize,
    pub replied_top: usize,
    /// "text", "link" or "gallery".
    pub kind: String,
    pub selftext: String,
    pub url: String,
    pub created_utc: i64,
    pub pool: Vec<String>,
}

/// One generated comment.
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: String,
    pub author: String,
    pub score: i64,
    pub body: String,
    /// 0 for top-level comments.
    pub depth: usize,
    /// Indexes of its replies, best first.
    pub replies: Vec<usize>,
}

/// A thread's comments (an arena) and its top-level comments, best first.
#[derive(Debug, Clone)]
pub struct Tree {
    pub comments: Vec<Comment>,
    pub top: Vec<usize>,
}

impl Tree {
    /// How many comments the subtree of `index` holds, itself included.
    pub fn size(&self, index: usize) -> usize {
        1 + self.comments.get(index).map_or(0, |c| c.replies.iter().map(|r| self.size(*r)).sum())
    }
}

/// A small deterministic generator (64-bit LCG, high bits out).
struct Rng(u64);

impl Rng {
    fn new(seed: &str) -> Self {
        // FNV-1a of the seed.
        Self(seed.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)))
    }

    fn next(&mut self, bound: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap_or(0) % bound.max(1)
    }
}

/// Generates the comment tree of `thread` (number `number` in the data set).
pub fn generate(thread: &Thread, number: usize) -> Tree {
    let data = &*DATA;
    let mut rng = Rng::new(&thread.id);
    let mut comments: Vec<Comment> = Vec::with_capacity(thread.comments);
    let top_count = thread.top_level.min(thread.comments);
    let base = thread.score / 8;
    let top_n = i64::try_from(top_count).unwrap_or(1).max(1);
    for i in 0..top_count {
        let rank = top_n - i64::try_from(i).unwrap_or(0);
        let score = base * rank / top_n + rank;
        comments.push(Comment {
            id: comment_id(number, comments.len()),
            author: user(&mut rng),
            score,
            body: remark(thread, i),
            depth: 0,
            replies: Vec::new(),
        });
    }
    let mut remarks = top_count;
    for k in 0..thread.comments.saturating_sub(top_count) {
        let eligible = |c: &Comment| c.depth + 1 < thread.max_depth;
        let parent = if k < thread.replied_top.min(top_count) {
            k
        } else {
            let last = comments.len().saturating_sub(1);
            if rng.next(2) == 0 && comments.get(last).is_some_and(eligible) {
                last
            } else {
                let candidates: Vec<usize> =
                    (0..comments.len()).filter(|i| comments.get(*i).is_some_and(eligible)).collect();
                candidates.get(rng.next(candidates.len())).copied().unwrap_or(0)
            }
        };
        let (parent_score, parent_depth) = comments.get(parent).map_or((1, 0), |p| (p.score, p.depth));
        let score = parent_score * i64::try_from(20 + rng.next(50)).unwrap_or(20) / 100
            + i64::try_from(rng.next(5)).unwrap_or(0)
            - 1;
        let body = if rng.next(3) == 0 {
            remarks += 1;
            remark(thread, remarks)
        } else {
            data.replies.get(rng.next(data.replies.len())).cloned().unwrap_or_default()
        };
        let index = comments.len();
        comments.push(Comment {
            id: comment_id(number, index),
            author: user(&mut rng),
            score,
            body,
            depth: parent_depth + 1,
            replies: Vec::new(),
        });
        if let Some(p) = comments.get_mut(parent) {
            p.replies.push(index);
        }
    }
    let scores: Vec<i64> = comments.iter().map(|c| c.score).collect();
    let by_score = |a: &usize, b: &usize| scores.get(*b).cmp(&scores.get(*a));
    for comment in &mut comments {
        comment.replies.sort_by(by_score);
    }
    let mut top: Vec<usize> = (0..top_count).collect();
    top.sort_by(by_score);
    Tree { comments, top }
}

/// Remark number `i` of a thread: an opener and a remark from its pool.
fn remark(thread: &Thread, i: usize) -> String {
    let openers = &DATA.openers;
    let pool = thread.pool.len().max(1);
    let claim = thread.pool.get(i % pool).cloned().unwrap_or_default();
    let opener = openers.get((i / pool) % openers.len().max(1)).cloned().unwrap_or_default();
    if opener.is_empty() {
        return claim;
    }
    let mut chars = claim.chars();
    let first = chars.next();
    let second = claim.chars().nth(1);
    let keep = claim.starts_with("I ") || second.is_some_and(|c| !c.is_lowercase());
    match first {
        Some(f) if !keep => format!("{opener}{}{}", f.to_lowercase(), chars.as_str()),
        _ => format!("{opener}{claim}"),
    }
}

fn user(rng: &mut Rng) -> String {
    let (first, second) = &DATA.name_parts;
    let a = first.get(rng.next(first.len())).cloned().unwrap_or_default();
    let b = second.get(rng.next(second.len())).cloned().unwrap_or_default();
    match rng.next(3) {
        0 => format!("{a}_{b}"),
        1 => format!("{a}{b}{}", 10 + rng.next(90)),
        _ => format!("{}_{a}", b),
    }
}

/// A comment id in Reddit's style (base 36), unique in the data set.
fn comment_id(thread: usize, index: usize) -> String {
    let mut n = 60_000_000 + thread * 4_096 + index;
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(char::from_digit(u32::try_from(n % 36).unwrap_or(0), 36).unwrap_or('0'));
        n /= 36;
    }
    digits.iter().rev().collect()
}
