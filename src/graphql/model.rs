//! The SDL read into what planning and shaping need: object types, their
//! fields, each field's type, arguments and `@graph` path template.

use std::collections::HashMap;

use async_graphql_parser::types::{BaseType, ConstDirective, Type, TypeKind, TypeSystemDefinition};
use async_graphql_value::ConstValue;

use super::error::{Error, ErrorKind};

/// The object types of a schema, by name.
#[derive(Debug, Clone)]
pub(super) struct Model {
    pub(super) objects: HashMap<String, Object>,
    /// The names of the types, in the order of the file.
    pub(super) order: Vec<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Object {
    pub(super) description: Option<String>,
    pub(super) fields: Vec<Field>,
}

#[derive(Debug, Clone)]
pub(super) struct Field {
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) ty: Type,
    pub(super) arguments: Vec<Argument>,
    /// The `@graph(path:)` template.
    pub(super) path: String,
}

#[derive(Debug, Clone)]
pub(super) struct Argument {
    pub(super) name: String,
    pub(super) ty: Type,
    pub(super) default: Option<ConstValue>,
}

impl Model {
    /// Reads `sdl`. Only object types are served; every field needs a
    /// `@graph(path:)`.
    pub(super) fn parse(sdl: &str) -> Result<Model, Error> {
        let document = async_graphql_parser::parse_schema(sdl)
            .map_err(|error| Error::new(ErrorKind::Syntax(error.to_string())))?;
        let mut objects = HashMap::new();
        let mut order = Vec::new();
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let definition = definition.node;
            let name = definition.name.node.to_string();
            let TypeKind::Object(object) = definition.kind else {
                return Err(Error::new(ErrorKind::Schema(format!(
                    "`{name}`: only object types are served"
                ))));
            };
            let mut fields = Vec::new();
            for field in object.fields {
                let field = field.node;
                let field_name = format!("{name}.{}", field.name.node);
                let path = graph_path(&field.directives).ok_or_else(|| {
                    Error::new(ErrorKind::Mapping {
                        field: field_name.clone(),
                        message: "needs @graph(path: \"...\"): where it stands in the JSON Graph"
                            .to_owned(),
                    })
                })?;
                fields.push(Field {
                    name: field.name.node.to_string(),
                    description: field.description.map(|d| d.node),
                    ty: field.ty.node,
                    arguments: field
                        .arguments
                        .into_iter()
                        .map(|argument| {
                            let argument = argument.node;
                            Argument {
                                name: argument.name.node.to_string(),
                                ty: argument.ty.node,
                                default: argument.default_value.map(|value| value.node),
                            }
                        })
                        .collect(),
                    path,
                });
            }
            order.push(name.clone());
            objects.insert(
                name,
                Object {
                    description: definition.description.map(|d| d.node),
                    fields,
                },
            );
        }
        let model = Model { objects, order };
        model.check()?;
        Ok(model)
    }

    /// Every field's type is a scalar or one of the objects, and each
    /// template parses with its arguments.
    fn check(&self) -> Result<(), Error> {
        if !self.objects.contains_key("Query") {
            return Err(Error::new(ErrorKind::Schema(
                "there is no `Query` type".to_owned(),
            )));
        }
        for (type_name, object) in &self.objects {
            for field in &object.fields {
                let named = named_type(&field.ty);
                if !is_scalar(named) && !self.objects.contains_key(named) {
                    return Err(Error::new(ErrorKind::Schema(format!(
                        "`{type_name}.{}` is of type `{named}`, which is not defined",
                        field.name
                    ))));
                }
                for placeholder in placeholders(&field.path) {
                    if !field.arguments.iter().any(|a| a.name == placeholder) {
                        return Err(Error::new(ErrorKind::Mapping {
                            field: format!("{type_name}.{}", field.name),
                            message: format!(
                                "the path names `{{{placeholder}}}`, which is not an argument"
                            ),
                        }));
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

/// The `path` of a `@graph` directive.
fn graph_path(directives: &[async_graphql_parser::Positioned<ConstDirective>]) -> Option<String> {
    let directive = directives.iter().find(|d| d.node.name.node == "graph")?;
    let (_, value) = directive
        .node
        .arguments
        .iter()
        .find(|(name, _)| name.node == "path")?;
    match &value.node {
        ConstValue::String(path) => Some(path.clone()),
        _ => None,
    }
}

/// The `{name}`s of a template.
pub(super) fn placeholders(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        names.push(rest[open + 1..open + close].to_owned());
        rest = &rest[open + close + 1..];
    }
    names
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
