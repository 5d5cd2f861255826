//! Point 3, each tool call: what is decided once per function when a program is
//! linked ([`CallPolicy`]) and what is checked on every call of one run
//! ([`RunGuard`]).
//!
//! The forwarded call is the host's hot path. A function with nothing to check
//! (no argument pattern, no rate cap, not a sink or egress, not state-changing, no
//! judge) costs one branch; see `cemcp-tests`' `runtime` benchmark for the figure.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wasmtime::component::Val;

use super::labels::{self, Labels, SECRET, Taint, UNTRUSTED};
use super::{Approval, ApprovalRequest, Approver, Denial, Finding, HOST_GATE, Policy, Verdict, merge};
use crate::manifest::{ANNOTATED, ArgumentRule};
use crate::profile::Profile;
use crate::sandbox::limits::RunSignals;
use crate::tool::{FuncView, Tool};

/// What is decided about one function when a program is linked.
#[derive(Debug, Clone)]
pub(crate) struct CallPolicy {
    /// The tool.
    pub(crate) tool: String,
    /// The function's JSON name.
    pub(crate) function: String,
    /// Its parameters' JSON names, in order.
    params: Vec<String>,
    /// Refused whatever its arguments (deny or allow list, hidden at discovery).
    fixed: Option<Denial>,
    /// Marked state-changing: each call needs approval.
    approval: bool,
    /// Marked as a sink: `untrusted` data may not reach it.
    sink: bool,
    /// An egress tool: `secret` data may not reach it.
    egress: bool,
    /// Labels on what it returns.
    pub(crate) labels: Labels,
    /// Argument patterns: the parameter's position, the gate and its rule.
    arguments: Vec<(usize, String, ArgumentRule)>,
    /// Rate caps: their position in the run's counters, the cap, the gate.
    rates: Vec<(usize, u32, String)>,
    /// A judge looks at each call.
    judged: bool,
    /// Nothing to check per call.
    quiet: bool,
}

impl CallPolicy {
    /// The policy of `function` under `profile`.
    pub(crate) fn new(profile: &Profile, function: &FuncView<'_>) -> Self {
        let policy = &*profile.policy;
        let tool: &Tool = function.tool;
        let name = crate::wit_json::json_name(&function.func.name);
        let params: Vec<String> = function.docs.params.iter().map(|p| p.name.clone()).collect();
        let fixed = profile
            .hidden(&tool.name, &name)
            .cloned()
            .or_else(|| policy.rules().find_map(|(gate, rules)| rules.listed(&tool.name, &name).map(|f| f.by(gate))));
        let mut arguments = Vec::new();
        let mut rates = Vec::new();
        let mut counter = 0;
        for (gate, rules) in policy.rules() {
            for rule in rules.argument_rules(&tool.name, &name) {
                if let Some(index) = params.iter().position(|p| p == &rule.argument) {
                    arguments.push((index, gate.to_owned(), rule.clone()));
                }
            }
            for (index, rule) in rules.rate_rules(&tool.name, &name) {
                rates.push((counter + index, rule.max, gate.to_owned()));
            }
            counter += rules.spec.rate.len();
        }
        let approval = marked(function, Mark::StateChanging);
        let sink = marked(function, Mark::Sink);
        let egress = is_egress(tool);
        let labels: Labels = tool.marks.labels.iter().cloned().collect();
        let judged = policy.judges_calls();
        let quiet =
            fixed.is_none() && !approval && !sink && !egress && arguments.is_empty() && rates.is_empty() && !judged;
        Self {
            tool: tool.name.clone(),
            function: name,
            params,
            fixed,
            approval,
            sink,
            egress,
            labels,
            arguments,
            rates,
            judged,
            quiet,
        }
    }

    fn arguments_json(&self, params: &[Val]) -> Value {
        let named = self.params.iter().zip(params).map(|(name, val)| (name.clone(), crate::values::plain_json(val)));
        Value::Object(named.collect())
    }
}

/// The marks a function can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Each call needs approval.
    StateChanging,
    /// Executes its arguments: `untrusted` data may not reach it.
    Sink,
}

impl Mark {
    /// As WIT docs and the manifest write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::StateChanging => "state-changing",
            Self::Sink => "sink",
        }
    }
}

/// Whether `function` carries `mark`: the manifest lists it, or lists "@annotated"
/// and its WIT doc claims the mark.
pub fn marked(function: &FuncView<'_>, mark: Mark) -> bool {
    let list = match mark {
        Mark::StateChanging => &function.tool.marks.state_changing,
        Mark::Sink => &function.tool.marks.sinks,
    };
    let name = crate::wit_json::json_name(&function.func.name);
    list.iter().any(|f| f == &name)
        || (list.iter().any(|f| f == ANNOTATED) && function.docs.marks.iter().any(|m| m == mark.name()))
}

/// Whether a tool sends data out: as its manifest entry says, else whether it has a
/// network grant.
pub fn is_egress(tool: &Tool) -> bool {
    tool.marks.egress.unwrap_or(!tool.grants.network.is_empty())
}

/// A call refused by a gate: it stops the run.
#[derive(Debug, Clone, thiserror::Error)]
#[error("call to `{tool}.{function}` {denial}")]
pub(crate) struct Refused {
    pub(crate) tool: String,
    pub(crate) function: String,
    pub(crate) denial: Denial,
}

/// What one run's calls are checked against, and what it has received.
pub(crate) struct RunGuard {
    policy: Arc<Policy>,
    approver: Arc<dyn Approver>,
    /// The run's id in the audit log.
    pub(crate) run: String,
    rates: Vec<u32>,
    taint: Taint,
}

impl RunGuard {
    pub(crate) fn new(policy: Arc<Policy>, approver: Arc<dyn Approver>, run: String) -> Self {
        let rates = policy.rules().map(|(_, r)| r.spec.rate.len()).sum();
        let taint = Taint::new(policy.defence.precision);
        Self { policy, approver, run, rates: vec![0; rates], taint }
    }

    /// The policy.
    pub(crate) fn policy(&self) -> &Arc<Policy> {
        &self.policy
    }

    /// Every label the run has received so far.
    pub(crate) fn labels(&self) -> &Labels {
        self.taint.received()
    }

    /// Whether [`Self::admit`] has nothing to look at for a call under `call` now: no
    /// per-call rule, no label received, no audit log. A caller holding typed values
    /// then need not build `Val`s for it.
    pub(crate) fn quiet_for(&self, call: &CallPolicy) -> bool {
        call.quiet && self.taint.is_clean() && !self.policy.audited()
    }

    /// Whether the call may go ahead: every check of point 3, approvals included.
    /// The time spent waiting for an approval is added to the run's paused time.
    pub(crate) fn admit(&mut self, call: &CallPolicy, params: &[Val], signals: &RunSignals) -> Result<(), Refused> {
        if self.quiet_for(call) {
            return Ok(());
        }
        let refuse = |denial: Denial| Refused { tool: call.tool.clone(), function: call.function.clone(), denial };
        let outcome = self.check(call, params, signals);
        if self.policy.audited()
            && let Err(e) = self.policy.audit("call", self.call_record(call, params, &outcome))
        {
            return Err(refuse(Denial { gate: HOST_GATE.into(), rule: "audit".into(), reason: e.to_string() }));
        }
        outcome.map(|_| ()).map_err(refuse)
    }

    /// The audit record of a call and the gates' decision on it.
    fn call_record(&self, call: &CallPolicy, params: &[Val], outcome: &Result<Option<String>, Denial>) -> Value {
        let context = json!({ "run": self.run, "tool": call.tool, "function": call.function });
        let mut fields = match outcome {
            Ok(by) => {
                let mut fields = context;
                merge(&mut fields, json!({ "decision": "allow" }));
                if let Some(by) = by {
                    merge(&mut fields, json!({ "approved-by": by }));
                }
                fields
            }
            Err(denial) => denial.audit_fields(context),
        };
        let arguments = call.arguments_json(params);
        merge(
            &mut fields,
            if self.policy.defence.audit_arguments {
                json!({ "arguments": arguments })
            } else {
                json!({ "arguments-digest": crate::cache::digest(arguments.to_string().as_bytes()) })
            },
        );
        if !self.taint.received().is_empty() {
            merge(&mut fields, json!({ "labels-received": self.taint.received() }));
        }
        fields
    }

    /// The checks, in order; `Ok(Some(by))` when a person approved it.
    fn check(&mut self, call: &CallPolicy, params: &[Val], signals: &RunSignals) -> Result<Option<String>, Denial> {
        if let Some(denial) = &call.fixed {
            return Err(denial.clone());
        }
        for (index, gate, rule) in &call.arguments {
            if let Some(val) = params.get(*index)
                && argument_matches(val, rule)
            {
                return Err(Finding::new(format!("argument {}", rule.argument), rule.reason.clone()).by(gate));
            }
        }
        for (counter, max, gate) in &call.rates {
            if let Some(count) = self.rates.get_mut(*counter) {
                *count += 1;
                if *count > *max {
                    return Err(Finding::new(
                        "rate".to_owned(),
                        format!("more than {max} calls to `{}.{}` in one run", call.tool, call.function),
                    )
                    .by(gate));
                }
            }
        }
        self.check_flows(call, params)?;
        let mut ask = call.approval.then(|| Denial {
            gate: HOST_GATE.into(),
            rule: "state-changing".into(),
            reason: format!("`{}.{}` is marked state-changing: each call needs approval", call.tool, call.function),
        });
        if call.judged {
            let event = format!(
                "call `{}.{}` with arguments {}; labels received by this run so far: {:?}",
                call.tool,
                call.function,
                call.arguments_json(params),
                self.taint.received()
            );
            match self.policy.judge_call(&event) {
                Verdict::Allow => {}
                Verdict::Deny(denial) => return Err(denial),
                Verdict::Ask(denial) => ask = ask.or(Some(denial)),
            }
        }
        match ask {
            None => Ok(None),
            Some(reason) => self.ask(call, params, signals, reason).map(Some),
        }
    }

    fn check_flows(&self, call: &CallPolicy, params: &[Val]) -> Result<(), Denial> {
        let flows = self.policy.defence.flows;
        let checks = [
            (call.sink && !flows.untrusted_to_sink, UNTRUSTED, "untrusted->sink", "a sink (it executes its arguments)"),
            (call.egress && !flows.secret_to_egress, SECRET, "secret->egress", "an egress tool (it sends data out)"),
        ];
        for (applies, label, flow, what) in checks {
            if applies && let Some(carried) = self.taint.carried(params, label) {
                return Err(Denial {
                    gate: HOST_GATE.into(),
                    rule: format!("flow {flow}"),
                    reason: format!(
                        "its arguments carry `{label}` data ({carried}) and `{}.{}` is {what}; the profile does \
                         not allow \"{flow}\"",
                        call.tool, call.function
                    ),
                });
            }
        }
        Ok(())
    }

    /// Asks the run's approver; the wait does not count against the run's time.
    fn ask(&self, call: &CallPolicy, params: &[Val], signals: &RunSignals, why: Denial) -> Result<String, Denial> {
        let arguments: String = crate::failure::cut(&call.arguments_json(params).to_string(), 2048);
        let request = ApprovalRequest {
            profile: self.policy.profile.clone(),
            tool: call.tool.clone(),
            function: call.function.clone(),
            arguments,
            reason: why.reason.clone(),
            timeout: self.policy.defence.approval_timeout,
        };
        let started = Instant::now();
        let answer = self.approver.approve(&request);
        let waited = started.elapsed();
        signals.pause(waited);
        let (outcome, by) = match &answer {
            Approval::Granted { by } => ("granted", by.clone()),
            Approval::Refused(reason) => ("refused", reason.clone()),
            Approval::Unavailable(reason) => ("unavailable", reason.clone()),
        };
        let record = json!({
            "run": self.run, "tool": call.tool, "function": call.function, "outcome": outcome, "detail": by,
            "waited-ms": millis(waited), "asked-by": why.gate, "rule": why.rule,
        });
        self.policy.audit("approval", record).map_err(|e| Denial {
            gate: HOST_GATE.into(),
            rule: "audit".into(),
            reason: e.to_string(),
        })?;
        match answer {
            Approval::Granted { by } => Ok(by),
            Approval::Refused(reason) => Err(Denial { reason: format!("{}; {reason}", why.reason), ..why }),
            Approval::Unavailable(reason) => {
                Err(Denial { reason: format!("{}, and it could not be asked for: {reason}", why.reason), ..why })
            }
        }
    }

    /// Records what a call returned: its labels follow its values.
    pub(crate) fn returned(&mut self, call: &CallPolicy, results: &[Val]) {
        self.taint.receive(&call.labels, results);
    }
}

/// Whether `val` (its text, or its JSON) matches the rule's pattern.
fn argument_matches(val: &Val, rule: &ArgumentRule) -> bool {
    match val {
        Val::String(text) => rule.pattern.is_match(text),
        other => {
            let mut found = false;
            labels::strings(other, &mut |text| found = found || rule.pattern.is_match(text));
            found || rule.pattern.is_match(&crate::values::plain_json(other).to_string())
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
