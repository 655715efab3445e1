//! Excerpts: what a client (or a backend) sent, cut short to be quoted in
//! an error message, so that no message grows with its input.

use std::borrow::Cow;

/// `text` cut to its first `chars` characters, with `…` where it was cut;
/// `text` itself when it is that short.
///
/// ```
/// use peregrine::excerpt::excerpt;
///
/// assert_eq!(excerpt("short", 40), "short");
/// assert_eq!(excerpt(&"é".repeat(100), 3), "ééé…");
/// ```
pub fn excerpt(text: &str, chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(chars) {
        None => text.into(),
        Some((end, _)) => format!("{}…", &text[..end]).into(),
    }
}
