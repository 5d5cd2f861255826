//! How a failure is told: which component stopped, and why, in words, once.
//!
//! wasmtime attaches a wasm backtrace to every trap and host error raised inside a
//! guest. It helps a tool author, not the agent or the admin reading a message, so
//! messages leave it out ([`plain`]) and the log keeps it at debug level.

use wasmtime_wasi::I32Exit;

use crate::sandbox::limits::{LimitExceeded, RunHalt};
use crate::tool::Tool;

/// The first line wasmtime writes for a backtrace context.
const BACKTRACE_HEADER: &str = "error while executing at wasm backtrace:";

/// `error` and its causes, joined by ": ", without wasm backtraces.
pub fn plain(error: &wasmtime::Error) -> String {
    if let Some(full) = error.downcast_ref::<wasmtime::PoolConcurrencyLimitError>() {
        // The pool is sized for `[server] max-runs` runs of the widest profile (see
        // `engine::new_engine_for`): running out means more instances than that.
        return format!(
            "the host's instance pool is full ({full}); it is sized for `[server] max-runs` runs at once, each \
             with one instance per tool of its profile: raise max-runs, or try again when runs have finished"
        );
    }
    let parts: Vec<String> =
        error.chain().map(ToString::to_string).filter(|part| !part.starts_with(BACKTRACE_HEADER)).collect();
    if parts.is_empty() { error.root_cause().to_string() } else { parts.join(": ") }
}

/// The first `max` characters of `text`.
pub(crate) fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// `text` safe to print on a terminal: control characters other than newline and
/// tab, and the bidirectional-text overrides that can make text read differently
/// than it is, shown as escapes (`\u{1b}`), so that a guest's message cannot move
/// the cursor, recolour or retitle the terminal, or hide what follows.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.contains(unsafe_char) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// The status a guest passed to `wasi:cli/exit`, if that is what `error` is.
pub fn exit_status(error: &wasmtime::Error) -> Option<i32> {
    error.downcast_ref::<I32Exit>().map(|exit| exit.0)
}

/// What stopped a tool call, for the program or the MCP client: "tool `flaky`
/// exceeded its 1s time limit in `spin`", "tool `flaky` trapped in `boom`: ...", or
/// without the function (`func: None`) "tool `flaky` trapped: ...".
pub(crate) fn describe_tool_failure(tool: &Tool, func: Option<&str>, error: &wasmtime::Error) -> String {
    tracing::debug!(tool = %tool.name, "tool failure in detail: {error:?}");
    let name = &tool.name;
    let at = func.map(|func| format!(" in `{func}`")).unwrap_or_default();
    if let Some(limit) = LimitExceeded::of(error, tool.limits.fuel) {
        format!("tool `{name}` {limit}{at}")
    } else if let Some(halt) = error.downcast_ref::<RunHalt>() {
        format!("tool `{name}` was stopped{at}: {halt}")
    } else if let Some(status) = exit_status(error) {
        format!("tool `{name}` exited with status {status}{at} instead of returning a result")
    } else if let Some(trap) = error.downcast_ref::<wasmtime::Trap>() {
        format!("tool `{name}` trapped{at}: {trap}")
    } else {
        format!("tool `{name}` failed{at}: {}", plain(error))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn running_out_of_pool_slots_is_said_in_words() {
        let size = crate::engine::PoolSize { runs: 1, instances_per_run: 1, tools: 1 };
        let engine = crate::engine::new_engine_for(size).unwrap();
        // The smallest component: the preamble alone.
        let empty = wasmtime::component::Component::new(&engine, b"\0asm\x0d\0\x01\0").unwrap();
        let linker = wasmtime::component::Linker::<()>::new(&engine);
        let mut stores = Vec::new();
        let error = loop {
            let mut store = wasmtime::Store::new(&engine, ());
            match linker.instantiate(&mut store, &empty) {
                Ok(_) => stores.push(store),
                Err(error) => break error,
            }
            assert!(stores.len() < 1000, "the pool never ran out");
        };
        let ahead = 1 + crate::background::QUEUE;
        assert_eq!(stores.len(), 17 + ahead, "one run of one instance, 16 spare, and room for work ahead");
        let said = plain(&error);
        assert!(said.starts_with("the host's instance pool is full ("), "{said}");
        assert!(said.contains("raise max-runs"), "{said}");
    }

    use super::*;

    #[test]
    fn plain_text_leaves_out_backtraces_but_keeps_causes() {
        let error = wasmtime::Error::msg("root cause")
            .context("while reading")
            .context("error while executing at wasm backtrace:\n    0:  0x1234 - <unknown>!main");
        assert_eq!(plain(&error), "while reading: root cause");
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(escape_controls("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(escape_controls("\u{1b}[2J\u{1b}]0;pwned\u{7}"), "\\u{1b}[2J\\u{1b}]0;pwned\\u{7}");
        assert_eq!(escape_controls("a\u{202e}b\rc"), "a\\u{202e}b\\u{d}c");
    }

    #[test]
    fn an_exit_is_recognised() {
        assert_eq!(exit_status(&wasmtime::Error::new(I32Exit(3))), Some(3));
        assert_eq!(exit_status(&wasmtime::Error::msg("no")), None);
    }
}
