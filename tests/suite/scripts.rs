//! Scripts: Python and JavaScript, each run by its interpreter component (granted
//! nothing), calling the granted tools through `cemcp:host/dispatch`, under the same
//! profile checks and limits as component programs. Each behaviour is checked in
//! both languages.

use cemcp::manifest::Language;
use cemcp::{CancelToken, RunError};
use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use serde_json::{Value, json};

/// The base manifest with both interpreters declared, and `edits` applied.
fn manifest(edits: &[(&str, &str)]) -> String {
    let interpreters = format!(
        "[interpreter.python]\ncomponent = \"{}\"\n\n[interpreter.javascript]\ncomponent = \"{}\"\n\n[profile.all]",
        artifacts::PYTHON_COMPONENT,
        artifacts::JAVASCRIPT_COMPONENT
    );
    edits.iter().fold(TestBed::base_manifest().edit("[profile.all]", &interpreters), |m, (from, to)| m.edit(from, to))
}

/// Runs `source` in `language` with `input`; the output as JSON and what it printed.
fn run(
    bed: &TestBed,
    manifest: &str,
    language: Language,
    source: &str,
    input: &str,
) -> Result<(Value, String), RunError> {
    let runtime = bed.runtime(manifest).unwrap();
    let profile = runtime.profile(None).unwrap();
    let interpreter = runtime.interpreter_for(language, profile).unwrap();
    runtime
        .run_script(&interpreter, source, input, &CancelToken::new())
        .map(|out| (serde_json::from_str(&out.output).unwrap(), out.printed))
}

fn ok(language: Language, source: &str) -> Value {
    let bed = TestBed::new();
    run(&bed, &manifest(&[]), language, source, "{}").unwrap_or_else(|e| panic!("{language}: {e}")).0
}

fn failure(language: Language, source: &str, edits: &[(&str, &str)]) -> String {
    let bed = TestBed::new();
    match run(&bed, &manifest(edits), language, source, "{}") {
        Ok(out) => panic!("{language}: expected a failure, got {out:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_script_calls_two_tools_and_combines_their_results() {
    let python = r#"
text = tools.files.read(path="alpha.txt", offset=0)
tools.kv.put(key="first-line", value=text.splitlines()[0])
{"stored": tools.kv.get(key="first-line"), "words": len(text.split())}
"#;
    let javascript = r#"
const text = tools.files.read({ path: "alpha.txt", offset: 0 });
tools.kv.put({ key: "first-line", value: text.split("\n")[0] });
({ stored: tools.kv.get({ key: "first-line" }), words: text.split(/\s+/).filter(Boolean).length })
"#;
    let expected = json!({ "stored": "the quick brown fox", "words": 9 });
    assert_eq!(ok(Language::Python, python), expected);
    assert_eq!(ok(Language::Javascript, javascript), expected);
}

#[test]
fn a_tools_error_can_be_caught_and_the_script_goes_on() {
    let python = r#"
try:
    tools.files.read(path="missing.txt", offset=0)
    caught = None
except RuntimeError as e:
    caught = str(e)
{"caught": caught, "after": tools.flaky.count()}
"#;
    let javascript = r#"
let caught = null;
try { tools.files.read({ path: "missing.txt", offset: 0 }); } catch (e) { caught = `${e.name}: ${e.message}`; }
({ caught, after: tools.flaky.count() })
"#;
    let python = ok(Language::Python, python);
    assert!(python["caught"].as_str().unwrap().starts_with("files.read failed: cannot read `missing.txt`"), "{python}");
    assert_eq!(python["after"], 1);
    let javascript = ok(Language::Javascript, javascript);
    assert!(
        javascript["caught"].as_str().unwrap().starts_with("ToolError: files.read failed: cannot read `missing.txt`"),
        "{javascript}"
    );
}

#[test]
fn a_wrong_argument_type_names_the_argument_and_the_type() {
    let python = ok(
        Language::Python,
        "try:\n    tools.files.read(path=\"a\", offset=-1)\nexcept TypeError as e:\n    r = str(e)\nr",
    );
    let javascript = ok(
        Language::Javascript,
        "let r; try { tools.files.read({ path: 'a', offset: -1 }) } catch (e) { r = e.message } r",
    );
    let expected = "files.read: argument `offset`: expected an integer from 0 to 18446744073709551615, found -1";
    assert_eq!(python, json!(expected));
    assert_eq!(javascript, json!(expected));
}

#[test]
fn an_ungranted_tool_is_refused_naming_the_profile() {
    let edit = [(r#"tools = ["files", "kv", "flaky", "http", "config"]"#, r#"tools = ["files"]"#)];
    // The script's `tools` has only what is granted; the host says why the rest is not there.
    let refused = "tool `kv` is not granted to profile `all` (granted tools: files)";
    let python = failure(Language::Python, "tools.kv.get(key=\"a\")", &edit);
    assert!(python.contains("AttributeError") && python.contains(refused), "{python}");
    let javascript = failure(Language::Javascript, "tools.kv.get({ key: 'a' })", &edit);
    assert!(javascript.contains("TypeError") && javascript.contains(refused), "{javascript}");
    let missing = "tool `files` has no function `nope` (functions: list, read, search, stat)";
    assert!(failure(Language::Python, "tools.files.nope()", &edit).contains(missing));
    assert!(failure(Language::Javascript, "tools.files.nope()", &edit).contains(missing));
}

#[test]
fn dynamic_code_generation_is_refused() {
    for source in ["eval('1 + 1')", "Function('return 1')()", "(async function(){}).constructor('return 1')"] {
        let message = failure(Language::Javascript, source, &[]);
        assert!(message.contains("dynamic code generation (eval, Function) is disabled"), "{source}: {message}");
    }
    for source in ["eval('1 + 1')", "exec('x = 1')", "import os\nos.getcwd()"] {
        let message = failure(Language::Python, source, &[]);
        assert!(message.starts_with("the script failed: "), "{source}: {message}");
    }
}

#[test]
fn limits_apply_to_scripts() {
    let time =
        [(r#"limits = { time = "5s", memory = "64 MiB" }"#, r#"limits = { time = "300ms", memory = "64 MiB" }"#)];
    assert_eq!(failure(Language::Python, "while True:\n    pass", &time), "program exceeded its 300ms time limit");
    assert_eq!(failure(Language::Javascript, "while (true) {}", &time), "program exceeded its 300ms time limit");
    let calls = [(r#"limits = { time = "5s", memory = "64 MiB" }"#, r#"limits = { time = "5s", calls = 3 }"#)];
    let python = "for i in range(10):\n    tools.flaky.count()";
    assert_eq!(failure(Language::Python, python, &calls), "program exceeded its limit of 3 tool calls");
    let javascript = "for (let i = 0; i < 10; i++) tools.flaky.count()";
    assert_eq!(failure(Language::Javascript, javascript, &calls), "program exceeded its limit of 3 tool calls");
}

#[test]
fn memory_is_bounded() {
    let python = "x = []\nwhile True:\n    x.append('x' * 1000000)";
    let javascript = "const x = []; while (true) x.push('x'.repeat(1000000) + x.length)";
    for (language, source) in [(Language::Python, python), (Language::Javascript, javascript)] {
        let message = failure(language, source, &[]);
        assert!(message.contains("memory"), "{language}: {message}");
    }
}

#[test]
fn printed_text_is_separate_from_the_output_and_bounded() {
    let bed = TestBed::new();
    let manifest = manifest(&[]);
    let (output, printed) =
        run(&bed, &manifest, Language::Python, "print('hello', input['name'])\n42", r#"{"name": "ada"}"#).unwrap();
    assert_eq!((output, printed.as_str()), (json!(42), "hello ada\n"));
    let (output, printed) =
        run(&bed, &manifest, Language::Javascript, "console.log('hello', input.name); 42", r#"{"name": "ada"}"#)
            .unwrap();
    assert_eq!((output, printed.as_str()), (json!(42), "hello ada\n"));
    // 100,000 lines of 100 bytes: the run ends, and keeps the profile's `log` limit.
    let python = "for i in range(100000):\n    print('x' * 99)\n'done'";
    let (output, printed) = run(&bed, &manifest, Language::Python, python, "{}").unwrap();
    assert_eq!(output, json!("done"));
    assert!(printed.len() < (64 << 10) + 100 && printed.ends_with("more bytes of printed text dropped]"));
}

#[test]
fn an_output_that_is_not_json_is_a_clear_error() {
    let python = failure(Language::Python, "{1, 2, 3}", &[]);
    assert!(python.contains("the script's output is not JSON") && python.contains("set"), "{python}");
    let javascript = failure(Language::Javascript, "[1, 2n]", &[]);
    assert!(javascript.starts_with("the script failed: the script's output is not JSON"), "{javascript}");
}

#[test]
fn a_syntax_error_gives_the_line_and_column() {
    let python = failure(Language::Python, "x = 1\ny = (\n", &[]);
    assert!(python.contains("line 2") || python.contains("line 3"), "{python}");
    let javascript = failure(Language::Javascript, "let x = 1;\nlet y = ;\n", &[]);
    assert!(javascript.contains("line 2"), "{javascript}");
}

#[test]
fn javascript_may_return_and_await() {
    let source = "const n = await tools.flaky.count();\nreturn { n, twice: n * 2 };";
    assert_eq!(ok(Language::Javascript, source), json!({ "n": 1, "twice": 2 }));
}

#[test]
fn a_script_in_an_undeclared_language_is_refused() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let profile = runtime.profile(None).unwrap();
    let error = runtime.interpreter_for(Language::Python, profile).err().unwrap();
    assert_eq!(
        error.to_string(),
        "no interpreter for python scripts is declared in the manifest (declared: none); an admin adds one as [interpreter.python]"
    );
}

/// Interpreters are read when first used (start-up only checks that the file is
/// there): one that is not what its pin says is refused then, and by `check`.
#[test]
fn an_interpreter_is_checked_against_its_pin_when_first_used_and_a_missing_one_at_load() {
    let bed = TestBed::new();
    let python = format!("component = \"{}\"", artifacts::PYTHON_COMPONENT);
    let wrong = "0".repeat(64);
    let pinned = manifest(&[(python.as_str(), &format!("{python}\nsha256 = \"{wrong}\""))]);
    let runtime = bed.runtime(&pinned).unwrap();
    let problems = runtime.check_interpreters().unwrap_err().to_string();
    assert!(problems.contains("interpreter `python`, field `sha256`"), "{problems}");
    assert!(problems.contains(&format!("the manifest pins sha256:{wrong}; refusing to load it")), "{problems}");
    let profile = runtime.profile(None).unwrap();
    let error = runtime.interpreter_for(Language::Python, profile).err().unwrap().to_string();
    assert!(error.contains(&format!("pins sha256:{wrong}")), "{error}");
    // The other interpreter is unaffected.
    assert!(runtime.interpreter_for(Language::Javascript, profile).is_ok());

    let missing = manifest(&[(artifacts::PYTHON_COMPONENT, "/nonexistent/python.wasm")]);
    let error = bed.runtime(&missing).err().unwrap().to_string();
    assert!(
        error.contains("interpreter `python`, field `component`: cannot read `/nonexistent/python.wasm`"),
        "{error}"
    );
}
