//! The study's ten servers in MCP tools mode, through `cemcp serve` with the official
//! Rust SDK client, as a tool-by-tool agent uses them: every function is listed with
//! the original's name, and every call of `tests/mcpbench/calls/<server>.toml` gets
//! the answer it names (valid calls) or an invalid-arguments error (calls the schema
//! rejects). Without its network grant, each web-API server fails with a clear error
//! and its offline service sees no request.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use cemcp_tests::mcpbench::{Api, Bench};
use cemcp_tests::{ManifestEdit as _, TestBed, workspace_root};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt as _};
use serde_json::Value;
use tokio::process::Child;

mod common;
use common::text;

/// The study's 89 exposed tools (Paper Search's six filtered tools left out).
const FUNCTIONS: usize = 89;

/// The web-API servers, their service, and the MCP name of a call that needs it.
const WEB: [(&str, Api); 6] = [
    ("weather-data", Api::Weather),
    ("wikipedia", Api::Wikipedia),
    ("call-for-papers", Api::CallForPapers),
    ("paper-search", Api::Papers),
    ("car-price-evaluator", Api::CarPrices),
    ("reddit", Api::Reddit),
];

#[derive(serde::Deserialize)]
struct Calls {
    call: Vec<Call>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Call {
    function: String,
    arguments: toml::Table,
    /// Text the result must contain.
    expect: Option<String>,
    /// Text the tool's error must contain, for a call the schema accepts but the tool
    /// refuses (e.g. a stored tensor that a fresh run does not have).
    error: Option<String>,
    /// Whether the schema rejects the call.
    #[serde(default)]
    invalid: bool,
}

struct Server {
    client: RunningService<RoleClient, ()>,
    _child: Child,
    _bed: TestBed,
}

async fn serve(manifest: &str) -> Server {
    let bed = TestBed::new();
    bed.write_manifest(manifest);
    let (mut child, _log) = common::spawn_serve(&bed, &["serve", "-m", "manifest.toml", "--expose", "tools"]);
    let client = ().serve((child.stdout.take().unwrap(), child.stdin.take().unwrap())).await.unwrap();
    Server { client, _child: child, _bed: bed }
}

/// The MCP name of `function` of `server`, as capabilities/mcpbench.toml names it.
fn mcp_name(server: &str, function: &str) -> String {
    if server == "time-mcp" { format!("time_mcp_{function}") } else { function.to_owned() }
}

fn calls(server: &str) -> Vec<Call> {
    let path = workspace_root().join("tests/mcpbench/calls").join(format!("{server}.toml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str::<Calls>(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())).call
}

async fn call(server: &Server, name: &str, arguments: &toml::Table) -> CallToolResult {
    let arguments: Value = serde_json::to_value(arguments).unwrap();
    let params = CallToolRequestParams::new(name.to_owned()).with_arguments(arguments.as_object().unwrap().clone());
    server.client.call_tool(params).await.unwrap_or_else(|e| panic!("{name}: {e}"))
}

const SERVERS: [&str; 10] = [
    "weather-data",
    "unit-converter",
    "wikipedia",
    "call-for-papers",
    "math-mcp",
    "paper-search",
    "car-price-evaluator",
    "scientific-computing",
    "reddit",
    "time-mcp",
];

#[tokio::test(flavor = "multi_thread")]
async fn every_function_is_listed_and_answers_its_calls() {
    let bench = Bench::start();
    let server = serve(&bench.manifest()).await;
    let listed = server.client.list_all_tools().await.unwrap();
    assert_eq!(listed.len(), FUNCTIONS, "{:?}", listed.iter().map(|t| &t.name).collect::<Vec<_>>());
    let listing = serde_json::to_string(&serde_json::json!({ "tools": listed })).unwrap();
    let out = workspace_root().join("target/mcpbench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("tools-list.json"), &listing).unwrap();
    println!("tools/list of the ten servers: {} tools, {} characters", listed.len(), listing.chars().count());

    let mut failures = Vec::new();
    let mut covered = std::collections::BTreeSet::new();
    for server_name in SERVERS {
        let calls = calls(server_name);
        for c in &calls {
            let name = mcp_name(server_name, &c.function);
            if !listed.iter().any(|t| t.name == name) {
                failures.push(format!("{server_name}: `{name}` is not listed"));
                continue;
            }
            covered.insert((name.clone(), c.invalid));
            let result = call(&server, &name, &c.arguments).await;
            let got = text(&result);
            let failed = result.is_error == Some(true);
            if c.invalid {
                if !(failed && got.contains("[cemcp: invalid arguments]")) {
                    failures.push(format!(
                        "{server_name}: {name} {:?} should be refused as invalid, got: {got}",
                        c.arguments
                    ));
                }
            } else if let Some(error) = &c.error {
                if !(failed && got.contains("[cemcp: tool error]") && got.contains(error.as_str())) {
                    failures.push(format!(
                        "{server_name}: {name} {:?} expected the error {error:?}, got: {got}",
                        c.arguments
                    ));
                }
            } else if failed || !c.expect.as_ref().is_some_and(|e| got.contains(e.as_str())) {
                failures.push(format!("{server_name}: {name} {:?} expected {:?}, got: {got}", c.arguments, c.expect));
            }
        }
    }
    for tool in &listed {
        for invalid in [false, true] {
            if !covered.contains(&(tool.name.to_string(), invalid)) {
                let kind = if invalid { "invalid" } else { "valid" };
                failures.push(format!("`{}` has no {kind} call in tests/mcpbench/calls/", tool.name));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_its_network_grant_a_web_server_fails_clearly_and_reaches_nothing() {
    let bench = Bench::start();
    let mut manifest = bench.manifest();
    for (_, api) in WEB {
        manifest = manifest.edit(&format!("network = [\"{}\"]\n", bench.services.origin(api)), "");
    }
    let server = serve(&manifest).await;
    for (server_name, api) in WEB {
        let c = calls(server_name).into_iter().find(|c| !c.invalid).unwrap();
        let name = mcp_name(server_name, &c.function);
        let result = call(&server, &name, &c.arguments).await;
        let got = text(&result);
        assert_eq!(result.is_error, Some(true), "{name}: {got}");
        assert!(got.contains("not in this tool's network grant"), "{name}: {got}");
        assert_eq!(bench.services.requests(api), 0, "{name} reached the {} service", api.name());
    }
}

#[test]
fn the_cli_lists_the_89_functions_and_check_shows_each_grant() {
    let bench = Bench::start();
    let bed = TestBed::new();
    let manifest = bench.manifest_file();
    let tools = common::command(&bed, common::CEMCP).args(["tools", "-m"]).arg(&manifest).output().unwrap();
    assert!(tools.status.success(), "{}", String::from_utf8_lossy(&tools.stderr));
    let listing = String::from_utf8_lossy(&tools.stdout);
    assert_eq!(listing.matches(": func(").count(), FUNCTIONS, "{listing}");
    let check = common::command(&bed, common::CEMCP).arg("check").arg(&manifest).output().unwrap();
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{report}");
    for (server, api) in WEB {
        let section = report.split("\ntool ").find(|s| s.starts_with(server)).unwrap();
        assert!(section.contains(&format!("network    {}", bench.services.origin(api))), "{section}");
    }
    let time = report.split("\ntool ").find(|s| s.starts_with("time-mcp")).unwrap();
    assert!(time.contains("clocks     frozen at 2026-11-23T15:30:00Z"), "{time}");
    let math = report.split("\ntool ").find(|s| s.starts_with("math-mcp")).unwrap();
    assert!(math.contains("network    none") && math.contains("clocks     frozen at the Unix epoch"), "{math}");
}
