//! `flaky`: a tool that misbehaves on request, so that cemcp's tests can check how the
//! host contains a trapping, looping or memory-hungry tool.

use std::sync::atomic::{AtomicU32, Ordering};

use exports::cemcp::fixtures::flaky::Guest;

wit_bindgen::generate!({ path: "../../wit/fixtures", world: "flaky-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents; the component model
/// binary format has no place for docs of its own.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../wit/fixtures/flaky.wit").len()] =
    *include_bytes!("../../../wit/fixtures/flaky.wit");

static CALLS: AtomicU32 = AtomicU32::new(0);

struct Flaky;

impl Guest for Flaky {
    fn count() -> Result<u32, String> {
        Ok(CALLS.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn echo(text: String) -> Result<String, String> {
        Ok(text)
    }

    #[expect(clippy::panic, reason = "this fixture traps on purpose")]
    fn boom() -> Result<String, String> {
        panic!("flaky: boom traps on purpose")
    }

    fn nap(ms: u32) -> Result<(), String> {
        std::thread::sleep(std::time::Duration::from_millis(u64::from(ms)));
        Ok(())
    }

    fn connect(addr: String) -> Result<(), String> {
        std::net::TcpStream::connect(&addr).map(drop).map_err(|e| format!("cannot connect to {addr}: {e}"))
    }

    fn shout(lines: u32) -> Result<u32, String> {
        for i in 0..lines {
            println!("flaky stdout line {i}");
            eprintln!("flaky stderr line {i}");
        }
        Ok(lines)
    }

    fn now() -> Result<u64, String> {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .map_err(|e| e.to_string())
    }

    fn random() -> Result<u64, String> {
        Ok(wasip2::random::random::get_random_u64())
    }

    fn spin() -> Result<String, String> {
        let mut n = 0u64;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }

    fn hog(mib: u32) -> Result<u32, String> {
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        for _ in 0..mib {
            chunks.push(vec![1u8; 1 << 20]);
        }
        Ok(u32::try_from(std::hint::black_box(chunks).len()).unwrap_or(u32::MAX))
    }
}

export!(Flaky);
