//! From what a file says to the writes the server makes: a route's set
//! (`[routes.set]`) and the write of a call (`[routes.call]`), their
//! templates checked. Each check that fails answers an [`Error`] placed
//! in the file.

use std::time::Duration;

use http::Method;
use serde_json::Value as Json;
use toml::Spanned;

use super::declare::{environment, pointer, service, Known};
use super::error::{Error, ErrorKind, Source};
use super::fill::{Fill, Root};
use super::format;
use super::read::Read;
use super::write::{Accepts, Body, SetInner, Setter, Writer};

/// A route's set.
pub(super) fn setter(
    source: &Source,
    declared: &Spanned<format::Set>,
    known: &Known<'_>,
    read: &Read,
    ids: Option<&str>,
    id_at: Option<usize>,
    expires: Option<Duration>,
) -> Result<Setter, Error> {
    let set = declared.get_ref();
    let mut roots = vec![Root::Value];
    roots.extend(read.is_user().then_some(Root::User));
    roots.extend(ids.map(|_| Root::Id));
    let parts = WriteParts {
        service: &set.service,
        method: &set.method,
        path: &set.path,
        body: &set.body,
        default: Method::PUT,
    };
    let writer = writer(source, declared.span().start, &parts, known, &roots, ids)?;
    let kind = set.kind.as_ref().map(|kind| kind.get_ref().clone());
    if let (Some(text), Some(kind)) = (&kind, &set.kind) {
        if !["number", "integer", "string", "boolean"].contains(&text.as_str()) {
            return Err(source.error(
                ErrorKind::Value,
                kind.span().start,
                format!(
                    "`type` is \"number\", \"integer\", \"string\" or \"boolean\", not {text:?}"
                ),
            ));
        }
    }
    Ok(Setter::new(SetInner {
        writer,
        stored: set
            .stored
            .as_ref()
            .map(|_| pointer(source, &set.stored, "stored"))
            .transpose()?,
        accepts: Accepts {
            kind,
            min: set.min,
            max: set.max,
        },
        id_at,
        read: read.clone(),
        expires,
    }))
}

/// A write as a set or a call declares it; `default` is its method when
/// it names none.
pub(super) struct WriteParts<'a> {
    pub(super) service: &'a Spanned<String>,
    pub(super) method: &'a Option<Spanned<String>>,
    pub(super) path: &'a Spanned<String>,
    pub(super) body: &'a Option<toml::Value>,
    pub(super) default: Method,
}

/// The write `parts` declare, its templates reading `roots`.
pub(super) fn writer(
    source: &Source,
    at: usize,
    parts: &WriteParts<'_>,
    known: &Known<'_>,
    roots: &[Root],
    ids: Option<&str>,
) -> Result<Writer, Error> {
    let service = service(source, parts.service, known)?.clone();
    let method = match parts.method {
        None => parts.default.clone(),
        Some(method) => match method.get_ref().to_ascii_uppercase().as_str() {
            "PUT" => Method::PUT,
            "POST" => Method::POST,
            "PATCH" => Method::PATCH,
            "DELETE" => Method::DELETE,
            other => {
                return Err(source.error(
                    ErrorKind::Value,
                    method.span().start,
                    format!("`method` is PUT, POST, PATCH or DELETE, not {other:?}"),
                ))
            }
        },
    };
    let span = parts.path.span();
    let path = Fill::parse(parts.path.get_ref(), roots, ids)
        .map_err(|unknown| placeholder(source, &span, &unknown, roots, ids))?
        .expand_environment()
        .map_err(|unknown| environment(source, &span, &unknown))?;
    let body = parts
        .body
        .as_ref()
        .map(|body| body_of(body, roots, ids))
        .transpose()
        .map_err(|(kind, unknown)| {
            let message = match kind {
                ErrorKind::Environment => {
                    format!("the environment variable `{}` is not set", unknown.name)
                }
                _ => placeholder_message(&unknown.name, roots, ids),
            };
            source.error(kind, at, message)
        })?;
    Ok(Writer {
        service,
        method,
        path,
        body,
    })
}

/// A body's TOML as a template, each string's `${NAME}` expanded; the
/// kind and name of what cannot be.
fn body_of(
    value: &toml::Value,
    roots: &[Root],
    ids: Option<&str>,
) -> Result<Body, (ErrorKind, super::template::Unknown)> {
    Ok(match value {
        toml::Value::String(text) => Body::Fill(
            Fill::parse(text, roots, ids)
                .map_err(|unknown| (ErrorKind::Placeholder, unknown))?
                .expand_environment()
                .map_err(|unknown| (ErrorKind::Environment, unknown))?,
        ),
        toml::Value::Array(items) => Body::Array(
            items
                .iter()
                .map(|item| body_of(item, roots, ids))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(members) => Body::Object(
            members
                .iter()
                .map(|(name, member)| Ok((name.clone(), body_of(member, roots, ids)?)))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Integer(integer) => Body::Fixed(Json::from(*integer)),
        toml::Value::Float(float) => Body::Fixed(Json::from(*float)),
        toml::Value::Boolean(flag) => Body::Fixed(Json::Bool(*flag)),
        toml::Value::Datetime(datetime) => Body::Fixed(Json::String(datetime.to_string())),
    })
}

/// The refusal of a placeholder a write's template cannot have.
pub(super) fn placeholder(
    source: &Source,
    span: &std::ops::Range<usize>,
    unknown: &super::template::Unknown,
    roots: &[Root],
    ids: Option<&str>,
) -> Error {
    let message = placeholder_message(&unknown.name, roots, ids);
    source.error_in(ErrorKind::Placeholder, span, unknown.offset, message)
}

fn placeholder_message(name: &str, roots: &[Root], ids: Option<&str>) -> String {
    let can: Vec<String> = roots
        .iter()
        .map(|root| match root {
            Root::User => "`{user}`".to_string(),
            Root::Value => "`{value}`".to_string(),
            Root::Id => format!("`{{{}}}`", ids.unwrap_or("ids")),
            Root::Args => "`{args/N}`".to_string(),
            Root::Answer => "`{answer/...}`".to_string(),
        })
        .collect();
    format!(
        "`{{{name}}}` is not a placeholder here: it can have {}",
        can.join(", ")
    )
}
