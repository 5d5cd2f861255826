//! The `wit_json` target: JSON converted to values of arbitrary WIT types and back.
//!
//! The input's first bytes choose a type ([`WitType::arbitrary`]), which is compiled
//! into a component to get wasmtime's [`Type`] (see [`crate::component`]); the rest
//! chooses JSON: shaped like the type (with mistakes now and then), arbitrary JSON,
//! or the rest as JSON text. Then, for that type and JSON:
//!
//! - nothing panics: [`json_compatible`], [`schema_for`], [`Param::schema`],
//!   [`from_json`], [`arguments`] and the errors' texts;
//! - [`arguments`] (by name and in order) accepts exactly what [`from_json`] accepts,
//!   giving the same value;
//! - what [`from_json`] accepts, [`to_json`] writes as JSON that [`from_json`]
//!   accepts again, giving the same value (floats compared by value, NaN equal to
//!   NaN), and that JSON is stable and valid against the type's JSON Schema.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use arbitrary::{Result, Unstructured};
use cemcp::wit_json::{Param, arguments, from_json, json_compatible, json_name, schema_for, to_json};
use serde_json::{Map, Value, json};
use wasmtime::component::{Type, Val};

use crate::component;
use crate::json;
use crate::wit_type::WitType;

/// A compiled type and the validator of its schema.
struct Typed {
    ty: Type,
    schema: jsonschema::Validator,
}

static TYPED: OnceLock<Mutex<HashMap<String, Option<Arc<Typed>>>>> = OnceLock::new();

/// How many compiled types are kept: more than a grown corpus holds (a few thousand),
/// so that a mutation of the JSON part of an input finds its type compiled. A type
/// keeps wasmtime's type tables and a schema validator, not the code: the whole
/// target peaked at 385 MB in a 96-minute run (when each type was also kept a second
/// time, in a cache of its compiler's, since removed).
const CACHE: usize = 16_384;

/// The compiled type for `wit`, kept (at most [`CACHE`] of them); `None` when it
/// does not build (a generator limit, not a finding).
fn typed(wit: &str) -> Option<Arc<Typed>> {
    let cache = TYPED.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(found) = cache.lock().ok()?.get(wit) {
        return found.clone();
    }
    let found = component::field_type(wit).ok().map(|ty| {
        let schema = schema_for(&ty);
        let schema = jsonschema::validator_for(&schema)
            .unwrap_or_else(|e| panic!("schema_for gave an invalid schema ({e}): {schema:#}\nfor {wit}"));
        Arc::new(Typed { ty, schema })
    });
    let mut cache = cache.lock().ok()?;
    if cache.len() >= CACHE {
        cache.clear();
    }
    cache.insert(wit.to_owned(), found.clone());
    found
}

/// Whether the WIT type `data` starts with builds; for the smoke test's check that
/// the generator mostly makes valid types.
pub fn builds(data: &[u8]) -> bool {
    WitType::arbitrary(&mut Unstructured::new(data)).is_ok_and(|t| typed(&t.package()).is_some())
}

/// The target.
pub fn wit_json(data: &[u8]) {
    if let Some((typed, json, wit)) = prepared(data) {
        check(&typed, &json, &wit);
    }
}

/// Whether [`from_json`] accepts the JSON `data` makes for its type (`None` when
/// the type does not build); for the smoke test's check that the JSON generator
/// reaches the round trip often.
pub fn accepted(data: &[u8]) -> Option<bool> {
    prepared(data).map(|(typed, json, _)| from_json(&json, &typed.ty).is_ok())
}

/// The compiled type, the JSON and the WIT text `data` makes.
fn prepared(data: &[u8]) -> Option<(Arc<Typed>, Value, String)> {
    let mut u = Unstructured::new(data);
    let wit = WitType::arbitrary(&mut u).ok()?.package();
    let typed = typed(&wit)?;
    let json = input_json(&mut u, &typed.ty).ok()?;
    Some((typed, json, wit))
}

fn input_json(u: &mut Unstructured<'_>, ty: &Type) -> Result<Value> {
    Ok(match u.choose_index(8)? {
        0 => json::value(u, 4)?,
        1 => serde_json::from_slice(u.bytes(u.len())?).unwrap_or(Value::Null),
        _ => shaped(u, ty, 6)?,
    })
}

fn check(typed: &Typed, json: &Value, wit: &str) {
    let ty = &typed.ty;
    assert_eq!(json_compatible(ty), Ok(()), "{wit}");
    let param = Param::new("x", ty.clone());
    let _ = param.schema();
    let by_name = arguments(std::slice::from_ref(&param), json!({ "x": json }));
    let in_order = arguments(std::slice::from_ref(&param), json!([json]));
    let val = match from_json(json, ty) {
        Ok(val) => val,
        Err(e) => {
            let _ = e.to_string();
            assert!(
                by_name.is_err() && in_order.is_err(),
                "arguments accepted what from_json refused ({e}): {json}\n{wit}"
            );
            return;
        }
    };
    for (form, args) in [("by name", by_name), ("in order", in_order)] {
        match args.as_deref() {
            Ok([arg]) => assert!(same(arg, &val), "arguments {form} gave {arg:?}, from_json {val:?}: {json}\n{wit}"),
            other => panic!("arguments {form} gave {other:?} where from_json gave {val:?}: {json}\n{wit}"),
        }
    }
    let back = to_json(&val, ty);
    let again = from_json(&back, ty)
        .unwrap_or_else(|e| panic!("from_json refused to_json's own JSON ({e}): {back}\nfrom {json}\n{wit}"));
    assert!(same(&val, &again), "the round trip changed the value: {val:?} -> {back} -> {again:?}\n{wit}");
    assert_eq!(to_json(&again, ty), back, "to_json is not stable\n{wit}");
    if let Some(error) = typed.schema.iter_errors(&back).next() {
        panic!("to_json's JSON breaks the type's schema ({error}): {back}\nschema {:#}\n{wit}", schema_for(ty));
    }
}

/// Values equal, floats by value and NaN equal to NaN.
fn same(a: &Val, b: &Val) -> bool {
    let all = |a: &[Val], b: &[Val]| a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b));
    let boxed = |a: &Option<Box<Val>>, b: &Option<Box<Val>>| match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    };
    match (a, b) {
        (Val::Float32(a), Val::Float32(b)) => a == b || (a.is_nan() && b.is_nan()),
        (Val::Float64(a), Val::Float64(b)) => a == b || (a.is_nan() && b.is_nan()),
        (Val::List(a), Val::List(b)) | (Val::Tuple(a), Val::Tuple(b)) => all(a, b),
        (Val::FixedLengthList(a), Val::FixedLengthList(b)) => all(a, b),
        (Val::Record(a), Val::Record(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|((na, va), (nb, vb))| na == nb && same(va, vb))
        }
        (Val::Map(a), Val::Map(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|((ka, va), (kb, vb))| same(ka, kb) && same(va, vb))
        }
        (Val::Variant(na, a), Val::Variant(nb, b)) => na == nb && boxed(a, b),
        (Val::Option(a), Val::Option(b)) => boxed(a, b),
        (Val::Result(Ok(a)), Val::Result(Ok(b))) | (Val::Result(Err(a)), Val::Result(Err(b))) => boxed(a, b),
        (Val::Flags(a), Val::Flags(b)) => {
            let (mut a, mut b) = (a.clone(), b.clone());
            a.sort();
            b.sort();
            a == b
        }
        _ => a == b,
    }
}

/// JSON shaped like `ty`, with a mistake now and then (arbitrary JSON in its place).
fn shaped(u: &mut Unstructured<'_>, ty: &Type, depth: u32) -> Result<Value> {
    if depth == 0 || u.ratio(1, 24)? {
        return json::value(u, 2);
    }
    let d = depth - 1;
    Ok(match ty {
        Type::Bool => Value::Bool(u.arbitrary()?),
        Type::S8 | Type::U8 | Type::S16 | Type::U16 | Type::S32 | Type::U32 | Type::S64 | Type::U64 => {
            Value::Number(json::number(u)?)
        }
        Type::Float32 | Type::Float64 => match u.choose_index(6)? {
            0 => Value::from(*u.choose(&["NaN", "Infinity", "-Infinity", "nan", "1.5"])?),
            _ => Value::Number(json::number(u)?),
        },
        Type::Char => Value::String(if u.ratio(7, 8)? { u.arbitrary::<char>()?.to_string() } else { json::string(u)? }),
        Type::String => Value::String(json::string(u)?),
        Type::List(list) => {
            let len = u.int_in_range(0..=3)?;
            array(u, &list.ty(), len, d)?
        }
        Type::FixedLengthList(list) => {
            let len = usize::try_from(list.len()).unwrap_or(0);
            let len = if u.ratio(7, 8)? { len } else { len.saturating_add(1) };
            array(u, &list.ty(), len, d)?
        }
        Type::Map(map) => {
            let pairs = (0..u.int_in_range(0..=3)?)
                .map(|_| Ok(json!([shaped(u, &map.key(), d)?, shaped(u, &map.value(), d)?])))
                .collect::<Result<_>>()?;
            Value::Array(pairs)
        }
        Type::Tuple(tuple) => Value::Array(tuple.types().map(|t| shaped(u, &t, d)).collect::<Result<_>>()?),
        Type::Record(record) => {
            let mut object = Map::new();
            for field in record.fields() {
                if u.ratio(15, 16)? {
                    object.insert(json_name(field.name), shaped(u, &field.ty, d)?);
                }
            }
            Value::Object(object)
        }
        Type::Enum(names) => Value::from(u.choose_iter(names.names())?),
        Type::Flags(flags) => {
            let names: Vec<&str> = flags.names().collect();
            let mut chosen = Vec::new();
            for name in &names {
                if u.arbitrary()? {
                    chosen.push(Value::from(*name));
                }
            }
            Value::Array(chosen)
        }
        Type::Variant(variant) => {
            let case = u.choose_iter(variant.cases())?;
            match case.ty {
                Some(payload) => json!({ "tag": case.name, "value": shaped(u, &payload, d)? }),
                None => json!({ "tag": case.name }),
            }
        }
        Type::Option(option) => match u.choose_index(3)? {
            0 => Value::Null,
            1 => json!({ "some": shaped(u, &option.ty(), d)? }),
            _ => shaped(u, &option.ty(), d)?,
        },
        Type::Result(result) => {
            let (key, side) = if u.arbitrary()? { ("ok", result.ok()) } else { ("err", result.err()) };
            let payload = match side {
                Some(t) => shaped(u, &t, d)?,
                None => Value::Null,
            };
            json!({ key: payload })
        }
        _ => json::value(u, 2)?,
    })
}

fn array(u: &mut Unstructured<'_>, item: &Type, len: usize, depth: u32) -> Result<Value> {
    Ok(Value::Array((0..len).map(|_| shaped(u, item, depth)).collect::<Result<_>>()?))
}
