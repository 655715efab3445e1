//! Templates: a call's path with `{name}` placeholders, and `${NAME}`
//! environment variables in any value.

use crate::path::{Key, KeyView};

/// A call's path and query, split at its placeholders.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    /// The ids of one batch, comma-separated.
    Ids,
    /// The signed-in user.
    User,
}

/// A placeholder the route does not have: its name and its byte offset in
/// the template's text.
#[derive(Debug, PartialEq)]
pub(super) struct Unknown {
    pub(super) name: String,
    pub(super) offset: usize,
}

impl Template {
    /// Reads `text`, where `{ids}` (`ids` being the route's name for its
    /// ids) stands for a batch's ids and, when `user` is allowed,
    /// `{user}` for the signed-in user.
    ///
    /// `${NAME}` is text here, for [`Template::expand_environment`].
    pub(super) fn parse(text: &str, ids: Option<&str>, user: bool) -> Result<Template, Unknown> {
        let mut parts = Vec::new();
        let mut rest = text;
        let mut offset = 0;
        let mut text_from = 0;
        while let Some(open) = rest[text_from..].find('{').map(|at| at + text_from) {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            if open > 0 && rest.as_bytes()[open - 1] == b'$' {
                // An environment variable: text.
                text_from = open + close + 1;
                continue;
            }
            text_from = 0;
            let name = &rest[open + 1..open + close];
            let part = match name {
                _ if Some(name) == ids => Part::Ids,
                "user" if user => Part::User,
                _ => {
                    return Err(Unknown {
                        name: name.to_string(),
                        offset: offset + open,
                    })
                }
            };
            parts.push(Part::Text(rest[..open].to_string()));
            parts.push(part);
            offset += open + close + 1;
            rest = &rest[open + close + 1..];
        }
        parts.push(Part::Text(rest.to_string()));
        parts.retain(|part| !matches!(part, Part::Text(text) if text.is_empty()));
        Ok(Template { parts })
    }

    /// The same template with each `${NAME}` in its text replaced by that
    /// environment variable (see [`expand_environment`]).
    pub(super) fn expand_environment(self) -> Result<Template, Unknown> {
        let parts = self
            .parts
            .into_iter()
            .map(|part| match part {
                Part::Text(text) => expand_environment(&text).map(Part::Text),
                other => Ok(other),
            })
            .collect::<Result<_, _>>()?;
        Ok(Template { parts })
    }

    /// Whether it has the ids of a batch.
    pub(super) fn has_ids(&self) -> bool {
        self.parts.iter().any(|part| matches!(part, Part::Ids))
    }

    /// The path and query for `ids` and `user`: each value form-encoded,
    /// the ids joined with commas.
    pub(super) fn render(&self, ids: &[Key], user: Option<&str>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Ids => {
                    for (index, id) in ids.iter().enumerate() {
                        if index > 0 {
                            out.push(',');
                        }
                        // Integers, most ids, written without formatting.
                        match id.view() {
                            KeyView::Integer(n) => out.push_str(itoa::Buffer::new().format(n)),
                            KeyView::String(text) => {
                                out.extend(form_urlencoded::byte_serialize(text.as_bytes()))
                            }
                            _ => out.push_str(&id.to_string()),
                        }
                    }
                }
                Part::User => {
                    let user = user.unwrap_or_default();
                    out.extend(form_urlencoded::byte_serialize(user.as_bytes()));
                }
            }
        }
        out
    }
}

/// `text` with each `${NAME}` replaced by that environment variable; the
/// name and byte offset of one that is not set.
pub(super) fn expand_environment(text: &str) -> Result<String, Unknown> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut offset = 0;
    while let Some(open) = rest.find("${") {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 2..open + close];
        let value = std::env::var(name).map_err(|_| Unknown {
            name: name.to_string(),
            offset: offset + open,
        })?;
        out.push_str(&rest[..open]);
        out.push_str(&value);
        offset += open + close + 1;
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_encoded() {
        let template =
            Template::parse("/people?ids={ids}&for={user}", Some("ids"), true).expect("valid");
        let ids = [
            Key::from(1),
            Key::from(-22),
            Key::from("a b"),
            Key::from(true),
        ];
        assert_eq!(
            template.render(&ids, Some("u:1")),
            "/people?ids=1,-22,a+b,true&for=u%3A1"
        );
    }

    #[test]
    fn an_unknown_placeholder_is_named_with_its_offset() {
        assert_eq!(
            Template::parse("/people?ids={id}", Some("ids"), false),
            Err(Unknown {
                name: "id".into(),
                offset: 12
            })
        );
        // `{user}` only where the route is the user's.
        assert_eq!(
            Template::parse("/x/{user}", Some("ids"), false).map_err(|unknown| unknown.offset),
            Err(3)
        );
    }

    #[test]
    fn placeholders_are_placed_in_the_text_as_written_before_variables_expand() {
        std::env::set_var("PEREGRINE_TEMPLATE_VERSION", "v{1}");
        let written = "/${PEREGRINE_TEMPLATE_VERSION}/people?ids={id}";
        let unknown = Template::parse(written, Some("ids"), false).expect_err("{id} is unknown");
        assert_eq!(unknown.offset, written.find("{id}").unwrap_or_default());
        let template = Template::parse(
            "/${PEREGRINE_TEMPLATE_VERSION}/p?ids={ids}",
            Some("ids"),
            false,
        )
        .and_then(Template::expand_environment)
        .expect("valid");
        // A variable's value is text, braces and all.
        assert_eq!(template.render(&[Key::from(7)], None), "/v{1}/p?ids=7");
    }

    #[test]
    fn environment_variables_expand() {
        std::env::set_var("PEREGRINE_TEMPLATE_TEST", "127.0.0.1:9");
        assert_eq!(
            expand_environment("http://${PEREGRINE_TEMPLATE_TEST}/x"),
            Ok("http://127.0.0.1:9/x".to_string())
        );
    }

    #[test]
    fn a_missing_environment_variable_is_named() {
        let missing = expand_environment("a${PEREGRINE_NOT_SET_ANYWHERE}").expect_err("unset");
        assert_eq!(
            (missing.name.as_str(), missing.offset),
            ("PEREGRINE_NOT_SET_ANYWHERE", 1)
        );
    }
}
