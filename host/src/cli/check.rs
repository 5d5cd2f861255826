//! `cemcp check`: the effective capabilities of every component, as a table an admin
//! can read to answer "what can this component touch?".

use std::fmt::Write as _;

use bytesize::ByteSize;

use crate::gate::{Mark, is_egress, marked};
use crate::manifest::{Clocks, Limits, Precision, ProgramSource, ToolSpec};
use crate::profile::Profile;
use crate::runtime::Runtime;
use crate::tool::Tool;
use crate::wit_json::json_name;

/// The report for a loaded (and therefore valid) manifest.
pub fn report(runtime: &Runtime) -> String {
    let manifest = runtime.manifest();
    let mut out = format!(
        "manifest {} is valid: {} tool(s), {} profile(s)\n",
        manifest.path.display(),
        manifest.tools.len(),
        manifest.profiles.len()
    );
    for tool in runtime.tools() {
        let _ = writeln!(out, "\ntool {}", tool.name);
        row(&mut out, "component", &component_line(manifest.tools.get(&tool.name), tool));
        let exports: Vec<String> = tool
            .interfaces
            .iter()
            .map(|i| format!("{} ({})", i.name, i.funcs.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")))
            .collect();
        row(&mut out, "exports", &exports.join("; "));
        if tool.mcp_prefix != format!("{}_", tool.name.replace('-', "_")) {
            row(&mut out, "mcp names", &format!("{}<function>", tool.mcp_prefix));
        }
        tool_grants(&mut out, tool);
        row(&mut out, "limits", &limits_line(&tool.limits, "per call"));
        tool_marks(&mut out, tool);
        let mut problems: Vec<String> = tool
            .functions()
            .flat_map(|f| f.docs.problems.iter().map(move |p| format!("{}: {p} (ignored)", f.func.name)))
            .collect();
        problems.extend(unconfirmed_marks(tool));
        if !problems.is_empty() {
            row(&mut out, "warnings", &problems.join("\n             "));
        }
    }
    for interpreter in manifest.interpreters.values() {
        let _ = writeln!(out, "\ninterpreter {}", interpreter.language);
        let pin = interpreter.sha256.as_ref().map_or("not pinned".to_owned(), |p| format!("pinned sha256:{p}"));
        row(&mut out, "component", &format!("{} ({pin})", interpreter.component.display()));
        row(
            &mut out,
            "own access",
            "no files, no environment, no network; real clocks and randomness; scripts reach only the tools of \
             the profile they run under",
        );
    }
    for program in manifest.programs.values() {
        let _ = writeln!(out, "\nprogram {}", program.name);
        let pin = program.sha256.as_ref().map_or("not pinned".to_owned(), |p| format!("pinned sha256:{p}"));
        let kind = match &program.source {
            ProgramSource::Component(_) => "component".to_owned(),
            ProgramSource::Script { language, .. } => format!("{language} script"),
        };
        row(&mut out, &kind, &format!("{} ({pin})", program.path().display()));
    }
    for profile in runtime.profiles() {
        let default = if profile.name == manifest.default_profile { " (default)" } else { "" };
        let _ = writeln!(out, "\nprofile {}{default}", profile.name);
        row(&mut out, "may import", &imports_line(profile));
        row(
            &mut out,
            "own access",
            "no files, no environment, no network; real clocks and randomness; stdout and stderr captured",
        );
        row(&mut out, "limits", &limits_line(&profile.limits, "per run"));
        profile_defence(&mut out, profile);
    }
    out
}

fn tool_marks(out: &mut String, tool: &std::sync::Arc<Tool>) {
    let functions = |mark: Mark| -> Vec<String> {
        tool.functions().filter(|f| marked(f, mark)).map(|f| json_name(&f.func.name)).collect()
    };
    row(out, "labels", &none_or(tool.marks.labels.clone(), ", "));
    row(out, "approval", &none_or(functions(Mark::StateChanging), ", "));
    row(out, "sinks", &none_or(functions(Mark::Sink), ", "));
    row(out, "egress", if is_egress(tool) { "yes: `secret` data may not reach it" } else { "no" });
}

/// Marks a tool's docs claim that its manifest entry does not confirm.
fn unconfirmed_marks(tool: &std::sync::Arc<Tool>) -> Vec<String> {
    let mut found = Vec::new();
    for function in tool.functions() {
        for mark in [Mark::StateChanging, Mark::Sink] {
            if function.docs.marks.iter().any(|m| m == mark.name()) && !marked(&function, mark) {
                let field = if mark == Mark::Sink { "sinks" } else { "state-changing" };
                found.push(format!(
                    "{}: its docs say @{} but the manifest does not confirm it (add it, or \"@annotated\", to `{field}`)",
                    json_name(&function.func.name),
                    mark.name()
                ));
            }
        }
    }
    found
}

fn profile_defence(out: &mut String, profile: &Profile) {
    let policy = &profile.policy;
    row(out, "gates", &none_or(policy.describe_gates(), "\n             "));
    let flows = policy.defence.flows;
    let allowed = |on: bool, flow: &str| if on { format!("{flow} allowed") } else { format!("{flow} refused") };
    row(
        out,
        "flows",
        &format!(
            "{}, {} (labels follow {})",
            allowed(flows.untrusted_to_sink, "untrusted->sink"),
            allowed(flows.secret_to_egress, "secret->egress"),
            match policy.defence.precision {
                Precision::Value => "values",
                Precision::Run => "the whole run",
            }
        ),
    );
    let audit = policy.audit_log().map_or("none".to_owned(), |log| {
        let arguments = if policy.defence.audit_arguments { "argument values" } else { "argument digests" };
        format!("{} ({arguments})", log.path().display())
    });
    row(out, "audit", &audit);
    let hidden: Vec<String> =
        profile.hidden_functions().map(|((tool, function), denial)| format!("{tool}.{function}: {denial}")).collect();
    if !hidden.is_empty() {
        row(out, "hidden", &hidden.join("\n             "));
    }
}

fn component_line(spec: Option<&ToolSpec>, tool: &Tool) -> String {
    let path = spec.map(|s| s.component.display().to_string()).unwrap_or_default();
    let pin = if spec.is_some_and(|s| s.sha256.is_some()) { "pinned" } else { "not pinned" };
    format!("{path}\n{:13}{} ({pin})", "", tool.digest)
}

fn tool_grants(out: &mut String, tool: &Tool) {
    let grants = &tool.grants;
    let files: Vec<String> =
        grants.dirs.iter().map(|d| format!("{} {} <- {}", d.guest, d.access, d.host.display())).collect();
    row(out, "files", &none_or(files, "\n             "));
    if let Some(quota) = &grants.storage {
        row(
            out,
            "storage",
            &format!("at most {} in its read-write directories", ByteSize(quota.limit()).display().iec()),
        );
    }
    // Names only: values can be secrets.
    let env: Vec<String> = grants.env.iter().map(|(name, _)| name.clone()).collect();
    row(out, "env", &none_or(env, ", "));
    let network: Vec<String> = grants.network.iter().map(ToString::to_string).collect();
    row(out, "network", &none_or(network, ", "));
    let real = |on: bool, off: &str| if on { "real".to_owned() } else { off.to_owned() };
    let clocks = match grants.clocks {
        Clocks::Real => "real".to_owned(),
        Clocks::FrozenAt(at) if at.is_zero() => "frozen at the Unix epoch".to_owned(),
        Clocks::FrozenAt(at) => format!("frozen at {}", humantime::format_rfc3339(std::time::UNIX_EPOCH + at)),
    };
    row(out, "clocks", &clocks);
    row(out, "random", &real(grants.random, "fixed sequence"));
    row(out, "stdio", "stdin closed; stdout and stderr captured and logged");
}

fn imports_line(profile: &Profile) -> String {
    let granted: Vec<String> = profile
        .tools()
        .iter()
        .map(|t| {
            let interfaces: Vec<&str> = t.interfaces.iter().map(|i| i.name.as_str()).collect();
            format!("{} ({})", t.name, interfaces.join(", "))
        })
        .collect();
    none_or(granted, "\n             ")
}

fn limits_line(limits: &Limits, per: &str) -> String {
    let size = |bytes: u64| ByteSize(bytes).display().iec().to_string();
    let mut parts = vec![
        format!("{} {per}", humantime::format_duration(limits.time)),
        format!("{} memory", size(limits.memory)),
        limits.fuel.map_or("unmetered fuel".to_owned(), |f| format!("{f} fuel")),
        format!("{} output", size(limits.output)),
        format!("{} log", size(limits.log)),
    ];
    if let Some(calls) = limits.calls {
        parts.push(format!("{calls} tool calls"));
    }
    parts.join(", ")
}

fn row(out: &mut String, label: &str, value: &str) {
    let _ = writeln!(out, "  {label:<11}{value}");
}

fn none_or(items: Vec<String>, separator: &str) -> String {
    if items.is_empty() { "none".to_owned() } else { items.join(separator) }
}
