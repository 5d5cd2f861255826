//! Rich results: a tool returning `list<content-block>` (wit/mcp/content.wit) answers
//! MCP clients with those content blocks. Driven through `cemcp serve` with the
//! official Rust SDK client, on the `conformance` tool (the official conformance
//! suite's fixtures; README, "Checking against official clients", runs the suite).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cemcp_tests::{TestBed, artifacts};
use rmcp::ServiceExt as _;
use rmcp::model::{CallToolRequestParams, ContentBlock, ResourceContents};

mod common;

#[tokio::test(flavor = "multi_thread")]
async fn content_blocks_reach_the_client_as_mcp_content() {
    let bed = TestBed::new();
    bed.write_manifest(&format!(
        "version = 1\ndefault-profile = \"c\"\n[tool.conformance]\ncomponent = \"{}\"\nmcp-prefix = \"\"\n[profile.c]\ntools = [\"conformance\"]\n",
        artifacts::CONFORMANCE_COMPONENT
    ));
    let (mut child, _log) = common::spawn_serve(&bed, &["serve", "-m", "manifest.toml", "--expose", "tools"]);
    let client = ().serve((child.stdout.take().unwrap(), child.stdin.take().unwrap())).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    let image_tool = tools.iter().find(|t| t.name == "test_image_content").unwrap();
    assert!(image_tool.output_schema.is_none(), "content results have no structured output schema");
    let call = |name: &'static str| client.call_tool(CallToolRequestParams::new(name));

    let image = call("test_image_content").await.unwrap();
    let [ContentBlock::Image(image)] = image.content.as_slice() else { panic!("{image:?}") };
    assert_eq!(image.mime_type, "image/png");
    assert!(STANDARD.decode(&image.data).unwrap().starts_with(b"\x89PNG"), "base64 of the PNG");

    let audio = call("test_audio_content").await.unwrap();
    let [ContentBlock::Audio(audio)] = audio.content.as_slice() else { panic!("{audio:?}") };
    assert_eq!(audio.mime_type, "audio/wav");
    assert!(STANDARD.decode(&audio.data).unwrap().starts_with(b"RIFF"));

    let mixed = call("test_multiple_content_types").await.unwrap();
    let [ContentBlock::Text(text), ContentBlock::Image(_), ContentBlock::Resource(resource)] = mixed.content.as_slice()
    else {
        panic!("{mixed:?}")
    };
    assert_eq!(text.text, "Multiple content types test:");
    let ResourceContents::TextResourceContents { uri, mime_type, text, .. } = &resource.resource else {
        panic!("{resource:?}")
    };
    assert_eq!((uri.as_str(), mime_type.as_deref()), ("test://mixed-content-resource", Some("application/json")));
    assert_eq!(text, r#"{"test":"data","value":123}"#);

    let error = call("test_error_handling").await.unwrap();
    assert_eq!(error.is_error, Some(true));
    let [ContentBlock::Text(message)] = error.content.as_slice() else { panic!("{error:?}") };
    assert!(message.text.contains("This tool intentionally returns an error for testing"), "{}", message.text);
}

#[test]
fn scripts_receive_content_blocks_as_plain_data() {
    let bed = TestBed::new();
    let runtime = bed
        .runtime(&format!(
            "version = 1\ndefault-profile = \"c\"\n[tool.conformance]\ncomponent = \"{}\"\n[profile.c]\ntools = [\"conformance\"]\n\
             [interpreter.python]\ncomponent = \"{}\"\n",
            artifacts::CONFORMANCE_COMPONENT,
            artifacts::PYTHON_COMPONENT
        ))
        .unwrap();
    let profile = runtime.profile(None).unwrap();
    let python = runtime.interpreter_for(cemcp::manifest::Language::Python, profile).unwrap();
    let source = r#"
blocks = tools.conformance.test_multiple_content_types()
[{k: v for k, v in b.items() if k != "data"} for b in blocks] + [len(blocks[1]["data"]) > 0]
"#;
    let out = runtime.run_script(&python, source, "{}", &cemcp::CancelToken::new()).unwrap();
    let output: serde_json::Value = serde_json::from_str(&out.output).unwrap();
    assert_eq!(
        output,
        serde_json::json!([
            { "type": "text", "text": "Multiple content types test:" },
            { "type": "image", "mime_type": "image/png" },
            { "type": "resource", "uri": "test://mixed-content-resource", "mime_type": "application/json",
              "text": "{\"test\":\"data\",\"value\":123}" },
            true
        ])
    );
}
