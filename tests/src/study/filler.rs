//! SYNTHETIC filler servers: stand-ins for the distraction servers outside the ten
//! (BioMCP, NASA Data, ...), which cemcp does not host. They exist only to put
//! tool listings of realistic size into the context-coupled agent's prompt; nothing
//! calls them, and every one of their tools says it is synthetic.
//!
//! **Sizes.** `tests/mcpbench/study-sizes.toml` quotes the study's published listing
//! sizes (prompt-format characters and tool counts) of each task with only its own
//! servers and with its full distraction set, and of each of the ten servers. For
//! each task, full − own − resident Time MCP − its distraction servers among the ten
//! is the sum of its other distraction servers' sizes: 30 sums over 18 servers.
//! [`solve`] solves them by least squares (exactly: the residuals are 0 for both
//! characters and tools), so each filler server has the character count and tool
//! count of the original it stands in for, in the same prompt format.
//!
//! **Content.** Each filler tool has a small input schema (more parameters for larger
//! tools) and a description of plausible API-documentation English, generated from a
//! fixed word list, cut so that the server's blocks add up to its size exactly.

use std::collections::BTreeMap;

use anyhow::{Context as _, anyhow, bail};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::prompt::{RESIDENT, ToolDef, component_of, server_name};
use crate::mcpbench::Task;
use crate::workspace_root;

/// A listing's size in the benchmark's prompt format.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Size {
    /// Characters.
    pub chars: u64,
    /// Tools.
    pub tools: u64,
}

/// A task's published listing sizes.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSizes {
    /// Its own servers.
    pub required: Size,
    /// Its own servers, Time MCP and its ten distraction servers.
    pub full: Size,
}

/// `tests/mcpbench/study-sizes.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    /// Each of the ten servers, by its benchmark name.
    pub server: BTreeMap<String, Size>,
    /// Each task, by id.
    pub task: BTreeMap<String, TaskSizes>,
}

impl Published {
    /// Reads `tests/mcpbench/study-sizes.toml`.
    ///
    /// # Errors
    ///
    /// When it cannot be read or parsed.
    pub fn load() -> anyhow::Result<Self> {
        let path = workspace_root().join("tests/mcpbench/study-sizes.toml");
        let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
        toml::from_str(&text).with_context(|| path.display().to_string())
    }
}

/// A synthetic filler server: the size of the distraction server it stands in for.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FillerServer {
    /// The benchmark's name of the server it stands in for.
    pub name: String,
    /// Its size.
    pub size: Size,
}

/// The filler servers' sizes, solved from the published sums, and the largest
/// residual (characters, tools) of those sums with the sizes rounded.
///
/// # Errors
///
/// When a task has no published sizes, the sums do not determine every server, or a
/// solved size is not positive.
pub fn solve(published: &Published, tasks: &[Task]) -> anyhow::Result<(Vec<FillerServer>, (i64, i64))> {
    let outside: Vec<String> = {
        let mut names: Vec<String> =
            tasks.iter().flat_map(|t| &t.distraction).filter(|d| component_of(d).is_none()).cloned().collect();
        names.sort();
        names.dedup();
        names
    };
    let mut rows = Vec::new();
    for task in tasks {
        let sizes = published.task.get(&task.id).ok_or_else(|| anyhow!("no published sizes for `{}`", task.id))?;
        let (mut chars, mut tools) = (signed(sizes.full.chars) - signed(sizes.required.chars), 0);
        tools += signed(sizes.full.tools) - signed(sizes.required.tools);
        let mut inside: Vec<&str> =
            task.distraction.iter().filter(|d| component_of(d).is_some()).map(String::as_str).collect();
        if !task.servers.iter().any(|s| s == RESIDENT) {
            inside.extend(server_name(RESIDENT));
        }
        for name in inside {
            let size = published.server.get(name).ok_or_else(|| anyhow!("no published size for `{name}`"))?;
            chars -= signed(size.chars);
            tools -= signed(size.tools);
        }
        let members: Vec<usize> = task.distraction.iter().filter_map(|d| outside.iter().position(|o| o == d)).collect();
        rows.push((members, chars, tools));
    }
    let chars = least_squares(&rows.iter().map(|(m, c, _)| (m.clone(), *c as f64)).collect::<Vec<_>>(), outside.len())
        .ok_or_else(|| anyhow!("the published sizes do not determine every filler server's size"))?;
    let tools = least_squares(&rows.iter().map(|(m, _, t)| (m.clone(), *t as f64)).collect::<Vec<_>>(), outside.len())
        .ok_or_else(|| anyhow!("the published sizes do not determine every filler server's tool count"))?;
    let mut servers = Vec::new();
    for ((name, c), t) in outside.into_iter().zip(chars).zip(tools) {
        let (c, t) = (c.round(), t.round());
        if c < 1.0 || t < 1.0 {
            bail!("filler server `{name}` solved to {c} characters in {t} tools");
        }
        servers.push(FillerServer { name, size: Size { chars: c as u64, tools: t as u64 } });
    }
    let residual = |pick: fn(&Size) -> u64, target: fn(&(Vec<usize>, i64, i64)) -> i64| {
        rows.iter()
            .map(|row| {
                let sum: i64 = row.0.iter().filter_map(|&i| servers.get(i)).map(|s| signed(pick(&s.size))).sum();
                (sum - target(row)).abs()
            })
            .max()
            .unwrap_or(0)
    };
    let residuals = (residual(|s| s.chars, |r| r.1), residual(|s| s.tools, |r| r.2));
    Ok((servers, residuals))
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The least-squares solution of `Σ_{j in members} x_j = b` over `rows`: the normal
/// equations solved by Gauss–Jordan elimination with partial pivoting. `None` when
/// they are singular (some unknown is not determined).
fn least_squares(rows: &[(Vec<usize>, f64)], unknowns: usize) -> Option<Vec<f64>> {
    // [AᵀA | Aᵀb], A's entries being 0 or 1.
    let mut m = vec![vec![0.0; unknowns + 1]; unknowns];
    for (members, b) in rows {
        for &i in members {
            let row = m.get_mut(i)?;
            for &j in members {
                *row.get_mut(j)? += 1.0;
            }
            *row.get_mut(unknowns)? += b;
        }
    }
    for col in 0..unknowns {
        let pivot_at = (col..unknowns).max_by(|&a, &b| {
            let value = |r: usize| m.get(r).and_then(|row| row.get(col)).map_or(0.0, |v: &f64| v.abs());
            value(a).total_cmp(&value(b))
        })?;
        m.swap(col, pivot_at);
        let pivot = m.get(col)?.clone();
        let p = *pivot.get(col)?;
        if p.abs() < 1e-9 {
            return None;
        }
        for (r, row) in m.iter_mut().enumerate() {
            if r == col {
                continue;
            }
            let factor = row.get(col).copied().unwrap_or(0.0) / p;
            for (x, y) in row.iter_mut().zip(&pivot) {
                *x -= factor * y;
            }
        }
    }
    m.iter().enumerate().map(|(i, row)| Some(row.get(unknowns)? / row.get(i)?)).collect()
}

/// Words of API documentation, for descriptions of realistic token density.
const WORDS: [&str; 64] = [
    "Returns",
    "the",
    "list",
    "of",
    "matching",
    "records",
    "for",
    "a",
    "given",
    "query",
    "and",
    "optional",
    "filters",
    "Use",
    "this",
    "to",
    "look",
    "up",
    "details",
    "about",
    "an",
    "item",
    "by",
    "its",
    "identifier",
    "results",
    "are",
    "sorted",
    "by",
    "relevance",
    "or",
    "date",
    "Each",
    "result",
    "includes",
    "name",
    "description",
    "category",
    "and",
    "source",
    "URL",
    "Supports",
    "pagination",
    "with",
    "limit",
    "offset",
    "parameters",
    "when",
    "no",
    "match",
    "is",
    "found",
    "an",
    "empty",
    "list",
    "returned",
    "Dates",
    "use",
    "ISO",
    "8601",
    "format",
    "values",
    "in",
    "metric",
];

/// Parameter names, in the order a filler tool takes them.
const PARAMS: [(&str, &str); 8] = [
    ("query", "string"),
    ("limit", "integer"),
    ("offset", "integer"),
    ("category", "string"),
    ("start_date", "string"),
    ("end_date", "string"),
    ("include_details", "boolean"),
    ("language", "string"),
];

/// Deterministic filler text of exactly `len` characters (ASCII), from `seed`.
fn words(len: usize, seed: u64) -> String {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    let mut text = String::with_capacity(len + 16);
    while text.len() < len {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let index = usize::try_from(state >> 33).unwrap_or(0) % WORDS.len();
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(WORDS.get(index).copied().unwrap_or("the"));
    }
    text.truncate(len);
    text
}

/// The input schema of a filler tool with `params` parameters, each described in
/// about `described` characters.
fn schema(params: usize, described: usize, seed: u64) -> Value {
    let mut properties = Map::new();
    for (i, (name, ty)) in PARAMS.iter().cycle().take(params.max(1)).enumerate() {
        let mut property = Map::new();
        property.insert("type".into(), json!(ty));
        if described > 0 {
            property.insert("description".into(), json!(words(described, seed.wrapping_add(i as u64))));
        }
        let key = if i < PARAMS.len() { (*name).to_owned() } else { format!("{name}_{i}") };
        properties.insert(key, Value::Object(property));
    }
    json!({ "type": "object", "properties": properties, "required": ["query"] })
}

/// `server`'s synthetic tools, whose blocks in the prompt add up to its size.
pub fn tools(server: &FillerServer) -> Vec<ToolDef> {
    let count = usize::try_from(server.size.tools).unwrap_or(1).max(1);
    let chars = usize::try_from(server.size.chars).unwrap_or(0);
    let (each, extra) = (chars / count, chars % count);
    let seed = server.name.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    (0..count)
        .map(|i| {
            let target = each + usize::from(i < extra);
            let seed = seed.wrapping_add(i as u64 * 1000);
            let label = format!("Synthetic filler standing in for a {} tool (not a real tool). ", server.name);
            let mut tool = ToolDef {
                name: format!("synthetic_tool_{}", i + 1),
                server: server.name.clone(),
                description: label.clone(),
                input_schema: Value::Null,
            };
            // About half the block in the schema, a parameter per ~250 characters.
            let (mut params, mut described) = ((target / 500).clamp(1, 24), 60);
            loop {
                tool.input_schema = schema(params, described, seed);
                tool.description = label.clone();
                let fixed = tool.block().len();
                if fixed <= target || (params == 1 && described == 0) {
                    tool.description.push_str(&words(target.saturating_sub(fixed), seed));
                    return tool;
                }
                if params > 1 {
                    params -= 1;
                } else {
                    described = 0;
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_solves_an_exact_system() {
        let rows = [(vec![0, 1], 5.0), (vec![1, 2], 7.0), (vec![0, 2], 6.0), (vec![0, 1, 2], 9.0)];
        let x = least_squares(&rows, 3).unwrap_or_default();
        let want = [2.0, 3.0, 4.0];
        assert!(x.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-9), "{x:?}");
        assert_eq!(least_squares(&[(vec![0, 1], 1.0)], 2), None);
    }

    #[test]
    fn filler_tools_add_up_to_the_servers_size() {
        for (chars, tools) in [(346, 1), (909, 2), (80_558, 35), (7_934, 2)] {
            let server = FillerServer { name: "Some Server".into(), size: Size { chars, tools } };
            let listing: String = super::tools(&server).iter().map(ToolDef::block).collect();
            assert_eq!(listing.len() as u64, chars, "{listing}");
            assert!(listing.contains("Synthetic filler"));
        }
    }
}
