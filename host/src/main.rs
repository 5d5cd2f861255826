//! The `cemcp` binary; see `cemcp --help`.
//!
//! # Ambient authority
//!
//! Reads its arguments and `RUST_LOG` from the process, as every command does.

use std::process::ExitCode;

fn main() -> ExitCode {
    init_logging();
    cemcp::cli::main(std::env::args_os())
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: warnings and errors), coloured
/// only when stderr is a terminal.
fn init_logging() {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        // When stderr is a closed pipe, tracing would report the failed write with
        // `eprintln!`, which panics: a lost log line must not take a request down.
        .log_internal_errors(false)
        .init();
}
