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
use boa_engine::object::builtins::{JsArray, JsPromise};
use boa_engine::property::Attribute;
use boa_engine::realm::Realm;
use boa_engine::{
    Context, JsArgs, JsError, JsNativeError, JsResult, JsString, JsValue, NativeFunction, Script, Source, js_string,
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
}

struct JavaScript;

impl Guest for JavaScript {
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

fn run(source: &str, input: &str) -> Result<String, String> {
    let mut context = Context::builder()
        .host_hooks(Rc::new(NoDynamicCode))
        .build()
        .map_err(|e| format!("(internal) cannot start the engine: {e}"))?;
    let input: Value = serde_json::from_str(input).map_err(|e| format!("the input is not JSON: {e}"))?;
    setup(&mut context, &input).map_err(|e| format!("(internal) cannot set up the script's globals: {e}"))?;

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

/// The globals a script sees besides the language's own: `input`, `console`,
/// `print`, and (through the prelude) `tools`.
fn setup(context: &mut Context, input: &Value) -> JsResult<()> {
    let input = JsValue::from_json(input, context)?;
    context.register_global_property(js_string!("input"), input, Attribute::all())?;
    let log = NativeFunction::from_fn_ptr(print);
    let console = ObjectInitializer::new(context).function(log.clone(), js_string!("log"), 0).build();
    context.register_global_property(js_string!("console"), console, Attribute::all())?;
    context.register_global_callable(js_string!("print"), 0, log)?;
    context.register_global_callable(js_string!("__cemcp_call"), 3, NativeFunction::from_fn_ptr(call))?;
    let names: Vec<JsValue> = dispatch::functions().into_iter().map(|n| JsValue::from(JsString::from(n))).collect();
    let names = JsArray::from_iter(names, context);
    context.register_global_property(js_string!("__cemcp_functions"), names, Attribute::all())?;
    context.eval(Source::from_bytes(PRELUDE))?;
    Ok(())
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
