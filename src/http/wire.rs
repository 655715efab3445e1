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

use crate::graph::Envelope;
use crate::path::PathSet;

use super::error::Error;

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
    /// Parameters of a query string or a form body.
    pub(crate) fn from_form(text: &str) -> Result<Params, Error> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(text).map_err(|err| {
            Error::bad_request(
                "invalid_encoding",
                format!("the parameters are not valid URL encoding: {err}"),
            )
        })?;
        Ok(Params {
            fields: pairs
                .into_iter()
                .map(|(k, v)| (k, Json::String(v)))
                .collect(),
        })
    }

    /// Parameters of a JSON object body.
    pub(crate) fn from_json(body: &[u8]) -> Result<Params, Error> {
        let json: Json = serde_json::from_slice(body).map_err(|err| {
            Error::bad_request(
                "invalid_json",
                format!("the request body is not valid JSON: {err}"),
            )
        })?;
        match json {
            Json::Object(map) => Ok(Params {
                fields: map.into_iter().collect(),
            }),
            other => Err(Error::bad_request(
                "invalid_request",
                format!(
                    "a JSON request body is an object of parameters, not {}",
                    describe(&other)
                ),
            )),
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
                // A bare path in path syntax, for people typing URLs.
                Err(_)
                    if is_path_parameter(name)
                        && !text.trim_start().starts_with(['[', '{', '"']) =>
                {
                    Ok(Some(Json::String(text.clone())))
                }
                Err(err) => Err(Error::bad_request(
                    "invalid_json",
                    format!("the `{name}` parameter is not valid JSON: {err}"),
                )),
            },
            Some(json) => Ok(Some(json.clone())),
        }
    }

    /// Decodes the parameters into a router operation.
    pub(crate) fn operation(&self) -> Result<Operation, Error> {
        if self.is_empty() {
            return Err(Error::bad_request(
                "invalid_request",
                "the request has no parameters: send `method` (get, set or call) and its parameters, \
                 e.g. ?method=get&paths=[[\"genreLists\",0,\"name\"]]",
            ));
        }
        let method = match self.get("method") {
            Some(Json::String(method)) if !method.is_empty() => method.as_str(),
            Some(Json::String(_)) | None => {
                return Err(Error::bad_request(
                    "method_missing",
                    "the request has no `method`: expected get, set or call",
                ))
            }
            Some(other) => {
                return Err(Error::bad_request(
                    "method_unknown",
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
            "set" => {
                let json = self
                    .json("jsonGraph")?
                    .ok_or_else(|| missing("set", "jsonGraph"))?;
                let envelope: Envelope = serde_json::from_value(json).map_err(|err| {
                    Error::bad_request(
                        "invalid_json_graph",
                        format!("the `jsonGraph` parameter is not a JSON Graph envelope {{\"jsonGraph\": ..., \"paths\": [...]}}: {err}"),
                    )
                })?;
                Ok(Operation::Set { envelope })
            }
            "call" => {
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
            other => Err(Error::bad_request(
                "method_unknown",
                format!("unknown method {other:?}: expected get, set or call"),
            )),
        }
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
                return Err(Error::bad_request(
                    "invalid_path",
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

fn is_path_parameter(name: &str) -> bool {
    matches!(name, "paths" | "pathSuffixes" | "callPath")
}

/// One path set: a JSON array of key sets, or path syntax.
fn path_set(name: &str, json: Json) -> Result<PathSet, Error> {
    match json {
        Json::String(text) => PathSet::parse(&text)
            .map_err(|err| Error::bad_request("invalid_path", format!("in `{name}`: {err}"))),
        json @ Json::Array(_) => serde_json::from_value(json).map_err(|err| {
            Error::bad_request(
                "invalid_path",
                format!("in `{name}`: not a path set: {err}"),
            )
        }),
        other => Err(Error::bad_request(
            "invalid_path",
            format!(
                "in `{name}`: a path is an array of keys or a string of path syntax, not {}",
                describe(&other)
            ),
        )),
    }
}

fn missing(method: &str, name: &str) -> Error {
    Error::bad_request(
        "parameter_missing",
        format!("method={method} needs the `{name}` parameter"),
    )
}

fn describe(json: &Json) -> String {
    let text = json.to_string();
    let short: String = text.chars().take(40).collect();
    let what = crate::graph::kind_of(json);
    if short.len() < text.len() {
        format!("{what} ({short}...)")
    } else {
        format!("{what} ({short})")
    }
}
