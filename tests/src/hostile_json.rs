//! Structurally hostile JSON: one table of inputs that every JSON parser cemcp exposes
//! is tested with (the CLI's `run` input, MCP's `run_program` and `run_script` inputs,
//! tools-mode arguments, and raw JSON-RPC over stdio and HTTP), with what cemcp answers
//! for each, and the echo program that shows what a program receives of an accepted one.
//!
//! The tests that use it: `cargo test -p cemcp --test cli hostile` and
//! `cargo test -p cemcp --test mcp_containment hostile`.
//!
//! What cemcp decides, in every channel alike: nesting deeper than 128 levels (counted
//! from the top of the message), `NaN` and `Infinity`, numbers beyond `f64`, lone
//! surrogates, raw control characters and invalid UTF-8 are refused with the JSON
//! parser's words. The rest is accepted: over MCP a program receives its input as
//! cemcp parsed it and wrote it back (a duplicated key keeps its last value, `-0`
//! becomes `-0.0`, an integer beyond 64 bits becomes the nearest `f64`, keys sorted),
//! while `cemcp run` hands it the text exactly as given.

/// One hostile JSON value.
pub struct Hostile {
    /// What it is, for messages.
    pub name: &'static str,
    /// The value's bytes (not always UTF-8).
    pub text: Vec<u8>,
    /// What cemcp does with it.
    pub verdict: Verdict,
}

/// What cemcp does with a hostile value.
pub enum Verdict {
    /// Refused as not JSON, with these words of the parser in the error.
    Refused(&'static str),
    /// Refused as not UTF-8: MCP says "invalid unicode code point", the CLI cannot read
    /// its input as text.
    NotUtf8,
    /// Accepted. Over MCP a program receives this text (`None`: the text unchanged).
    Accepted(Option<&'static str>),
    /// Accepted as JSON, but a message holding it is over MCP's 48 MiB request limit;
    /// `cemcp run` has no limit of its own and hands it to the program unchanged.
    OverRequestLimit,
}

/// MCP's request size limit (`cemcp::mcp::MAX_REQUEST_BYTES`), for sizing cases.
const REQUEST_LIMIT: usize = 48 << 20;

/// Every case. Each is a JSON value that can stand anywhere a value can (at the top of
/// a document, or as an argument inside a request).
pub fn cases() -> Vec<Hostile> {
    let deep = |open: &str, inner: &str, close: &str, n: usize| {
        format!("{}{inner}{}", open.repeat(n), close.repeat(n)).into_bytes()
    };
    let string_of = |n: usize| format!("\"{}\"", "x".repeat(n)).into_bytes();
    let case = |name, text: &[u8], verdict| Hostile { name, text: text.to_vec(), verdict };
    vec![
        Hostile { name: "arrays nested 100,000 deep", text: deep("[", "", "]", 100_000), verdict: refused_deep() },
        Hostile {
            name: "objects nested 100,000 deep",
            text: deep("{\"a\":", "1", "}", 100_000),
            verdict: refused_deep(),
        },
        Hostile { name: "arrays nested 100 deep", text: deep("[", "", "]", 100), verdict: Verdict::Accepted(None) },
        case("NaN", br#"{"x": NaN}"#, Verdict::Refused("expected value")),
        case("Infinity", br#"{"x": Infinity}"#, Verdict::Refused("expected value")),
        case("-Infinity", br#"{"x": -Infinity}"#, Verdict::Refused("invalid number")),
        case("1e400", br#"{"x": 1e400}"#, Verdict::Refused("number out of range")),
        case("-0", br#"{"x": -0}"#, Verdict::Accepted(Some(r#"{"x":-0.0}"#))),
        case("2^64", br#"{"x": 18446744073709551616}"#, Verdict::Accepted(Some(r#"{"x":1.8446744073709552e+19}"#))),
        case("-2^63-1", br#"{"x": -9223372036854775809}"#, Verdict::Accepted(Some(r#"{"x":-9.223372036854776e+18}"#))),
        case("1e20", br#"{"x": 1e20}"#, Verdict::Accepted(Some(r#"{"x":1e+20}"#))),
        case("duplicate keys", br#"{"key": "a", "key": "b"}"#, Verdict::Accepted(Some(r#"{"key":"b"}"#))),
        case("a lone leading surrogate", br#"["\ud800"]"#, Verdict::Refused("unexpected end of hex escape")),
        case(
            "a leading surrogate and a letter",
            br#"["\ud800\u0041"]"#,
            Verdict::Refused("lone leading surrogate in hex escape"),
        ),
        case("a lone trailing surrogate", br#"["\udc00"]"#, Verdict::Refused("lone leading surrogate in hex escape")),
        case("an escaped NUL", br#"["a\u0000b"]"#, Verdict::Accepted(Some(r#"["a\u0000b"]"#))),
        case(
            "a raw NUL",
            b"[\"a\0b\"]",
            Verdict::Refused("control character (\\u0000-\\u001F) found while parsing a string"),
        ),
        case("invalid UTF-8", b"[\"a\xff\xfeb\"]", Verdict::NotUtf8),
        case("an escaped BOM", br#"["\ufeff"]"#, Verdict::Accepted(Some("[\"\u{feff}\"]"))),
        Hostile { name: "a 20 MiB string", text: string_of(20 << 20), verdict: Verdict::Accepted(None) },
        Hostile {
            name: "a string just over the request limit",
            text: string_of(REQUEST_LIMIT),
            verdict: Verdict::OverRequestLimit,
        },
    ]
}

fn refused_deep() -> Verdict {
    Verdict::Refused("recursion limit exceeded")
}

impl Hostile {
    /// The case as text, for channels that carry only text (invalid UTF-8 replaced).
    pub fn lossy(&self) -> String {
        String::from_utf8_lossy(&self.text).into_owned()
    }

    /// A JSON-RPC line or body whose `placeholder` (a JSON string literal in `message`,
    /// such as `"HOSTILE"`) is replaced by this case's bytes.
    ///
    /// # Panics
    ///
    /// When `message` does not contain `placeholder` (a broken test).
    #[expect(clippy::panic, reason = "test support: a message without the placeholder is a broken test")]
    pub fn inside(&self, message: &str, placeholder: &str) -> Vec<u8> {
        let Some((before, after)) = message.split_once(placeholder) else {
            panic!("`{placeholder}` is not in {message}");
        };
        [before.as_bytes(), &self.text, after.as_bytes()].concat()
    }
}

/// A program whose `run` returns its input unchanged: what a program receives is what
/// comes back. Its memory grows to fit the input (up to the profile's memory limit).
///
/// # Panics
///
/// When the component text does not assemble (a broken build of this crate).
#[expect(clippy::expect_used, reason = "test support: the text is fixed and assembles")]
pub fn echo_program() -> Vec<u8> {
    wat::parse_str(ECHO).expect("the echo program assembles")
}

const ECHO: &str = r#"(component
    (core module $echo
        (memory (export "memory") 1)
        (global $next (mut i32) (i32.const 1024))
        ;; A bump allocator that grows memory as needed (inputs are allocated once).
        (func (export "realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
            (local $at i32) (local $end i32) (local $have i32)
            (local.set $at (i32.and
                (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
                (i32.sub (i32.const 0) (local.get $align))))
            (local.set $end (i32.add (local.get $at) (local.get $size)))
            (local.set $have (i32.mul (memory.size) (i32.const 65536)))
            (if (i32.gt_u (local.get $end) (local.get $have))
                (then (if (i32.eq (i32.const -1)
                        (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have))
                            (i32.const 65535)) (i32.const 16))))
                    (then unreachable))))
            (global.set $next (local.get $end))
            (local.get $at))
        ;; result<string, string>: ok (0) with the input's pointer and length.
        (func (export "run") (param $ptr i32) (param $len i32) (result i32)
            (i32.store (i32.const 16) (i32.const 0))
            (i32.store (i32.const 20) (local.get $ptr))
            (i32.store (i32.const 24) (local.get $len))
            (i32.const 16)))
    (core instance $m (instantiate $echo))
    (func (export "run") (param "input" string) (result (result string (error string)))
        (canon lift (core func $m "run") (memory (core memory $m "memory")) (realloc (core func $m "realloc")))))"#;
