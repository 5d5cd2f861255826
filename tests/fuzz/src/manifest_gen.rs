//! Manifests built from fuzz bytes: always TOML (so that inputs get past the syntax
//! and into validation), with every section and key the format has.
//!
//! Two of three manifests are careful: values come from valid examples and names
//! refer to the sections that exist, so that most are accepted and resolution is
//! reached; the rest are sloppy: a value is now and then an edge case, arbitrary
//! text, or of the wrong type, and names may refer to nothing.

use arbitrary::{Result, Unstructured};
use toml::{Table, Value};

use crate::json;

/// Values: the valid ones, then the edge cases a sloppy manifest also uses.
type Pool = (&'static [&'static str], &'static [&'static str]);

const NAMES: Pool = (&["a", "files", "kv", "db", "all", "x-1"], &["Bad Name", "", "x_y", "é", "-a", "1a"]);
const DURATIONS: Pool =
    (&["2s", "500ms", "1h", "1ns", "1 s"], &["0s", "10 years", "", "-1s", "99999999999999999999s", "584942417355y"]);
const SIZES: Pool =
    (&["1 MiB", "32 MiB", "64 KiB"], &["1 B", "0", "18446744073709551615 B", "-1 KiB", "1.5 GiB", "999999 TiB", "x"]);
const PATHS: Pool =
    (&["a.wasm", "../x.wasm", "/abs/x.wasm", "./a/../../b.wasm"], &["", ".", "C:\\x", "a\0b", "/", "../../../../.."]);
const RULES: Pool = (
    &[
        "https://api.example.com",
        "http://127.0.0.1:8080",
        "https://*.example.com:*",
        "tcp://127.0.0.1:5432",
        "udp://[::1]:*",
        "tcp://localhost:80",
        "https://[::1]",
        "http://[::ffff:127.0.0.1]:0",
        "https://A-B.example",
    ],
    &[
        "ftp://x",
        "https://ex*ample.com",
        "https://a..b",
        "http://:80",
        "https://[::1",
        "tcp://10.0.0.1:99999",
        "https://*.",
        "tcp://db.internal:1",
        "https://[::1]x",
    ],
);
const REGEXES: Pool = (&["(?i)\\bdrop\\b", ".*", "\\p{L}+", "(?P<x>a)", "(a*)*$"], &["(", "a{1000}{1000}", "[", ""]);
const FUNCTIONS: Pool =
    (&["db.query", "files.*", "*.x", "*.*", "kv.add-user", "a*.b*c"], &["nodot", "", ".", "*", "a."]);
const FLOWS: Pool = (&["untrusted->sink", "secret->egress"], &["x->y", "untrusted->", "->", "secret->sink"]);
const LABELS: Pool = (&["untrusted", "secret"], &["x", ""]);
const POINTS: Pool = (&["discovery", "before-run", "call", "result"], &["x"]);
const DIGESTS: Pool = (
    &[
        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        "ABCDEF0000000000000000000000000000000000000000000000000000000000",
    ],
    &["sha256:xyz", ""],
);
const GUESTS: Pool = (&["/docs", "/", "/a/b"], &["docs", "", "/a/../..", "/a\0"]);
const CLOCKS: Pool = (&["2026-11-23T15:30:00Z", "1970-01-01T00:00:00Z"], &["yesterday", "9999-12-31T23:59:59Z"]);
const SCRIPTS: Pool = (&["p.wasm", "s.py", "s.js"], &["s.rb", "", "dir/"]);

/// TOML text of a manifest built from `data`.
pub fn manifest_text(data: &[u8]) -> String {
    let mut u = Unstructured::new(data);
    let sloppy = u.ratio(1, 3).unwrap_or(false);
    let mut generator = Gen { u, sloppy, tools: Vec::new(), profiles: Vec::new(), gates: Vec::new() };
    let table = generator.manifest().unwrap_or_default();
    toml::to_string(&table).unwrap_or_default()
}

struct Gen<'a> {
    u: Unstructured<'a>,
    sloppy: bool,
    tools: Vec<String>,
    profiles: Vec<String>,
    gates: Vec<String>,
}

impl Gen<'_> {
    fn manifest(&mut self) -> Result<Table> {
        let mut t = Table::new();
        let version = if self.sloppy && self.u.ratio(1, 4)? { self.u.arbitrary()? } else { 1 };
        t.insert("version".into(), Value::Integer(version));
        self.maybe(&mut t, "defaults", |g| {
            let mut d = Table::new();
            g.maybe(&mut d, "tool-limits", |g| g.limits(false))?;
            g.maybe(&mut d, "program-limits", |g| g.limits(true))?;
            Ok(Value::Table(d))
        })?;
        self.sections(&mut t, "tool", Self::tool)?;
        self.sections(&mut t, "gate", Self::gate)?;
        self.sections(&mut t, "profile", Self::profile)?;
        let default = self.name_of(|g| &g.profiles)?;
        t.insert("default-profile".into(), default);
        self.maybe(&mut t, "server", Self::server)?;
        self.sections(&mut t, "program", |g| {
            let mut p = Table::new();
            let key = *g.u.choose(&["component", "script"])?;
            p.insert(key.into(), g.text(SCRIPTS)?);
            g.maybe(&mut p, "sha256", |g| g.text(DIGESTS))?;
            Ok(Value::Table(p))
        })?;
        let mut interpreters = Table::new();
        for language in ["python", "javascript", "ruby"] {
            if self.u.ratio(1, 4)? && (self.sloppy || language != "ruby") {
                let mut i = Table::new();
                i.insert("component".into(), self.text(PATHS)?);
                self.maybe(&mut i, "sha256", |g| g.text(DIGESTS))?;
                interpreters.insert(language.into(), Value::Table(i));
            }
        }
        if !interpreters.is_empty() {
            t.insert("interpreter".into(), Value::Table(interpreters));
        }
        Ok(t)
    }

    /// A value from `pool`: a valid one, or in a sloppy manifest now and then an
    /// edge case or arbitrary text.
    fn text(&mut self, (good, bad): Pool) -> Result<Value> {
        let text = if self.sloppy && self.u.ratio(1, 4)? {
            if self.u.arbitrary()? { json::string(&mut self.u)? } else { (*self.u.choose(bad)?).to_owned() }
        } else {
            (*self.u.choose(good)?).to_owned()
        };
        Ok(Value::String(text))
    }

    /// The name of one of the sections `which` lists (any name when there is none,
    /// or now and then in a sloppy manifest).
    fn name_of(&mut self, which: fn(&Self) -> &Vec<String>) -> Result<Value> {
        if which(self).is_empty() || (self.sloppy && self.u.ratio(1, 4)?) {
            return self.text(NAMES);
        }
        let names = which(self).clone();
        Ok(Value::String(self.u.choose(&names)?.clone()))
    }

    /// A list of names of the sections `which` lists (empty when there is none,
    /// unless the manifest is sloppy).
    fn references(&mut self, which: fn(&Self) -> &Vec<String>) -> Result<Value> {
        if which(self).is_empty() && !self.sloppy {
            return Ok(Value::Array(Vec::new()));
        }
        self.list(|g| g.name_of(which))
    }

    fn boolean(&mut self) -> Result<Value> {
        Ok(Value::Boolean(self.u.arbitrary()?))
    }

    /// Zero to three items made by `item`.
    fn list(&mut self, item: impl Fn(&mut Self) -> Result<Value>) -> Result<Value> {
        Ok(Value::Array((0..self.u.int_in_range(0..=3)?).map(|_| item(self)).collect::<Result<_>>()?))
    }

    /// Sets `key` half of the time: to what `value` makes or, in a sloppy manifest
    /// one time in eight, to a value of the wrong type.
    fn maybe(&mut self, table: &mut Table, key: &str, value: impl FnOnce(&mut Self) -> Result<Value>) -> Result<()> {
        if self.u.arbitrary()? {
            let v = if self.sloppy && self.u.ratio(1, 8)? { Value::Integer(self.u.arbitrary()?) } else { value(self)? };
            table.insert(key.into(), v);
        }
        Ok(())
    }

    /// `[key.NAME]` sections, up to three (one at least for profiles), each made by
    /// `section`; their names are remembered for references.
    fn sections(&mut self, table: &mut Table, key: &str, section: fn(&mut Self) -> Result<Value>) -> Result<()> {
        let mut all = Table::new();
        let least = u32::from(key == "profile" && !self.sloppy);
        for _ in 0..self.u.int_in_range(least..=3)? {
            let Value::String(name) = self.text(NAMES)? else { continue };
            let value = section(self)?;
            match key {
                "tool" => self.tools.push(name.clone()),
                "profile" => self.profiles.push(name.clone()),
                "gate" => self.gates.push(name.clone()),
                _ => {}
            }
            all.insert(name, value);
        }
        if !all.is_empty() {
            table.insert(key.into(), Value::Table(all));
        }
        Ok(())
    }

    fn limits(&mut self, program: bool) -> Result<Value> {
        let mut l = Table::new();
        self.maybe(&mut l, "time", |g| g.text(DURATIONS))?;
        self.maybe(&mut l, "memory", |g| g.text(SIZES))?;
        self.maybe(&mut l, "fuel", |g| Ok(Value::Integer(g.u.int_in_range(1..=i64::MAX)?)))?;
        self.maybe(&mut l, "output", |g| g.text(SIZES))?;
        self.maybe(&mut l, "log", |g| g.text(SIZES))?;
        if program || self.sloppy {
            self.maybe(&mut l, "calls", |g| Ok(Value::Integer(g.u.arbitrary()?)))?;
        }
        Ok(Value::Table(l))
    }

    fn server(&mut self) -> Result<Value> {
        let mut s = Table::new();
        self.maybe(&mut s, "max-runs", |g| Ok(Value::Integer(g.u.int_in_range(1..=5)? - i64::from(g.sloppy))))?;
        self.maybe(&mut s, "queue", |g| Ok(Value::Integer(g.u.int_in_range(0..=i64::MAX)?)))?;
        self.maybe(&mut s, "drain", |g| g.text(DURATIONS))?;
        self.maybe(&mut s, "allowed-hosts", |g| g.list(|g| g.text((&["localhost:8080", "*"], &[""]))))?;
        self.maybe(&mut s, "allowed-origins", |g| g.list(|g| g.text((&["https://a.example", "null"], &[""]))))?;
        self.maybe(&mut s, "tokens", |g| {
            g.list(|g| {
                let mut token = Table::new();
                token.insert("sha256".into(), g.text(DIGESTS)?);
                token.insert("profile".into(), g.name_of(|g| &g.profiles)?);
                Ok(Value::Table(token))
            })
        })?;
        Ok(Value::Table(s))
    }

    fn tool(&mut self) -> Result<Value> {
        let mut t = Table::new();
        t.insert("component".into(), self.text(PATHS)?);
        self.maybe(&mut t, "sha256", |g| g.text(DIGESTS))?;
        let mut read_write = false;
        self.maybe(&mut t, "dir", |g| {
            g.list(|g| {
                let mut d = Table::new();
                d.insert("host".into(), g.text(PATHS)?);
                d.insert("guest".into(), g.text(GUESTS)?);
                let access = g.text((&["read-only", "read-write"], &["rw"]))?;
                if access.as_str() == Some("read-write") || g.sloppy {
                    g.maybe(&mut d, "create", Self::boolean)?;
                }
                d.insert("access".into(), access);
                Ok(Value::Table(d))
            })
        })?;
        if let Some(Value::Array(dirs)) = t.get("dir") {
            read_write = dirs.iter().any(|d| d.get("access").and_then(Value::as_str) == Some("read-write"));
        }
        self.maybe(&mut t, "env", |g| {
            let mut env = Table::new();
            for _ in 0..g.u.int_in_range(0..=2)? {
                let Value::String(name) = g.text((&["A", "GREETING", "X_1"], &["", "A=B", "é"]))? else { continue };
                env.insert(name, g.text((&["hello", ""], &["a\0b"]))?);
            }
            Ok(Value::Table(env))
        })?;
        self.maybe(&mut t, "env-pass", |g| g.list(|g| g.text((&["HOME", "PATH"], &["", "A=B"]))))?;
        self.maybe(&mut t, "network", |g| g.list(|g| g.text(RULES)))?;
        self.maybe(&mut t, "clocks", |g| if g.u.arbitrary()? { g.boolean() } else { g.text(CLOCKS) })?;
        self.maybe(&mut t, "mcp-prefix", |g| g.text((&["", "kv_", "A-b"], &["a b", "é"])))?;
        self.maybe(&mut t, "random", Self::boolean)?;
        if read_write || self.sloppy {
            self.maybe(&mut t, "storage-quota", |g| g.text(SIZES))?;
        }
        self.maybe(&mut t, "limits", |g| g.limits(false))?;
        self.maybe(&mut t, "labels", |g| g.list(|g| g.text(LABELS)))?;
        self.maybe(&mut t, "state-changing", |g| g.list(|g| g.text((&["put", "delete"], &["*", ""]))))?;
        self.maybe(&mut t, "sinks", |g| g.list(|g| g.text((&["query"], &["x"]))))?;
        self.maybe(&mut t, "egress", Self::boolean)?;
        Ok(Value::Table(t))
    }

    fn profile(&mut self) -> Result<Value> {
        let mut p = Table::new();
        p.insert("tools".into(), self.references(|g| &g.tools)?);
        self.maybe(&mut p, "limits", |g| g.limits(true))?;
        self.maybe(&mut p, "gates", |g| g.references(|g| &g.gates))?;
        self.maybe(&mut p, "allow-flows", |g| g.list(|g| g.text(FLOWS)))?;
        self.maybe(&mut p, "flow-precision", |g| g.text((&["value", "run"], &["x"])))?;
        self.maybe(&mut p, "audit", |g| g.text(PATHS))?;
        self.maybe(&mut p, "audit-arguments", Self::boolean)?;
        self.maybe(&mut p, "approval-timeout", |g| g.text(DURATIONS))?;
        Ok(Value::Table(p))
    }

    fn gate(&mut self) -> Result<Value> {
        let mut g = Table::new();
        if self.u.arbitrary()? {
            g.insert("kind".into(), self.text((&["rules"], &["judges"]))?);
            self.maybe(&mut g, "allow", |g| g.list(|g| g.text(FUNCTIONS)))?;
            self.maybe(&mut g, "deny", |g| g.list(|g| g.text(FUNCTIONS)))?;
            self.maybe(&mut g, "arguments", |g| {
                g.list(|g| {
                    let mut a = Table::new();
                    a.insert("function".into(), g.text(FUNCTIONS)?);
                    a.insert("argument".into(), g.text((&["sql", "path"], &[""]))?);
                    a.insert("pattern".into(), g.text(REGEXES)?);
                    g.maybe(&mut a, "reason", |g| g.text((&["no"], &[""])))?;
                    Ok(Value::Table(a))
                })
            })?;
            self.maybe(&mut g, "rate", |g| {
                g.list(|g| {
                    let mut r = Table::new();
                    r.insert("function".into(), g.text(FUNCTIONS)?);
                    r.insert("max".into(), Value::Integer(g.u.int_in_range(1..=3)? - i64::from(g.sloppy)));
                    Ok(Value::Table(r))
                })
            })?;
            self.maybe(&mut g, "screen-discovery", Self::boolean)?;
            self.maybe(&mut g, "screen-results", Self::boolean)?;
            self.maybe(&mut g, "instruction-patterns", |g| g.list(|g| g.text(REGEXES)))?;
            self.maybe(&mut g, "max-program", |g| g.text(SIZES))?;
            self.maybe(&mut g, "deny-source", |g| g.list(|g| g.text(REGEXES)))?;
        } else {
            g.insert("kind".into(), self.text((&["judge"], &["Judge"]))?);
            let urls = (
                &["http://127.0.0.1:8080/v1/chat/completions", "https://j.example/v1"][..],
                &["ftp://x", "", "http://"][..],
            );
            g.insert("url".into(), self.text(urls)?);
            g.insert("model".into(), self.text((&["m"], &[""]))?);
            self.maybe(&mut g, "key-env", |g| g.text((&["JUDGE_KEY"], &["", "A=B"])))?;
            self.maybe(&mut g, "timeout", |g| g.text(DURATIONS))?;
            self.maybe(&mut g, "at", |g| g.list(|g| g.text(POINTS)))?;
            self.maybe(&mut g, "max-prompt", |g| g.text(SIZES))?;
        }
        Ok(Value::Table(g))
    }
}
