//! A stdio server started again on the same manifest and components answers with the
//! tool list its last start kept while its tools load: the client sees the same
//! list, its calls wait for the tools and are answered, a changed manifest is never
//! answered from the old list, and tools that cannot load after all stop the server
//! with the problem and status 2, as a start that loads first does.
//!
//! `cargo test -p cemcp --test mcp_warm`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use std::time::{Duration, SystemTime};

use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt as _};
use serde_json::{Value, json};
use tokio::io::{BufReader, Lines};
use tokio::process::{Child, ChildStderr};

mod common;
use common::text;

/// What the server logs (at info) when it answers from the kept list.
const KEPT: &str = "tool list kept by the last start";

/// The components the base manifest names.
const COMPONENTS: [&str; 5] = [
    artifacts::FILES_COMPONENT,
    artifacts::KV_COMPONENT,
    artifacts::FLAKY_COMPONENT,
    artifacts::HTTP_COMPONENT,
    artifacts::CONFIG_COMPONENT,
];

/// Waits until every component's times are old enough for its digest to be
/// remembered (a file written within the last two seconds is hashed at every start,
/// and such a start has no kept list to answer with).
async fn settled() {
    for path in COMPONENTS {
        let meta = std::fs::metadata(path).unwrap();
        let newest = meta.modified().unwrap();
        let age = SystemTime::now().duration_since(newest).unwrap_or_default();
        if let Some(wait) = Duration::from_millis(2_100).checked_sub(age) {
            tokio::time::sleep(wait).await;
        }
    }
}

struct Session {
    client: RunningService<RoleClient, ()>,
    child: Child,
    log: Lines<BufReader<ChildStderr>>,
}

impl Session {
    /// `cemcp serve --expose both` on the bed's manifest, connected.
    async fn start(bed: &TestBed) -> Self {
        let (mut child, log) = common::spawn_serve(bed, &["serve", "-m", "manifest.toml", "--expose", "both"]);
        let client = ().serve((child.stdout.take().unwrap(), child.stdin.take().unwrap())).await.unwrap();
        Self { client, child, log }
    }

    async fn listed(&self) -> Value {
        let tools: Vec<Tool> = self.client.list_all_tools().await.unwrap();
        serde_json::to_value(tools).unwrap()
    }

    async fn call(&self, name: &str, arguments: Value) -> CallToolResult {
        let params = CallToolRequestParams::new(name.to_owned()).with_arguments(arguments.as_object().unwrap().clone());
        self.client.call_tool(params).await.unwrap()
    }

    /// Closes the connection; the server's exit status and its log.
    async fn stop(mut self) -> (Option<i32>, String) {
        drop(self.client.cancel().await);
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await.unwrap().unwrap();
        (status.code(), read_log(&mut self.log).await)
    }
}

async fn read_log(log: &mut Lines<BufReader<ChildStderr>>) -> String {
    let mut lines = Vec::new();
    while let Ok(Ok(Some(line))) = tokio::time::timeout(Duration::from_secs(30), log.next_line()).await {
        lines.push(line);
    }
    lines.join("\n")
}

#[tokio::test]
async fn a_second_start_lists_what_the_first_loaded_and_its_calls_wait_for_the_tools() {
    let bed = TestBed::new();
    bed.write_manifest(&TestBed::base_manifest());
    settled().await;
    let first = Session::start(&bed).await;
    let listed = first.listed().await;
    let (status, log) = first.stop().await;
    assert_eq!(status, Some(0), "{log}");
    assert!(!log.contains(KEPT), "the first start has no list to answer with: {log}");

    let second = Session::start(&bed).await;
    // Listed first: answered from the kept list (the tools load once it is).
    assert_eq!(second.listed().await, listed, "the kept list is the list the tools give");
    // Sent at once, while the tools may still be loading: answered when they are.
    let put = second.call("kv_put", json!({ "key": "greeting", "value": "hello" })).await;
    assert_ne!(put.is_error, Some(true), "{}", text(&put));
    let got = second.call("kv_get", json!({ "key": "greeting" })).await;
    assert_eq!(text(&got), "hello");
    assert_eq!(second.listed().await, listed, "the loaded list is the kept one");
    let (status, log) = second.stop().await;
    assert_eq!(status, Some(0), "{log}");
    assert!(log.contains(KEPT), "the second start answers from the kept list: {log}");
    assert!(!log.contains("WARN"), "{log}");
}

#[tokio::test]
async fn a_changed_manifest_is_not_answered_from_the_old_list() {
    let bed = TestBed::new();
    bed.write_manifest(&TestBed::base_manifest());
    settled().await;
    let first = Session::start(&bed).await;
    let everything = first.listed().await;
    first.stop().await;

    // Only the `files` tool's functions (and the code tools) from now on.
    bed.write_manifest(
        &TestBed::base_manifest().edit(r#"default-profile = "all""#, r#"default-profile = "files-only""#),
    );
    let second = Session::start(&bed).await;
    let names: Vec<String> = second.client.list_all_tools().await.unwrap().iter().map(|t| t.name.to_string()).collect();
    let (status, log) = second.stop().await;
    assert_eq!(status, Some(0), "{log}");
    assert!(!log.contains(KEPT), "{log}");
    assert!(names.iter().any(|n| n.starts_with("files_")), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("kv_")), "the old profile's tools are gone: {names:?}");
    assert_ne!(serde_json::to_value(&names).unwrap(), everything);
}

#[tokio::test]
async fn tools_that_cannot_load_after_a_kept_start_stop_the_server_with_the_problem() {
    let bed = TestBed::new();
    bed.write_manifest(&TestBed::base_manifest());
    settled().await;
    let first = Session::start(&bed).await;
    first.listed().await;
    first.stop().await;

    // The same manifest and components: the list is kept, but `files` can no longer
    // be granted its directory.
    std::fs::remove_dir_all(bed.path().join("docs")).unwrap();
    let second = Session::start(&bed).await;
    let answered = second.client.list_all_tools().await.map(|tools| tools.len());
    let (status, log) = second.stop().await;
    assert_eq!(status, Some(2), "the status of a manifest that cannot be served: {log}");
    assert!(log.contains(KEPT), "{log}");
    assert!(log.contains("error:") && log.contains("tool `files`, field `dir[0].host`"), "the problem is named: {log}");
    // The list may have been answered before the load failed; nothing else was.
    if let Ok(count) = answered {
        assert!(count > 0);
    }

    // A start that loads first says the same.
    let cold = common::command(&bed, common::CEMCP).args(["check", "manifest.toml"]).output().unwrap();
    let problem = String::from_utf8_lossy(&cold.stderr);
    let first_line = problem.lines().find(|l| l.contains("tool `files`")).expect("check names the problem");
    assert!(log.contains(first_line.trim()), "same problem as `cemcp check` ({first_line}): {log}");
}
