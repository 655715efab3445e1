//! Paths into a JSON Graph: keys, ranges, key sets, paths and path sets;
//! the path-syntax parser and printer; and the path-set algebra (count,
//! expand, collapse, trees).
//!
//! This module knows nothing of JSON Graph values, routes or HTTP. Following
//! refs through a graph (`optimize`) needs values, so it lives in
//! [`crate::graph`].
//!
//! # Path syntax
//!
//! [`PathSet::parse`] reads Falcor's path syntax and [`Pattern::parse`] its
//! route syntax. Both refuse falcor-path-syntax's lenient spots, which hide
//! mistakes: `a[1.5]` (falcor reads the range 1..5), `a[0..]`, `a[,1]`,
//! `a[1,]`, an unclosed `a[0` or `a["x`, and unquoted non-numeric indexer
//! keys such as `a[0x10]` or `a[1e3]`. Two things are accepted that falcor
//! refuses: `\\` as an escape (so every string has a spelling) and a `:`
//! inside a quoted key of a route pattern.
//!
//! # The algebra never expands by accident
//!
//! [`PathSet::count`] multiplies key-set sizes, [`PathSet::expand`] is a
//! lazy iterator, and key sets skip empty ranges, so `a[0..4294967295]` is
//! counted in a few steps and no key set can make an iteration hang.
//! [`collapse`] and [`PathTree`] do build one tree node per key: callers
//! apply their path limits first.
//!
//! ```
//! use peregrine::path::{collapse, PathSet};
//!
//! let home = PathSet::parse("genreLists[0..9][0..9]['title','boxshot','rating']")?;
//! assert_eq!(home.count(), 300);
//! let paths: Vec<PathSet> = home.expand().map(PathSet::from).collect();
//! assert_eq!(paths.len(), 300);
//! assert_eq!(collapse(&paths), vec![home]);
//! # Ok::<(), peregrine::path::Error>(())
//! ```

mod collapse;
mod error;
mod intersect;
mod key;
mod key_set;
mod merge;
mod parse;
mod path_set;
mod pattern;
mod print;
mod range;

pub use collapse::{collapse, PathTree};
pub use error::{Error, ErrorKind};
pub use key::{Key, KeyView};
pub use key_set::{KeyOrRange, KeySet, Keys};
pub use merge::merge;
pub use path_set::{count_all, Expand, Path, PathSet};
pub use pattern::{Matcher, Pattern, Token, TokenKind};
pub use range::{Range, RangeIter};

pub(crate) use key::text_order;
