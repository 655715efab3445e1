//! The cases file: where it is, reading it, and what a case and the outcome
//! of its check are.
//!
//! A cases file that cannot be read is the one fatal error: the run stops
//! with a message naming the file. A single case that cannot be read is a
//! failed case, so one bad entry never hides the others.

use std::env;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// The environment variable naming another cases file to run.
pub(crate) const CASES_VARIABLE: &str = "PEREGRINE_CASES";

/// One conformance case, as the README's format describes it.
#[derive(Debug, Deserialize)]
pub(crate) struct Case {
    pub(crate) id: String,
    pub(crate) area: String,
    pub(crate) input: Value,
    pub(crate) expected: Value,
    /// Whether the case records a deliberate difference from falcor.
    #[serde(default)]
    pub(crate) difference: bool,
    /// Why `expected` was replaced by a correction (see `corrections`),
    /// if it was.
    #[serde(skip)]
    pub(crate) correction: Option<String>,
}

/// An element of the cases file that is not a case.
#[derive(Debug)]
pub(crate) struct Malformed {
    /// The element's `id` if it has a readable one, else its position.
    pub(crate) id: String,
    /// The element's `area` if it has a readable one.
    pub(crate) area: String,
    pub(crate) element: Value,
    pub(crate) problem: String,
}

/// What a case's `expected` asks for.
#[derive(Debug)]
pub(crate) enum Expected<'a> {
    /// `output`: this answer.
    Output(&'a Value),
    /// `error`: a failure; its value is falcor's message, for people.
    Error(&'a Value),
}

/// The outcome of checking one case.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The answer is right. A note, if any, is worth a look anyway (such as
    /// our message where a failure was expected).
    Passed { note: Option<String> },
    /// The answer is wrong, or the case could not be read: why, usually as
    /// a diff of expected against actual.
    Failed { diff: String },
    /// The part of the engine the case needs does not exist yet.
    #[allow(
        dead_code,
        reason = "every area of the README is built; kept for the next one"
    )]
    NotRun { why: String },
}

impl Outcome {
    /// A pass with nothing to add.
    pub(crate) fn passed() -> Outcome {
        Outcome::Passed { note: None }
    }

    /// A pass with a note.
    pub(crate) fn passed_with(note: impl Into<String>) -> Outcome {
        Outcome::Passed {
            note: Some(note.into()),
        }
    }

    /// A failure explained by `diff`.
    pub(crate) fn failed(diff: impl Into<String>) -> Outcome {
        Outcome::Failed { diff: diff.into() }
    }

    /// A case left for later.
    #[allow(
        dead_code,
        reason = "every area of the README is built; kept for the next one"
    )]
    pub(crate) fn not_run(why: impl Into<String>) -> Outcome {
        Outcome::NotRun { why: why.into() }
    }

    /// The outcome of a check that could stop early on a malformed case.
    pub(crate) fn from_check(checked: Result<Outcome, String>) -> Outcome {
        checked.unwrap_or_else(Outcome::failed)
    }
}

impl Expected<'_> {
    /// Whether falcor fails the case.
    pub(crate) fn fails(&self) -> bool {
        matches!(self, Expected::Error(_))
    }
}

impl Case {
    /// The case's `expected`, as an answer or a failure.
    pub(crate) fn expected(&self) -> Result<Expected<'_>, String> {
        let output = self.expected.get("output");
        let error = self.expected.get("error");
        match (output, error) {
            (Some(output), None) => Ok(Expected::Output(output)),
            (None, Some(error)) => Ok(Expected::Error(error)),
            _ => Err(String::from(
                "malformed case: `expected` must hold exactly one of `output` and `error`",
            )),
        }
    }

    /// The member `name` of the case's input.
    pub(crate) fn input_field(&self, name: &str) -> Result<&Value, String> {
        self.input
            .get(name)
            .ok_or_else(|| format!("malformed case: the input has no `{name}`"))
    }
}

/// Reads `value` as a `T`; `what` names it in the message if it is not one.
pub(crate) fn decode<T: DeserializeOwned>(value: &Value, what: &str) -> Result<T, String> {
    T::deserialize(value).map_err(|err| format!("cannot read {what}: {err}\n  {what}: {value}"))
}

/// Reads the case's input `value` as a `T`, as the engine reads what a
/// caller gives it. Where it refuses the input, that refusal is the
/// engine's answer, not a malformed case: `Err` holds the case's outcome,
/// a pass when falcor fails too (`falcor_fails`), else a failure.
pub(crate) fn input<T: DeserializeOwned>(
    value: &Value,
    what: &str,
    falcor_fails: bool,
) -> Result<T, Outcome> {
    decode(value, what).map_err(|why| match falcor_fails {
        true => Outcome::passed_with(format!("refused: {why}")),
        false => Outcome::failed(format!("ours refuses what falcor answers: {why}")),
    })
}

/// Where the cases come from: `PEREGRINE_CASES` if set, else the shared
/// Falcor cases beside the repository.
#[derive(Debug)]
pub(crate) struct Source {
    path: PathBuf,
}

impl Source {
    /// The file the environment asks for.
    pub(crate) fn from_env() -> Source {
        let path = match env::var_os(CASES_VARIABLE) {
            // Relative to the current directory, as a shell user expects;
            // made absolute so that messages say exactly which file.
            Some(named) => env::current_dir()
                .map(|dir| dir.join(&named))
                .unwrap_or_else(|_| PathBuf::from(named)),
            None => Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("shared")
                .join("conformance")
                .join("falcor-cases.json"),
        };
        // Without `..` where the file exists; as given where it does not,
        // so that the message names what was looked for.
        let path = fs::canonicalize(&path).unwrap_or(path);
        Source { path }
    }

    /// Every element of the file, read as a case where it is one.
    pub(crate) fn load(&self) -> Result<Vec<Result<Case, Malformed>>, String> {
        let text = fs::read_to_string(&self.path)
            .map_err(|err| format!("cannot read the cases file {self}: {err}"))?;
        let elements: Vec<Value> = serde_json::from_str(&text)
            .map_err(|err| format!("the cases file {self} is not a JSON array of cases: {err}"))?;
        Ok(elements.into_iter().enumerate().map(read_case).collect())
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())
    }
}

/// Reads the element at `index` as a case.
fn read_case((index, element): (usize, Value)) -> Result<Case, Malformed> {
    Case::deserialize(&element).map_err(|err| {
        let text = |name: &str| element.get(name).and_then(Value::as_str).map(String::from);
        Malformed {
            id: text("id").unwrap_or_else(|| format!("case #{index}")),
            area: text("area").unwrap_or_else(|| String::from("(no area)")),
            problem: format!("malformed case: {err}"),
            element,
        }
    })
}
