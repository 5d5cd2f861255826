//! Approvals: a call the gates answer with "ask" (every call to a function marked
//! state-changing, or a judge's "ask") waits for a person to say yes.
//!
//! Who is asked depends on who started the run: the CLI approves exactly the
//! functions `--approve` names and refuses the rest; an MCP client is asked through
//! elicitation (`crate::mcp`), and a client that cannot be asked is refused. The
//! run's time limit is paused while it waits (so a person reading the question does
//! not make the run time out), bounded by the profile's `approval-timeout`.

use std::time::Duration;

use crate::manifest::FunctionPattern;

/// What needs approval.
#[derive(Debug, Clone)]
pub struct ApprovalRequest {
    /// The profile the run is under.
    pub profile: String,
    /// The tool.
    pub tool: String,
    /// The function, as JSON callers name it.
    pub function: String,
    /// The call's arguments as JSON, cut to 2 KiB, for the person to read.
    pub arguments: String,
    /// Why it needs approval.
    pub reason: String,
    /// How long to wait for an answer.
    pub timeout: Duration,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// Yes; `by` says who (for the audit log).
    Granted {
        /// Who approved: "--approve db.add_user", "the MCP client's user".
        by: String,
    },
    /// No, with the reason.
    Refused(String),
    /// Nobody could be asked, with the reason.
    Unavailable(String),
}

/// Something that can be asked for approvals during a run. Called on the run's
/// thread; it may block (the run's clock is paused meanwhile).
pub trait Approver: Send + Sync {
    /// Asks about one call.
    fn approve(&self, request: &ApprovalRequest) -> Approval;
}

/// Nobody to ask: every approval is unavailable.
#[derive(Debug, Default)]
pub struct NoApprover;

impl Approver for NoApprover {
    fn approve(&self, _: &ApprovalRequest) -> Approval {
        Approval::Unavailable("nobody can be asked to approve it in this run".to_owned())
    }
}

/// The CLI's approvals: `--approve tool.function` (repeatable, `*` wildcards).
#[derive(Debug, Default)]
pub struct CliApprover {
    approved: Vec<(String, FunctionPattern)>,
}

impl CliApprover {
    /// Approves the functions `patterns` name.
    ///
    /// # Errors
    ///
    /// When a pattern is not `tool.function`.
    pub fn new(patterns: &[String]) -> Result<Self, String> {
        let approved = patterns
            .iter()
            .map(|text| FunctionPattern::parse(text).map(|pattern| (text.clone(), pattern)))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("--approve: {e}"))?;
        Ok(Self { approved })
    }
}

impl Approver for CliApprover {
    fn approve(&self, request: &ApprovalRequest) -> Approval {
        match self.approved.iter().find(|(_, p)| p.matches(&request.tool, &request.function)) {
            Some((text, _)) => Approval::Granted { by: format!("--approve {text}") },
            None => Approval::Refused(format!(
                "not approved; to allow it, run again with --approve {}.{}",
                request.tool, request.function
            )),
        }
    }
}
