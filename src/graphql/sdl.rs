//! SDL sources: a schema written in several parts (the server's own,
//! then a team's files), read into one list of object types. A part adds
//! types of its own and fields to the types before it with `extend type
//! Query { ... }`; a type defined twice, a field defined twice, or an
//! extension of a type no part defines is refused at its place, naming
//! the other.

use std::fmt;
use std::sync::Arc;

use async_graphql_parser::types::{FieldDefinition, TypeKind, TypeSystemDefinition};
use async_graphql_parser::Pos;

use super::error::{Error, ErrorKind};

/// One SDL text and its origin (a file's path, say), by which its errors
/// and its fields are placed.
///
/// ```
/// use peregrine::graphql::Sdl;
///
/// let people = Sdl::new("teams/people/people.graphql", "type Person { name: String @graph(path: \"name\") }");
/// assert_eq!(people.origin(), "teams/people/people.graphql");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sdl {
    origin: Arc<str>,
    text: Arc<str>,
}

impl Sdl {
    /// The SDL `text`, from `origin`.
    pub fn new(origin: impl Into<String>, text: impl Into<String>) -> Sdl {
        Sdl {
            origin: origin.into().into(),
            text: text.into().into(),
        }
    }

    /// Where it comes from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Its text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// A place in an SDL source: its origin, line and column (from 1; columns
/// count characters). Displayed `origin:line:column`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Place {
    origin: Arc<str>,
    line: usize,
    column: usize,
}

impl Place {
    fn at(source: &Sdl, pos: Pos) -> Place {
        Place {
            origin: source.origin.clone(),
            line: pos.line,
            column: pos.column,
        }
    }

    /// The origin of the source, as [`Sdl::origin`].
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The line, from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column, in characters from 1.
    pub fn column(&self) -> usize {
        self.column
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.origin, self.line, self.column)
    }
}

/// An object type as the sources define it, with the fields of its
/// extensions after its own.
pub(super) struct Definition {
    pub(super) name: String,
    pub(super) place: Place,
    pub(super) description: Option<String>,
    pub(super) fields: Vec<(FieldDefinition, Place)>,
}

/// A type definition or extension, as read, before extensions are merged.
struct Read {
    extend: bool,
    name: String,
    place: Place,
    description: Option<String>,
    kind: TypeKind,
    source: Sdl,
}

/// The object types of `sources`, in order: every definition, then each
/// extension's fields added to its type.
pub(super) fn definitions(sources: &[Sdl]) -> Result<Vec<Definition>, Error> {
    let read = sources
        .iter()
        .map(read)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten();
    let (extensions, defined): (Vec<Read>, Vec<Read>) = read.partition(|read| read.extend);
    let mut types: Vec<Definition> = Vec::new();
    for read in defined {
        if let Some(first) = types.iter().find(|known| known.name == read.name) {
            return Err(Error::at(
                ErrorKind::Schema(format!(
                    "the type `{}` is defined at {} too: a type is defined once (add fields to it with `extend type {}`)",
                    read.name, first.place, read.name
                )),
                read.place,
            ));
        }
        let mut definition = Definition {
            name: read.name,
            place: read.place.clone(),
            description: read.description,
            fields: Vec::new(),
        };
        add_fields(&mut definition, read.kind, &read.source, read.place)?;
        types.push(definition);
    }
    for read in extensions {
        // A root type nothing defines yet is defined by its first
        // extension: files served alone extend `Query` as they would the
        // catalog's.
        let is_root = read.name == "Query" || read.name == "Mutation";
        if is_root && types.iter().all(|known| known.name != read.name) {
            types.push(Definition {
                name: read.name.clone(),
                place: read.place.clone(),
                description: None,
                fields: Vec::new(),
            });
        }
        let Some(definition) = types.iter_mut().find(|known| known.name == read.name) else {
            return Err(Error::at(
                ErrorKind::Schema(format!(
                    "`extend type {}`: no type `{}` is defined to extend",
                    read.name, read.name
                )),
                read.place,
            ));
        };
        add_fields(definition, read.kind, &read.source, read.place)?;
    }
    Ok(types)
}

/// The type definitions and extensions of `source`: none when it holds
/// only comments (GraphQL's grammar wants a definition; a file being
/// written may have none yet).
fn read(source: &Sdl) -> Result<Vec<Read>, Error> {
    let blank = |line: &str| line.is_empty() || line.starts_with('#');
    if source.text().lines().map(str::trim).all(blank) {
        return Ok(Vec::new());
    }
    let document = async_graphql_parser::parse_schema(source.text()).map_err(|error| {
        let pos = error.positions().next().unwrap_or_default();
        Error::at(
            ErrorKind::Syntax(syntax_message(&error)),
            Place::at(source, pos),
        )
    })?;
    let mut read = Vec::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        // At the name: a definition's own place is its description's.
        let definition = definition.node;
        let place = Place::at(source, definition.name.pos);
        read.push(Read {
            extend: definition.extend,
            name: definition.name.node.to_string(),
            place,
            description: definition.description.map(|d| d.node),
            kind: definition.kind,
            source: source.clone(),
        });
    }
    Ok(read)
}

/// Adds the fields of an object type's `kind` (defined or extended at
/// `place`) to `definition`, refusing another kind of type and a field it
/// has already.
fn add_fields(
    definition: &mut Definition,
    kind: TypeKind,
    source: &Sdl,
    place: Place,
) -> Result<(), Error> {
    let TypeKind::Object(object) = kind else {
        return Err(Error::at(
            ErrorKind::Schema(format!(
                "`{}`: only object types are served",
                definition.name
            )),
            place,
        ));
    };
    for field in object.fields {
        let field = field.node;
        let place = Place::at(source, field.name.pos);
        let name = field.name.node.as_str();
        if let Some((_, first)) = definition.fields.iter().find(|(f, _)| f.name.node == name) {
            return Err(Error::at(
                ErrorKind::Schema(format!(
                    "the field `{}.{name}` is defined at {first} too: a field is defined once",
                    definition.name
                )),
                place,
            ));
        }
        definition.fields.push((field, place));
    }
    Ok(())
}

/// The gist of a parser's error: pest's message is a drawing of the line
/// with a caret, whose last line (`= expected ...`) says what is wrong.
fn syntax_message(error: &async_graphql_parser::Error) -> String {
    let text = error.to_string();
    text.lines()
        .rev()
        .map(str::trim)
        .find_map(|line| line.strip_prefix("= "))
        .map_or_else(|| text.trim().to_owned(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::super::mapping::Mapping;
    use super::*;

    const BASE: &str = r#"
directive @graph(path: String!) on FIELD_DEFINITION
type Query {
  video(id: Int!): Video @graph(path: "videos[{id}]")
}
type Video {
  title: String @graph(path: "title")
}
"#;

    fn model(file: &str) -> Result<Mapping, Error> {
        Mapping::parse(&[
            Sdl::new("base.graphql", BASE),
            Sdl::new("team.graphql", file),
        ])
    }

    fn refused(file: &str) -> String {
        model(file).expect_err("refused").to_string()
    }

    #[test]
    fn a_file_adds_types_and_root_fields_placed_in_it() {
        let model = model(
            "type Person {\n  name: String @graph(path: \"name\")\n}\nextend type Query {\n  person(id: Int!): Person @graph(path: \"people[{id}]\")\n}\nextend type Video {\n  cast: [Person] @graph(path: \"cast[0..9]\")\n}\n",
        )
        .expect("the schema reads");
        let person = model.field("Query", "person").expect("a root field");
        assert_eq!(person.place.to_string(), "team.graphql:5:3");
        assert!(model.field("Query", "video").is_some());
        assert!(model.field("Video", "cast").is_some());
        assert_eq!(model.order, ["Query", "Video", "Person"]);
    }

    #[test]
    fn a_root_field_defined_twice_is_refused_at_the_second_naming_the_first() {
        assert_eq!(
            refused("extend type Query {\n  video(id: Int!): Video @graph(path: \"v[{id}]\")\n}\n"),
            "team.graphql:2:3: the GraphQL schema is not valid: the field `Query.video` is defined at base.graphql:4:3 too: a field is defined once"
        );
    }

    #[test]
    fn a_type_defined_twice_or_extended_without_a_definition_is_refused() {
        let twice = refused("type Query {\n  a: Int @graph(path: \"a\")\n}\n");
        assert!(twice.starts_with("team.graphql:1:6: "), "{twice}");
        assert!(
            twice.contains("`Query` is defined at base.graphql:3:6 too"),
            "{twice}"
        );
        assert!(twice.contains("extend type Query"), "{twice}");
        let unknown = refused("\nextend type Person {\n  a: Int @graph(path: \"a\")\n}\n");
        assert!(unknown.starts_with("team.graphql:2:13: "), "{unknown}");
        assert!(unknown.contains("no type `Person` is defined"), "{unknown}");
    }

    #[test]
    fn a_syntax_error_is_placed_with_what_was_expected() {
        let error = refused("extend type Query {\n  person(id: Int!: Person\n}\n");
        assert!(
            error.starts_with("team.graphql:2:18: the GraphQL schema does not parse: expected "),
            "{error}"
        );
        assert_eq!(error.lines().count(), 1, "{error}");
        // A file of comments alone adds nothing.
        assert!(model("# people, soon\n\n").is_ok());
    }

    #[test]
    fn a_type_other_than_an_object_is_refused_at_its_place() {
        let scalar = refused("\n\nscalar Date\n");
        assert!(scalar.starts_with("team.graphql:3:8: "), "{scalar}");
        assert!(scalar.contains("only object types are served"), "{scalar}");
    }

    #[test]
    fn a_field_without_a_mapping_is_refused_at_its_place() {
        let unmapped = refused("extend type Video {\n  year: Int\n}\n");
        assert_eq!(
            unmapped,
            "team.graphql:2:3: `Video.year`: needs @graph(path: \"...\"): where it stands in the JSON Graph (or @graph(key: true): the key its object stands at)"
        );
    }

    #[test]
    fn a_field_of_a_type_not_defined_is_refused_at_its_place() {
        let unknown = refused("extend type Video {\n  cast: Cast @graph(path: \"cast\")\n}\n");
        assert!(unknown.starts_with("team.graphql:2:3: "), "{unknown}");
        assert!(
            unknown.contains("`Cast`, which is not defined"),
            "{unknown}"
        );
    }
}
