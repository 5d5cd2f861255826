//! Data-flow labels: what a tool's results carry (`secret`, `untrusted`, or any
//! label an admin names), and how they follow data through a run.
//!
//! # Precision
//!
//! A run's program is opaque code, so labels cannot follow every computation. Two
//! precisions, chosen per profile (`flow-precision`):
//!
//! - **value** (the default): every text a labelled call returns (each string in its
//!   result of 4 characters or more, and each such string inside a result that is
//!   JSON text) is remembered with its labels; a later call's arguments carry those
//!   labels when one of their strings contains such a text whole. This catches a
//!   value passed on as it was received, or spliced into a larger text (SQL built
//!   from it); it misses a value the program transformed (re-encoded, split, changed
//!   case) and numbers.
//! - **run**: every call after a labelled result carries its labels, whatever its
//!   arguments. Nothing escapes, and unrelated calls are refused too.
//!
//! A run remembers at most [`MAX_FRAGMENTS`] texts; past that, the labels of the
//! texts it could not remember apply to the rest of the run (run precision).

use std::collections::BTreeSet;

use wasmtime::component::Val;

use crate::manifest::Precision;

/// The label whose data may not reach egress tools.
pub const SECRET: &str = "secret";
/// The label whose data may not reach sinks.
pub const UNTRUSTED: &str = "untrusted";
/// Shortest text remembered: shorter ones ("ok", "1") are everywhere.
const MIN_FRAGMENT: usize = 4;
/// Most texts remembered per run.
pub const MAX_FRAGMENTS: usize = 4096;

/// A set of labels.
pub type Labels = BTreeSet<String>;

/// What a run has received from labelled calls.
#[derive(Debug, Default)]
pub(crate) struct Taint {
    precision: Precision,
    /// Labels that apply to every later call (run precision, or texts not kept).
    everywhere: Labels,
    /// Every label received so far.
    received: Labels,
    fragments: Vec<(String, Labels)>,
}

impl Taint {
    pub(crate) fn new(precision: Precision) -> Self {
        Self { precision, ..Self::default() }
    }

    /// Whether nothing labelled has been received: the common case, checked first.
    pub(crate) fn is_clean(&self) -> bool {
        self.received.is_empty()
    }

    /// Every label received in this run so far.
    pub(crate) fn received(&self) -> &Labels {
        &self.received
    }

    /// Records that a call labelled `labels` returned `results`.
    pub(crate) fn receive(&mut self, labels: &Labels, results: &[Val]) {
        if labels.is_empty() {
            return;
        }
        self.received.extend(labels.iter().cloned());
        if self.precision == Precision::Run {
            self.everywhere.extend(labels.iter().cloned());
            return;
        }
        let mut overflow = false;
        for val in results {
            strings(val, &mut |text| {
                if text.chars().count() < MIN_FRAGMENT {
                    return;
                }
                if self.fragments.len() >= MAX_FRAGMENTS {
                    overflow = true;
                } else if !self.fragments.iter().any(|(kept, _)| kept == text) {
                    self.fragments.push((text.to_owned(), labels.clone()));
                }
            });
        }
        if overflow {
            self.everywhere.extend(labels.iter().cloned());
        }
    }

    /// The labels `params` carry, among `wanted` (a call checks only the labels it
    /// cares about: `untrusted` for a sink, `secret` for an egress tool).
    pub(crate) fn carried(&self, params: &[Val], wanted: &str) -> Option<String> {
        if !self.received.contains(wanted) {
            return None;
        }
        if self.everywhere.contains(wanted) {
            return Some("an earlier result of this run".to_owned());
        }
        let mut found = None;
        for val in params {
            strings(val, &mut |text| {
                if found.is_some() {
                    return;
                }
                found = self
                    .fragments
                    .iter()
                    .find(|(fragment, labels)| labels.contains(wanted) && text.contains(fragment.as_str()))
                    .map(|(fragment, _)| fragment.clone());
            });
        }
        found.map(|fragment| format!("the text {}", quote(&fragment)))
    }
}

/// `text`, quoted and cut to 60 characters, for a message.
fn quote(text: &str) -> String {
    let cut: String = text.chars().take(60).collect();
    let ellipsis = if cut.len() < text.len() { "…" } else { "" };
    format!("{:?}{ellipsis}", cut)
}

/// Calls `each` with every string in `val`, and every string inside a string that
/// is JSON text (an object or array).
pub(crate) fn strings(val: &Val, each: &mut impl FnMut(&str)) {
    match val {
        Val::String(text) => {
            each(text);
            let trimmed = text.trim_start();
            if (trimmed.starts_with('{') || trimmed.starts_with('['))
                && let Ok(json) = serde_json::from_str::<serde_json::Value>(text)
            {
                json_strings(&json, each);
            }
        }
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
            items.iter().for_each(|v| strings(v, each));
        }
        Val::Map(entries) => entries.iter().for_each(|(k, v)| {
            strings(k, each);
            strings(v, each);
        }),
        Val::Record(fields) => fields.iter().for_each(|(_, v)| strings(v, each)),
        Val::Variant(_, Some(payload)) | Val::Option(Some(payload)) => strings(payload, each),
        Val::Result(Ok(Some(payload)) | Err(Some(payload))) => strings(payload, each),
        _ => {}
    }
}

fn json_strings(json: &serde_json::Value, each: &mut impl FnMut(&str)) {
    match json {
        serde_json::Value::String(text) => each(text),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, each)),
        serde_json::Value::Object(map) => map.values().for_each(|v| json_strings(v, each)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(names: &[&str]) -> Labels {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn a_received_text_spliced_into_an_argument_carries_its_labels() {
        let mut taint = Taint::new(Precision::Value);
        assert!(taint.is_clean());
        let record = Val::Record(vec![("name".into(), Val::String("x' OR '1'='1".into()))]);
        taint.receive(&labels(&[UNTRUSTED]), &[Val::Result(Ok(Some(Box::new(record))))]);
        let sql = Val::String("SELECT * FROM log WHERE name = 'x' OR '1'='1'".into());
        assert!(taint.carried(&[sql], UNTRUSTED).is_some_and(|why| why.contains("x' OR")));
        let clean = Val::String("SELECT * FROM log WHERE name = 'bob'".into());
        assert_eq!(taint.carried(&[clean], UNTRUSTED), None);
        assert_eq!(taint.carried(&[Val::String("x' OR '1'='1".into())], SECRET), None);
    }

    #[test]
    fn strings_inside_json_text_are_remembered_and_run_precision_taints_everything() {
        let mut taint = Taint::new(Precision::Value);
        taint.receive(&labels(&[SECRET]), &[Val::String(r#"{"password": "hunter22"}"#.into())]);
        assert!(taint.carried(&[Val::String("pw=hunter22".into())], SECRET).is_some());
        let mut run = Taint::new(Precision::Run);
        run.receive(&labels(&[SECRET]), &[Val::String("hunter22".into())]);
        assert!(run.carried(&[Val::String("unrelated".into())], SECRET).is_some());
    }
}
