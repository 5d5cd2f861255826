//! Profiles, resolved against the loaded tools: what a program run under one may
//! call, and its limits. Resolved once, when the runtime loads.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;

use crate::gate::{Denial, Policy};
use crate::manifest::{Limits, Location, Manifest, Problem};
use crate::tool::{FuncView, Tool};
use crate::wit_json::json_name;

/// A profile, resolved against the loaded tools: what programs run under it may
/// call, and their limits.
#[derive(Debug)]
pub struct Profile {
    /// Its name in the manifest.
    pub name: String,
    /// Limits for each run.
    pub limits: Limits,
    /// The tools it grants, in the order it lists them.
    tools: Vec<Arc<Tool>>,
    /// Its gates, flows, approvals and audit log.
    pub policy: Arc<Policy>,
    /// Functions its gates hid at discovery, by tool and JSON name.
    hidden: BTreeMap<(String, String), Denial>,
}

impl Profile {
    /// The tools this profile grants, in the order it lists them.
    pub fn tools(&self) -> &[Arc<Tool>] {
        &self.tools
    }

    /// Every function of every granted tool that its gates let it see, with its
    /// signature and docs.
    pub fn functions(&self) -> impl Iterator<Item = FuncView<'_>> {
        self.tools
            .iter()
            .flat_map(Tool::functions)
            .filter(|f| !self.hidden.contains_key(&(f.tool.name.clone(), json_name(&f.func.name))))
    }

    /// Why `tool.function` (JSON name) is hidden, if a gate hid it.
    pub fn hidden(&self, tool: &str, function: &str) -> Option<&Denial> {
        self.hidden.get(&(tool.to_owned(), function.to_owned()))
    }

    /// Every hidden function: `(tool, function)` and why.
    pub fn hidden_functions(&self) -> impl Iterator<Item = (&(String, String), &Denial)> {
        self.hidden.iter()
    }
}

/// Each profile with its tools. Two tools granted to the same profile must not
/// export the same interface: a program import has to name exactly one provider.
pub(crate) fn resolve(
    manifest: &Manifest,
    tools: &[Arc<Tool>],
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, Arc<Profile>> {
    let mut profiles = BTreeMap::new();
    for spec in manifest.profiles.values() {
        let granted: Vec<Arc<Tool>> =
            spec.tools.iter().filter_map(|name| tools.iter().find(|t| &t.name == name)).cloned().collect();
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for tool in &granted {
            for interface in &tool.interfaces {
                if let Some(first) = seen.insert(&interface.name, &tool.name) {
                    problems.push(Problem::new(
                        &Location::Profile(spec.name.clone()),
                        "tools",
                        format!(
                            "tools `{first}` and `{}` both export `{}`; grant one of them",
                            tool.name, interface.name
                        ),
                    ));
                }
            }
        }
        let policy = Policy::new(spec, &manifest.gates, problems);
        let hidden = discover(&policy, &granted, problems);
        let profile =
            Profile { name: spec.name.clone(), limits: spec.limits, tools: granted, policy: Arc::new(policy), hidden };
        profiles.insert(spec.name.clone(), Arc::new(profile));
    }
    profiles
}

/// Point 1 of the gates, once per function: what the profile's gates hide, each
/// decision recorded in its audit log.
fn discover(policy: &Policy, tools: &[Arc<Tool>], problems: &mut Vec<Problem>) -> BTreeMap<(String, String), Denial> {
    let mut hidden = BTreeMap::new();
    for function in tools.iter().flat_map(Tool::functions) {
        let name = json_name(&function.func.name);
        if let Some(denial) = policy.discovery(&function.tool.name, &name, &function.docs.docs) {
            tracing::info!(profile = %policy.profile, tool = %function.tool.name, function = %name, "hidden: {denial}");
            let record = denial.audit_fields(json!({ "tool": function.tool.name, "function": name }));
            if let Err(e) = policy.audit("discovery", record) {
                problems.push(Problem::new(&Location::Profile(policy.profile.clone()), "audit", e.message));
            }
            hidden.insert((function.tool.name.clone(), name), denial);
        }
    }
    hidden
}
