//! A declared call (`myList.push`): its arguments checked, an item it
//! needs read, one write, the cached items it changed dropped (whatever
//! the write answered: one that failed may still have been stored), and
//! the path values and invalidations it answers, filled from its
//! arguments and the service's answer.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;

use crate::graph::{PathValue, Value};
use crate::loader::Scope;
use crate::path::{Key, KeySet, PathSet, Range};
use crate::router::{writes, Builder, Call, Context, HandlerError, Output};

use super::fill::{Fill, Values};
use super::read::{scope_of, Read};
use super::write::Writer;

/// A key of a returned or invalidated path.
#[derive(Debug, Clone)]
pub(super) enum KeyFill {
    Fixed(Key),
    Fill(Fill),
    /// `{ from, to }`, both ends included.
    Range(Fill, Fill),
}

/// A load's item a call reads or drops: the load, and the item's id
/// (none: the load's one item).
#[derive(Debug, Clone)]
pub(super) struct Item {
    pub(super) name: String,
    pub(super) read: Read,
    pub(super) id: Option<Fill>,
}

/// What a call declares, as [`Caller::new`] takes it.
#[derive(Debug)]
pub(super) struct Spec {
    pub(super) pattern: String,
    pub(super) user: bool,
    pub(super) writer: Writer,
    /// The types of its arguments, each with its words if given.
    pub(super) arguments: Vec<(String, Option<String>)>,
    pub(super) requires: Option<Item>,
    pub(super) drops: Vec<Item>,
    pub(super) returns: Vec<(Vec<KeyFill>, Fill)>,
    pub(super) invalidates: Vec<Vec<KeyFill>>,
    pub(super) expires: Option<Duration>,
}

/// A declared call, ready to be added to a router. Cloning is cheap.
#[derive(Debug, Clone)]
pub(super) struct Caller {
    inner: Arc<Spec>,
}

impl Caller {
    /// The call `spec` declares.
    pub(super) fn new(spec: Spec) -> Caller {
        Caller {
            inner: Arc::new(spec),
        }
    }

    /// The call's path.
    pub(super) fn pattern(&self) -> &str {
        &self.inner.pattern
    }

    /// The service it calls.
    pub(super) fn service(&self) -> &str {
        self.inner.writer.service.name()
    }

    /// Whether it is the signed-in user's.
    pub(super) fn is_user(&self) -> bool {
        self.inner.user
    }

    /// Adds the call to `builder` (signed in for a user's, so that
    /// without a user it is refused with 401).
    pub(super) fn add_to(&self, builder: Builder) -> Builder {
        let call = self.clone();
        let add = move |builder: Builder| {
            let pattern = call.inner.pattern.clone();
            builder.call(&pattern, move |request: Call, ctx: Context| {
                let call = call.clone();
                async move { call.answer(&request, &ctx).await }
            })
        };
        match self.inner.user {
            true => builder.signed_in(add),
            false => add(builder),
        }
    }

    async fn answer(&self, request: &Call, ctx: &Context) -> Result<Output, HandlerError> {
        let spec = &*self.inner;
        let scope = scope_of(spec.user, ctx.user())
            .ok_or_else(|| HandlerError::sign_in("sign in to call this"))?;
        let args = self.arguments(request.arguments())?;
        if let Some(item) = &spec.requires {
            self.require(item, &scope, &args).await?;
        }
        let call = self.clone();
        let (written_scope, written_args) = (scope.clone(), args.clone());
        // The write and what follows it run on if the request is dropped.
        let answer = writes::detached(async move {
            let values = Values {
                user: written_scope.user_id(),
                args: Some(&written_args),
                ..Values::default()
            };
            let answer = call.inner.writer.send(&values).await;
            for item in &call.inner.drops {
                let id = item
                    .id
                    .as_ref()
                    .and_then(|id| Key::from_json(&id.json(&values)?));
                let scope = scope_for(&item.read, &written_scope);
                item.read.invalidate(scope, id).await;
            }
            answer
        })
        .await?
        .map_err(|error| HandlerError::new(error.for_clients(self.service())))?;
        let values = Values {
            user: scope.user_id(),
            args: Some(&args),
            answer: Some(&answer),
            ..Values::default()
        };
        Ok(self.output(&values))
    }

    /// The arguments as sent, if they are what the call takes (a ref sent
    /// as a bare path made a ref); else the refusal.
    fn arguments(&self, sent: &[Json]) -> Result<Json, HandlerError> {
        let kinds = &self.inner.arguments;
        let checked: Option<Vec<Json>> = (sent.len() == kinds.len())
            .then(|| {
                kinds
                    .iter()
                    .zip(sent)
                    .map(|((kind, _), argument)| argument_of(kind, argument))
                    .collect()
            })
            .flatten();
        checked.map(Json::Array).ok_or_else(|| {
            let takes = match kinds.as_slice() {
                [] => "no arguments".to_string(),
                [one] => format!("one argument: {}", described(one)),
                many => format!(
                    "{} arguments: {}",
                    many.len(),
                    many.iter().map(described).collect::<Vec<_>>().join(", ")
                ),
            };
            let was = match sent {
                [] => "none".to_string(),
                [one] if kinds.len() == 1 => {
                    crate::excerpt::excerpt(&one.to_string(), 80).to_string()
                }
                many => many.len().to_string(),
            };
            HandlerError::bad_request(format!(
                "{} takes {takes}; it was sent {was}",
                self.inner.pattern
            ))
        })
    }

    /// Refuses the call when the item it requires does not exist.
    async fn require(&self, item: &Item, scope: &Scope, args: &Json) -> Result<(), HandlerError> {
        let values = Values {
            user: scope.user_id(),
            args: Some(args),
            ..Values::default()
        };
        let id = item
            .id
            .as_ref()
            .and_then(|id| Key::from_json(&id.json(&values)?));
        let found = item
            .read
            .load_one(scope_for(&item.read, scope), id.clone())
            .await
            .map_err(|error| HandlerError::new(error.for_clients(item.read.service().name())))?;
        match found {
            Some(_) => Ok(()),
            None => Err(HandlerError::bad_request(match id {
                Some(id) => format!("there is no {id} in `{}`", item.name),
                None => format!("`{}` has nothing", item.name),
            })),
        }
    }

    /// The path values and invalidations the call answers.
    fn output(&self, values: &Values<'_>) -> Output {
        let spec = &*self.inner;
        let mut output = Output::new();
        for (path, value) in &spec.returns {
            let (Some(path), Some(value)) = (
                path_of(path, values),
                value.json(values).and_then(|json| graph_value(&json)),
            ) else {
                continue;
            };
            let value = match spec.expires {
                Some(expires) => value.expires_in(expires),
                None => value,
            };
            output.push(PathValue::new(path, value));
        }
        for path in &spec.invalidates {
            if let Some(path) = path_of(path, values) {
                output = output.invalidate(path);
            }
        }
        output
    }
}

/// The scope a read's item is in, for a call in `scope`.
fn scope_for(read: &Read, scope: &Scope) -> Scope {
    match read.is_user() {
        true => scope.clone(),
        false => Scope::shared(),
    }
}

/// An argument in words, for a refusal.
fn described((kind, about): &(String, Option<String>)) -> String {
    if let Some(about) = about {
        return about.clone();
    }
    match kind.as_str() {
        "ref" => "a ref, {\"$type\": \"ref\", \"value\": [keys]}".to_string(),
        "integer" => "an integer".to_string(),
        other => format!("a {other}"),
    }
}

/// `argument` if it is of `kind`, a ref sent as a bare path made a ref.
fn argument_of(kind: &str, argument: &Json) -> Option<Json> {
    let fits = match kind {
        "ref" => {
            let path = match argument {
                Json::Object(object) if object.get("$type")?.as_str()? == "ref" => {
                    object.get("value")?
                }
                path => path,
            };
            let keys = path.as_array()?;
            let keys_only = keys.iter().all(|key| key.is_string() || key.is_i64());
            return keys_only.then(|| serde_json::json!({"$type": "ref", "value": keys}));
        }
        "integer" => {
            argument.is_i64()
                || argument
                    .as_str()
                    .is_some_and(|text| text.parse::<i64>().is_ok())
        }
        "number" => argument.is_number(),
        "string" => argument.is_string(),
        "boolean" => argument.is_boolean(),
        _ => true,
    };
    fits.then(|| match (kind, argument.as_str()) {
        ("integer", Some(text)) => text.parse::<i64>().map_or(Json::Null, Json::from),
        _ => argument.clone(),
    })
}

/// An integer, or a string of one.
fn integer(json: &Json) -> Option<i64> {
    json.as_i64().or_else(|| json.as_str()?.parse().ok())
}

/// A path of key fills, filled; none when a key reads nothing, or a
/// range is empty.
fn path_of(keys: &[KeyFill], values: &Values<'_>) -> Option<PathSet> {
    keys.iter()
        .map(|key| match key {
            KeyFill::Fixed(key) => Some(KeySet::Key(key.clone())),
            KeyFill::Fill(fill) => Key::from_json(&fill.json(values)?).map(KeySet::Key),
            KeyFill::Range(from, to) => {
                let from = integer(&from.json(values)?)?;
                let to = integer(&to.json(values)?)?;
                (from <= to).then(|| KeySet::from(Range::new(from, to)))
            }
        })
        .collect::<Option<Vec<_>>>()
        .map(PathSet::new)
}

/// A JSON value as a graph value: a JSON Graph sentinel (a ref, an atom)
/// or a plain value.
fn graph_value(json: &Json) -> Option<Value> {
    serde_json::from_value(json.clone()).ok()
}
