//! The JSON mapping of WIT values, checked against the types a real component
//! exports (`guests/types`): random values round-trip through JSON and validate
//! against the generated schema; arbitrary JSON never panics the converter.

use cemcp::wit_json::{from_json, json_compatible, schema_for, to_json};
use cemcp_tests::artifacts;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Type, Val};

/// Every parameter and result type of every function of the `types` fixture.
fn fixture_types() -> Vec<(String, Type)> {
    let engine = cemcp::engine::new_engine().unwrap();
    let wasm = std::fs::read(artifacts::TYPES_COMPONENT).unwrap();
    let (component, _) = cemcp_tests::shared_cache().load(&engine, &wasm).unwrap();
    let mut types = Vec::new();
    for (name, export) in component.component_type().exports(&engine) {
        let ComponentItem::ComponentInstance(instance) = export.ty else { continue };
        for (func, item) in instance.exports(&engine) {
            let ComponentItem::ComponentFunc(ty) = item.ty else { continue };
            for (param, t) in ty.params() {
                types.push((format!("{name}#{func}({param})"), t));
            }
            for (i, t) in ty.results().enumerate() {
                types.push((format!("{name}#{func} result {i}"), t));
            }
        }
    }
    assert!(types.len() >= 12, "the fixture should export many types: {}", types.len());
    types
}

/// Random values of `ty`.
fn arb_val(ty: &Type) -> BoxedStrategy<Val> {
    match ty {
        Type::Bool => any::<bool>().prop_map(Val::Bool).boxed(),
        Type::S8 => any::<i8>().prop_map(Val::S8).boxed(),
        Type::U8 => any::<u8>().prop_map(Val::U8).boxed(),
        Type::S16 => any::<i16>().prop_map(Val::S16).boxed(),
        Type::U16 => any::<u16>().prop_map(Val::U16).boxed(),
        Type::S32 => any::<i32>().prop_map(Val::S32).boxed(),
        Type::U32 => any::<u32>().prop_map(Val::U32).boxed(),
        Type::S64 => any::<i64>().prop_map(Val::S64).boxed(),
        Type::U64 => any::<u64>().prop_map(Val::U64).boxed(),
        Type::Float32 => any::<f32>().prop_map(Val::Float32).boxed(),
        Type::Float64 => any::<f64>().prop_map(Val::Float64).boxed(),
        Type::Char => any::<char>().prop_map(Val::Char).boxed(),
        Type::String => any::<String>().prop_map(Val::String).boxed(),
        Type::List(list) => prop::collection::vec(arb_val(&list.ty()), 0..4).prop_map(Val::List).boxed(),
        Type::Tuple(tuple) => tuple.types().map(|t| arb_val(&t)).collect::<Vec<_>>().prop_map(Val::Tuple).boxed(),
        Type::Record(record) => {
            let names: Vec<String> = record.fields().map(|f| f.name.to_owned()).collect();
            let values: Vec<_> = record.fields().map(|f| arb_val(&f.ty)).collect();
            values.prop_map(move |vals| Val::Record(names.iter().cloned().zip(vals).collect())).boxed()
        }
        Type::Enum(names) => {
            let names: Vec<String> = names.names().map(str::to_owned).collect();
            prop::sample::select(names).prop_map(Val::Enum).boxed()
        }
        Type::Flags(flags) => {
            let names: Vec<String> = flags.names().map(str::to_owned).collect();
            prop::collection::vec(any::<bool>(), names.len())
                .prop_map(move |set| {
                    Val::Flags(names.iter().zip(set).filter(|(_, on)| *on).map(|(n, _)| n.clone()).collect())
                })
                .boxed()
        }
        Type::Variant(variant) => {
            let cases: Vec<BoxedStrategy<Val>> = variant
                .cases()
                .map(|case| {
                    let name = case.name.to_owned();
                    match case.ty {
                        Some(t) => arb_val(&t).prop_map(move |v| Val::Variant(name.clone(), Some(Box::new(v)))).boxed(),
                        None => Just(Val::Variant(name, None)).boxed(),
                    }
                })
                .collect();
            prop::strategy::Union::new(cases).boxed()
        }
        Type::Option(option) => {
            prop::option::of(arb_val(&option.ty())).prop_map(|v| Val::Option(v.map(Box::new))).boxed()
        }
        Type::Result(result) => {
            let payload = |t: Option<Type>| match t {
                Some(t) => arb_val(&t).prop_map(|v| Some(Box::new(v))).boxed(),
                None => Just(None).boxed(),
            };
            prop_oneof![
                payload(result.ok()).prop_map(|p| Val::Result(Ok(p))),
                payload(result.err()).prop_map(|p| Val::Result(Err(p))),
            ]
            .boxed()
        }
        other => panic!("the fixture uses a type the test cannot generate: {other:?}"),
    }
}

#[test]
fn values_round_trip_through_json_and_match_the_schema() {
    let mut runner = TestRunner::new(Config { cases: 64, ..Config::default() });
    for (name, ty) in fixture_types() {
        json_compatible(&ty).unwrap();
        let schema = schema_for(&ty);
        let validator = jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("{name}: bad schema: {e}"));
        runner
            .run(&arb_val(&ty), |val| {
                let json = to_json(&val, &ty);
                prop_assert!(validator.is_valid(&json), "{name}: {json} does not match {schema}");
                let back = from_json(&json, &ty).map_err(|e| TestCaseError::fail(format!("{name}: {json}: {e}")))?;
                // Val's equality treats NaN as NaN and tells -0.0 from 0.0.
                prop_assert_eq!(back, val, "{}: {}", name, json);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z]{0,6}".prop_map(Value::String),
        prop::sample::select(vec!["NaN", "red", "read", "point", "ok", "err", "some", "tag", "x"])
            .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec!["tag", "value", "ok", "err", "some", "flag", "text", "x"]),
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

#[test]
fn any_json_gives_a_value_or_an_error_never_a_panic() {
    let types = fixture_types();
    let mut runner = TestRunner::new(Config { cases: 512, ..Config::default() });
    runner
        .run(&arb_json(), |json| {
            for (_, ty) in &types {
                if let Ok(val) = from_json(&json, ty) {
                    // Whatever was accepted converts back to JSON that converts again.
                    prop_assert!(from_json(&to_json(&val, ty), ty).is_ok());
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn mismatches_name_the_field_and_the_expected_type() {
    let types = fixture_types();
    let find = |suffix: &str| types.iter().find(|(n, _)| n.ends_with(suffix)).map(|(_, t)| t.clone()).unwrap();
    let scalars = find("#echo-scalars(s)");
    let good = json!({ "flag": true, "tiny": -1, "byte": 255, "short": 1, "word": 1, "int": 1, "uint": 1,
        "long": -5, "ulong": 18446744073709551615u64, "single": 1.5, "double": "NaN", "letter": "é", "text": "" });
    assert!(from_json(&good, &scalars).is_ok());
    let error = |patch: Value| {
        let mut json = good.clone();
        json.as_object_mut().unwrap().extend(patch.as_object().unwrap().clone());
        from_json(&json, &scalars).unwrap_err().to_string()
    };
    assert_eq!(error(json!({ "byte": 256 })), "`byte`: expected an integer from 0 to 255, found 256");
    // The schema refuses the same JSON the converter refuses.
    let validator = jsonschema::draft202012::new(&schema_for(&scalars)).unwrap();
    assert!(validator.is_valid(&good));
    for bad in [json!({ "byte": 256 }), json!({ "letter": "ab" }), json!({ "extra": 1 }), json!({ "flag": "yes" })] {
        let mut json = good.clone();
        json.as_object_mut().unwrap().extend(bad.as_object().unwrap().clone());
        assert!(!validator.is_valid(&json), "schema accepted {bad}");
    }
    assert_eq!(error(json!({ "tiny": 1.5 })), "`tiny`: expected an integer from -128 to 127, found 1.5");
    assert_eq!(error(json!({ "letter": "ab" })), "`letter`: expected a string of one character, found \"ab\"");
    assert!(error(json!({ "extra": 1 })).starts_with("expected only the fields flag, tiny,"), "unknown fields refused");
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("text");
    assert_eq!(
        from_json(&missing, &scalars).unwrap_err().to_string(),
        "expected field `text` (a string), found nothing"
    );

    let items = find("#echo-containers(items)");
    assert_eq!(from_json(&json!(["a", 2]), &items).unwrap_err().to_string(), "`[1]`: expected a string, found 2");
    let shape = find("#echo-kinds(s)");
    assert_eq!(
        from_json(&json!({ "tag": "circle" }), &shape).unwrap_err().to_string(),
        "expected \"tag\" and \"value\" for case `circle`, found an object"
    );
    assert_eq!(
        from_json(&json!({ "tag": "rect", "value": [1, -2] }), &shape).unwrap_err().to_string(),
        "`value[1]`: expected an integer from 0 to 4294967295, found -2"
    );
    let nested = find("#echo-containers(nested)");
    assert!(from_json(&json!({ "some": null }), &nested).is_ok(), "some(none)");
    assert!(from_json(&json!("x"), &nested).is_err(), "an option of an option needs the some-form");
}
