//! The tool catalogue the context-coupled agent is shown: the ten servers' tools as
//! `cemcp serve --expose tools` lists them, the synthetic filler servers, and the
//! steps by which a task's catalogue grows (its own servers; + the resident Time MCP;
//! + its distraction servers one by one, in `tasks.toml` order).

use std::collections::BTreeMap;

use anyhow::{Context as _, anyhow};
use serde::Serialize;
use serde_json::Value;

use super::filler::{self, FillerServer};
use super::prompt::{RESIDENT, ToolDef, component_of, server_name};
use crate::mcpbench::Task;

/// One tool of the ten, as listed.
#[derive(Debug, Clone)]
pub struct Listed {
    /// As the prompt shows it.
    pub def: ToolDef,
    /// Its tool component in the manifest.
    pub component: String,
    /// Its function's WIT name (`get-current-weather-tool`).
    pub wit_function: String,
}

/// Reads a tools-mode tool's component and WIT function from the line cemcp ends
/// every description with: "[function `f` of `iface`, from tool component `c`]".
fn origin(description: &str) -> Option<(String, String)> {
    let trailer = description.get(description.rfind("[function `")?..)?;
    let function = trailer.strip_prefix("[function `")?.split('`').next()?;
    let component = trailer.rsplit("from tool component `").next()?.split('`').next()?;
    Some((component.to_owned(), function.to_owned()))
}

/// The ten servers' tools from a tools-mode `tools/list`.
///
/// # Errors
///
/// When a tool's description does not say which component it comes from, or that
/// component is not one of the ten.
pub fn listed(tools: &[rmcp::model::Tool]) -> anyhow::Result<Vec<Listed>> {
    tools
        .iter()
        .map(|tool| {
            let description = tool.description.as_deref().unwrap_or_default();
            let (component, wit_function) =
                origin(description).ok_or_else(|| anyhow!("`{}`: no component named in its description", tool.name))?;
            let server = server_name(&component).ok_or_else(|| anyhow!("`{component}` is not one of the ten"))?;
            Ok(Listed {
                def: ToolDef {
                    name: tool.name.to_string(),
                    server: server.to_owned(),
                    description: description.to_owned(),
                    input_schema: Value::Object((*tool.input_schema).clone()),
                },
                component,
                wit_function,
            })
        })
        .collect()
}

/// A code-mode `tools/list` as the prompt shows it, all under server `cemcp`.
pub fn code_mode(tools: &[rmcp::model::Tool]) -> Vec<ToolDef> {
    tools
        .iter()
        .map(|tool| ToolDef {
            name: tool.name.to_string(),
            server: "cemcp".to_owned(),
            description: tool.description.as_deref().unwrap_or_default().to_owned(),
            input_schema: Value::Object((*tool.input_schema).clone()),
        })
        .collect()
}

/// Every server's tools, by the benchmark's server name: the ten (real) and the
/// filler (synthetic).
pub struct Catalogue {
    servers: BTreeMap<String, Vec<ToolDef>>,
    synthetic: Vec<String>,
}

/// A task's catalogue at one step of its growth.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// What is connected, e.g. "own + Time MCP + 3 distraction".
    pub label: String,
    /// The servers connected, in listing order.
    pub servers: Vec<String>,
    /// How many of them are synthetic filler.
    pub synthetic: usize,
}

impl Catalogue {
    /// The ten servers' `listed` tools and the `filler` servers' synthetic ones.
    pub fn new(listed: &[Listed], filler: &[FillerServer]) -> Self {
        let mut servers: BTreeMap<String, Vec<ToolDef>> = BTreeMap::new();
        for tool in listed {
            servers.entry(tool.def.server.clone()).or_default().push(tool.def.clone());
        }
        for server in filler {
            servers.insert(server.name.clone(), filler::tools(server));
        }
        Self { servers, synthetic: filler.iter().map(|s| s.name.clone()).collect() }
    }

    /// Whether `server` is synthetic filler.
    pub fn is_synthetic(&self, server: &str) -> bool {
        self.synthetic.iter().any(|s| s == server)
    }

    /// The prompt listing of `servers`, in order.
    ///
    /// # Errors
    ///
    /// When a server is unknown.
    pub fn listing(&self, servers: &[String]) -> anyhow::Result<String> {
        let mut text = String::new();
        for server in servers {
            let tools = self.servers.get(server).with_context(|| format!("no tools for server `{server}`"))?;
            text.push_str(&super::prompt::listing(tools));
        }
        Ok(text)
    }

    /// Tools and characters of `server`'s listing.
    pub fn size(&self, server: &str) -> (usize, usize) {
        self.servers.get(server).map_or((0, 0), |tools| (tools.len(), super::prompt::listing(tools).len()))
    }

    /// The steps of `task`'s catalogue: its own servers; with Time MCP (the same
    /// servers when Time MCP is its own); then with each distraction server added:
    /// twelve steps for a task with ten distraction servers.
    ///
    /// # Errors
    ///
    /// When one of its servers is not one of the ten.
    pub fn steps(&self, task: &Task) -> anyhow::Result<Vec<Step>> {
        let mut servers = task
            .servers
            .iter()
            .map(|c| server_name(c).map(str::to_owned).ok_or_else(|| anyhow!("`{c}` is not one of the ten")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut steps = vec![Step { label: "own servers".into(), servers: servers.clone(), synthetic: 0 }];
        let resident = server_name(RESIDENT).unwrap_or("Time MCP").to_owned();
        if servers.contains(&resident) {
            // A Time MCP task: connecting the resident server adds nothing, but the
            // step is kept so that every task's steps line up.
            steps.push(Step { label: "+ Time MCP (its own)".into(), servers: servers.clone(), synthetic: 0 });
        } else {
            servers.push(resident);
            steps.push(Step { label: "+ Time MCP".into(), servers: servers.clone(), synthetic: 0 });
        }
        let mut synthetic = 0;
        for (n, server) in task.distraction.iter().enumerate() {
            if component_of(server).is_none() {
                synthetic += 1;
            }
            servers.push(server.clone());
            steps.push(Step { label: format!("+ {} distraction", n + 1), servers: servers.clone(), synthetic });
        }
        Ok(steps)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_description_names_its_component_and_function() {
        let description = "Adds.\n\n[function `add` of `mcpbench:math-mcp/math@0.1.0`, from tool component `math-mcp`]";
        assert_eq!(super::origin(description), Some(("math-mcp".into(), "add".into())));
        assert_eq!(super::origin("no trailer"), None);
    }
}
