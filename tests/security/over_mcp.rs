//! The defence layer as an MCP client meets it: approvals asked through elicitation
//! (accepted, declined), tools mode gated like programs, and every result marked with
//! its source, trust and labels in `_meta`.

use cemcp_tests::security::{Defence, Scenario};
use cemcp_tests::study::serve::{Cemcp, spawn, text_of};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult,
    ElicitationAction, Implementation, ProtocolVersion,
};
use rmcp::service::{RequestContext, RunningService};
use rmcp::{ClientHandler, ErrorData, RoleClient, ServiceExt as _};
use serde_json::{Value, json};

/// A client whose user answers every approval question the same way, and which
/// remembers the questions.
#[derive(Clone)]
struct User {
    approve: bool,
    asked: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ClientHandler for User {
    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        if let ElicitRequestParams::FormElicitationParams { message, .. } = request {
            self.asked.lock().unwrap().push(message);
        }
        Ok(if self.approve {
            ElicitResult::new(ElicitationAction::Accept).with_content(json!({ "approve": true }))
        } else {
            ElicitResult::new(ElicitationAction::Decline)
        })
    }

    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::builder().enable_elicitation().build(),
            Implementation::new("cemcp-security-test", "1.0"),
        )
        .with_protocol_version(ProtocolVersion::V_2025_11_25)
    }
}

async fn connect(
    scenario: &Scenario,
    expose: &str,
    user: User,
) -> (RunningService<RoleClient, User>, tokio::process::Child) {
    let cemcp = Cemcp::study_binary(env!("CARGO_BIN_EXE_study"));
    let (child, stdio) = spawn(&cemcp, scenario.manifest(), expose, &[]).unwrap();
    (user.serve(stdio).await.unwrap(), child)
}

async fn call(client: &RunningService<RoleClient, User>, name: &str, arguments: Value) -> CallToolResult {
    let params = CallToolRequestParams::new(name.to_owned()).with_arguments(arguments.as_object().cloned().unwrap());
    client.call_tool(params).await.unwrap()
}

fn content_meta(result: &CallToolResult) -> Value {
    serde_json::to_value(result).unwrap()["_meta"]["io.cemcp/content"].clone()
}

const ADD: &str = "tools.db.add_user(name=\"zoe\", role=\"staff\")";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_changing_call_asks_the_clients_user_and_goes_ahead_only_on_yes() {
    let scenario = Scenario::new(Defence::Gates).unwrap();
    let yes = User { approve: true, asked: Default::default() };
    let (client, _child) = connect(&scenario, "code", yes.clone()).await;
    let result = call(&client, "run_script", json!({ "language": "python", "code": ADD })).await;
    assert_eq!(result.is_error, Some(false), "{}", text_of(&result));
    assert_eq!(text_of(&result), "9");
    let asked = yes.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert!(asked[0].contains("`db.add_user`") && asked[0].contains("\"name\":\"zoe\""), "{}", asked[0]);
    client.cancel().await.unwrap();

    let no = User { approve: false, asked: Default::default() };
    let (client, _child) = connect(&scenario, "code", no).await;
    let code = "tools.db.add_user(name=\"yann\", role=\"admin\")";
    let result = call(&client, "run_script", json!({ "language": "python", "code": code })).await;
    assert_eq!(result.is_error, Some(true));
    let text = text_of(&result);
    assert!(
        text.starts_with(
            "[cemcp: refused] the run was stopped: call to `db.add_user` refused by gate `host` (rule state-changing)"
        ),
        "{text}"
    );
    assert!(text.ends_with("the user declined"), "{text}");
    assert_eq!(content_meta(&result), json!({ "source": "cemcp", "trust": "host", "labels": [] }));
    client.cancel().await.unwrap();
    let approvals: Vec<String> = scenario
        .audit_records()
        .unwrap()
        .iter()
        .filter(|r| r["event"] == "approval")
        .map(|r| format!("{} {}", r["outcome"].as_str().unwrap(), r["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(approvals, ["granted the MCP client's user", "refused the user declined"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_mode_hides_refuses_asks_and_marks_results_like_code_mode() {
    let scenario = Scenario::new(Defence::Gates).unwrap();
    let yes = User { approve: true, asked: Default::default() };
    let (client, _child) = connect(&scenario, "tools", yes.clone()).await;
    let names: Vec<String> = client.list_all_tools().await.unwrap().into_iter().map(|t| t.name.to_string()).collect();
    assert!(names.contains(&"directory_lookup_badge".to_owned()), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("refresh_session") && n.starts_with("directory")), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("note_for_agents")), "{names:?}");

    let visitor = call(&client, "directory_lookup_badge", json!({ "badge": "V-1001" })).await;
    assert_eq!(visitor.is_error, Some(false));
    assert_eq!(
        content_meta(&visitor),
        json!({ "source": "tool `directory`", "trust": "untrusted", "labels": ["untrusted"] })
    );
    let locked = call(&client, "directory_lookup_badge", json!({ "badge": "V-0000" })).await;
    assert!(
        text_of(&locked).starts_with("[cemcp: refused] the result of `directory_lookup_badge` was withheld"),
        "{}",
        text_of(&locked)
    );
    let dropped = call(&client, "db_query", json!({ "sql": "DROP TABLE users" })).await;
    assert!(text_of(&dropped).contains("refused by gate `screen` (rule argument sql)"), "{}", text_of(&dropped));
    let hidden = client.call_tool(CallToolRequestParams::new("directory_refresh_session")).await;
    assert!(hidden.is_err_and(|e| e.to_string().contains("no tool named `directory_refresh_session`")));
    let added = call(&client, "db_add_user", json!({ "name": "zoe", "role": "staff" })).await;
    assert_eq!(added.structured_content, Some(json!({ "result": 9 })), "{}", text_of(&added));
    assert_eq!(yes.asked.lock().unwrap().len(), 1);
    client.cancel().await.unwrap();
}
