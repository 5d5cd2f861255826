//! Tools as a client puts them into a model's prompt, in MCP-Bench's format
//! (`mcp_modules/connector.py::format_tools_for_prompt`): for each tool
//!
//! ````text
//!
//! Tool: `<Server>:<tool>` (Server: <Server>)
//!   Description: <description>
//!   Input Schema:
//! ```json
//! <the input schema as Python's json.dumps(schema, indent=2)>
//! ```
//! ````
//!
//! Output schemas are not shown (the benchmark leaves them out, and so do most
//! clients' prompts). `json.dumps` escapes every character outside ASCII
//! (`ensure_ascii=True`), which changes token counts, so this does too.

use serde_json::Value;

/// The ten servers: cemcp's tool component names and the benchmark's server names.
pub const SERVERS: [(&str, &str); 10] = [
    ("weather-data", "Weather Data"),
    ("unit-converter", "Unit Converter"),
    ("wikipedia", "Wikipedia"),
    ("call-for-papers", "Call for Papers"),
    ("math-mcp", "Math MCP"),
    ("paper-search", "Paper Search"),
    ("car-price-evaluator", "Car Price Evaluator"),
    ("scientific-computing", "Scientific Computing"),
    ("reddit", "Reddit"),
    ("time-mcp", "Time MCP"),
];

/// The resident server, connected for every task.
pub const RESIDENT: &str = "time-mcp";

/// The benchmark's name for tool component `component`, if it is one of the ten.
pub fn server_name(component: &str) -> Option<&'static str> {
    SERVERS.iter().find(|(c, _)| *c == component).map(|(_, name)| *name)
}

/// The tool component for the benchmark's server `name`, if it is one of the ten.
pub fn component_of(name: &str) -> Option<&'static str> {
    SERVERS.iter().find(|(_, n)| *n == name).map(|(c, _)| *c)
}

/// One tool as a prompt shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDef {
    /// The tool's name, as `tools/list` gives it.
    pub name: String,
    /// The server it belongs to (the benchmark's name for it).
    pub server: String,
    /// Its description.
    pub description: String,
    /// Its input schema.
    pub input_schema: Value,
}

impl ToolDef {
    /// The tool's block in the prompt.
    pub fn block(&self) -> String {
        let (server, name) = (&self.server, &self.name);
        format!(
            "\nTool: `{server}:{name}` (Server: {server})\n  Description: {}\n  Input Schema:\n```json\n{}\n```\n",
            self.description,
            python_json(&self.input_schema)
        )
    }
}

/// A listing: every tool's block, in order.
pub fn listing<'a>(tools: impl IntoIterator<Item = &'a ToolDef>) -> String {
    tools.into_iter().map(ToolDef::block).collect()
}

/// `value` as Python's `json.dumps(value, indent=2)` writes it: two-space indents,
/// `": "` between key and value, and every character outside ASCII as `\uXXXX`.
pub fn python_json(value: &Value) -> String {
    let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
    let mut out = String::with_capacity(pretty.len());
    for c in pretty.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            // Only strings hold characters outside ASCII, so escaping them here is
            // what json.dumps does; beyond the BMP it writes a surrogate pair.
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_is_indented_and_ascii_as_python_writes_it() {
        let value = json!({"b": [1, 2], "a": {"unit": "m\u{2011}s", "e": "😀"}, "c": []});
        assert_eq!(
            python_json(&value),
            "{\n  \"a\": {\n    \"e\": \"\\ud83d\\ude00\",\n    \"unit\": \"m\\u2011s\"\n  },\n  \"b\": [\n    1,\n    2\n  ],\n  \"c\": []\n}"
        );
    }

    #[test]
    fn a_block_is_the_benchmarks_format() {
        let tool = ToolDef {
            name: "add".into(),
            server: "Math MCP".into(),
            description: "Adds.".into(),
            input_schema: json!({"type": "object"}),
        };
        assert_eq!(
            tool.block(),
            "\nTool: `Math MCP:add` (Server: Math MCP)\n  Description: Adds.\n  Input Schema:\n```json\n{\n  \"type\": \"object\"\n}\n```\n"
        );
    }
}
