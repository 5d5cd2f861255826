//! What a function's doc comment says about its parameters.
//!
//! Two kinds of lines, both optional:
//!
//! - "`` `days`: how many days to forecast. ``" describes a parameter (by its WIT
//!   name); the text, with any lines that continue it, becomes the property's
//!   `description` in the input schema.
//! - `@param days {"default": 3}` refines a parameter (or several: `@param from-unit,
//!   to-unit {"enum": [...]}`) with a JSON object on the same line: `name` (its JSON
//!   name, when the snake_case of the WIT name will not do, e.g. `firstNumber`),
//!   `default` (used when a JSON caller leaves it out), and the JSON Schema keywords
//!   of [`RULE_KEYWORDS`], checked against the WIT type and enforced on JSON calls.
//!
//! - `@state-changing` and `@sink` alone on a line mark the function (see
//!   [`crate::gate`]); a mark counts only where the manifest confirms it.
//!
//! The description MCP clients read is the doc comment without these lines (the
//! schema carries them); script declarations keep the descriptions.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use wasmtime::component::types::ComponentFunc;

use crate::wit_json::{Param, RULE_KEYWORDS};

/// One `@param` line: the parameters it names, and its JSON object (or what is wrong
/// with the line).
type Refinement = (Vec<String>, Result<Map<String, Value>, String>);

/// The parameter notes of one doc comment, by WIT parameter name.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct ParamNotes {
    descriptions: BTreeMap<String, String>,
    refinements: Vec<Refinement>,
    /// The doc comment without parameter lines and annotations.
    pub summary_docs: String,
    /// The doc comment without annotations.
    pub docs_without_annotations: String,
    /// Marks claimed by `@state-changing` and `@sink` lines.
    pub marks: Vec<String>,
}

/// The marks a doc comment may claim.
const MARKS: [&str; 2] = ["state-changing", "sink"];

impl ParamNotes {
    /// Reads the notes in `docs`.
    pub fn parse(docs: &str) -> Self {
        let mut notes = Self::default();
        let mut summary = Vec::new();
        let mut kept = Vec::new();
        let mut current: Option<String> = None;
        for line in docs.lines() {
            let trimmed = line.trim();
            if let Some(mark) = trimmed.strip_prefix('@').filter(|m| MARKS.contains(m)) {
                current = None;
                notes.marks.push(mark.to_owned());
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix("@param ") {
                current = None;
                notes.refinements.push(annotation(rest));
                continue;
            }
            kept.push(line);
            if let Some((name, text)) = param_line(trimmed) {
                notes.descriptions.insert(name.clone(), text.to_owned());
                current = Some(name);
                continue;
            }
            match &current {
                Some(name) if !trimmed.is_empty() => {
                    if let Some(description) = notes.descriptions.get_mut(name) {
                        description.push(' ');
                        description.push_str(trimmed);
                    }
                }
                _ => {
                    current = None;
                    summary.push(line);
                }
            }
        }
        notes.summary_docs = squeeze(&summary);
        notes.docs_without_annotations = squeeze(&kept);
        notes
    }

    /// The JSON name of WIT parameter `wit_name`, if a `name` refinement sets one.
    pub fn json_name(&self, wit_name: &str) -> Option<&str> {
        self.refinement(wit_name, "name").and_then(Value::as_str)
    }

    /// The default of WIT parameter `wit_name`, if a refinement gives one.
    pub fn default_of(&self, wit_name: &str) -> Option<&Value> {
        self.refinement(wit_name, "default")
    }

    fn refinement(&self, wit_name: &str, keyword: &str) -> Option<&Value> {
        self.refinements
            .iter()
            .filter(|(names, _)| names.iter().any(|n| n == wit_name))
            .filter_map(|(_, object)| object.as_ref().ok()?.get(keyword))
            .next_back()
    }

    /// The parameters of `func` as JSON callers see them, and every problem with the
    /// notes (each refinement that does not apply is left out, and named).
    pub fn params(&self, func: &ComponentFunc) -> (Vec<Param>, Vec<String>) {
        let mut problems = Vec::new();
        let mut params: Vec<(String, Param)> = func
            .params()
            .map(|(name, ty)| {
                let mut param = Param::new(name, ty);
                param.description = self.descriptions.get(name).cloned();
                (name.to_owned(), param)
            })
            .collect();
        for (names, object) in &self.refinements {
            let object = match object {
                Ok(object) => object,
                Err(message) => {
                    problems.push(message.clone());
                    continue;
                }
            };
            for name in names {
                let Some((_, param)) = params.iter_mut().find(|(wit, _)| wit == name) else {
                    problems.push(format!("`@param {name}`: the function has no parameter `{name}`"));
                    continue;
                };
                // Rules first, so that a default is checked against them.
                let mut keywords: Vec<(&String, &Value)> = object.iter().collect();
                keywords.sort_by_key(|(k, _)| *k == "default");
                for (keyword, value) in keywords {
                    let applied =
                        if keyword == "name" { rename(param, value) } else { param.refine(keyword, value.clone()) };
                    if let Err(message) = applied {
                        problems.push(format!("`@param {name}`: {message}"));
                    }
                }
            }
        }
        for (index, (_, param)) in params.iter().enumerate() {
            if params.iter().skip(index + 1).any(|(_, other)| other.name == param.name) {
                problems.push(format!("two parameters are named `{}` in JSON", param.name));
            }
        }
        (params.into_iter().map(|(_, param)| param).collect(), problems)
    }
}

/// "`name`: text" as (name, text), for a WIT parameter name.
fn param_line(line: &str) -> Option<(String, &str)> {
    let rest = line.strip_prefix('`')?;
    let (name, text) = rest.split_once("`:")?;
    let wit_name = name.strip_prefix('%').unwrap_or(name);
    let valid = !wit_name.is_empty() && wit_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    valid.then(|| (wit_name.to_owned(), text.trim()))
}

/// `a, b {"default": 1}` as the names and the object.
fn annotation(rest: &str) -> Refinement {
    let Some(brace) = rest.find('{') else {
        return (Vec::new(), Err(format!("`@param {rest}`: expected parameter names, then a JSON object")));
    };
    let (names, json) = rest.split_at(brace);
    let names: Vec<String> =
        names.split(',').map(|n| n.trim().trim_start_matches('%').to_owned()).filter(|n| !n.is_empty()).collect();
    let object = match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(object)) if !names.is_empty() => Ok(object),
        Ok(_) => Err(format!("`@param {rest}`: expected parameter names, then a JSON object")),
        Err(e) => Err(format!("`@param {}`: the JSON is not valid: {e}", names.join(", "))),
    };
    (names, object)
}

fn rename(param: &mut Param, value: &Value) -> Result<(), String> {
    let name = value.as_str().unwrap_or_default();
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "`name` must be an identifier of letters, digits and `_` (not {value}); {} are allowed besides",
            RULE_KEYWORDS.join(", ")
        ));
    }
    param.name = name.to_owned();
    Ok(())
}

/// Lines joined, without leading, trailing or repeated blank lines.
fn squeeze(lines: &[&str]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in lines {
        if line.trim().is_empty() && out.last().is_none_or(|l| l.trim().is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCS: &str = "Daily forecast for a city.\n\n`city`: the city's name,\n  as people write it.\n`days`: how many days.\n\nUp to ten days.\n@param days {\"default\": 3, \"minimum\": 1}\n@param city {\"name\": \"City\"}";

    #[test]
    fn descriptions_and_annotations_are_read_and_removed_from_the_summary() {
        let notes = ParamNotes::parse(DOCS);
        assert_eq!(notes.summary_docs, "Daily forecast for a city.\n\nUp to ten days.");
        assert!(notes.docs_without_annotations.contains("`days`: how many days."));
        assert!(!notes.docs_without_annotations.contains("@param"));
        assert_eq!(notes.descriptions.get("city").map(String::as_str), Some("the city's name, as people write it."));
        assert_eq!(notes.default_of("days"), Some(&serde_json::json!(3)));
        assert_eq!(notes.json_name("city"), Some("City"));
        assert_eq!(notes.json_name("days"), None);
    }

    #[test]
    fn malformed_annotations_are_problems_not_panics() {
        for bad in ["@param days 3", "@param {\"default\": 3}", "@param days {\"default\": }", "@param days [1]"] {
            let notes = ParamNotes::parse(bad);
            let (names, object) = notes.refinements.first().unwrap();
            assert!(object.is_err(), "{bad}: {names:?}");
        }
    }
}
