//! Profiles, resolved against the loaded tools: what a program run under one may
//! call, and its limits. Resolved once, when the runtime loads.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::manifest::{Limits, Location, Manifest, Problem};
use crate::tool::{FuncView, Tool};

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
}

impl Profile {
    /// The tools this profile grants, in the order it lists them.
    pub fn tools(&self) -> &[Arc<Tool>] {
        &self.tools
    }

    /// Every function of every granted tool, with its signature and docs.
    pub fn functions(&self) -> impl Iterator<Item = FuncView<'_>> {
        self.tools.iter().flat_map(Tool::functions)
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
        let profile = Profile { name: spec.name.clone(), limits: spec.limits, tools: granted };
        profiles.insert(spec.name.clone(), Arc::new(profile));
    }
    profiles
}
