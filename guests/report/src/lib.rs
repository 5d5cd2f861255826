//! `report`: the example agent program. It finds the files whose lines match a
//! pattern (through the `files` tool), counts their words, stores a summary in the
//! `kv` tool and returns a JSON report. Only that report goes back to the caller.
//!
//! Input:  `{"pattern": "wasm", "mode": "substring" | "regex", "path": "", "key": "..."}`
//! (all but `pattern` optional).

use std::collections::BTreeMap;

use cemcp::files::files::{self, MatchMode};
use cemcp::kv::kv;
use serde::Deserialize;
use serde_json::{Value, json};

wit_bindgen::generate!({
    path: ["../../wit/host", "../../wit/files", "../../wit/kv"],
    inline: "
        package cemcp:report;
        world report {
            include cemcp:host/program@0.1.0;
            import cemcp:files/files@0.1.0;
            import cemcp:kv/kv@0.1.0;
        }
    ",
    world: "cemcp:report/report",
    generate_all,
});

/// Most matching lines looked at.
const MAX_HITS: u32 = 10_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    pattern: String,
    #[serde(default)]
    mode: Mode,
    #[serde(default)]
    path: String,
    key: Option<String>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Mode {
    #[default]
    Substring,
    Regex,
}

struct Report;

impl Guest for Report {
    fn run(input: String) -> Result<String, String> {
        let input: Input = serde_json::from_str(&input).map_err(|e| format!("invalid input: {e}"))?;
        let mode = match input.mode {
            Mode::Substring => MatchMode::Substring,
            Mode::Regex => MatchMode::Regex,
        };
        let hits = files::search(&input.pattern, mode, &input.path, MAX_HITS)?;

        let mut matching_lines: BTreeMap<String, u64> = BTreeMap::new();
        for hit in &hits {
            *matching_lines.entry(hit.path.clone()).or_default() += 1;
        }
        let mut per_file = Vec::new();
        let mut total_words = 0u64;
        for (path, lines) in &matching_lines {
            let text = files::read(path, 0, None)?;
            let words = text.split_whitespace().count() as u64;
            total_words += words;
            per_file.push(json!({ "path": path, "matching_lines": lines, "words": words }));
        }

        let key = input.key.unwrap_or_else(|| format!("report/{}", input.pattern));
        let summary = json!({
            "pattern": &input.pattern,
            "files": matching_lines.len(),
            "matching_lines": hits.len(),
            "words": total_words,
        });
        let previous = kv::get(&key)?.and_then(|text| serde_json::from_str::<Value>(&text).ok());
        kv::put(&key, &summary.to_string())?;

        let report = json!({
            "pattern": input.pattern,
            "files": per_file,
            "total_matching_lines": hits.len(),
            "total_words": total_words,
            "stored_under": key,
            "previous": previous,
        });
        Ok(report.to_string())
    }
}

export!(Report);
