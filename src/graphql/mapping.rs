//! The SDL read into what planning and shaping need: object types, their
//! fields, each field's type, arguments and `@graph` path template.

use std::collections::HashMap;

use async_graphql_parser::types::{BaseType, Type};
use async_graphql_value::ConstValue;

use super::error::{Error, ErrorKind};
use super::sdl::{definitions, Place, Sdl};

mod directive;

use directive::read_field;

/// The object types of a schema, by name (looked up for each object the
/// executor writes: hashed with foldhash, not std's slower SipHash; the
/// names are the schema's, not a client's).
#[derive(Debug, Clone)]
pub(super) struct Mapping {
    pub(super) objects: HashMap<String, Object, foldhash::fast::RandomState>,
    /// The names of the types, in the order of the sources.
    pub(super) order: Vec<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Object {
    pub(super) description: Option<String>,
    pub(super) fields: Vec<Field>,
    /// The path, relative to an object of this type, asked when a
    /// selection asks for nothing under it (`{ __typename }`): the object
    /// exists when something stands there. The first scalar field whose
    /// path is one path naming no argument (`title`), or one under the
    /// first such object field.
    pub(super) witness: Option<Vec<crate::path::KeySet>>,
}

#[derive(Debug, Clone)]
pub(super) struct Field {
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) ty: Type,
    pub(super) arguments: Vec<Argument>,
    /// The `@graph(path:)` template (empty for a key field).
    pub(super) path: String,
    /// `@graph(key: true)`: the field is the key of the object it stands
    /// on (the last key of the place it was found at, refs followed), not
    /// a path under it.
    pub(super) key: bool,
    /// The template's key sets when it names no argument (most fields:
    /// `title`), parsed once.
    pub(super) fixed: Option<Vec<crate::path::KeySet>>,
    /// The same when each of its key sets is one key (`title`,
    /// `genreLists.length`): what the executor reads without expanding.
    pub(super) keys: Option<Vec<crate::path::Key>>,
    /// Whether the template's last key is one argument (`videos[{id}]`,
    /// not a range): the key of the object it leads to, when no ref is
    /// followed there.
    pub(super) keyed: bool,
    /// For a mutation: the write made before the object at `path` is
    /// read back.
    pub(super) write: Option<Write>,
    /// Where it is defined.
    pub(super) place: Place,
}

/// A mutation's write.
#[derive(Debug, Clone)]
pub(super) enum Write {
    /// `@graph(set: "videos[{id}].rating", value: "rating")`: sets the
    /// argument `value` at the path `set`.
    Set { path: String, value: String },
    /// `@graph(call: "myList.push", arguments: "[...]")`: calls the
    /// function with the JSON `arguments` (placeholders filled in as
    /// JSON).
    Call { function: String, arguments: String },
}

#[derive(Debug, Clone)]
pub(super) struct Argument {
    pub(super) name: String,
    pub(super) ty: Type,
    pub(super) default: Option<ConstValue>,
}

impl Mapping {
    /// Reads `sources` (see `sdl.rs`). Only object types are served;
    /// every field needs a `@graph(path:)`.
    pub(super) fn parse(sources: &[Sdl]) -> Result<Mapping, Error> {
        let mut objects = HashMap::default();
        let mut order = Vec::new();
        for definition in definitions(sources)? {
            let name = definition.name;
            let mut fields = Vec::new();
            for (field, place) in definition.fields {
                fields.push(read_field(&name, field, place)?);
            }
            order.push(name.clone());
            objects.insert(
                name,
                Object {
                    description: definition.description,
                    fields,
                    witness: None,
                },
            );
        }
        let mut model = Mapping { objects, order };
        model.check()?;
        for (type_name, object) in &mut model.objects {
            for field in &mut object.fields {
                if !field.key && placeholders(&field.path).is_empty() {
                    let parsed =
                        super::plan::fill_path(&field.path, &|_| None).map_err(|message| {
                            let field_name = format!("{type_name}.{}", field.name);
                            field.mapping_error(field_name, message)
                        })?;
                    field.keys = parsed
                        .iter()
                        .map(|key_set| match key_set {
                            crate::path::KeySet::Key(key) => Some(key.clone()),
                            _ => None,
                        })
                        .collect();
                    field.fixed = Some(parsed);
                }
            }
        }
        for type_name in &model.order {
            let witness = model.witness(type_name, model.order.len());
            if let Some(object) = model.objects.get_mut(type_name) {
                object.witness = witness;
            }
        }
        Ok(model)
    }

    /// The witness path of `type_name` (see [`Object::witness`]), looking
    /// at most `depth` object fields down.
    fn witness(&self, type_name: &str, depth: usize) -> Option<Vec<crate::path::KeySet>> {
        let fields = &self.objects.get(type_name)?.fields;
        // One path, known from the schema: a field of one key per step,
        // not a list.
        let fixed = || {
            fields
                .iter()
                .filter(|f| f.keys.is_some() && !is_list(&f.ty))
                .filter_map(|f| Some((f, f.fixed.as_ref()?)))
        };
        if let Some((_, path)) = fixed().find(|(f, _)| is_scalar(named_type(&f.ty))) {
            return Some(path.clone());
        }
        let depth = depth.checked_sub(1)?;
        fixed().find_map(|(field, path)| {
            let below = self.witness(named_type(&field.ty), depth)?;
            Some(path.iter().chain(&below).cloned().collect())
        })
    }

    /// Every field's type is a scalar or one of the objects, and each
    /// template parses with its arguments.
    fn check(&self) -> Result<(), Error> {
        if !self.objects.contains_key("Query") {
            return Err(Error::new(ErrorKind::Schema(
                "there is no `Query` type".to_owned(),
            )));
        }
        let objects = self
            .order
            .iter()
            .filter_map(|name| Some((name, self.objects.get(name)?)));
        for (type_name, object) in objects {
            for field in &object.fields {
                let named = named_type(&field.ty);
                if !is_scalar(named) && !self.objects.contains_key(named) {
                    return Err(Error::at(
                        ErrorKind::Schema(format!(
                            "`{type_name}.{}` is of type `{named}`, which is not defined",
                            field.name
                        )),
                        field.place.clone(),
                    ));
                }
                let written = match &field.write {
                    Some(Write::Set { path, value }) => vec![path.clone(), format!("{{{value}}}")],
                    Some(Write::Call {
                        function,
                        arguments,
                    }) => vec![function.clone(), arguments.clone()],
                    None => Vec::new(),
                };
                let templates = std::iter::once(&field.path).chain(&written);
                for placeholder in templates.flat_map(|template| placeholders(template)) {
                    if !field.arguments.iter().any(|a| a.name == placeholder) {
                        return Err(field.mapping_error(
                            format!("{type_name}.{}", field.name),
                            format!("the path names `{{{placeholder}}}`, which is not an argument"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn field(&self, type_name: &str, field: &str) -> Option<&Field> {
        self.objects
            .get(type_name)?
            .fields
            .iter()
            .find(|f| f.name == field)
    }
}

impl Field {
    /// A mapping error at this field, `Type.field` named `field`.
    fn mapping_error(&self, field: String, message: String) -> Error {
        Error::at(ErrorKind::Mapping { field, message }, self.place.clone())
    }

    /// What the key field `self` answers for an object standing at the
    /// key `at`: an `Int` the integer, an `ID` or `String` the key as
    /// text. An object reached neither through a ref nor by an argument
    /// naming it has no key of its own (its last key is where it stands
    /// in its parent, which other objects share).
    pub(super) fn key_of(
        &self,
        at: Option<&crate::path::Key>,
    ) -> Result<async_graphql::Value, String> {
        let Some(at) = at else {
            return Err(format!(
                "`{}` is a key field, but its object was reached neither through a ref nor by an argument naming it, so it has no key of its own",
                self.name
            ));
        };
        if named_type(&self.ty) != "Int" {
            return Ok(async_graphql::Value::String(at.to_member_name()));
        }
        match at
            .as_integer()
            .and_then(|number| i32::try_from(number).ok())
        {
            Some(number) => Ok(async_graphql::Value::Number(number.into())),
            None => Err(format!(
                "`{}` is an Int, but its object stands at the key `{at}`, not a 32-bit integer",
                self.name
            )),
        }
    }

    /// The default value of the argument `name`, if it has one.
    pub(super) fn default_of(&self, name: &str) -> Option<ConstValue> {
        self.arguments
            .iter()
            .find(|argument| argument.name == name)
            .and_then(|argument| argument.default.clone())
    }
}

/// The `{name}`s of a template.
pub(super) fn placeholders(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some((_, name, after)) = next_placeholder(rest) {
        names.push(name.to_owned());
        rest = after;
    }
    names
}

/// The first `{name}` of `text` (a name: letters, digits and `_`, not
/// starting with a digit): what stands before it, the name, what follows.
pub(super) fn next_placeholder(text: &str) -> Option<(&str, &str, &str)> {
    let mut from = 0;
    while let Some(open) = text[from..].find('{').map(|at| from + at) {
        let after = &text[open + 1..];
        let length = after
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        let named = length > 0 && !after.as_bytes()[0].is_ascii_digit();
        if named && after[length..].starts_with('}') {
            return Some((&text[..open], &after[..length], &after[length + 1..]));
        }
        from = open + 1;
    }
    None
}

/// The named type under any lists and non-nulls.
pub(super) fn named_type(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named_type(inner),
    }
}

/// Whether the type is a list (outermost).
pub(super) fn is_list(ty: &Type) -> bool {
    matches!(ty.base, BaseType::List(_))
}

pub(super) fn is_scalar(name: &str) -> bool {
    matches!(name, "Int" | "Float" | "String" | "Boolean" | "ID")
}
