//! The stand-in for English Wikipedia's MediaWiki Action API (`GET /w/api.php`).
//!
//! Serves what the Wikipedia tool asks for, in the real response shapes
//! (`formatversion=1` and `2`): `list=search`; `prop=extracts` (TextExtracts:
//! `explaintext`, `exsectionformat=wiki`, `exintro`, `exlimit`), `prop=info`
//! (`inprop=url`), `prop=categories` and `prop=links` (with `clcontinue`/`plcontinue`
//! continuation), for `titles` with normalisation and `redirects`. Errors come as the
//! API's `{"error": {"code", "info"}}` objects with HTTP 200, as MediaWiki sends them.
//! The articles are a synthetic set (`data/wikipedia/articles.txt`): written for the
//! study's tasks, plausible, and not Wikipedia's text.

mod articles;
mod query;
mod search;

use serde_json::{Value, json};

use crate::{Request, Response};

/// Where the real API lives, named in help texts and `docref`.
const DOCREF: &str = "See https://en.wikipedia.org/w/api.php for API usage. Subscribe to the mediawiki-api-announce mailing list at <https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists.wikimedia.org/> for notice of API deprecations and breaking changes.";

/// Answers one request.
pub fn handle(request: &Request) -> Response {
    if request.path != "/w/api.php" {
        return Response::with(
            404,
            "text/html; charset=utf-8",
            format!(
                "<!DOCTYPE html><title>Not Found</title><p>The requested URL {} was not found on this server.</p>",
                request.path
            ),
        );
    }
    let api = Api::new(request);
    match api.run() {
        Ok(body) => Response::json(&body),
        Err(ApiError { code, info }) => Response::json(&api.error(code, &info)),
    }
}

/// An API error: its code and message.
pub(crate) struct ApiError {
    code: &'static str,
    info: String,
}

pub(crate) fn error(code: &'static str, info: impl Into<String>) -> ApiError {
    ApiError { code, info: info.into() }
}

/// One request's parameters and accumulated warnings.
pub(crate) struct Api<'a> {
    request: &'a Request,
    /// `formatversion=2`.
    v2: bool,
    warnings: std::cell::RefCell<Vec<(String, String)>>,
}

impl<'a> Api<'a> {
    fn new(request: &'a Request) -> Self {
        let v2 = matches!(request.param("formatversion"), Some("2" | "latest"));
        Self { request, v2, warnings: std::cell::RefCell::new(Vec::new()) }
    }

    pub(crate) fn param(&self, name: &str) -> Option<&'a str> {
        self.request.param(name)
    }

    /// Whether a boolean parameter is set (present, whatever its value).
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.request.query.contains_key(name)
    }

    pub(crate) fn v2(&self) -> bool {
        self.v2
    }

    pub(crate) fn warn(&self, module: &str, text: String) {
        self.warnings.borrow_mut().push((module.to_owned(), text));
    }

    /// An integer limit parameter: `max` means `max`; out-of-range values are clamped
    /// with a warning, as MediaWiki does.
    pub(crate) fn limit(&self, module: &str, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
        let Some(raw) = self.param(name) else { return Ok(default) };
        if raw == "max" {
            return Ok(max);
        }
        let value: i64 = raw
            .trim()
            .parse()
            .map_err(|_| error("badinteger", format!("Invalid value \"{raw}\" for integer parameter \"{name}\".")))?;
        if value < 1 {
            self.warn(module, format!("\"{name}\" may not be less than 1 (set to {value}). It has been set to 1."));
            return Ok(1);
        }
        let value = usize::try_from(value).unwrap_or(usize::MAX);
        if value > max {
            self.warn(
                module,
                format!("\"{name}\" may not be over {max} (set to {value}) for users. It has been set to {max}."),
            );
            return Ok(max);
        }
        Ok(value)
    }

    fn run(&self) -> Result<Value, ApiError> {
        if let Some(format) = self.param("format")
            && !matches!(format, "json" | "jsonfm")
        {
            return Err(error("badvalue", format!("Unrecognized value for parameter \"format\": {format}.")));
        }
        let mut body = match self.param("action") {
            None => return Err(error("badvalue", "No action given: set the \"action\" parameter (e.g. \"query\").")),
            Some("query") => query::run(self)?,
            Some(other) => {
                return Err(error("badvalue", format!("Unrecognized value for parameter \"action\": {other}.")));
            }
        };
        let warnings = self.warnings.borrow();
        if !warnings.is_empty()
            && let Value::Object(map) = &mut body
        {
            let mut by_module = serde_json::Map::new();
            for (module, text) in warnings.iter() {
                let entry = by_module.entry(module.clone()).or_insert_with(|| Value::String(String::new()));
                if let Value::String(joined) = entry {
                    if !joined.is_empty() {
                        joined.push('\n');
                    }
                    joined.push_str(text);
                }
            }
            let key = if self.v2 { "warnings" } else { "*" };
            let wrapped = by_module.into_iter().map(|(module, text)| (module, json!({ key: text }))).collect();
            map.insert("warnings".to_owned(), Value::Object(wrapped));
        }
        Ok(body)
    }

    fn error(&self, code: &str, info: &str) -> Value {
        let docs = if self.v2 { "docref" } else { "*" };
        json!({ "error": { "code": code, "info": info, docs: DOCREF }, "servedby": "mw-api-ext.offline.1" })
    }
}

#[cfg(test)]
mod tests;
