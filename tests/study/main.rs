//! The study benchmark (`cemcp_tests::study`, the `study` binary): its token count for
//! a small fixed transcript is the hand-checked figure; its charts are valid SVG; the
//! folder it writes lists what it wrote; and two tasks run end to end through
//! `cemcp serve` (the whole 30 are the binary's job, not a test's).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use cemcp_tests::mcpbench::Bench;
use cemcp_tests::study::agent::fake::{self, FakeEndpoint};
use cemcp_tests::study::agent::{Client, Endpoint, SYSTEM};
use cemcp_tests::study::catalogue::Step;
use cemcp_tests::study::filler::{FillerServer, Size};
use cemcp_tests::study::measure::{Decoupled, HostTime, StepCount, TaskResult};
use cemcp_tests::study::prompt::ToolDef;
use cemcp_tests::study::replay::{Conversation, Count, Exchange, Transcript, call_text};
use cemcp_tests::study::serve::{Cemcp, Served};
use cemcp_tests::study::tokens::Tokenizer;
use cemcp_tests::study::{self, ListingSize, Meta, Options, Study, WarmUp, listing_of, report};
use serde_json::json;

/// The transcript of a coupled agent that calls Math MCP's `add` twice.
fn fixed_transcript() -> Transcript {
    let add = ToolDef {
        name: "add".into(),
        server: "Math MCP".into(),
        description: "Adds two numbers.".into(),
        input_schema: json!({
            "type": "object",
            "properties": {
                "firstNumber": {"type": "number", "description": "The first number, in m\u{2011}s"},
                "secondNumber": {"type": "number"}
            },
            "required": ["firstNumber", "secondNumber"]
        }),
    };
    Transcript {
        tools: add.block(),
        task: "Complete MCP-Bench task `math_mcp_000` using the Math MCP server(s).".into(),
        exchanges: vec![
            (vec![call_text("add", &json!({"firstNumber": 2, "secondNumber": 3}))], vec!["5".into()]),
            (vec![call_text("add", &json!({"firstNumber": 5, "secondNumber": 7}))], vec!["12".into()]),
        ],
        answer: r#"{"sum":12}"#.into(),
    }
}

/// Checked independently with OpenAI's Python `tiktoken` 0.14.0 (o200k_base, whose
/// rank file it verifies by sha256), building the same texts with Python's own
/// `json.dumps(schema, indent=2, sort_keys=True)` for the listing and
/// `json.dumps(call, separators=(",", ":"))` for the calls:
///
/// - listing block 109 tokens, task 19, each call 17, results "5" and "12" 1 each,
///   answer 5;
/// - prefix 109 + 19 = 128; input = 3·128 (three turns) + 2·(17 + 1) (the first call
///   and result, read by turns 2 and 3) + 1·(17 + 1) = 438; output = 17 + 17 + 5 = 39.
#[test]
fn a_fixed_transcript_counts_as_checked_by_hand() {
    let tokenizer = Tokenizer::o200k().unwrap();
    let transcript = fixed_transcript();
    assert!(transcript.tools.contains(r#""The first number, in m\u2011s""#), "{}", transcript.tools);
    assert_eq!(transcript.exchanges[0].0[0], r#"{"arguments":{"firstNumber":2,"secondNumber":3},"name":"add"}"#);
    let conversation = transcript.conversation(&tokenizer);
    assert_eq!(
        conversation,
        Conversation {
            prefix: 128,
            exchanges: vec![Exchange { written: 17, returned: 1 }, Exchange { written: 17, returned: 1 }],
            answer: 5,
        }
    );
    assert_eq!(conversation.count(), Count { turns: 3, input: 438, output: 39 });
}

fn synthetic_task(id: &str, servers: &[&str], calls: usize, scale: u64) -> TaskResult {
    let coupled = (0..12u64)
        .map(|i| StepCount {
            step: Step {
                label: format!("step {i}"),
                servers: (0..=i).map(|s| format!("Server {s}")).collect(),
                synthetic: usize::try_from(i / 2).unwrap(),
            },
            tools: usize::try_from(5 * (i + 1)).unwrap(),
            listing_tokens: 1000 * (i + 1),
            count: Count { turns: calls as u64 + 1, input: scale * (i + 1) * 1000, output: 300 },
        })
        .collect();
    TaskResult {
        id: id.into(),
        servers: servers.iter().map(|s| (*s).to_owned()).collect(),
        calls,
        traced_output_matches: true,
        script_output_matches: true,
        replay_failures: 0,
        coupled,
        decoupled: Decoupled {
            count: Count { turns: 3, input: 4000, output: 600 },
            searches: 2,
            functions: 2,
            search_result_tokens: 500,
            script_call_tokens: 400,
            header_tokens_left_out: 50,
            program_output_tokens: 30,
        },
        host: HostTime {
            coupled_ms: 12.5 * scale as f64,
            code_ms: 0.9,
            traced_tools_ms: 0.3,
            search_ms: 0.4,
            in_process_ms: 0.5,
        },
    }
}

fn synthetic_study() -> Study {
    Study {
        meta: Meta {
            command: "study (synthetic)".into(),
            started: "2026-11-23T00:00:00Z".into(),
            elapsed_s: 1.0,
            cores: 2,
            build: "debug".into(),
            tokenizer: "o200k_base (tiktoken-rs)".into(),
            ten_servers: ListingSize { tools: 89, chars: 90_000, tokens: 22_000 },
            study_ten_servers_chars: 64_696,
            code_definitions: ListingSize { tools: 3, chars: 3000, tokens: 700 },
            code_tools: vec!["search_tools".into(), "run_program".into(), "run_script".into()],
            filler: vec![FillerServer { name: "BioMCP".into(), size: Size { chars: 80_558, tools: 35 } }],
            filler_residuals: (0, 0),
            task_template: "Complete MCP-Bench task `<id>` using the <servers> server(s).".into(),
            repeat: 1,
            warm_up: WarmUp {
                first_script_ms: 10.0,
                first_tool_call_ms: 1.0,
                trivial_script_ms: 0.5,
                trivial_tool_call_ms: 0.3,
            },
            agent_endpoint: None,
        },
        agent: Vec::new(),
        tasks: vec![
            synthetic_task("math_mcp_000", &["math-mcp"], 16, 3),
            synthetic_task("reddit_001", &["reddit"], 4, 1),
            synthetic_task("unit_converter_math_mcp_000", &["unit-converter", "math-mcp"], 41, 5),
        ],
    }
}

/// Every chart parses as XML with an `svg` root and holds drawn lines and text.
fn check_svg(path: &std::path::Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: not XML: {e}", path.display()));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{}", path.display());
    assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2000/svg"), "{}", path.display());
    let count = |name: &str| doc.descendants().filter(|n| n.tag_name().name() == name).count();
    assert!(count("text") > 5, "{}: no labels", path.display());
    assert!(count("polyline") + count("rect") > 3, "{}: nothing drawn", path.display());
}

#[test]
fn the_report_writes_valid_charts_and_lists_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("study");
    let study = synthetic_study();
    let files = report::write(&study, &out).unwrap();
    let names: Vec<String> = files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
    // One chart for each group present (here single- and two-server tasks).
    for name in ["tokens-single-server.svg", "tokens-two-server.svg", "host-time.svg", "study.json", "study.md"] {
        assert!(names.contains(&name.to_owned()), "{name} not written: {names:?}");
    }
    assert!(!names.contains(&"tokens-three-server.svg".to_owned()));
    let mut written = files.clone();
    written.sort();
    assert_eq!(listing_of(&out).unwrap(), written, "the folder holds exactly what was listed");
    for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "svg")) {
        check_svg(file);
    }
    let md = std::fs::read_to_string(out.join("study.md")).unwrap();
    for name in names.iter().filter(|n| n.as_str() != "study.md") {
        assert!(md.contains(&format!("]({name})")), "study.md does not link {name}");
    }
    // Totals: coupled 12·1000·(3 + 1 + 5) + 3·300 = 108,900; code mode 3·4,600 = 13,800.
    assert!(md.contains("| **total** | | | 61 | 108,900 | 13,800 | 87.3 % |"), "{md}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("study.json")).unwrap()).unwrap();
    assert_eq!(json["goals"]["coupled_tokens"], 108_900);
    assert_eq!(json["tasks"].as_array().unwrap().len(), 3);
}

/// Two tasks through the whole pipeline: the script traced, replayed tool by tool
/// through `cemcp serve --expose tools`, discovered and run through `--expose code`.
#[test]
fn two_tasks_run_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        out: dir.path().join("out"),
        tasks: vec!["call_for_papers_000".into(), "math_mcp_000".into()],
        repeat: 1,
        command: "study (test)".into(),
        agent: None,
        cemcp: study_binary(),
    };
    let (study, files) = study::run(&options, &|line| eprintln!("{line}")).unwrap();
    assert_eq!(study.tasks.len(), 2);
    assert_eq!(study.meta.ten_servers.tools, 89);
    assert_eq!(study.meta.filler.len(), 18);
    assert_eq!(study.meta.filler_residuals, (0, 0), "the published sizes are matched exactly");
    for task in &study.tasks {
        assert!(task.traced_output_matches && task.script_output_matches, "{}: wrong output", task.id);
        assert_eq!(task.replay_failures, 0, "{}", task.id);
        let full = task.coupled.last().unwrap();
        // Own server, Time MCP, ten distraction servers.
        assert_eq!(full.step.servers.len(), 12, "{}", task.id);
        assert_eq!(task.coupled_full().turns, task.calls as u64 + 1);
        assert_eq!(task.decoupled.count.turns, 3);
        assert!(task.decoupled.count.total() < task.coupled_full().total(), "{}", task.id);
        // Each step adds to the listing.
        assert!(task.coupled.windows(2).all(|w| w[0].listing_tokens < w[1].listing_tokens), "{}", task.id);
    }
    let math = study.tasks.iter().find(|t| t.id == "math_mcp_000").unwrap();
    assert_eq!(math.calls, 16);
    let mut written = files;
    written.sort();
    assert_eq!(listing_of(&options.out).unwrap(), written);
}

/// The live agent loop against a loopback endpoint that plays back a scripted
/// conversation, through `cemcp serve` in both modes: the tools the model was
/// offered, the results it got back, the tokens it reported, and the turn count.
#[tokio::test(flavor = "multi_thread")]
async fn the_agent_loop_plays_a_scripted_conversation_in_both_modes() {
    let bench = Bench::start();
    let manifest = bench.manifest_file();
    let cemcp = study_binary();
    let tools = Served::start(&cemcp, &manifest, "tools").await.unwrap();
    let code = Served::start(&cemcp, &manifest, "code").await.unwrap();
    let task = "What time is it in UTC?";
    let endpoint = |url: String| Endpoint {
        url,
        model: "scripted".into(),
        api_key: Some("sk-test".into()),
        max_turns: 5,
        prompts: None,
    };

    // Tools mode: one call (and one the model gets wrong), then the answer.
    let offered: Vec<_> =
        tools.tools().await.unwrap().into_iter().filter(|t| t.name.starts_with("time_mcp_")).collect();
    let fake = FakeEndpoint::start(vec![
        fake::tool_calls(
            &[("time_mcp_get_current_time", json!({"timezone": "UTC"})), ("no_such_tool", json!({}))],
            (300, 20),
        ),
        fake::answer(r#"{"utc": "2026-11-23T15:30:00+00:00"}"#, (420, 15)),
    ])
    .unwrap();
    let run = Client::new(endpoint(fake.url())).unwrap().run(&tools, &offered, task).await.unwrap();
    assert_eq!((run.turns, run.prompt_tokens, run.completion_tokens), (2, 720, 35));
    assert_eq!((run.tool_calls, run.failed_calls), (2, 1));
    assert!(run.usage_reported);
    assert_eq!(run.answer.as_deref(), Some(r#"{"utc": "2026-11-23T15:30:00+00:00"}"#));
    let sent = fake.received();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|r| r.path == "/v1/chat/completions"));
    assert_eq!(sent[0].authorization.as_deref(), Some("Bearer sk-test"));
    assert_eq!(sent[0].body["model"], "scripted");
    assert_eq!(sent[0].body["messages"][0]["content"], SYSTEM);
    assert_eq!(sent[0].body["messages"][1]["content"], task);
    let names: Vec<&str> =
        sent[0].body["tools"].as_array().unwrap().iter().map(|t| t["function"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["time_mcp_get_current_time", "time_mcp_convert_time"]);
    // The second request carries the call and both answers: the frozen clock's time,
    // and the refusal of the unknown tool.
    let history = sent[1].body["messages"].as_array().unwrap();
    assert_eq!(history.len(), 5, "{history:#?}");
    assert_eq!(history[2]["tool_calls"][0]["function"]["name"], "time_mcp_get_current_time");
    assert_eq!(history[3]["tool_call_id"], "call_0");
    assert!(history[3]["content"].as_str().unwrap().contains("2026-11-23T15:30:00"), "{}", history[3]);
    assert_eq!(history[4]["content"], "no tool is named `no_such_tool`");

    // Code mode: discovery, one script, the answer.
    let offered = code.tools().await.unwrap();
    let fake = FakeEndpoint::start(vec![
        fake::tool_calls(&[("search_tools", json!({"query": "time-mcp get-current-time", "detail": "full", "language": "python"}))], (900, 30)),
        fake::tool_calls(
            &[("run_script", json!({"language": "python", "code": "tools.time_mcp.get_current_time(timezone=\"UTC\")[\"datetime\"]"}))],
            (1500, 40),
        ),
        fake::answer(r#"{"utc": "2026-11-23T15:30:00+00:00"}"#, (1700, 15)),
    ])
    .unwrap();
    let run = Client::new(endpoint(fake.url())).unwrap().run(&code, &offered, task).await.unwrap();
    assert_eq!((run.turns, run.prompt_tokens, run.completion_tokens), (3, 4100, 85));
    assert_eq!((run.tool_calls, run.failed_calls), (2, 0));
    let sent = fake.received();
    let names: Vec<&str> =
        sent[0].body["tools"].as_array().unwrap().iter().map(|t| t["function"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["search_tools", "run_program", "run_script"]);
    let declared = sent[1].body["messages"][3]["content"].as_str().unwrap();
    assert!(declared.contains("def get_current_time("), "{declared}");
    let output = sent[2].body["messages"][5]["content"].as_str().unwrap();
    assert!(output.contains("2026-11-23T15:30:00"), "{output}");

    // Past the script's end the endpoint fails, and so does the loop, saying why.
    let error = Client::new(endpoint(fake.url())).unwrap().run(&code, &offered, task).await.unwrap_err();
    assert!(format!("{error:#}").contains("500"), "{error:#}");
    tools.stop().await;
    code.stop().await;
}

/// The `study` binary, which serves MCP as `study cemcp serve ...`.
fn study_binary() -> Cemcp {
    Cemcp::study_binary(env!("CARGO_BIN_EXE_study"))
}
