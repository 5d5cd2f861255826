//! The defence layer: gates at four points, approvals, data-flow labels and the
//! audit log. The sandbox confines what a program can touch; the gates judge what
//! flows through it.
//!
//! A profile's [`Policy`] holds its gates (`gates = [...]` in the manifest, in
//! order) and the host's own rules, which apply under every profile:
//!
//! 1. **discovery**: a function a gate refuses is hidden (not in `tools/list`,
//!    `search_tools`, `cemcp tools`, nor in a script's tool table) and refused if a
//!    program calls it anyway ([`Policy::discovery`], decided once at load);
//! 2. **before a run**: the program's digest, size and imports, or the script's
//!    source ([`Policy::before_run`]);
//! 3. **each call**: the allow and deny lists and the "state-changing" mark are
//!    decided once per function when a program is linked (`CallPolicy`); argument
//!    patterns, rate caps, labelled flows, approvals and the judge, per call
//!    (`RunGuard`);
//! 4. **after**: an output or error text before it reaches the client
//!    ([`Policy::screen`]).
//!
//! Every gate fails closed: a judge that does not answer, or answers something that
//! is not a decision, denies. The first gate that denies decides; "ask" from any gate
//! asks for approval (see [`approval`]). A call refused at point 3 stops the run
//! (it does not come back to the program as an error it could work around), and the
//! client reads which gate and rule refused it, as the audit log records it.

pub mod approval;
mod call;
mod judge;
pub mod labels;
mod rules;

use std::sync::Arc;

use serde_json::{Map, Value, json};

pub use self::approval::{Approval, ApprovalRequest, Approver, CliApprover, NoApprover};
pub(crate) use self::call::{CallPolicy, Refused, RunGuard};
pub use self::call::{Mark, is_egress, marked};
use self::judge::{JudgeGate, Judgement};
pub use self::labels::Labels;
use self::rules::RulesGate;
use crate::audit::{AuditError, AuditLog};
use crate::manifest::{DefenceSpec, GateKind, GatePoint, GateSpec, Language, Location, Problem, ProfileSpec};

/// What a gate found: its rule, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule, e.g. `deny db.drop_*` or `instruction-text/create-admin`.
    pub rule: String,
    /// Why, for the client.
    pub reason: String,
}

impl Finding {
    pub(crate) fn new(rule: String, reason: String) -> Self {
        Self { rule, reason }
    }

    fn by(self, gate: &str) -> Denial {
        Denial { gate: gate.to_owned(), rule: self.rule, reason: self.reason }
    }
}

/// A refusal, as the client reads it and the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused by gate `{gate}` (rule {rule}): {reason}")]
pub struct Denial {
    /// The gate: a `[gate.NAME]`, or `host` for the host's own rules (approvals,
    /// labelled flows).
    pub gate: String,
    /// Its rule.
    pub rule: String,
    /// Why.
    pub reason: String,
}

/// The gate name of the host's own rules.
pub const HOST_GATE: &str = "host";

/// A gate's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Allow,
    /// Refuse.
    Deny(Denial),
    /// Ask a person (see [`approval`]); the denial says who wants it and why.
    Ask(Denial),
}

impl Verdict {
    /// The denial, where an "ask" counts as one (nobody to ask).
    fn refusal(self) -> Option<Denial> {
        match self {
            Self::Allow => None,
            Self::Deny(denial) | Self::Ask(denial) => Some(denial),
        }
    }
}

/// What is about to run.
#[derive(Debug, Clone, Copy)]
pub struct RunSubject<'a> {
    /// A component, or a script in a language.
    pub kind: SubjectKind,
    /// `sha256:<hex>` of the program's bytes or the script's source.
    pub digest: &'a str,
    /// Its size in bytes.
    pub size: u64,
    /// The tool interfaces it imports (a component), or may call (a script).
    pub imports: &'a [String],
    /// A script's source.
    pub source: Option<&'a str>,
}

/// What kind of program runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    /// A WebAssembly component.
    Component,
    /// A script.
    Script(Language),
}

impl SubjectKind {
    fn noun(self) -> &'static str {
        match self {
            Self::Component => "program",
            Self::Script(_) => "script",
        }
    }
}

enum Gate {
    Rules(RulesGate),
    Judge(JudgeGate),
}

/// A profile's defence: its gates in order, flows, approvals and audit log.
pub struct Policy {
    /// The profile.
    pub profile: String,
    gates: Vec<(String, Gate)>,
    /// What the profile's manifest entry says.
    pub defence: DefenceSpec,
    audit: Option<Arc<AuditLog>>,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let gates: Vec<&str> = self.gates.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("Policy").field("profile", &self.profile).field("gates", &gates).finish_non_exhaustive()
    }
}

impl Policy {
    /// The policy of `profile`; audit logs are shared by path ([`AuditLog::shared`]).
    /// Problems (a judge's key variable unset, an audit log that cannot be opened)
    /// are added to `problems`.
    ///
    /// # Ambient authority
    ///
    /// Reads the host environment variable a judge gate's `key-env` names (the
    /// admin's manifest grants it), and opens the audit log (see
    /// [`AuditLog::shared`]).
    pub(crate) fn new(profile: &ProfileSpec, specs: &[GateSpec], problems: &mut Vec<Problem>) -> Self {
        let at = Location::Profile(profile.name.clone());
        let mut gates = Vec::new();
        for name in &profile.defence.gates {
            let Some(spec) = specs.iter().find(|g| &g.name == name) else { continue };
            let gate = match &spec.kind {
                GateKind::Rules(rules) => Gate::Rules(RulesGate { spec: rules.clone() }),
                GateKind::Judge(judge) => {
                    let key = judge.key_env.as_ref().and_then(|var| match std::env::var(var) {
                        Ok(key) => Some(key),
                        Err(_) => {
                            problems.push(Problem::new(
                                &Location::Gate(name.clone()),
                                "key-env",
                                format!("the environment variable `{var}` is not set"),
                            ));
                            None
                        }
                    });
                    Gate::Judge(JudgeGate::new(judge.clone(), key))
                }
            };
            gates.push((name.clone(), gate));
        }
        let audit = profile.defence.audit.as_ref().and_then(|path| {
            AuditLog::shared(path).map_err(|e| problems.push(Problem::new(&at, "audit", e.message))).ok()
        });
        Self { profile: profile.name.clone(), gates, defence: profile.defence.clone(), audit }
    }

    /// Its audit log, if it has one.
    pub fn audit_log(&self) -> Option<&AuditLog> {
        self.audit.as_deref()
    }

    /// Point 1: whether `tool.function` (JSON name), documented by `docs`, may be
    /// served. Refused functions are hidden, and refused if called. An "ask" has
    /// nobody to ask here and counts as a refusal.
    pub fn discovery(&self, tool: &str, function: &str, docs: &str) -> Option<Denial> {
        let event = || format!("tool `{tool}`, function `{function}`, description:\n{docs}");
        self.verdict(GatePoint::Discovery, |rules| rules.discovery(tool, function, docs), event).refusal()
    }

    /// Point 2: whether a program or script may run.
    pub fn before_run(&self, subject: &RunSubject<'_>) -> Verdict {
        self.verdict(GatePoint::BeforeRun, |rules| rules.before_run(subject), || describe_subject(subject))
    }

    /// The judges' verdict on one call (point 3; the rules' part is in `CallPolicy`,
    /// decided once per function).
    fn judge_call(&self, event: &str) -> Verdict {
        self.verdict(GatePoint::Call, |_| None, || event.to_owned())
    }

    /// Point 4: whether `text` (an output or error, from `source`) may reach the
    /// client. An "ask" counts as a refusal.
    pub fn screen(&self, source: &str, text: &str) -> Option<Denial> {
        let event = || format!("text from {source}:\n{text}");
        self.verdict(GatePoint::Result, |rules| rules.screen(text), event).refusal()
    }

    /// The gates' verdict at `point`, in order: the first rules finding (a
    /// refusal) or judge's "deny" or "ask" about `event` decides.
    fn verdict(
        &self,
        point: GatePoint,
        rules: impl Fn(&RulesGate) -> Option<Finding>,
        event: impl Fn() -> String,
    ) -> Verdict {
        for (name, gate) in &self.gates {
            match gate {
                Gate::Rules(gate) => {
                    if let Some(finding) = rules(gate) {
                        return Verdict::Deny(finding.by(name));
                    }
                }
                Gate::Judge(judge) if judge.judges(point) => match judge.judge(point, &event()) {
                    Judgement::Allow => {}
                    Judgement::Deny(finding) => return Verdict::Deny(finding.by(name)),
                    Judgement::Ask(finding) => return Verdict::Ask(finding.by(name)),
                },
                Gate::Judge(_) => {}
            }
        }
        Verdict::Allow
    }

    fn judges_calls(&self) -> bool {
        self.gates.iter().any(|(_, g)| matches!(g, Gate::Judge(j) if j.judges(GatePoint::Call)))
    }

    fn rules(&self) -> impl Iterator<Item = (&str, &RulesGate)> {
        self.gates.iter().filter_map(|(name, gate)| match gate {
            Gate::Rules(rules) => Some((name.as_str(), rules)),
            Gate::Judge(_) => None,
        })
    }

    /// Appends a record to the audit log, if the profile has one.
    ///
    /// # Errors
    ///
    /// When the record cannot be written: the action it records must not go on.
    pub fn audit(&self, event: &str, fields: Value) -> Result<(), AuditError> {
        let Some(log) = &self.audit else { return Ok(()) };
        let mut record = match fields {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        record.insert("profile".into(), self.profile.clone().into());
        log.append(event, record)
    }

    /// Each gate's name and a one-line summary of what it checks.
    pub fn describe_gates(&self) -> Vec<String> {
        self.gates.iter().map(|(name, gate)| format!("{name}: {}", describe_gate(gate))).collect()
    }

    /// Whether this policy writes an audit log.
    pub fn audited(&self) -> bool {
        self.audit.is_some()
    }
}

impl Denial {
    /// `context` (a JSON object) with this denial's fields, for an audit record.
    pub(crate) fn audit_fields(&self, context: Value) -> Value {
        let mut record = context;
        merge(&mut record, json!({ "decision": "deny", "gate": self.gate, "rule": self.rule, "reason": self.reason }));
        record
    }
}

/// Adds the fields of object `from` to object `into`.
pub(crate) fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(into), Value::Object(from)) = (into, from) {
        into.extend(from);
    }
}

fn describe_gate(gate: &Gate) -> String {
    match gate {
        Gate::Rules(rules) => {
            let spec = &rules.spec;
            let mut parts = Vec::new();
            if let Some(allow) = &spec.allow {
                let names: Vec<&str> = allow.iter().map(|p| p.as_str()).collect();
                parts.push(format!("allow only {}", names.join(", ")));
            }
            if !spec.deny.is_empty() {
                let names: Vec<&str> = spec.deny.iter().map(|p| p.as_str()).collect();
                parts.push(format!("deny {}", names.join(", ")));
            }
            for rule in &spec.arguments {
                parts.push(format!("{}({}) !~ /{}/", rule.function.as_str(), rule.argument, rule.pattern.as_str()));
            }
            for rule in &spec.rate {
                parts.push(format!("{} at most {} per run", rule.function.as_str(), rule.max));
            }
            if spec.screen_discovery {
                parts.push("screens names and docs".to_owned());
            }
            if spec.screen_results {
                parts.push("screens outputs and errors".to_owned());
            }
            if let Some(max) = spec.max_program {
                parts.push(format!("programs at most {max} bytes"));
            }
            if !spec.deny_source.is_empty() {
                parts.push(format!("{} source pattern(s) refused", spec.deny_source.len()));
            }
            format!("rules ({})", if parts.is_empty() { "none".to_owned() } else { parts.join("; ") })
        }
        Gate::Judge(judge) => judge.describe(),
    }
}

fn describe_subject(subject: &RunSubject<'_>) -> String {
    let mut event = match subject.kind {
        SubjectKind::Component => {
            format!("a WebAssembly component program, {} bytes, {}", subject.size, subject.digest)
        }
        SubjectKind::Script(language) => format!("a {} script, {} bytes", language.name(), subject.size),
    };
    if !subject.imports.is_empty() {
        event.push_str(&format!("\nit may call: {}", subject.imports.join(", ")));
    }
    if let Some(source) = subject.source {
        event.push_str(&format!("\nsource:\n{source}"));
    }
    event
}
