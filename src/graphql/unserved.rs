//! The schema's agreement with its router: each field a query or a
//! mutation's read-back can read, checked against the routes' patterns
//! ([`Router::reach`]), without running anything.
//!
//! The walk starts at the root types (`Query`, then `Mutation`) at the
//! graph's root, and follows the types: each object type is checked at
//! each place it is reached at. A field's `@graph` path is appended to
//! its parent's place, arguments standing for some key of their type (an
//! `Int` for some integer, any other for some key). A scalar field (or a
//! list of scalars) is served when a get route's pattern ends exactly at
//! it; an object field when some route leads on from it (its own fields
//! say the rest). Past a route's end the place is what the route
//! answered, taken for a ref whose target only the data knows: there the
//! rest of the path is judged served when some route could serve it
//! wherever the ref points ([`Reach`]), so a field past a ref is reported
//! only when no route anywhere goes on with it. A field is reported
//! once, at the first place it is not served; mutations' writes (`set:`,
//! `call:`) are not checked.

use std::collections::{HashSet, VecDeque};
use std::fmt;

use async_graphql_value::ConstValue;

use crate::path::{Key, KeyOrRange, KeySet, Matcher, Pattern, Token, TokenKind};
use crate::router::{Reach, Router};

use super::mapping::{is_scalar, named_type, placeholders, Field, Mapping};
use super::plan::fill_path;
use super::sdl::Place;

/// A field of the schema that no route serves (see
/// [`GraphQl::unserved`](super::GraphQl::unserved)). Displayed as
/// ``"`Person.born`: `people[{id}].born` matches no route"``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unserved {
    field: String,
    path: String,
    place: Place,
    why: Why,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Why {
    /// No route serves the path; past the refs of these routes, if any.
    NoRoute { past: Vec<String> },
    /// The path cannot be read with any arguments.
    Path(String),
}

impl Unserved {
    /// The field, `Type.field`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The path it is read at from the graph's root, as the schema writes
    /// it (`people[{id}].born`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where the field is defined.
    pub fn place(&self) -> &Place {
        &self.place
    }
}

impl fmt::Display for Unserved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (field, path) = (&self.field, &self.path);
        match &self.why {
            Why::NoRoute { past } if past.is_empty() => {
                write!(f, "`{field}`: `{path}` matches no route")
            }
            Why::NoRoute { past } => {
                let routes: Vec<String> = past.iter().map(|route| format!("`{route}`")).collect();
                write!(
                    f,
                    "`{field}`: `{path}` matches no route, wherever the refs of {} point",
                    routes.join(", ")
                )
            }
            Why::Path(message) => {
                write!(f, "`{field}`: its path `{path}` cannot be read: {message}")
            }
        }
    }
}

/// The most (type, place) pairs checked: a schema whose types nest
/// through many places (two fields each leading back to their own type)
/// is checked at the first ones found, breadth first.
const MAX_PLACES: usize = 4096;

/// An object type at a place: the routes' view of it, and its path.
struct Visit<'m, 'r>(&'m str, Reach<'r>, String);

/// The fields of `model` that no route of `router` serves (see the
/// [module](self)), in the order found.
pub(super) fn unserved(model: &Mapping, router: &Router) -> Vec<Unserved> {
    let root = router.reach(&Pattern::new(Vec::new()));
    let mut queue: VecDeque<Visit<'_, '_>> = ["Query", "Mutation"]
        .into_iter()
        .filter(|name| model.objects.contains_key(*name))
        .map(|type_name| Visit(type_name, root.clone(), String::new()))
        .collect();
    let mut seen: HashSet<(&str, Reach<'_>)> = HashSet::new();
    let mut found: Vec<Unserved> = Vec::new();
    while let Some(Visit(type_name, reach, parent)) = queue.pop_front() {
        let Some(object) = model.objects.get(type_name) else {
            continue;
        };
        for field in &object.fields {
            let name = format!("{type_name}.{}", field.name);
            if found.iter().any(|unserved| unserved.field == name) {
                continue;
            }
            if field.key {
                // Read from where its object stands: no path to serve.
                continue;
            }
            let path = join(&parent, &field.path);
            let reaches = match check(field, &reach) {
                Ok(reaches) => reaches,
                Err(why) => {
                    let place = field.place.clone();
                    found.push(Unserved {
                        field: name,
                        path,
                        place,
                        why,
                    });
                    continue;
                }
            };
            let child = named_type(&field.ty);
            for reach in reaches {
                if seen.len() < MAX_PLACES && seen.insert((child, reach.clone())) {
                    queue.push_back(Visit(child, reach, path.clone()));
                }
            }
        }
    }
    found
}

/// Where `field` leads from `parent`: for an object, the reaches of its
/// places; for a scalar, none (it is served). Why not, if it is not.
fn check<'r>(field: &Field, parent: &Reach<'r>) -> Result<Vec<Reach<'r>>, Why> {
    let object = !is_scalar(named_type(&field.ty));
    let mut reaches = Vec::new();
    for pattern in patterns(field).map_err(Why::Path)? {
        let reach = parent.then(&pattern);
        let served = if object {
            !reach.is_nowhere()
        } else {
            reach.is_served()
        };
        if !served {
            let past = reach.past().into_iter().map(str::to_owned).collect();
            return Err(Why::NoRoute { past });
        }
        if object {
            reaches.push(reach);
        }
    }
    Ok(reaches)
}

/// Integer arguments stand in a path as integers from this one on (one
/// per placeholder, in order, so that `{from}..{to}` is a range), which
/// no request asks for.
const INTEGER: i64 = 1 << 60;
/// Other arguments stand as this text with their number.
const TEXT: &str = "__peregrine_argument_";
/// The most patterns a path's listed keys expand to (each checked).
const MAX_PATTERNS: usize = 64;

/// The patterns of `field`'s path, relative to its parent: arguments as
/// tokens (`{integers}`, `{ranges}`, `{keys}`), and each key of a list of
/// keys in a pattern of its own (each must be served).
fn patterns(field: &Field) -> Result<Vec<Pattern>, String> {
    let names = placeholders(&field.path);
    let value = |name: &str| {
        let index = names.iter().position(|known| known == name)?;
        let argument = field.arguments.iter().find(|a| a.name == name)?;
        Some(match named_type(&argument.ty) {
            "Int" => ConstValue::Number((INTEGER + i64::try_from(index).ok()?).into()),
            _ => ConstValue::String(format!("{TEXT}{index}")),
        })
    };
    let key_sets = fill_path(&field.path, &value)?;
    let mut patterns = vec![Vec::new()];
    for set in key_sets {
        let choices = matchers(set);
        patterns = patterns
            .iter()
            .flat_map(|pattern| {
                choices.iter().map(move |choice| {
                    let mut longer: Vec<Matcher> = pattern.clone();
                    longer.push(choice.clone());
                    longer
                })
            })
            .take(MAX_PATTERNS)
            .collect();
    }
    Ok(patterns.into_iter().map(Pattern::new).collect())
}

/// What one key set of a filled path stands for: a token where an
/// argument is, else each of its keys.
fn matchers(set: KeySet) -> Vec<Matcher> {
    let token = |kind| vec![Matcher::Token(Token { kind, name: None })];
    let integer = |n: i64| n >= INTEGER;
    let text = |key: &Key| key.as_str().is_some_and(|text| text.starts_with(TEXT));
    match set {
        KeySet::Key(key) if key.as_integer().is_some_and(integer) => token(TokenKind::Integers),
        KeySet::Key(key) if text(&key) => token(TokenKind::Keys),
        KeySet::Range(range) if integer(range.from) || integer(range.to) => {
            token(TokenKind::Ranges)
        }
        KeySet::List(items) => {
            let argument = items.iter().any(|item| match item {
                KeyOrRange::Key(key) => text(key) || key.as_integer().is_some_and(integer),
                KeyOrRange::Range(range) => integer(range.from) || integer(range.to),
            });
            if argument {
                return token(TokenKind::Keys);
            }
            items
                .into_iter()
                .map(|item| {
                    Matcher::KeySet(match item {
                        KeyOrRange::Key(key) => KeySet::Key(key),
                        KeyOrRange::Range(range) => KeySet::Range(range),
                    })
                })
                .collect()
        }
        set => vec![Matcher::KeySet(set)],
    }
}

/// A field's path template after its parent's place, as the schema
/// writes them.
fn join(parent: &str, template: &str) -> String {
    if parent.is_empty() || template.starts_with('[') {
        format!("{parent}{template}")
    } else {
        format!("{parent}.{template}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::sdl::Sdl;
    use super::*;
    use crate::router::{HandlerError, Output};

    /// Rows that are refs to lists, lists whose items are refs to videos,
    /// videos' titles, people's names and friends (refs to people).
    fn router() -> Router {
        let answer = |_request, _ctx| async { Ok::<_, HandlerError>(Output::new()) };
        [
            "genreLists[{integers:indices}]",
            "lists[{keys:ids}].name",
            "lists[{keys:ids}][{integers:indices}]",
            "videos[{integers:ids}]['title','year']",
            "people[{integers:ids}].name",
            "people[{integers:ids}].friends[{integers:indices}]",
        ]
        .into_iter()
        .fold(Router::builder(), |builder, pattern| {
            builder.get(pattern, answer)
        })
        .build()
        .expect("the routes build")
    }

    const BASE: &str = r#"
directive @graph(path: String!) on FIELD_DEFINITION
type Query {
  genreLists(from: Int! = 0, to: Int! = 9): [List!]! @graph(path: "genreLists[{from}..{to}]")
  list(id: String!): List @graph(path: "lists[{id}]")
  video(id: Int!): Video @graph(path: "videos[{id}]")
}
type List {
  name: String @graph(path: "name")
  videos(from: Int! = 0, to: Int! = 9): [Video!]! @graph(path: "[{from}..{to}]")
}
type Video {
  title: String @graph(path: "title")
  year: Int @graph(path: "year")
}
"#;

    /// What no route serves of the base schema and `file`, as displayed
    /// after their place.
    fn unserved_of(file: &str) -> Vec<String> {
        let sources = [
            Sdl::new("base.graphql", BASE),
            Sdl::new("team.graphql", file),
        ];
        let model = Mapping::parse(&sources).expect("the schema reads");
        unserved(&model, &router())
            .iter()
            .map(|unserved| format!("{}: {unserved}", unserved.place()))
            .collect()
    }

    #[test]
    fn every_field_of_a_schema_the_routes_serve_is_served_through_refs_too() {
        assert_eq!(unserved_of(""), Vec::<String>::new());
    }

    #[test]
    fn a_field_no_route_serves_is_reported_once_at_its_place_with_its_path() {
        let file = "extend type Query {\n  person(id: Int!): Person @graph(path: \"people[{id}]\")\n}\ntype Person {\n  name: String @graph(path: \"name\")\n  born: Int @graph(path: \"born\")\n}\n";
        assert_eq!(
            unserved_of(file),
            ["team.graphql:6:3: `Person.born`: `people[{id}].born` matches no route"]
        );
    }

    #[test]
    fn past_a_ref_a_field_is_reported_when_no_route_anywhere_goes_on_with_it() {
        // `genreLists[i]` is a ref: `name` is served after it (lists have
        // names), `nmae` by nothing.
        let file = "extend type List {\n  nmae: String @graph(path: \"nmae\")\n}\nextend type Video {\n  rating: Float @graph(path: \"rating\")\n}\n";
        assert_eq!(
            unserved_of(file),
            [
                "team.graphql:2:3: `List.nmae`: `genreLists[{from}..{to}].nmae` matches no route, wherever the refs of `genreLists[{integers:indices}]` point",
                // At the first place it is not served: `video(id:)`'s.
                "team.graphql:5:3: `Video.rating`: `videos[{id}].rating` matches no route",
            ]
        );
        // Reached only through refs, a video's rating is judged past them
        // (the message names the first).
        let base = BASE.replace(
            "  video(id: Int!): Video @graph(path: \"videos[{id}]\")\n",
            "",
        );
        let sources = [
            Sdl::new("base.graphql", base),
            Sdl::new(
                "team.graphql",
                "extend type Video {\n  rating: Float @graph(path: \"rating\")\n}\n",
            ),
        ];
        let model = Mapping::parse(&sources).expect("the schema reads");
        let found: Vec<String> = unserved(&model, &router())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            ["`Video.rating`: `genreLists[{from}..{to}][{from}..{to}].rating` matches no route, wherever the refs of `genreLists[{integers:indices}]` point"]
        );
    }

    #[test]
    fn an_object_no_route_leads_to_is_reported_and_not_its_fields() {
        let file = "extend type Query {\n  shelf: Shelf @graph(path: \"shelves.mine\")\n}\ntype Shelf {\n  name: String @graph(path: \"name\")\n}\n";
        assert_eq!(
            unserved_of(file),
            ["team.graphql:2:3: `Query.shelf`: `shelves.mine` matches no route"]
        );
    }

    #[test]
    fn types_that_lead_back_to_themselves_are_checked_and_the_walk_ends() {
        let file = "extend type Query {\n  person(id: Int!): Person @graph(path: \"people[{id}]\")\n}\ntype Person {\n  name: String @graph(path: \"name\")\n  friends(from: Int! = 0, to: Int! = 9): [Person!]! @graph(path: \"friends[{from}..{to}]\")\n  nick: String @graph(path: \"nick\")\n}\n";
        assert_eq!(
            unserved_of(file),
            ["team.graphql:7:3: `Person.nick`: `people[{id}].nick` matches no route"]
        );
    }

    #[test]
    fn each_listed_key_of_a_path_must_be_served() {
        let file = "extend type Video {\n  both: [String] @graph(path: \"['title','year']\")\n  some: [String] @graph(path: \"['title','cast']\")\n}\n";
        let found = unserved_of(file);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("team.graphql:3:3: `Video.some`: "),
            "{found:?}"
        );
    }
}
