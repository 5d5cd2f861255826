//! The `manifest` target: manifest text parsed, validated and resolved.
//!
//! An input whose first byte is below 9 is a recipe for a manifest in valid TOML
//! ([`crate::manifest_gen`]); any other input is the text itself (seeds:
//! `capabilities/*.toml`, `tests/cases/*.toml`). What must hold:
//!
//! - [`Manifest::parse`] returns, never panics; a refusal lists at least one problem
//!   and its text names the file;
//! - an accepted manifest has its default profile and every profile it names in
//!   tokens; every path in it is absolute; every network rule reads back the same
//!   from its own text (`NetRule::parse(rule.to_string())`); rule matching, gate
//!   function patterns and regular expressions answer for arbitrary names.

use std::path::Path;

use cemcp::Manifest;
use cemcp::manifest::{FunctionPattern, GateKind, NetRule, NetScheme};

use crate::manifest_gen;

/// The target.
pub fn manifest(data: &[u8]) {
    let (text, probe) = match data.split_first() {
        Some((first, rest)) if *first < 9 => (manifest_gen::manifest_text(rest), "probe"),
        _ => (String::from_utf8_lossy(data).into_owned(), "example.com"),
    };
    let path = Path::new("/fuzz/manifest.toml");
    match Manifest::parse(&text, path, Path::new("/fuzz")) {
        Ok(manifest) => resolved(&manifest, probe),
        Err(e) => {
            assert!(!e.problems.is_empty(), "a refusal without a problem:\n{text}");
            assert!(e.to_string().starts_with("manifest /fuzz/manifest.toml has "), "{e}");
        }
    }
}

fn resolved(manifest: &Manifest, probe: &str) {
    let default = manifest.profile(None).unwrap_or_else(|e| panic!("the default profile is missing: {e}"));
    assert_eq!(default.name, manifest.default_profile);
    for name in manifest.profiles.keys() {
        assert!(manifest.profile(Some(name)).is_ok(), "profile `{name}`");
    }
    let unknown = manifest.profile(Some("\u{1}no-such-profile"));
    assert!(unknown.is_err_and(|e| e.to_string().contains("no-such-profile")));
    for (_, profile) in &manifest.server.tokens {
        assert!(manifest.profiles.contains_key(profile), "token for unknown profile `{profile}`");
    }
    for tool in manifest.tools.values() {
        assert!(tool.component.is_absolute(), "{}", tool.component.display());
        for dir in &tool.dirs {
            assert!(dir.host.is_absolute(), "{}", dir.host.display());
        }
        for rule in &tool.network {
            let text = rule.to_string();
            assert_eq!(NetRule::parse(&text).as_ref(), Ok(rule), "rule `{text}` does not read back");
            let _ = rule.allows_http("https", probe, 443);
            let _ = rule.allows_http("http", "[::1]", 80);
            for scheme in [NetScheme::Tcp, NetScheme::Udp] {
                let _ = rule.allows_socket(scheme, std::net::SocketAddr::from(([127, 0, 0, 1], 80)));
            }
        }
    }
    for program in manifest.programs.values() {
        assert!(program.path().is_absolute(), "{}", program.path().display());
    }
    for gate in &manifest.gates {
        if let GateKind::Rules(rules) = &gate.kind {
            let patterns =
                rules.allow.iter().flatten().chain(&rules.deny).chain(rules.arguments.iter().map(|a| &a.function));
            for pattern in patterns {
                let _ = pattern.matches(probe, probe);
                let again = FunctionPattern::parse(pattern.as_str());
                assert_eq!(again.as_ref(), Ok(pattern), "pattern `{}` does not read back", pattern.as_str());
            }
            for regex in rules.instruction_patterns.iter().chain(&rules.deny_source) {
                let _ = regex.is_match(probe);
            }
        }
    }
}
