//! The `conformance` tool: the official MCP conformance suite's fixtures for tool
//! results, returned as WIT content blocks, so that the suite checks cemcp's mapping
//! of `cemcp:mcp/content` to MCP content.

use cemcp::mcp::content::{ContentBlock, EmbeddedResource, Media, ResourceBody};
use exports::cemcp::conformance::conformance::Guest;

wit_bindgen::generate!({
    path: ["../../wit/mcp", "../../wit/conformance"],
    world: "cemcp:conformance/conformance-tool",
    generate_all,
});

/// The WIT this tool exports, doc comments included (custom section `cemcp:wit`).
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../wit/conformance/conformance.wit").len()] =
    *include_bytes!("../../../wit/conformance/conformance.wit");

/// A 1x1 red pixel, as PNG.
const RED_PIXEL_PNG: [u8; 69] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49,
    0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xdd, 0x8d, 0xb0,
    0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

struct Conformance;

impl Guest for Conformance {
    fn test_simple_text() -> Result<Vec<ContentBlock>, String> {
        Ok(vec![ContentBlock::Text("This is a simple text response for testing.".into())])
    }

    fn test_image_content() -> Result<Vec<ContentBlock>, String> {
        Ok(vec![png()])
    }

    fn test_audio_content() -> Result<Vec<ContentBlock>, String> {
        Ok(vec![ContentBlock::Audio(Media { data: wav_tone(), mime_type: "audio/wav".into() })])
    }

    fn test_embedded_resource() -> Result<Vec<ContentBlock>, String> {
        Ok(vec![ContentBlock::Resource(EmbeddedResource {
            uri: "test://embedded-resource".into(),
            mime_type: Some("text/plain".into()),
            body: ResourceBody::Text("This is an embedded resource content.".into()),
        })])
    }

    fn test_multiple_content_types() -> Result<Vec<ContentBlock>, String> {
        Ok(vec![
            ContentBlock::Text("Multiple content types test:".into()),
            png(),
            ContentBlock::Resource(EmbeddedResource {
                uri: "test://mixed-content-resource".into(),
                mime_type: Some("application/json".into()),
                body: ResourceBody::Text(r#"{"test":"data","value":123}"#.into()),
            }),
        ])
    }

    fn test_error_handling() -> Result<Vec<ContentBlock>, String> {
        Err("This tool intentionally returns an error for testing".into())
    }
}

fn png() -> ContentBlock {
    ContentBlock::Image(Media { data: RED_PIXEL_PNG.to_vec(), mime_type: "image/png".into() })
}

/// A 50 ms, 440 Hz square wave: 8 kHz, 8-bit mono PCM in a WAV container.
fn wav_tone() -> Vec<u8> {
    const RATE: u32 = 8000;
    let samples: Vec<u8> =
        (0..RATE / 20).map(|i| if (i * 440 * 2 / RATE).is_multiple_of(2) { 0xa0 } else { 0x60 }).collect();
    let len = u32::try_from(samples.len()).unwrap_or(0);
    let mut wav = Vec::with_capacity(44 + samples.len());
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&RATE.to_le_bytes());
    wav.extend_from_slice(&RATE.to_le_bytes()); // bytes per second
    wav.extend_from_slice(&1u16.to_le_bytes()); // block align
    wav.extend_from_slice(&8u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&len.to_le_bytes());
    wav.extend_from_slice(&samples);
    wav
}

export!(Conformance);
