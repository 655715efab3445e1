//! The answer of a query, shaped straight from the validated document:
//! all root fields planned into one router request, then one walk over
//! the answered JSON Graph that writes the response's `data` as JSON
//! text, field by field in selection order, with no tree of values in
//! between (building one, serializing it and dropping it cost about a
//! tenth of a home query's CPU).
//!
//! This is how queries run. async-graphql still parses, validates and
//! limits them (and answers introspection and mutations through the
//! resolvers of `resolve.rs`), but executing a query field by field
//! through its resolvers built a future, a boxed value and a walk from
//! the graph's root for each of the home query's ~330 fields, as costly
//! as the routing and backend calls of the request itself
//! (docs/decisions/0013 has the figures).
//!
//! The rules are GraphQL's (spec §6.3 and §6.4): fields are grouped by
//! response key (fragments spread, `@skip` / `@include` applied), a
//! field's error is reported at its path with its location and the field
//! is null, and a null in a non-null place makes its parent null, up to
//! the nearest nullable one (the whole `data` at the root).

use std::cell::OnceCell;

use async_graphql::{Name, Positioned, ServerError};
use async_graphql_parser::types::{BaseType, Field as Selected, OperationDefinition};

use crate::graph::{Graph, Node};
use crate::path::{Key, PathSet};
use crate::router::{Context, Router};

use super::mapping::{is_list, is_scalar, named_type, Field, Mapping};
use super::plan::{fill, plan};
use super::prepared::Prepared;
use super::resolve::has_data;
use super::response::Written;
use super::selection::{Env, Group};

/// Answers the query `operation` of `prepared` for the request `ctx`.
pub(super) async fn answer(
    model: &Mapping,
    router: &Router,
    ctx: &Context,
    prepared: &Prepared,
    operation: &Positioned<OperationDefinition>,
) -> Written {
    let env = prepared.env(operation);
    let set = &operation.node.selection_set.node;
    let mut paths = Vec::new();
    let planned = plan(model, &env, "Query", set, &[], &mut paths);
    let graph = match planned {
        Err(message) => Err(message),
        Ok(()) if paths.is_empty() => Ok(Graph::new()),
        Ok(()) => router
            .get_answered(&paths, ctx)
            .await
            .map_err(|error| error.to_string()),
    };
    let mut shaper = Shaper {
        model,
        env,
        errors: Vec::new(),
        path: Vec::new(),
        out: Vec::with_capacity(4096),
    };
    let whole = match &graph {
        Ok(graph) => {
            let selected = shaper.select("Query", env.collect("Query", set));
            shaper.object("Query", &selected, graph, graph, None)
        }
        // Nothing was answered: each root field is that error.
        Err(message) => shaper.failed_roots(set, message),
    };
    if whole.is_err() {
        shaper.out.clear();
        shaper.out.extend_from_slice(b"null");
    }
    Written {
        data: shaper.out,
        errors: shaper.errors,
        extensions: Vec::new(),
    }
}

/// A null in a non-null place: the object being written is null too, up
/// to the nearest nullable place, which is written as null instead (the
/// error that caused it is already reported).
struct Bubble;

/// What the walk found at a field, before nulls are checked against its
/// type.
enum Found {
    /// A value, written.
    Written,
    /// Nothing, and no error said why (nothing was written).
    Nothing,
    /// Null because a non-null field under it was (its error is reported;
    /// what was written of it is to be taken back).
    Bubbled,
}

/// A response key of a selection on an object type, with the field of
/// the model it reads (`None`: `__typename`). One entry serves every
/// object of a list, so what it works out from the selection alone is
/// worked out once, on the first object.
struct Entry<'a> {
    group: Group<'a>,
    field: Option<&'a Field>,
    /// The selection under the field, on the field's type.
    inner: OnceCell<Vec<Entry<'a>>>,
    /// The field's path set relative to its object, arguments filled in
    /// (for the fields whose path is not known from the schema alone).
    relative: OnceCell<Result<PathSet, String>>,
}

impl<'a> Entry<'a> {
    fn new(group: Group<'a>, field: Option<&'a Field>) -> Entry<'a> {
        Entry {
            group,
            field,
            inner: OnceCell::new(),
            relative: OnceCell::new(),
        }
    }
}

/// The walk that writes the response's `data` as JSON text. A value is
/// written as it is found; where a non-null field turns out null, what
/// was written of its parent is cut back and `null` written instead.
struct Shaper<'a> {
    model: &'a Mapping,
    env: Env<'a>,
    errors: Vec<ServerError>,
    /// Where the walk is, for errors' paths (made into async-graphql's
    /// owned segments only when an error is reported).
    path: Vec<Segment<'a>>,
    /// The JSON text written so far.
    out: Vec<u8>,
}

/// A step of the walk: a response key or a list index.
#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(&'a Name),
    Index(usize),
}

impl<'a> Shaper<'a> {
    /// `groups` selected on `type_name`, each with its field, looked up
    /// once for all the objects of a list. Validation lets through only
    /// the type's own fields; anything else is left out.
    fn select(&self, type_name: &str, groups: Vec<Group<'a>>) -> Vec<Entry<'a>> {
        let model: &'a Mapping = self.model;
        groups
            .into_iter()
            .filter_map(|group| {
                let name = group.fields[0].node.name.node.as_str();
                if name == "__typename" {
                    return Some(Entry::new(group, None));
                }
                let field = model.field(type_name, name)?;
                Some(Entry::new(group, Some(field)))
            })
            .collect()
    }

    /// The fields of type `type_name` that `selected` select (one field
    /// selected twice brings both selections).
    fn groups(&self, type_name: &str, selected: &[&'a Positioned<Selected>]) -> Vec<Entry<'a>> {
        let mut groups = Vec::new();
        for field in selected {
            self.env
                .collect_into(type_name, &field.node.selection_set.node, &mut groups);
        }
        self.select(type_name, groups)
    }

    /// Writes the object of type `type_name` at `here` (standing at the
    /// key `at`) with the fields of `selected`; `Err` when a non-null
    /// field of it was null.
    fn object(
        &mut self,
        type_name: &str,
        selected: &[Entry<'a>],
        root: &Graph,
        here: &Graph,
        at: Option<&Key>,
    ) -> Result<(), Bubble> {
        self.out.push(b'{');
        for (index, entry) in selected.iter().enumerate() {
            let group = &entry.group;
            if index > 0 {
                self.out.push(b',');
            }
            self.out.push(b'"');
            self.raw(group.key);
            self.raw("\":");
            match entry.field {
                None => {
                    self.out.push(b'"');
                    self.raw(type_name);
                    self.out.push(b'"');
                }
                Some(field) => {
                    self.path.push(Segment::Key(group.key));
                    let written = self.field(field, entry, root, here, at);
                    self.path.pop();
                    written?;
                }
            }
        }
        self.out.push(b'}');
        Ok(())
    }

    /// Writes `field` (selected as `entry`) of the object at `here`, which
    /// stands at the key `at`.
    fn field(
        &mut self,
        field: &Field,
        entry: &Entry<'a>,
        root: &Graph,
        here: &Graph,
        at: Option<&Key>,
    ) -> Result<(), Bubble> {
        let selected = &entry.group.fields;
        let start = self.out.len();
        let found = if field.key {
            self.key(field, at)
        } else {
            self.find(field, entry, root, here)
        };
        let reported = match found {
            Ok(Found::Written) => return Ok(()),
            Ok(Found::Nothing) => false,
            Ok(Found::Bubbled) => true,
            Err(message) => {
                self.error(message, &selected[0].pos);
                true
            }
        };
        self.out.truncate(start);
        if field.ty.nullable {
            self.raw("null");
            return Ok(());
        }
        if !reported {
            self.error(
                format!(
                    "`{}` is non-null but nothing stands at its path in the graph",
                    field.name
                ),
                &selected[0].pos,
            );
        }
        Err(Bubble)
    }

    /// Writes what stands at `field`: a list of what its path set expands
    /// to, or the one thing at its path.
    fn find(
        &mut self,
        field: &Field,
        entry: &Entry<'a>,
        root: &Graph,
        here: &Graph,
    ) -> Result<Found, String> {
        let selected = &entry.group.fields;
        let type_name = named_type(&field.ty);
        let groups: &[Entry<'a>] = if is_scalar(type_name) {
            &[]
        } else {
            entry.inner.get_or_init(|| self.groups(type_name, selected))
        };
        if let (Some(keys), false) = (&field.keys, is_list(&field.ty)) {
            // Most fields (`title`): one path, known when the schema was read.
            return self.item(type_name, groups, root, here, (keys, false));
        }
        let env = self.env;
        let relative = entry.relative.get_or_init(|| {
            let args = |argument: &str| {
                env.argument(&selected[0].node, argument)
                    .or_else(|| field.default_of(argument))
            };
            fill(field, &args).map(PathSet::new)
        });
        let relative = relative.as_ref().map_err(Clone::clone)?;
        if let BaseType::List(inner) = &field.ty.base {
            let list = (relative, inner.nullable, field.keyed);
            return self.list(type_name, groups, root, here, list);
        }
        let mut paths = relative.expand();
        match (paths.next(), paths.next()) {
            (Some(keys), None) => self.item(type_name, groups, root, here, (&keys, field.keyed)),
            _ => Err(format!(
                "`{}` reads more than one path but is not a list",
                field.name
            )),
        }
    }

    /// Writes the list of what `relative`'s paths lead to from `here`,
    /// read as `type_name` (`keyed`: each path's last key names its
    /// object); an item that is null because a non-null field under it
    /// was is null in the list when `nullable`, else the list is.
    fn list(
        &mut self,
        type_name: &str,
        groups: &[Entry<'a>],
        root: &Graph,
        here: &Graph,
        (relative, nullable, keyed): (&PathSet, bool, bool),
    ) -> Result<Found, String> {
        self.out.push(b'[');
        let mut count = 0;
        for keys in relative.expand() {
            let mark = self.out.len();
            if count > 0 {
                self.out.push(b',');
            }
            let start = self.out.len();
            self.path.push(Segment::Index(count));
            let item = self.item(type_name, groups, root, here, (&keys, keyed));
            self.path.pop();
            match item? {
                Found::Written => count += 1,
                // What stands at nothing (past the end of a list) is
                // left out.
                Found::Nothing => self.out.truncate(mark),
                Found::Bubbled if nullable => {
                    self.out.truncate(start);
                    self.raw("null");
                    count += 1;
                }
                Found::Bubbled => return Ok(Found::Bubbled),
            }
        }
        self.out.push(b']');
        Ok(Found::Written)
    }

    /// Writes what stands at `keys` from `here`, read as `type_name` (an
    /// object with the fields of `selected`, or a scalar); an error value
    /// there is the field's error.
    fn item(
        &mut self,
        type_name: &str,
        selected: &[Entry<'a>],
        root: &Graph,
        here: &Graph,
        (keys, keyed): (&[Key], bool),
    ) -> Result<Found, String> {
        match step(root, here, keys) {
            // An object with nothing under it (an unknown id, past the
            // end of a list) is no object.
            (Some(node @ Node::Branch(branch)), at) if !is_scalar(type_name) => {
                if !has_data(node) {
                    return Ok(Found::Nothing);
                }
                // Not through a ref, an object's key is the argument
                // that named it, if one did (`videos[{id}]`).
                let at = at.or_else(|| keyed.then(|| keys.last()).flatten());
                Ok(match self.object(type_name, selected, root, branch, at) {
                    Ok(()) => Found::Written,
                    Err(Bubble) => Found::Bubbled,
                })
            }
            (Some(Node::Value(value)), _) => self.scalar(value),
            _ => Ok(Found::Nothing),
        }
    }
}

mod output;

use output::step;

#[cfg(test)]
mod tests;
