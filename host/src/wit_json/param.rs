//! A function parameter as JSON callers see it: its JSON name, WIT type, description,
//! default and the JSON Schema keywords that narrow its type.
//!
//! A WIT type says what a value can be; a tool's docs may say more (see
//! `crate::tool` for the `@param` annotation): that a string is one of a few unit
//! names, that a list has at least one item, that a left-out argument means 3. Those
//! refinements are shown in the input schema and enforced on every JSON call (MCP
//! tools mode and scripts), so a model reads and meets the same contract. Programs
//! calling through WIT pass every argument themselves and get the tool's own checks.

use serde_json::{Map, Value};
use wasmtime::component::Type;

use super::{from_json, json_name, nullable, schema_for};

/// The JSON Schema keywords a refinement may use, besides `default`.
pub const RULE_KEYWORDS: [&str; 5] = ["enum", "minItems", "maxItems", "minimum", "maximum"];

/// One parameter of a function, for JSON callers.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Its JSON name (by default the snake_case of the WIT name).
    pub name: String,
    /// Its WIT type.
    pub ty: Type,
    /// What it is, from the tool's docs.
    pub description: Option<String>,
    /// The value used when a JSON caller leaves it out.
    pub default: Option<Value>,
    /// Keywords of [`RULE_KEYWORDS`] that narrow the type, already checked to make
    /// sense for it.
    pub rules: Map<String, Value>,
}

impl Param {
    /// A parameter with nothing but its WIT name and type.
    pub fn new(wit_name: &str, ty: Type) -> Self {
        Self { name: json_name(wit_name), ty, description: None, default: None, rules: Map::new() }
    }

    /// Whether a JSON caller must give it: neither an `option` nor defaulted.
    pub fn required(&self) -> bool {
        self.default.is_none() && !matches!(self.ty, Type::Option(_))
    }

    /// Its JSON Schema: the type's, narrowed by the rules (inside the non-null branch
    /// of an `option`), with its description and default.
    pub fn schema(&self) -> Value {
        let mut schema = match (&self.ty, self.rules.is_empty()) {
            (Type::Option(option), false) if !nullable(&option.ty()) => {
                super::schema::or_null(narrowed(schema_for(&option.ty()), &self.rules))
            }
            (ty, _) => narrowed(schema_for(ty), &self.rules),
        };
        if let Value::Object(object) = &mut schema {
            if let Some(description) = &self.description {
                object.insert("description".into(), description.clone().into());
            }
            if let Some(default) = &self.default {
                object.insert("default".into(), default.clone());
            }
        }
        schema
    }

    /// Whether `value` (not yet converted) meets the rules; a message saying what is
    /// wrong if not. `null` for an `option` is always allowed.
    ///
    /// # Errors
    ///
    /// What the value breaks: the allowed values, an item count or a bound.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        if value.is_null() && matches!(self.ty, Type::Option(_)) {
            return Ok(());
        }
        for (keyword, rule) in &self.rules {
            match (keyword.as_str(), rule, value) {
                ("enum", Value::Array(allowed), value) if !allowed.contains(value) => {
                    let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
                    return Err(format!("expected one of {}, found {}", list.join(", "), shown(value)));
                }
                ("minItems", Value::Number(n), Value::Array(items)) if below(items.len(), n) => {
                    return Err(format!("expected at least {n} items, found {}", items.len()));
                }
                ("maxItems", Value::Number(n), Value::Array(items)) if above(items.len(), n) => {
                    return Err(format!("expected at most {n} items, found {}", items.len()));
                }
                ("minimum", Value::Number(bound), Value::Number(n)) if n.as_f64() < bound.as_f64() => {
                    return Err(format!("expected a number of at least {bound}, found {n}"));
                }
                ("maximum", Value::Number(bound), Value::Number(n)) if n.as_f64() > bound.as_f64() => {
                    return Err(format!("expected a number of at most {bound}, found {n}"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Checks a refinement against the type, keyword by keyword: each must be one of
    /// [`RULE_KEYWORDS`] or `default`, fit the type, and a default must be a value
    /// of the type that meets the rules.
    ///
    /// # Errors
    ///
    /// What is wrong, naming the keyword.
    pub fn refine(&mut self, keyword: &str, value: Value) -> Result<(), String> {
        let target = match &self.ty {
            Type::Option(option) if !nullable(&option.ty()) => option.ty(),
            ty => ty.clone(),
        };
        match keyword {
            "default" => {
                from_json(&value, &self.ty).map_err(|e| format!("`default` does not fit the parameter's type: {e}"))?;
                self.check(&value).map_err(|e| format!("`default` breaks the parameter's rules: {e}"))?;
                self.default = Some(value);
                return Ok(());
            }
            "enum" => {
                let Value::Array(values) = &value else { return Err("`enum` must be an array".into()) };
                if values.is_empty() {
                    return Err("`enum` must list at least one value".into());
                }
                if let Some(e) = values.iter().find_map(|v| from_json(v, &target).err()) {
                    return Err(format!("an `enum` value does not fit the parameter's type: {e}"));
                }
            }
            "minItems" | "maxItems" => {
                if !matches!(target, Type::List(_)) || !value.is_u64() {
                    return Err(format!("`{keyword}` needs a list parameter and a whole number"));
                }
            }
            "minimum" | "maximum" => {
                let numeric = matches!(
                    target,
                    Type::S8
                        | Type::U8
                        | Type::S16
                        | Type::U16
                        | Type::S32
                        | Type::U32
                        | Type::S64
                        | Type::U64
                        | Type::Float32
                        | Type::Float64
                );
                if !numeric || !value.is_number() {
                    return Err(format!("`{keyword}` needs a numeric parameter and a number"));
                }
            }
            other => {
                return Err(format!(
                    "unknown keyword `{other}` (allowed: name, default, {})",
                    RULE_KEYWORDS.join(", ")
                ));
            }
        }
        self.rules.insert(keyword.to_owned(), value);
        if let Some(default) = &self.default {
            self.check(default).map_err(|e| format!("`default` breaks the parameter's rules: {e}"))?;
        }
        Ok(())
    }
}

/// `schema` with the rules added.
fn narrowed(mut schema: Value, rules: &Map<String, Value>) -> Value {
    if let Value::Object(object) = &mut schema {
        for (keyword, value) in rules {
            object.insert(keyword.clone(), value.clone());
        }
    }
    schema
}

fn below(len: usize, n: &serde_json::Number) -> bool {
    n.as_u64().is_some_and(|n| (len as u64) < n)
}

fn above(len: usize, n: &serde_json::Number) -> bool {
    n.as_u64().is_some_and(|n| (len as u64) > n)
}

/// A value for a message: short ones as JSON, others by kind.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 60 { text } else { format!("{}...", text.chars().take(57).collect::<String>()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn string_param() -> Param {
        Param::new("from-unit", Type::String)
    }

    #[test]
    fn an_enum_is_shown_and_enforced() {
        let mut p = string_param();
        p.refine("enum", json!(["celsius", "kelvin"])).unwrap();
        assert_eq!(p.name, "from_unit");
        assert_eq!(p.schema(), json!({ "type": "string", "enum": ["celsius", "kelvin"] }));
        assert!(p.check(&json!("kelvin")).is_ok());
        assert_eq!(
            p.check(&json!("rankine")).unwrap_err(),
            "expected one of \"celsius\", \"kelvin\", found \"rankine\""
        );
    }

    #[test]
    fn refinements_that_do_not_fit_the_type_are_refused() {
        let mut p = string_param();
        assert!(p.refine("enum", json!([1, 2])).unwrap_err().contains("does not fit"));
        assert!(p.refine("minItems", json!(1)).unwrap_err().contains("list parameter"));
        assert!(p.refine("minimum", json!(1)).unwrap_err().contains("numeric parameter"));
        assert!(p.refine("pattern", json!("x")).unwrap_err().contains("unknown keyword `pattern`"));
        assert!(p.refine("default", json!(3)).unwrap_err().contains("does not fit"));
        p.refine("enum", json!(["a"])).unwrap();
        assert!(p.refine("default", json!("b")).unwrap_err().contains("breaks"));
        assert!(p.rules.get("enum").is_some() && p.default.is_none());
    }

    #[test]
    fn a_default_makes_a_parameter_optional_and_shows_in_the_schema() {
        let mut p = Param::new("days", Type::S64);
        assert!(p.required());
        p.refine("default", json!(3)).unwrap();
        p.description = Some("How many days.".into());
        assert!(!p.required());
        assert_eq!(p.schema()["default"], json!(3));
        assert_eq!(p.schema()["description"], json!("How many days."));
    }
}
