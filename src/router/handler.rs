//! What route handlers are and what they answer.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::graph::{Envelope, Graph, PathValue, Value};
use crate::path::PathSet;

use super::context::Context;
use super::request::{Call, Get, Set};

/// What a handler answers: path values, envelopes, a graph of values
/// and, for calls, invalidations. Build it from a `PathValue`, a
/// `Vec<PathValue>`, an iterator of them or an `Envelope`, or step by
/// step.
///
/// ```
/// use peregrine::router::Output;
/// use peregrine::path::PathSet;
///
/// let output = Output::new()
///     .value(PathSet::parse("myList.length")?, 6)
///     .invalidate(PathSet::parse("myList[5..10]")?);
/// assert_eq!(output.values().len(), 1);
/// # Ok::<(), peregrine::path::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    values: Vec<PathValue>,
    envelopes: Vec<Envelope>,
    graph: Graph,
    invalidated: Vec<PathSet>,
    /// Whether it answers every path it was asked (see
    /// [`Output::complete`]).
    complete: bool,
}

/// An [`Output`] taken apart, for the router to merge.
pub(crate) struct Parts {
    pub(crate) values: Vec<PathValue>,
    pub(crate) envelopes: Vec<Envelope>,
    pub(crate) graph: Graph,
    pub(crate) invalidated: Vec<PathSet>,
}

impl Output {
    /// An empty answer: every path asked for is left to be materialized
    /// as an empty atom.
    pub fn new() -> Output {
        Output::default()
    }

    /// The same answer with `value` at every path of `path`.
    pub fn value(mut self, path: impl Into<PathSet>, value: impl Into<Value>) -> Output {
        self.values.push(PathValue::new(path, value));
        self
    }

    /// An empty answer with room for `values` path values (at most 4096
    /// reserved up front), for handlers that know how many they will
    /// push: a hundred videos' titles grow a vector seven times otherwise.
    pub fn with_capacity(values: usize) -> Output {
        Output {
            values: Vec::with_capacity(values.min(4096)),
            ..Output::default()
        }
    }

    /// Adds a path value.
    pub fn push(&mut self, value: PathValue) {
        self.values.push(value);
    }

    /// The same answer with an envelope merged along its `paths` (or
    /// along the paths the handler was asked, when it has none).
    pub fn envelope(mut self, envelope: Envelope) -> Output {
        self.envelopes.push(envelope);
        self
    }

    /// The same answer with every value of `graph` at its path, as if
    /// each were a path value: for a handler that builds its answer as a
    /// tree (a branch per video, its fields in it), which costs no path
    /// per value and is merged into the response branch by branch.
    ///
    /// ```
    /// use peregrine::graph::Graph;
    /// use peregrine::router::Output;
    ///
    /// let graph = Graph::from_json(serde_json::json!({"videos": {"7": {"title": "Dark"}}}))?;
    /// let output = Output::new().graph(graph);
    /// assert!(output.values().is_empty());
    /// # Ok::<(), peregrine::graph::Error>(())
    /// ```
    pub fn graph(mut self, graph: Graph) -> Output {
        self.graph.merge(graph);
        self
    }

    /// The same answer telling clients that `path` is no longer valid
    /// (calls report it in `invalidated`).
    pub fn invalidate(mut self, path: impl Into<PathSet>) -> Output {
        self.invalidated.push(path.into());
        self
    }

    /// The path values.
    pub fn values(&self) -> &[PathValue] {
        &self.values
    }

    /// The same answer, known to answer every path the handler was asked
    /// (a route file's read that found every item and field): the router
    /// then skips the walk that looks for paths left unanswered when
    /// every answer of a request is so.
    pub(crate) fn complete(mut self) -> Output {
        self.complete = true;
        self
    }

    /// Whether it is known to answer every path it was asked.
    pub(crate) fn is_complete(&self) -> bool {
        self.complete
    }

    pub(crate) fn into_parts(self) -> Parts {
        Parts {
            values: self.values,
            envelopes: self.envelopes,
            graph: self.graph,
            invalidated: self.invalidated,
        }
    }
}

impl From<PathValue> for Output {
    fn from(value: PathValue) -> Output {
        Output {
            values: vec![value],
            ..Output::default()
        }
    }
}

impl From<Vec<PathValue>> for Output {
    fn from(values: Vec<PathValue>) -> Output {
        Output {
            values,
            ..Output::default()
        }
    }
}

impl From<Envelope> for Output {
    fn from(envelope: Envelope) -> Output {
        Output::new().envelope(envelope)
    }
}

impl FromIterator<PathValue> for Output {
    fn from_iter<I: IntoIterator<Item = PathValue>>(iter: I) -> Output {
        Output::from(iter.into_iter().collect::<Vec<_>>())
    }
}

/// Why a handler failed. In get and set it becomes the error value at
/// every path the handler was asked for; a failing call fails the request.
///
/// [`HandlerError::new`] says what clients see: `{"message": ...}`.
/// Any other error converts into it with `?`, but its text (which may
/// name internal hosts, as a connection error does) goes to the logs
/// only: clients see "the route could not answer". [`HandlerError::value`]
/// sets the error value itself (falcor's `JSONGraphError`).
pub struct HandlerError {
    value: Value,
    message: String,
    fault: Fault,
}

/// Whose fault a failure is, for a call (which fails the whole request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The route's or a backend's: 500.
    Server,
    /// The caller's arguments: 400.
    Request,
    /// No signed-in user: 401.
    SignIn,
}

impl HandlerError {
    /// A failure with this message, written as `{"$type": "error",
    /// "value": {"message": message}}`.
    pub fn new(message: impl Into<String>) -> HandlerError {
        let message = message.into();
        HandlerError {
            value: Value::error(message.clone()),
            message,
            fault: Fault::Server,
        }
    }

    /// A failure that is the caller's fault: a call given a wrong
    /// argument fails the request with a 4xx naming `message` (rather
    /// than the 500 of a call that failed on its own). In get and set it
    /// is an error value like any other.
    pub fn bad_request(message: impl Into<String>) -> HandlerError {
        HandlerError {
            fault: Fault::Request,
            ..HandlerError::new(message)
        }
    }

    /// A failure because no user is signed in: a call fails the request
    /// with a 401 naming `message`; in get and set it is an error value.
    /// The router answers it itself for routes declared
    /// [`signed_in`](super::Builder::signed_in).
    pub fn sign_in(message: impl Into<String>) -> HandlerError {
        HandlerError {
            fault: Fault::SignIn,
            ..HandlerError::new(message)
        }
    }

    /// Whether the caller is at fault ([`HandlerError::bad_request`]).
    pub fn is_bad_request(&self) -> bool {
        self.fault == Fault::Request
    }

    /// Whether a signed-in user is missing ([`HandlerError::sign_in`]).
    pub fn is_sign_in(&self) -> bool {
        self.fault == Fault::SignIn
    }

    /// A failure written as this exact value (an error sentinel, or any
    /// value that should stand at the paths instead).
    pub fn value(value: Value) -> HandlerError {
        HandlerError {
            message: value.to_string(),
            value,
            fault: Fault::Server,
        }
    }

    /// The message, for logs and call errors.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn into_value(self) -> Value {
        self.value
    }
}

impl<E: std::error::Error> From<E> for HandlerError {
    fn from(err: E) -> HandlerError {
        tracing::warn!(error = %err, "route handler failed");
        HandlerError::new("the route could not answer")
    }
}

impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HandlerError({})", self.message)
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What every handler's future resolves to once boxed.
pub(crate) type Answer = Result<Output, HandlerError>;

pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = Answer> + Send>>;

pub(crate) type GetHandler = Arc<dyn Fn(Get, Context) -> BoxFuture + Send + Sync>;
pub(crate) type SetHandler = Arc<dyn Fn(Set, Context) -> BoxFuture + Send + Sync>;
pub(crate) type CallHandler = Arc<dyn Fn(Call, Context) -> BoxFuture + Send + Sync>;

/// Boxes an async handler function whose answer converts into [`Output`].
pub(crate) fn boxed<R, H, F, O>(handler: H) -> Arc<dyn Fn(R, Context) -> BoxFuture + Send + Sync>
where
    H: Fn(R, Context) -> F + Send + Sync + 'static,
    F: Future<Output = Result<O, HandlerError>> + Send + 'static,
    O: Into<Output>,
{
    Arc::new(move |request, ctx| {
        let answer = handler(request, ctx);
        Box::pin(async move { answer.await.map(Into::into) })
    })
}
