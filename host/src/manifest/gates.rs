//! The defence layer's part of the manifest: `[gate.NAME]` sections, what a profile
//! says about gates, flows, approvals and its audit log, and what a tool says about
//! the data it returns and the functions it offers (labels and marks).
//!
//! File shapes and their resolution live together here; the gates themselves (what
//! a rule does with an event) are in [`crate::gate`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytesize::ByteSize;
use regex::Regex;
use schemars::JsonSchema;
use serde::Deserialize;

use super::file::{HumanDuration, ProfileFile, ToolFile};
use super::{Location, Problem, resolve};

/// `[gate.NAME]`: one gate, deterministic rules or a judge model.
#[derive(Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub(super) enum GateFile {
    /// Rules an admin writes, checked by the host in microseconds.
    Rules(RulesFile),
    /// A judge model asked through an OpenAI-compatible chat endpoint.
    Judge(JudgeFile),
}

/// `kind = "rules"`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RulesFile {
    /// When set, only these functions may be called (and are listed):
    /// `["db.query", "files.*"]` (`tool.function`, `*` matches any text).
    pub allow: Option<Vec<String>>,
    /// Functions refused and hidden from discovery: `["db.drop_*"]`.
    #[serde(default)]
    pub deny: Vec<String>,
    /// Argument patterns that refuse a call:
    /// `[{ function = "db.query", argument = "sql", pattern = "(?i)\\bdrop\\b", reason = "no DROP" }]`.
    #[serde(default)]
    pub arguments: Vec<ArgumentFile>,
    /// Call-rate caps, per run: `[{ function = "*.refresh_session", max = 2 }]`.
    #[serde(default)]
    pub rate: Vec<RateFile>,
    /// Hide functions whose names or docs read like instructions to a model
    /// ("MANDATORY: always call…", "ignore previous instructions"): default true.
    pub screen_discovery: Option<bool>,
    /// Withhold outputs and error texts that read like instructions before they
    /// reach the client: default true.
    pub screen_results: Option<bool>,
    /// More instruction-like patterns (regular expressions), besides the built-in ones.
    #[serde(default)]
    pub instruction_patterns: Vec<String>,
    /// Refuse programs and scripts larger than this: "256 KiB".
    #[schemars(with = "Option<String>")]
    pub max_program: Option<ByteSize>,
    /// Refuse scripts whose source matches one of these regular expressions.
    #[serde(default)]
    pub deny_source: Vec<String>,
}

/// One argument pattern.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct ArgumentFile {
    /// The functions it applies to: "db.query".
    pub function: String,
    /// The argument, by its JSON name: "sql".
    pub argument: String,
    /// A regular expression; a call whose argument (its text, or its JSON) matches is refused.
    pub pattern: String,
    /// What the client is told.
    pub reason: Option<String>,
}

/// One call-rate cap.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RateFile {
    /// The functions it counts together: "*.refresh_session".
    pub function: String,
    /// Most calls to them in one run.
    pub max: u32,
}

/// `kind = "judge"`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct JudgeFile {
    /// The chat completions endpoint: "http://127.0.0.1:8080/v1/chat/completions".
    pub url: String,
    /// The model to ask.
    pub model: String,
    /// The host environment variable holding the API key, if the endpoint needs one.
    pub key_env: Option<String>,
    /// How long to wait for an answer (default "10s"); no answer in time is a denial.
    pub timeout: Option<HumanDuration>,
    /// The points it judges: "discovery", "before-run", "call", "result" (default:
    /// before-run and result).
    pub at: Option<Vec<GatePoint>>,
    /// Most bytes of the event put in the prompt (default "8 KiB"); the rest is cut.
    #[schemars(with = "Option<String>")]
    pub max_prompt: Option<ByteSize>,
}

/// Where a gate looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GatePoint {
    /// Tool names and docs, before they are served.
    Discovery,
    /// A program or script, before it runs.
    BeforeRun,
    /// Each tool call, with its arguments and the labels of the data in them.
    Call,
    /// An output or error text, before it reaches the client.
    Result,
}

impl GatePoint {
    /// The point's name as the manifest writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Discovery => "discovery",
            Self::BeforeRun => "before-run",
            Self::Call => "call",
            Self::Result => "result",
        }
    }
}

/// A resolved `[gate.NAME]`.
#[derive(Debug, Clone)]
pub struct GateSpec {
    /// Its name.
    pub name: String,
    /// What it checks.
    pub kind: GateKind,
}

/// The two kinds of gate.
#[derive(Debug, Clone)]
pub enum GateKind {
    /// Deterministic rules.
    Rules(RulesSpec),
    /// A judge model.
    Judge(JudgeSpec),
}

/// `tool.function` with `*` wildcards; function names compare in their JSON
/// (snake_case) form, so `db.add-user` and `db.add_user` are the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionPattern(String);

impl FunctionPattern {
    /// Parses `tool.function` (`*` matches any text).
    ///
    /// # Errors
    ///
    /// When `text` is not `tool.function`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some((tool, function)) = text.split_once('.') else {
            return Err(format!("`{text}` is not `tool.function` (`*` matches any text)"));
        };
        if tool.is_empty() || function.is_empty() {
            return Err(format!("`{text}` is not `tool.function` (`*` matches any text)"));
        }
        Ok(Self(format!("{tool}.{}", function.replace('-', "_"))))
    }

    /// Whether it matches `tool.function` (function in its JSON form).
    pub fn matches(&self, tool: &str, function: &str) -> bool {
        glob(&self.0, &format!("{tool}.{function}"))
    }

    /// The pattern as written (normalised).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `*`-glob matching.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else { return pattern == text };
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = rest.get(at + part.len()..).unwrap_or_default(),
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Resolved `kind = "rules"`.
#[derive(Debug, Clone)]
pub struct RulesSpec {
    /// Only these may be called, when set.
    pub allow: Option<Vec<FunctionPattern>>,
    /// Refused and hidden.
    pub deny: Vec<FunctionPattern>,
    /// Argument patterns.
    pub arguments: Vec<ArgumentRule>,
    /// Call-rate caps per run.
    pub rate: Vec<RateRule>,
    /// Screen names and docs at discovery.
    pub screen_discovery: bool,
    /// Screen outputs and errors.
    pub screen_results: bool,
    /// Extra instruction-like patterns.
    pub instruction_patterns: Vec<Regex>,
    /// Largest program or script, in bytes.
    pub max_program: Option<u64>,
    /// Patterns refused in script sources.
    pub deny_source: Vec<Regex>,
}

/// One argument pattern, resolved.
#[derive(Debug, Clone)]
pub struct ArgumentRule {
    /// The functions it applies to.
    pub function: FunctionPattern,
    /// The argument's JSON name.
    pub argument: String,
    /// What refuses the call.
    pub pattern: Regex,
    /// What the client is told.
    pub reason: String,
}

/// One call-rate cap, resolved.
#[derive(Debug, Clone)]
pub struct RateRule {
    /// The functions it counts.
    pub function: FunctionPattern,
    /// Most calls per run.
    pub max: u32,
}

/// Resolved `kind = "judge"`.
#[derive(Debug, Clone)]
pub struct JudgeSpec {
    /// The endpoint.
    pub url: String,
    /// The model.
    pub model: String,
    /// The environment variable holding the key.
    pub key_env: Option<String>,
    /// How long to wait.
    pub timeout: Duration,
    /// Where it looks.
    pub at: Vec<GatePoint>,
    /// Most bytes of the event in the prompt.
    pub max_prompt: usize,
}

/// What a profile says about the defence layer.
#[derive(Debug, Clone, Default)]
pub struct DefenceSpec {
    /// Its gates, by name, in order.
    pub gates: Vec<String>,
    /// Flows of labelled data it allows.
    pub flows: Flows,
    /// How precisely labels follow data.
    pub precision: Precision,
    /// The audit log, if any.
    pub audit: Option<PathBuf>,
    /// Whether the audit log records argument values (otherwise digests).
    pub audit_arguments: bool,
    /// How long a run waits for an approval.
    pub approval_timeout: Duration,
}

/// The labelled flows a profile allows (both refused unless allowed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flows {
    /// `untrusted` data may reach functions marked as sinks.
    pub untrusted_to_sink: bool,
    /// `secret` data may reach tools marked as egress.
    pub secret_to_egress: bool,
}

/// How precisely labels follow data through a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    /// A call's arguments carry a label when they contain a text a labelled call
    /// returned (whole, as the program received it).
    #[default]
    Value,
    /// Every call after a labelled result carries its labels.
    Run,
}

/// The default wait for an approval.
pub const APPROVAL_TIMEOUT: Duration = Duration::from_secs(300);

/// A tool's labels and marks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    /// Labels on what it returns.
    pub labels: Vec<String>,
    /// State-changing functions (JSON names), or `@annotated`.
    pub state_changing: Vec<String>,
    /// Sink functions (JSON names), or `@annotated`.
    pub sinks: Vec<String>,
    /// Egress, when the manifest says.
    pub egress: Option<bool>,
}

/// What "@annotated" stands for in a list of marked functions.
pub const ANNOTATED: &str = "@annotated";

pub(super) fn marks(at: &Location, file: &mut ToolFile, problems: &mut Vec<Problem>) -> Marks {
    for (i, label) in file.labels.iter().enumerate() {
        let valid = !label.is_empty()
            && label.len() <= 32
            && label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            problems.push(Problem::new(
                at,
                format!("labels[{i}]"),
                format!("`{label}` is not a label (1 to 32 characters of a-z, 0-9 and `-`)"),
            ));
        }
    }
    let functions = |list: Vec<String>| -> Vec<String> {
        list.into_iter().map(|f| if f == ANNOTATED { f } else { f.replace('-', "_") }).collect()
    };
    Marks {
        labels: std::mem::take(&mut file.labels),
        state_changing: functions(std::mem::take(&mut file.state_changing)),
        sinks: functions(std::mem::take(&mut file.sinks)),
        egress: file.egress,
    }
}

pub(super) fn defence(
    at: &Location,
    file: &mut ProfileFile,
    base: &Path,
    gates: &[GateSpec],
    problems: &mut Vec<Problem>,
) -> DefenceSpec {
    for (i, name) in file.gates.iter().enumerate() {
        if !gates.iter().any(|g| &g.name == name) {
            let known: Vec<&str> = gates.iter().map(|g| g.name.as_str()).collect();
            let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
            problems.push(Problem::new(
                at,
                format!("gates[{i}]"),
                format!("no gate `{name}` is declared (declare it as [gate.{name}]; gates: {known})"),
            ));
        }
    }
    let mut flows = Flows::default();
    for (i, flow) in file.allow_flows.iter().enumerate() {
        match flow.replace(' ', "").as_str() {
            "untrusted->sink" => flows.untrusted_to_sink = true,
            "secret->egress" => flows.secret_to_egress = true,
            _ => problems.push(Problem::new(
                at,
                format!("allow-flows[{i}]"),
                format!("`{flow}` is not a flow; the flows are \"untrusted->sink\" and \"secret->egress\""),
            )),
        }
    }
    DefenceSpec {
        gates: std::mem::take(&mut file.gates),
        flows,
        precision: file.flow_precision.unwrap_or_default(),
        audit: file.audit.as_ref().map(|path| resolve(base, path)),
        audit_arguments: file.audit_arguments,
        approval_timeout: file.approval_timeout.map_or(APPROVAL_TIMEOUT, |t| t.0),
    }
}

pub(super) fn gate(name: &str, file: GateFile, problems: &mut Vec<Problem>) -> GateSpec {
    let at = Location::Gate(name.to_owned());
    super::check_name(&at, name, problems);
    let kind = match file {
        GateFile::Rules(rules) => GateKind::Rules(rules_spec(&at, rules, problems)),
        GateFile::Judge(judge) => GateKind::Judge(judge_spec(&at, judge, problems)),
    };
    GateSpec { name: name.to_owned(), kind }
}

fn rules_spec(at: &Location, file: RulesFile, problems: &mut Vec<Problem>) -> RulesSpec {
    let pattern = |field: String, text: &str, problems: &mut Vec<Problem>| {
        FunctionPattern::parse(text).map_err(|message| problems.push(Problem::new(at, field, message))).ok()
    };
    let allow = file.allow.map(|list| {
        list.iter().enumerate().filter_map(|(i, text)| pattern(format!("allow[{i}]"), text, problems)).collect()
    });
    let deny =
        file.deny.iter().enumerate().filter_map(|(i, text)| pattern(format!("deny[{i}]"), text, problems)).collect();
    let mut arguments = Vec::new();
    for (i, rule) in file.arguments.into_iter().enumerate() {
        let function = pattern(format!("arguments[{i}].function"), &rule.function, problems);
        let regex = compile(at, &format!("arguments[{i}].pattern"), &rule.pattern, problems);
        if let (Some(function), Some(pattern)) = (function, regex) {
            let reason = rule.reason.unwrap_or_else(|| format!("`{}` matches `{}`", rule.argument, rule.pattern));
            arguments.push(ArgumentRule { function, argument: rule.argument, pattern, reason });
        }
    }
    let mut rate = Vec::new();
    for (i, rule) in file.rate.into_iter().enumerate() {
        if rule.max == 0 {
            problems.push(Problem::new(at, format!("rate[{i}].max"), "must be at least 1 (use `deny` to refuse)"));
        }
        if let Some(function) = pattern(format!("rate[{i}].function"), &rule.function, problems) {
            rate.push(RateRule { function, max: rule.max });
        }
    }
    let regexes = |field: &str, list: &[String], problems: &mut Vec<Problem>| -> Vec<Regex> {
        list.iter().enumerate().filter_map(|(i, text)| compile(at, &format!("{field}[{i}]"), text, problems)).collect()
    };
    RulesSpec {
        allow,
        deny,
        arguments,
        rate,
        screen_discovery: file.screen_discovery.unwrap_or(true),
        screen_results: file.screen_results.unwrap_or(true),
        instruction_patterns: regexes("instruction-patterns", &file.instruction_patterns, problems),
        max_program: file.max_program.map(|b| b.as_u64()),
        deny_source: regexes("deny-source", &file.deny_source, problems),
    }
}

fn judge_spec(at: &Location, file: JudgeFile, problems: &mut Vec<Problem>) -> JudgeSpec {
    if !(file.url.starts_with("http://") || file.url.starts_with("https://")) {
        problems.push(Problem::new(at, "url", format!("`{}` is not an http:// or https:// URL", file.url)));
    }
    let timeout = file.timeout.map_or(Duration::from_secs(10), |t| t.0);
    if timeout.is_zero() {
        problems.push(Problem::new(at, "timeout", "must be more than zero"));
    }
    JudgeSpec {
        url: file.url,
        model: file.model,
        key_env: file.key_env,
        timeout,
        at: file.at.unwrap_or_else(|| vec![GatePoint::BeforeRun, GatePoint::Result]),
        max_prompt: file.max_prompt.map_or(8 << 10, |b| usize::try_from(b.as_u64()).unwrap_or(usize::MAX)),
    }
}

fn compile(at: &Location, field: &str, text: &str, problems: &mut Vec<Problem>) -> Option<Regex> {
    regex::RegexBuilder::new(text)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| problems.push(Problem::new(at, field, format!("not a valid regular expression: {e}"))))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_tool_and_function_with_wildcards() {
        let p = |t: &str| FunctionPattern::parse(t).unwrap_or_else(|e| panic!("{e}"));
        assert!(p("db.add-user").matches("db", "add_user"));
        assert!(p("db.*").matches("db", "query"));
        assert!(!p("db.*").matches("dbx", "query"));
        assert!(p("*.refresh_session").matches("db", "refresh_session"));
        assert!(!p("*.refresh_session").matches("db", "refresh_sessions"));
        assert!(p("db.drop_*_table").matches("db", "drop_user_table"));
        assert!(!p("db.drop_*_table").matches("db", "drop_user"));
        assert!(FunctionPattern::parse("query").is_err());
    }
}
