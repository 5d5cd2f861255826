//! `javascript`: cemcp's JavaScript interpreter component, on the Boa engine. It is
//! granted nothing; the only way out is `cemcp:host/dispatch`, which the host checks
//! like a program's imports.
//!
//! What a script sees:
//! - `input`: the run's input, as JavaScript values;
//! - `tools.<tool>.<function>({...})`: each granted function (dashes in names become
//!   underscores), called with one object of arguments named as in its WIT. It
//!   returns the `ok` value synchronously, so `await` works on it too; `err` throws a
//!   `ToolError` whose message starts with `tool.function` and carries the tool's
//!   own words; arguments that do not fit throw `TypeError`;
//! - the output is the value the script returns (a script that uses top-level
//!   `return` or `await` runs as the body of an async function), else the value of
//!   its last expression statement; it must be JSON (`undefined` becomes `null`);
//! - `console.log` and `print` are collected apart from the output, bounded.
//!
//! No dynamic code: `eval`, `Function`, and their async and generator relatives are
//! refused by the engine's `HostEnsureCanCompileStrings` hook. No modules, no timers,
//! no files, no network.

use std::cell::RefCell;
use std::rc::Rc;

use boa_engine::builtins::promise::PromiseState;
use boa_engine::context::HostHooks;
use boa_engine::object::ObjectInitializer;
use boa_engine::object::builtins::JsPromise;
use boa_engine::property::Attribute;
use boa_engine::realm::Realm;
use boa_engine::{
    Context, JsArgs, JsError, JsNativeError, JsObject, JsResult, JsString, JsValue, NativeFunction, Script, Source,
    js_string,
};

use script_support::Printed;
use serde_json::{Value, json};

use crate::cemcp::host::dispatch::{self, CallError};

wit_bindgen::generate!({ path: "../../wit/host", world: "interpreter" });

/// Builds `tools` from the granted functions; see the file.
const PRELUDE: &str = include_str!("prelude.js");

thread_local! {
    /// What the running script printed.
    static PRINTED: RefCell<Printed> = RefCell::new(Printed::new(0));
    /// The engine with its realm built and the prelude compiled, by
    /// `wizer-initialize`: in the snapshot every run starts from, so that no run
    /// builds the realm (its builtins) or compiles the prelude from scratch.
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// An engine ready for one script: its context, and the prelude's installer of
/// `tools`.
struct Engine {
    context: Context,
    install: JsObject,
}

struct JavaScript;

impl Guest for JavaScript {
    fn wizer_initialize() {
        if let Ok(engine) = new_engine() {
            ENGINE.with(|slot| *slot.borrow_mut() = Some(engine));
        }
    }

    fn run_script(source: String, input: String, max_print: u32) -> Result<ScriptOutput, ScriptError> {
        PRINTED.with(|p| *p.borrow_mut() = Printed::new(max_print));
        let outcome = run(&source, &input);
        let printed = PRINTED.with(|p| std::mem::replace(&mut *p.borrow_mut(), Printed::new(0)).finish());
        match outcome {
            Ok(output) => Ok(ScriptOutput { output, printed }),
            Err(message) => Err(ScriptError { message, printed }),
        }
    }
}

/// Refuses every compilation of a string into code at run time.
struct NoDynamicCode;

impl HostHooks for NoDynamicCode {
    fn ensure_can_compile_strings(
        &self,
        _realm: Realm,
        _parameters: &[JsString],
        _body: &JsString,
        _direct: bool,
        _context: &mut Context,
    ) -> JsResult<()> {
        Err(JsNativeError::eval()
            .with_message("dynamic code generation (eval, Function) is disabled in cemcp scripts")
            .into())
    }
}

/// A fresh engine: its realm with the hook that refuses dynamic code, the globals
/// every run has (`console`, `print`), and the prelude compiled into the installer
/// of `tools`.
fn new_engine() -> JsResult<Engine> {
    let mut context = Context::builder().host_hooks(Rc::new(NoDynamicCode)).build()?;
    let log = NativeFunction::from_fn_ptr(print);
    let console = ObjectInitializer::new(&mut context).function(log.clone(), js_string!("log"), 0).build();
    context.register_global_property(js_string!("console"), console, Attribute::all())?;
    context.register_global_callable(js_string!("print"), 0, log)?;
    context.register_global_callable(js_string!("__cemcp_call"), 3, NativeFunction::from_fn_ptr(call))?;
    let install = context.eval(Source::from_bytes(PRELUDE))?;
    let install = install
        .as_object()
        .ok_or_else(|| JsNativeError::typ().with_message("(internal) the prelude returned no installer"))?;
    Ok(Engine { context, install })
}

fn run(source: &str, input: &str) -> Result<String, String> {
    // The pre-initialized engine if there is one (each run has an instance of its
    // own, so it is used once); a fresh one otherwise.
    let engine = match ENGINE.with(|engine| engine.borrow_mut().take()) {
        Some(engine) => engine,
        None => new_engine().map_err(|e| format!("(internal) cannot start the engine: {e}"))?,
    };
    let Engine { mut context, install } = engine;
    let input: Value = serde_json::from_str(input).map_err(|e| format!("the input is not JSON: {e}"))?;
    setup(&mut context, &install, &input).map_err(|e| format!("(internal) cannot set up the script's globals: {e}"))?;

    let value = match Script::parse(Source::from_bytes(source), None, &mut context) {
        Ok(script) => script.evaluate(&mut context).map_err(|e| describe(&e, &mut context))?,
        Err(syntax) => {
            // Top-level `return` or `await`: run the script as an async function's body.
            let wrapped = format!("(async () => {{\n{source}\n}})()");
            match Script::parse(Source::from_bytes(&wrapped), None, &mut context) {
                Ok(script) => script.evaluate(&mut context).map_err(|e| describe(&e, &mut context))?,
                Err(_) => return Err(describe(&syntax, &mut context)),
            }
        }
    };
    let value = settle(value, &mut context)?;
    match value.to_json(&mut context) {
        Ok(Some(json)) => Ok(json.to_string()),
        Ok(None) => Ok("null".to_owned()),
        Err(e) => Err(format!("the script's output is not JSON: {}", describe(&e, &mut context))),
    }
}

/// The value of a promise once the job queue has run; any other value as is.
fn settle(value: JsValue, context: &mut Context) -> Result<JsValue, String> {
    let Some(promise) = value.as_object().and_then(|o| JsPromise::from_object(o.clone()).ok()) else {
        return Ok(value);
    };
    context.run_jobs().map_err(|e| describe(&e, context))?;
    match promise.state() {
        PromiseState::Fulfilled(value) => Ok(value),
        PromiseState::Rejected(reason) => Err(describe(&JsError::from_opaque(reason), context)),
        PromiseState::Pending => Err("the script awaits something that will never complete".to_owned()),
    }
}

/// What one run adds to the engine: `input`, and `tools` with the functions this
/// run's profile grants: `tools.<tool>.<function>` (dashes become underscores), each
/// a native function calling `dispatch`.
fn setup(context: &mut Context, install: &JsObject, input: &Value) -> JsResult<()> {
    let input = JsValue::from_json(input, context)?;
    context.register_global_property(js_string!("input"), input, Attribute::all())?;
    let mut groups: Vec<(String, String, JsObject)> = Vec::new();
    for name in dispatch::functions() {
        let Some((tool, function)) = name.split_once('.') else { continue };
        let ident = tool.replace('-', "_");
        let group = match groups.iter().find(|(t, _, _)| *t == ident) {
            Some((_, _, group)) => group.clone(),
            None => {
                let group = ObjectInitializer::new(context).build();
                groups.push((ident, tool.to_owned(), group.clone()));
                group
            }
        };
        let captures = (JsString::from(tool), JsString::from(function), JsString::from(name.as_str()));
        let native = NativeFunction::from_copy_closure_with_captures(tool_function, captures);
        let native = boa_engine::object::FunctionObjectBuilder::new(context.realm(), native)
            .name(JsString::from(function.replace('-', "_")))
            .length(1)
            .build();
        group.set(JsString::from(function.replace('-', "_")), native, false, context)?;
    }
    let tools = ObjectInitializer::new(context).build();
    let names = ObjectInitializer::new(context).build();
    for (ident, tool, group) in groups {
        tools.set(JsString::from(ident.as_str()), group, false, context)?;
        names.set(JsString::from(ident), JsString::from(tool), false, context)?;
    }
    install.call(&JsValue::undefined(), &[tools.into(), names.into()], context)?;
    Ok(())
}

/// `tools.<tool>.<function>(args)`: the `ok` value; a `ToolError` for the tool's
/// `err`; a `TypeError` for arguments the host refuses.
fn tool_function(
    _this: &JsValue,
    args: &[JsValue],
    (tool, function, label): &(JsString, JsString, JsString),
    context: &mut Context,
) -> JsResult<JsValue> {
    let label = label.to_std_string_escaped();
    if args.len() > 1 {
        let message = format!("{label}: pass one object of arguments, e.g. {label}({{ ... }})");
        return Err(JsNativeError::typ().with_message(message).into());
    }
    let arguments = match args.first() {
        None => Value::Object(serde_json::Map::new()),
        Some(value) => value.to_json(context)?.unwrap_or(Value::Null),
    };
    let (tool, function) = (tool.to_std_string_escaped(), function.to_std_string_escaped());
    match dispatch::call(&tool, &function, &arguments.to_string()) {
        Ok(result) => {
            let value: Value = serde_json::from_str(&result).map_err(|e| {
                JsNativeError::typ().with_message(format!("{label}: the host returned invalid JSON: {e}"))
            })?;
            JsValue::from_json(&value, context)
        }
        Err(CallError::Refused(message)) => {
            Err(JsNativeError::typ().with_message(format!("{label}: {message}")).into())
        }
        Err(CallError::Tool(message)) => {
            let constructor = context.global_object().get(js_string!("ToolError"), context)?;
            let error = match constructor.as_constructor() {
                Some(constructor) => {
                    let message = JsValue::from(JsString::from(format!("{label} failed: {message}")));
                    constructor.construct(&[message], None, context)?.into()
                }
                None => JsValue::from(JsString::from(format!("{label} failed: {message}"))),
            };
            Err(JsError::from_opaque(error))
        }
    }
}

/// `__cemcp_call(tool, function, arguments)`: `{ok}`, or `{error, refused}`.
fn call(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let tool = args.get_or_undefined(0).to_string(context)?.to_std_string_escaped();
    let function = args.get_or_undefined(1).to_string(context)?.to_std_string_escaped();
    let arguments = match args.get_or_undefined(2).to_json(context) {
        Ok(arguments) => arguments.unwrap_or(Value::Null),
        Err(e) => {
            let error = format!("the arguments have no JSON form ({})", describe(&e, context));
            return JsValue::from_json(&json!({ "error": error, "refused": true }), context);
        }
    };
    let outcome = match dispatch::call(&tool, &function, &arguments.to_string()) {
        Ok(result) => match serde_json::from_str::<Value>(&result) {
            Ok(value) => json!({ "ok": value }),
            Err(e) => json!({ "error": format!("the host returned invalid JSON: {e}"), "refused": false }),
        },
        Err(CallError::Tool(error)) => json!({ "error": error, "refused": false }),
        Err(CallError::Refused(error)) => json!({ "error": error, "refused": true }),
    };
    JsValue::from_json(&outcome, context)
}

/// `console.log(...)` and `print(...)`: the arguments as text, space-separated.
fn print(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let mut line = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(&arg.to_string(context)?.to_std_string_escaped());
    }
    line.push('\n');
    PRINTED.with(|p| p.borrow_mut().push(&line));
    Ok(JsValue::undefined())
}

/// An error as the agent reads it: `TypeError: message`, with the line and column
/// for syntax errors.
fn describe(error: &JsError, context: &mut Context) -> String {
    match error.try_native(context) {
        Ok(native) => native.to_string(),
        Err(_) => error
            .clone()
            .into_opaque(context)
            .and_then(|value| value.to_string(context))
            .map(|s| format!("uncaught {}", s.to_std_string_escaped()))
            .unwrap_or_else(|_| "uncaught exception".to_owned()),
    }
}

export!(JavaScript);
