//! Falcor's wire format: decoding a `/model.json` request into a router
//! operation, as falcor-express reads them.
//!
//! Parameters come from the query string, or for POST from the body: a
//! form (`application/x-www-form-urlencoded`, what falcor-http-datasource
//! sends) or a JSON object with the same fields. `paths`, `jsonGraph`,
//! `callPath`, `arguments` and `pathSuffixes` are JSON (in a JSON body
//! they may also be JSON-encoded strings, as in a form); `method` is
//! `get`, `set` or `call`. Where falcor-express spreads a string in
//! `paths` into one key per character, a string here is path syntax.

use serde_json::Value as Json;

use crate::excerpt::excerpt;
use crate::graph::Envelope;
use crate::path::PathSet;

use super::error::{Error, ErrorKind};

mod members;

use members::Members;

/// A decoded request: what to ask the router.
#[derive(Debug)]
pub(crate) enum Operation {
    Get {
        paths: Vec<PathSet>,
    },
    Set {
        envelope: Envelope,
    },
    Call {
        call_path: PathSet,
        arguments: Vec<Json>,
        path_suffixes: Vec<PathSet>,
        paths: Vec<PathSet>,
    },
}

impl Operation {
    /// The method's name, for logs and metrics.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Operation::Get { .. } => "get",
            Operation::Set { .. } => "set",
            Operation::Call { .. } => "call",
        }
    }
}

/// The raw parameters of a request, each either as text (query string,
/// form) or as JSON (a JSON body).
#[derive(Debug, Default)]
pub(crate) struct Params {
    fields: Vec<(String, Json)>,
}

impl Params {
    /// Parameters of a query string or a form body. Unlike browsers'
    /// lenient decoding, a `%` that is not a percent-escape and escapes
    /// that decode to invalid UTF-8 are refused: the text would otherwise
    /// change silently (`%FF` into U+FFFD).
    pub(crate) fn from_form(text: &str) -> Result<Params, Error> {
        let mut fields = Vec::new();
        for pair in text.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = percent_decode(name, "a parameter name")?;
            let value = percent_decode(value, &format!("the `{name}` parameter"))?;
            fields.push((name, Json::String(value)));
        }
        Params::new(fields)
    }

    /// Parameters of a JSON object body.
    pub(crate) fn from_json(body: &[u8]) -> Result<Params, Error> {
        // Members in order and duplicates kept, so that a member sent
        // twice is refused rather than silently overwritten.
        let fields = match serde_json::from_slice::<Members>(body) {
            Ok(Members::Object(fields)) => fields,
            Ok(Members::Other(other)) => {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    format!(
                        "a JSON request body is an object of parameters, not {}",
                        describe(&other)
                    ),
                ))
            }
            Err(err) => {
                return Err(Error::new(
                    ErrorKind::InvalidJson,
                    format!("the request body is not valid JSON: {err}"),
                ))
            }
        };
        Params::new(fields)
    }

    /// Parameters of these fields, refusing a parameter sent twice: which
    /// one to read would be a guess.
    fn new(fields: Vec<(String, Json)>) -> Result<Params, Error> {
        for (i, (name, _)) in fields.iter().enumerate() {
            let known = PARAMETERS.contains(&name.as_str());
            if known && fields[..i].iter().any(|(earlier, _)| earlier == name) {
                return Err(Error::new(
                    ErrorKind::DuplicateParameter,
                    format!("the `{name}` parameter is sent twice: send it once"),
                ));
            }
        }
        Ok(Params { fields })
    }

    /// Whether the parameters ask for a trace (`trace=1` or `true`).
    pub(crate) fn wants_trace(&self) -> bool {
        match self.get("trace") {
            Some(Json::String(text)) => text == "1" || text == "true",
            Some(Json::Bool(yes)) => *yes,
            Some(Json::Number(n)) => n.as_u64() == Some(1),
            _ => false,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    fn get(&self, name: &str) -> Option<&Json> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// A JSON parameter: JSON as sent in a JSON body, or text holding JSON.
    /// An empty text counts as absent, as falcor-express reads it.
    fn json(&self, name: &str) -> Result<Option<Json>, Error> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::String(text)) if text.is_empty() => Ok(None),
            Some(Json::String(text)) => match serde_json::from_str(text) {
                Ok(json) => Ok(Some(json)),
                // A bare path in path syntax, for people typing URLs;
                // one starting with an indexer (`[0..9].title`, as path
                // suffixes do) only if it parses, as it may be broken JSON.
                Err(_) if is_path_parameter(name) && is_path_syntax(text) => {
                    Ok(Some(Json::String(text.clone())))
                }
                Err(err) => Err(Error::new(
                    ErrorKind::InvalidJson,
                    format!("the `{name}` parameter is not valid JSON: {err}"),
                )),
            },
            Some(json) => Ok(Some(json.clone())),
        }
    }

    /// A hint for a JSON body read as a form (sent without a content
    /// type, or as a form): its one parameter name is the JSON text.
    fn json_as_form_hint(&self) -> &'static str {
        let looks_like_json = self
            .fields
            .iter()
            .any(|(name, _)| name.trim_start().starts_with(['{', '[']));
        if looks_like_json {
            " (the body looks like JSON but was read as a form: send JSON with the content type \
             application/json)"
        } else {
            ""
        }
    }

    /// Decodes the parameters into a router operation.
    pub(crate) fn operation(&self) -> Result<Operation, Error> {
        if self.is_empty() {
            return Err(Error::new(ErrorKind::InvalidRequest,
                "the request has no parameters: send `method` (get, set or call) and its parameters, \
                 e.g. ?method=get&paths=[[\"genreLists\",0,\"name\"]]",
            ));
        }
        let method = match self.get("method") {
            Some(Json::String(method)) if !method.is_empty() => method.as_str(),
            Some(Json::String(_)) | None => {
                return Err(Error::new(
                    ErrorKind::MethodMissing,
                    format!(
                        "the request has no `method`: expected get, set or call{}",
                        self.json_as_form_hint()
                    ),
                ))
            }
            Some(other) => {
                return Err(Error::new(
                    ErrorKind::MethodUnknown,
                    format!(
                        "`method` must be a string (get, set or call), not {}",
                        describe(other)
                    ),
                ))
            }
        };
        match method {
            "get" => Ok(Operation::Get {
                paths: self
                    .path_sets("paths")?
                    .ok_or_else(|| missing("get", "paths"))?,
            }),
            "set" => self.set(),
            "call" => self.call(),
            other => Err(Error::new(
                ErrorKind::MethodUnknown,
                format!("unknown method {other:?}: expected get, set or call"),
            )),
        }
    }

    /// A set: its `jsonGraph` envelope.
    fn set(&self) -> Result<Operation, Error> {
        let json = self
            .json("jsonGraph")?
            .ok_or_else(|| missing("set", "jsonGraph"))?;
        let envelope: Envelope = serde_json::from_value(json).map_err(|err| {
            Error::new(ErrorKind::InvalidJsonGraph,
                format!("the `jsonGraph` parameter is not a JSON Graph envelope {{\"jsonGraph\": ..., \"paths\": [...]}}: {err}"),
            )
        })?;
        Ok(Operation::Set { envelope })
    }

    /// A call: its `callPath`, `arguments` (one argument alone is a list
    /// of one), `pathSuffixes` and `paths`.
    fn call(&self) -> Result<Operation, Error> {
        let call_path = match self.json("callPath")? {
            Some(json) => path_set("callPath", json)?,
            None => return Err(missing("call", "callPath")),
        };
        let arguments = match self.json("arguments")? {
            Some(Json::Array(arguments)) => arguments,
            Some(argument) => vec![argument],
            None => Vec::new(),
        };
        Ok(Operation::Call {
            call_path,
            arguments,
            path_suffixes: self.path_sets("pathSuffixes")?.unwrap_or_default(),
            paths: self.path_sets("paths")?.unwrap_or_default(),
        })
    }

    /// A parameter holding a list of path sets, each a JSON array or a
    /// string of path syntax.
    fn path_sets(&self, name: &str) -> Result<Option<Vec<PathSet>>, Error> {
        let Some(json) = self.json(name)? else {
            return Ok(None);
        };
        let items = match json {
            Json::Array(items) => items,
            // One path in path syntax.
            text @ Json::String(_) => vec![text],
            other => {
                return Err(Error::new(
                    ErrorKind::InvalidPath,
                    format!("`{name}` must be a list of paths, not {}", describe(&other)),
                ))
            }
        };
        // `[["a","b"]]` is a list of paths; falcor-express also takes
        // `["a","b"]`, but as one path per key. Strings are path syntax.
        let many = items.len() > 1;
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                // Name the path set among several: `paths[2]`.
                let place = if many {
                    format!("{name}[{i}]")
                } else {
                    name.to_owned()
                };
                path_set(&place, item)
            })
            .collect::<Result<_, _>>()
            .map(Some)
    }
}

/// The parameters of the wire format.
const PARAMETERS: [&str; 7] = [
    "trace",
    "method",
    "paths",
    "jsonGraph",
    "callPath",
    "arguments",
    "pathSuffixes",
];

/// Decodes `+` and the percent-escapes of one name or value of a form;
/// `place` names it in errors ("the `paths` parameter").
fn percent_decode(text: &str, place: &str) -> Result<String, Error> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => decoded.push(b' '),
            b'%' => {
                let escaped = bytes
                    .get(i + 1..i + 3)
                    .and_then(|pair| Some(hex(pair[0])? * 16 + hex(pair[1])?));
                let Some(byte) = escaped else {
                    let end = (i + 3).min(bytes.len());
                    let shown = String::from_utf8_lossy(&bytes[i..end]);
                    return Err(Error::new(
                        ErrorKind::InvalidEncoding,
                        format!(
                            "{place} is not valid URL encoding: `{shown}` at byte {i} is not a \
                             percent-escape (`%` and two hexadecimal digits); write `%` itself \
                             as `%25`"
                        ),
                    ));
                };
                decoded.push(byte);
                i += 2;
            }
            other => decoded.push(other),
        }
        i += 1;
    }
    String::from_utf8(decoded).map_err(|err| {
        Error::new(
            ErrorKind::InvalidEncoding,
            format!(
                "{place} is not UTF-8 once percent-decoded: the bytes after the first {} are \
                 not a UTF-8 character",
                err.utf8_error().valid_up_to()
            ),
        )
    })
}

/// The value of one hexadecimal digit.
fn hex(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

/// Whether text that is not JSON is to be read as path syntax.
fn is_path_syntax(text: &str) -> bool {
    let text = text.trim_start();
    if let Some(indexer) = text.strip_prefix('[') {
        // `[[`, `["` and `[{` open JSON: a typo there is a JSON error.
        !indexer.trim_start().starts_with(['[', '{', '"']) && PathSet::parse(text).is_ok()
    } else {
        !text.starts_with(['{', '"'])
    }
}

fn is_path_parameter(name: &str) -> bool {
    matches!(name, "paths" | "pathSuffixes" | "callPath")
}

/// One path set: a JSON array of key sets, or path syntax.
fn path_set(name: &str, json: Json) -> Result<PathSet, Error> {
    match json {
        Json::String(text) => PathSet::parse(&text)
            .map_err(|err| Error::new(ErrorKind::InvalidPath, format!("in `{name}`: {err}"))),
        json @ Json::Array(_) => serde_json::from_value(json).map_err(|err| {
            Error::new(
                ErrorKind::InvalidPath,
                format!("in `{name}`: not a path set: {err}"),
            )
        }),
        other => Err(Error::new(
            ErrorKind::InvalidPath,
            format!(
                "in `{name}`: a path is an array of keys or a string of path syntax, not {}",
                describe(&other)
            ),
        )),
    }
}

fn missing(method: &str, name: &str) -> Error {
    Error::new(
        ErrorKind::ParameterMissing,
        format!("method={method} needs the `{name}` parameter"),
    )
}

fn describe(json: &Json) -> String {
    let text = json.to_string();
    let what = crate::graph::kind_of(json);
    format!("{what} ({})", excerpt(&text, 40))
}
