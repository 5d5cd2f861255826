//! Registered programs (`[program.NAME]`) and script interpreters
//! (`[interpreter.LANGUAGE]`): parsing and checking.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

use super::file::{InterpreterFile, ProgramFile};
use super::{Location, Problem, check_name, pin, resolve};

/// A language scripts can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Python (the subset pydantic's monty runs).
    Python,
    /// JavaScript (ECMAScript, as the Boa engine runs it).
    Javascript,
}

impl Language {
    /// Every language, in order.
    pub const ALL: [Self; 2] = [Self::Python, Self::Javascript];

    /// Its name in manifests and requests: `python`, `javascript`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Python => "python",
            Self::Javascript => "javascript",
        }
    }

    /// The language of a name (`python`, `py`, `javascript`, `js`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "python" | "py" => Some(Self::Python),
            "javascript" | "js" => Some(Self::Javascript),
            _ => None,
        }
    }

    /// The language of a file, by its extension (`.py`, `.js`, `.mjs`).
    pub fn of_file(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()? {
            "py" => Some(Self::Python),
            "js" | "mjs" => Some(Self::Javascript),
            _ => None,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The interpreter component that runs scripts in one language.
#[derive(Debug, Clone)]
pub struct InterpreterSpec {
    /// Its language.
    pub language: Language,
    /// Absolute path of the component.
    pub component: PathBuf,
    /// The pinned digest (lowercase hex), if any.
    pub sha256: Option<String>,
}

/// A program registered under a name (`[program.NAME]`).
#[derive(Debug, Clone)]
pub struct ProgramSpec {
    /// Its name.
    pub name: String,
    /// What it is.
    pub source: ProgramSource,
    /// The pinned digest of the file (lowercase hex), if any.
    pub sha256: Option<String>,
}

/// What a registered program is.
#[derive(Debug, Clone)]
pub enum ProgramSource {
    /// A component, at this absolute path.
    Component(PathBuf),
    /// A script in `language`, at this absolute path.
    Script {
        /// Its language (from the file's extension).
        language: Language,
        /// The file.
        path: PathBuf,
    },
}

impl ProgramSpec {
    /// The file the program is read from.
    pub fn path(&self) -> &Path {
        match &self.source {
            ProgramSource::Component(path) | ProgramSource::Script { path, .. } => path,
        }
    }
}

/// The interpreters a manifest declares, checked.
pub(super) fn interpreters(
    file: BTreeMap<Language, InterpreterFile>,
    base: &Path,
    problems: &mut Vec<Problem>,
) -> BTreeMap<Language, InterpreterSpec> {
    file.into_iter()
        .map(|(language, interpreter)| {
            let at = Location::Interpreter(language.name().to_owned());
            let sha256 = interpreter.sha256.as_deref().and_then(|text| pin(&at, text, problems));
            let spec = InterpreterSpec { language, component: resolve(base, &interpreter.component), sha256 };
            (language, spec)
        })
        .collect()
}

/// The registered programs a manifest declares, checked: exactly one of
/// `component` and `script`, a script's language known by its extension and its
/// interpreter declared.
pub(super) fn programs(
    file: BTreeMap<String, ProgramFile>,
    interpreters: &BTreeMap<Language, InterpreterSpec>,
    base: &Path,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, ProgramSpec> {
    let mut programs = BTreeMap::new();
    for (name, program) in file {
        let at = Location::Program(name.clone());
        check_name(&at, &name, problems);
        let sha256 = program.sha256.as_deref().and_then(|text| pin(&at, text, problems));
        let source = match (program.component, program.script) {
            (Some(component), None) => ProgramSource::Component(resolve(base, &component)),
            (None, Some(script)) => {
                let path = resolve(base, &script);
                let Some(language) = Language::of_file(&path) else {
                    problems.push(Problem::new(
                        &at,
                        "script",
                        format!(
                            "`{}` is not a `.py` or `.js` file; the extension names its language",
                            script.display()
                        ),
                    ));
                    continue;
                };
                if !interpreters.contains_key(&language) {
                    problems.push(Problem::new(
                        &at,
                        "script",
                        format!("it is {language}, and no [interpreter.{language}] is declared to run it"),
                    ));
                }
                ProgramSource::Script { language, path }
            }
            _ => {
                problems.push(Problem::new(&at, "", "give exactly one of `component` and `script`"));
                continue;
            }
        };
        programs.insert(name.clone(), ProgramSpec { name, source, sha256 });
    }
    programs
}
