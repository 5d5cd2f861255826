//! Approvals over MCP: a call that needs approval asks the client's user through
//! elicitation (MCP 2025-11-25, `elicitation/create` with a form holding one
//! boolean, `approve`).
//!
//! A client is not asked, and the call is refused saying why, when it did not
//! declare the elicitation capability, or when the session speaks MCP 2026-07-28,
//! which forbids requests from server to client (its replacement, an
//! `input_required` result answered by retrying the call, cannot pause a running
//! program: cemcp would have to replay the run from a durable call log, which it
//! does not do yet). Cancelling the request while the question is open refuses the
//! call at once.

use rmcp::RoleServer;
use rmcp::model::{
    BooleanSchema, ElicitRequestParams, ElicitationAction, ElicitationSchema, PrimitiveSchemaDefinition,
    ProtocolVersion,
};
use rmcp::service::{Peer, RequestContext};
use tokio_util::sync::CancellationToken;

use crate::gate::{Approval, ApprovalRequest, Approver};

/// Asks an MCP client's user.
pub(super) struct ElicitingApprover {
    peer: Peer<RoleServer>,
    protocol: Option<ProtocolVersion>,
    handle: tokio::runtime::Handle,
    cancelled: CancellationToken,
}

impl ElicitingApprover {
    /// An approver for calls made while serving the request of `context`. Must be
    /// made on the server's runtime; `approve` is called from a blocking thread.
    pub(super) fn new(context: &RequestContext<RoleServer>) -> Self {
        Self {
            peer: context.peer.clone(),
            protocol: context.protocol_version(),
            handle: tokio::runtime::Handle::current(),
            cancelled: context.ct.clone(),
        }
    }
}

impl Approver for ElicitingApprover {
    fn approve(&self, request: &ApprovalRequest) -> Approval {
        if self.protocol.as_ref().is_some_and(|v| *v >= ProtocolVersion::V_2026_07_28) {
            return Approval::Unavailable(
                "this session speaks MCP 2026-07-28, where a server cannot ask the client during a call, and \
                 cemcp cannot yet pause a run for an input_required answer"
                    .to_owned(),
            );
        }
        if self.peer.supported_elicitation_modes().is_empty() {
            return Approval::Unavailable(
                "the client did not declare the elicitation capability, so its user cannot be asked".to_owned(),
            );
        }
        let message = format!(
            "A program run under profile `{}` wants to call `{}.{}`. {}.\n\nArguments: {}\n\nApprove this call?",
            request.profile, request.tool, request.function, request.reason, request.arguments
        );
        let schema = match ElicitationSchema::builder()
            .required_property(
                "approve",
                PrimitiveSchemaDefinition::Boolean(
                    BooleanSchema::new()
                        .description(format!("Allow `{}.{}` this once", request.tool, request.function)),
                ),
            )
            .build()
        {
            Ok(schema) => schema,
            Err(e) => return Approval::Unavailable(format!("(internal) the question could not be built: {e}")),
        };
        let params = ElicitRequestParams::FormElicitationParams { meta: None, message, requested_schema: schema };
        let asked = self.peer.create_elicitation_with_timeout(params, Some(request.timeout));
        let answer = self.handle.block_on(async {
            tokio::select! {
                answer = asked => Some(answer),
                () = self.cancelled.cancelled() => None,
            }
        });
        let by = "the MCP client's user".to_owned();
        match answer {
            None => Approval::Refused("the request was cancelled while the question was open".to_owned()),
            Some(Err(e)) => Approval::Unavailable(format!("asking the client failed: {e}")),
            Some(Ok(result)) => match result.action {
                ElicitationAction::Accept => {
                    let yes =
                        result.content.as_ref().and_then(|c| c.get("approve")).and_then(serde_json::Value::as_bool);
                    if yes == Some(true) {
                        Approval::Granted { by }
                    } else {
                        Approval::Refused("the user answered, but did not approve it".to_owned())
                    }
                }
                ElicitationAction::Decline => Approval::Refused("the user declined".to_owned()),
                ElicitationAction::Cancel => Approval::Refused("the user cancelled the question".to_owned()),
                _ => Approval::Refused("the client answered with an action cemcp does not know".to_owned()),
            },
        }
    }
}
