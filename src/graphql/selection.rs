//! The selection of an operation as planning and shaping read it: the
//! fields a selection set selects on an object type, grouped by response
//! key (fragments spread, `@skip` and `@include` applied), and their
//! arguments with variables filled in.

use std::collections::HashMap;

use async_graphql::{Name, Positioned, Variables};
use async_graphql_parser::types::{
    Directive, Field, FragmentDefinition, Selection, SelectionSet, VariableDefinition,
};
use async_graphql_value::ConstValue;

/// What a selection is read against: the request's variables, the
/// operation's variable definitions (for defaults) and the document's
/// fragments.
#[derive(Clone, Copy)]
pub(super) struct Env<'a> {
    pub(super) variables: &'a Variables,
    pub(super) definitions: &'a [Positioned<VariableDefinition>],
    pub(super) fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
}

/// The fields of one response key, in the order they were selected (a
/// key selected twice, as `video { title } video { year }`, answers one
/// object with both selections).
pub(super) struct Group<'a> {
    pub(super) key: &'a Name,
    pub(super) fields: Vec<&'a Positioned<Field>>,
}

impl<'a> Env<'a> {
    /// The value of variable `name`: given, else its default.
    fn variable(&self, name: &str) -> Option<ConstValue> {
        if let Some(value) = self.variables.get(name) {
            return Some(value.clone());
        }
        self.definitions
            .iter()
            .find(|definition| definition.node.name.node == name)
            .and_then(|definition| definition.node.default_value().cloned())
    }

    /// The argument `name` of `field` as given (variables filled in).
    pub(super) fn argument(&self, field: &Field, name: &str) -> Option<ConstValue> {
        let value = field.get_argument(name)?;
        value
            .node
            .clone()
            .into_const_with(|variable| self.variable(&variable).ok_or(()))
            .ok()
    }

    /// The fields `set` selects on the object type `type_name`, by
    /// response key.
    pub(super) fn collect(&self, type_name: &str, set: &'a SelectionSet) -> Vec<Group<'a>> {
        let mut groups = Vec::new();
        self.collect_into(type_name, set, &mut groups);
        groups
    }

    /// Adds the fields `set` selects to `groups` (a field selected twice
    /// merges its selections into one group).
    pub(super) fn collect_into(
        &self,
        type_name: &str,
        set: &'a SelectionSet,
        groups: &mut Vec<Group<'a>>,
    ) {
        self.gather(type_name, set, groups, 0);
    }

    fn gather(
        &self,
        type_name: &str,
        set: &'a SelectionSet,
        groups: &mut Vec<Group<'a>>,
        spread: usize,
    ) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    if !self.included(&field.node.directives) {
                        continue;
                    }
                    let key = field.node.response_key();
                    let key = &key.node;
                    match groups.iter_mut().find(|group| group.key == key) {
                        Some(group) => group.fields.push(field),
                        None => groups.push(Group {
                            key,
                            fields: vec![field],
                        }),
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let applies = fragment
                        .type_condition
                        .as_ref()
                        .is_none_or(|condition| condition.node.on.node == type_name);
                    if applies && self.included(&fragment.directives) {
                        self.gather(type_name, &fragment.selection_set.node, groups, spread);
                    }
                }
                Selection::FragmentSpread(spread_of) => {
                    let spread_of = &spread_of.node;
                    // Validation refuses fragment cycles; the bound keeps
                    // this from looping should one get through.
                    if spread > self.fragments.len() || !self.included(&spread_of.directives) {
                        continue;
                    }
                    let Some(fragment) = self.fragments.get(&spread_of.fragment_name.node) else {
                        continue;
                    };
                    let fragment = &fragment.node;
                    if fragment.type_condition.node.on.node == type_name {
                        self.gather(type_name, &fragment.selection_set.node, groups, spread + 1);
                    }
                }
            }
        }
    }

    /// Whether `@skip` and `@include` keep a selection.
    fn included(&self, directives: &[Positioned<Directive>]) -> bool {
        let condition = |name: &str| {
            directives
                .iter()
                .find(|directive| directive.node.name.node == name)
                .map(|directive| {
                    matches!(
                        directive.node.get_argument("if").and_then(|value| value
                            .node
                            .clone()
                            .into_const_with(|variable| self.variable(&variable).ok_or(()))
                            .ok()),
                        Some(ConstValue::Boolean(true))
                    )
                })
        };
        condition("skip") != Some(true) && condition("include") != Some(false)
    }
}
