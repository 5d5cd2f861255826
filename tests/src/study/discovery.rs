//! What a model in code mode asks `search_tools` before it writes the script: the
//! full Python declaration of each function the script uses, one query per function
//! (`"<tool> <function>"`, detail "full", language "python"), skipping a function an
//! earlier answer already showed (a query's words may match more functions than the
//! one asked for, and the answer shows all of them).
//!
//! The functions a script uses are those its run called (the trace) and those its
//! source names (`.convert_time(` after an alias of `tools.time_mcp`), so that a
//! branch the run did not take is declared too, as a model writing it needs.

use cemcp::TracedCall;
use serde_json::{Value, json};

use super::catalogue::Listed;

/// A function the script uses: its tool component and its WIT name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Used {
    /// The tool component (`time-mcp`).
    pub component: String,
    /// The WIT function name (`convert-time`).
    pub wit_function: String,
}

impl Used {
    /// The name a script calls it by (`convert_time`).
    pub fn script_name(&self) -> String {
        self.wit_function.replace('-', "_")
    }

    /// The line a full Python declaration of it starts with.
    pub fn declared_as(&self) -> String {
        format!("# tools.{}.{}\n", self.component.replace('-', "_"), self.script_name())
    }

    /// The `search_tools` arguments that find it.
    pub fn query(&self) -> Value {
        json!({ "query": format!("{} {}", self.component, self.wit_function), "detail": "full", "language": "python" })
    }
}

/// The functions of `components` that `source` uses or `trace` called, in order of
/// first call, then of first mention.
pub fn used(source: &str, trace: &[TracedCall], listed: &[Listed], components: &[String]) -> Vec<Used> {
    let mut found: Vec<Used> = Vec::new();
    let mut add = |used: Used| {
        if !found.contains(&used) {
            found.push(used);
        }
    };
    for call in trace {
        if let Some(tool) =
            listed.iter().find(|t| t.component == call.tool && t.wit_function.replace('-', "_") == call.function)
        {
            add(Used { component: tool.component.clone(), wit_function: tool.wit_function.clone() });
        }
    }
    let mut mentioned: Vec<(usize, Used)> = listed
        .iter()
        .filter(|t| components.contains(&t.component))
        .filter_map(|t| {
            let used = Used { component: t.component.clone(), wit_function: t.wit_function.clone() };
            first_mention(source, &used.script_name()).map(|at| (at, used))
        })
        .collect();
    mentioned.sort_by_key(|(at, _)| *at);
    for (_, used) in mentioned {
        add(used);
    }
    found
}

/// Where `.name` first appears in `source` as a whole attribute name.
fn first_mention(source: &str, name: &str) -> Option<usize> {
    let needle = format!(".{name}");
    source.match_indices(&needle).map(|(at, _)| at).find(|&at| {
        let next = source.get(at + needle.len()..).and_then(|rest| rest.chars().next());
        !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_is_a_whole_name() {
        assert_eq!(first_mention("t.add_matrices(a)\nm.add(1)", "add"), Some(19));
        assert_eq!(first_mention("t.add_matrices(a)", "add"), None);
    }
}
