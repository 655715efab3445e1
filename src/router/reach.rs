//! `Reach`: where the paths of a pattern lead among a router's get
//! routes, found from the patterns alone (no handler runs). It answers
//! checks such as "does any route serve what this GraphQL field reads?"
//! (the GraphQL agreement check).

use std::collections::BTreeSet;
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::path::{KeySet, Matcher, Pattern, TokenKind};

use super::table::{Router, Table};

/// Where the paths of a pattern lead among a router's get routes: made
/// by [`Router::reach`], taken further by [`Reach::then`].
///
/// A reach is a set of positions, each a get route and how many keys of
/// its pattern the paths have matched. A step by one position of the
/// asked pattern advances each position whose route serves it there. A
/// position at its route's end that is stepped further stands for what
/// the route answered there, taken for a ref: where a ref points is in
/// the data, not in the patterns, so the step goes on from every get
/// route's pattern after at least one key (a ref names a path that is
/// not empty). Past a ref the judgement is therefore "some route could
/// serve this, wherever the ref points", never a false "nothing serves
/// this"; a route that answers values below its pattern's end (a branch
/// in an envelope) is taken for one that answers a ref.
///
/// In the asked pattern, listed keys (`title`, `['a','b']`, `0..9`) must
/// all be served by one route there; a token stands for some key of its
/// class (an argument's value, unknown until a request gives it), and is
/// served where a route serves at least one such key: `{keys}` anywhere
/// (a string may spell an integer), `{integers}` and `{ranges}` by an
/// integer token, `{keys}`, or listed keys with an integer among them.
///
/// Two reaches are equal when they stand at the same positions,
/// whichever refs they went past.
#[derive(Clone)]
pub struct Reach<'r> {
    table: &'r Table,
    /// (route, keys of its pattern matched), each once, sorted.
    positions: Vec<(usize, usize)>,
    /// The routes past whose end the paths first went (where a ref is
    /// known to be answered; past it, any route could be), sorted.
    past: Vec<usize>,
}

impl Router {
    /// Where the paths of `pattern` lead from the graph's root among the
    /// get routes (see [`Reach`] for how tokens and refs are judged).
    ///
    /// ```
    /// use peregrine::path::Pattern;
    /// use peregrine::router::{HandlerError, Output, Router};
    ///
    /// let answer = |_req, _ctx| async { Ok::<_, HandlerError>(Output::new()) };
    /// let router = Router::builder()
    ///     .get("genreLists[{integers:indices}]", answer) // answers refs to lists
    ///     .get("lists[{keys:ids}].name", answer)
    ///     .build()?;
    /// let reach = |text| router.reach(&Pattern::parse(text).expect("a pattern"));
    /// assert!(reach("lists[{keys}].name").is_served());
    /// // Past the ref that `genreLists[{integers:indices}]` answers.
    /// assert!(reach("genreLists[{integers}].name").is_served());
    /// assert!(!reach("genreLists[{integers}].title").is_served());
    /// assert!(reach("people[{integers}]").is_nowhere());
    /// # Ok::<(), peregrine::router::Error>(())
    /// ```
    pub fn reach(&self, pattern: &Pattern) -> Reach<'_> {
        let table = &*self.table;
        let root = Reach {
            table,
            positions: get_routes(table).map(|route| (route, 0)).collect(),
            past: Vec::new(),
        };
        root.then(pattern)
    }
}

impl<'r> Reach<'r> {
    /// Where the paths lead when `pattern` is appended to them.
    pub fn then(&self, pattern: &Pattern) -> Reach<'r> {
        pattern
            .iter()
            .fold(self.clone(), |reach, asked| reach.step(asked))
    }

    /// Whether a get route's pattern ends exactly here (directly, or past
    /// refs wherever they point): the paths are served.
    pub fn is_served(&self) -> bool {
        self.positions
            .iter()
            .any(|&(route, at)| at == self.table.routes[route].pattern.len())
    }

    /// Whether no route matches the paths, nor any beginning of them
    /// that a route ends at: nothing would be called for them.
    pub fn is_nowhere(&self) -> bool {
        self.positions.is_empty()
    }

    /// The routes past whose end the paths first went (each taken to
    /// answer a ref), as their patterns: empty when no ref is on the
    /// way, so that the judgement rests on the patterns alone.
    pub fn past(&self) -> Vec<&'r str> {
        let routes = &self.table.routes;
        self.past
            .iter()
            .map(|&route| routes[route].text.as_str())
            .collect()
    }

    /// One key set further.
    fn step(self, asked: &Matcher) -> Reach<'r> {
        let routes = &self.table.routes;
        let mut next = BTreeSet::new();
        let first = self.past.is_empty();
        let mut past: BTreeSet<usize> = self.past.into_iter().collect();
        let mut ended = false;
        for &(route, at) in &self.positions {
            match routes[route].pattern.get(at) {
                Some(matcher) if serves(matcher, asked) => {
                    next.insert((route, at + 1));
                }
                Some(_) => {}
                // A source (a remote router, the fallback) serves every
                // path under its pattern.
                None if routes[route].whole => {
                    next.insert((route, at));
                }
                None => {
                    if first {
                        past.insert(route);
                    }
                    ended = true;
                }
            }
        }
        // Past a route's end: a ref, pointing somewhere after a first key.
        if ended {
            for route in get_routes(self.table) {
                let pattern = &routes[route].pattern;
                for at in 1..pattern.len() {
                    if serves(&pattern[at], asked) {
                        next.insert((route, at + 1));
                    }
                }
            }
        }
        Reach {
            table: self.table,
            positions: next.into_iter().collect(),
            past: past.into_iter().collect(),
        }
    }
}

/// The routes with a get handler, by index.
fn get_routes(table: &Table) -> impl Iterator<Item = usize> + '_ {
    table
        .routes
        .iter()
        .enumerate()
        .filter(|(_, route)| route.get.is_some())
        .map(|(index, _)| index)
}

/// Whether a route's `matcher` serves what `asked` stands for (see
/// [`Reach`]).
fn serves(matcher: &Matcher, asked: &Matcher) -> bool {
    let integers_only = |set: &KeySet| !set.is_empty() && set.subtract(&set.integers()).is_empty();
    match (matcher, asked) {
        (Matcher::Token(token), _) if token.kind == TokenKind::Keys => true,
        (Matcher::Token(_), Matcher::Token(_)) => true,
        (Matcher::Token(_), Matcher::KeySet(keys)) => integers_only(keys),
        (Matcher::KeySet(listed), Matcher::KeySet(keys)) => {
            !keys.is_empty() && keys.subtract(listed).is_empty()
        }
        (Matcher::KeySet(listed), Matcher::Token(token)) => match token.kind {
            TokenKind::Keys => !listed.is_empty(),
            TokenKind::Integers | TokenKind::Ranges => !listed.integers().is_empty(),
        },
    }
}

impl PartialEq for Reach<'_> {
    fn eq(&self, other: &Reach<'_>) -> bool {
        self.positions == other.positions
    }
}

impl Eq for Reach<'_> {}

impl Hash for Reach<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.positions.hash(state);
    }
}

impl fmt::Debug for Reach<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let routes = &self.table.routes;
        let positions: Vec<String> = self
            .positions
            .iter()
            .map(|&(route, at)| format!("{}@{at}", routes[route].text))
            .collect();
        f.debug_struct("Reach")
            .field("positions", &positions)
            .field("past", &self.past())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::{HandlerError, Output};

    /// A router of `gets` (get routes) and `sets` (set routes only).
    fn router(gets: &[&str], sets: &[&str]) -> Router {
        let builder = gets.iter().fold(Router::builder(), |builder, pattern| {
            builder.get(pattern, |_request, _ctx| async {
                Ok::<_, HandlerError>(Output::new())
            })
        });
        let builder = sets.iter().fold(builder, |builder, pattern| {
            builder.set(pattern, |_request, _ctx| async {
                Ok::<_, HandlerError>(Output::new())
            })
        });
        builder.build().expect("the routes build")
    }

    fn pattern(text: &str) -> Pattern {
        Pattern::parse(text).expect("a pattern")
    }

    fn served(router: &Router, text: &str) -> bool {
        router.reach(&pattern(text)).is_served()
    }

    #[test]
    fn a_path_is_served_where_a_get_route_ends_exactly_and_not_before_or_after() {
        let router = router(&["videos[{integers:ids}]['title','year']"], &[]);
        assert!(served(&router, "videos[{integers}].title"));
        assert!(served(&router, "videos[7]['title','year']"));
        // Its beginning leads on, but is not served.
        assert!(!served(&router, "videos[{integers}]"));
        assert!(!router.reach(&pattern("videos[{integers}]")).is_nowhere());
        assert!(router
            .reach(&pattern("videos[{integers}].cast"))
            .is_nowhere());
        assert!(router
            .reach(&pattern("people[{integers}].title"))
            .is_nowhere());
    }

    #[test]
    fn listed_keys_must_all_be_served_by_one_route() {
        let router = router(&["a['x','y']", "b[{integers:i}]"], &[]);
        assert!(served(&router, "a['x','y']"));
        assert!(!served(&router, "a['x','z']"));
        assert!(served(&router, "b[0..9]"));
        assert!(served(&router, "b[1,5]"));
        assert!(!served(&router, "b['x']"));
        assert!(!served(&router, "b[1,'x']"));
    }

    #[test]
    fn a_token_is_served_where_some_key_of_its_class_is() {
        let router = router(
            &["ints[{integers:i}]", "any[{keys:k}]", "listed['x',3]"],
            &[],
        );
        assert!(served(&router, "ints[{integers}]"));
        assert!(served(&router, "ints[{ranges}]"));
        // A string may spell an integer.
        assert!(served(&router, "ints[{keys}]"));
        assert!(served(&router, "any[{integers}]"));
        assert!(served(&router, "any[{keys}]"));
        assert!(served(&router, "listed[{integers}]"));
        assert!(served(&router, "listed[{keys}]"));
        let words = self::router(&["words['x']"], &[]);
        assert!(!served(&words, "words[{integers}]"));
    }

    #[test]
    fn past_a_routes_end_the_rest_is_served_by_any_route_after_its_first_key() {
        let router = router(
            &[
                "genreLists[{integers:indices}]",
                "lists[{keys:ids}].name",
                "lists[{keys:ids}][{integers:indices}]",
                "videos[{integers:ids}].title",
                "top",
            ],
            &[],
        );
        let name = router.reach(&pattern("genreLists[{ranges}].name"));
        assert!(name.is_served());
        assert_eq!(name.past(), ["genreLists[{integers:indices}]"]);
        // Two refs: the row, then its video.
        assert!(served(&router, "genreLists[0..9][0..9].title"));
        assert!(!served(&router, "genreLists[{integers}].nope"));
        assert!(!served(&router, "genreLists[{integers}][{integers}].nope"));
        // A ref does not point at the root: `top` is not what it leads to.
        assert!(!served(&router, "genreLists[0].top"));
        // Served directly: no ref on the way.
        assert!(router.reach(&pattern("lists['a'].name")).past().is_empty());
    }

    #[test]
    fn then_goes_on_from_where_a_reach_stands() {
        let router = router(&["genreLists[{integers:i}]", "lists[{keys:ids}].name"], &[]);
        let row = router.reach(&pattern("genreLists[{integers}]"));
        assert!(row.is_served());
        let name = row.then(&pattern("name"));
        assert_eq!(name, router.reach(&pattern("genreLists[{integers}].name")));
        assert!(name.is_served());
        // Past the ref, `title` could be a list's id, but nothing ends there.
        assert!(!row.then(&pattern("title")).is_served());
        assert!(row.then(&pattern("title.more")).is_nowhere());
    }

    #[test]
    fn only_get_routes_serve_a_read() {
        let router = router(&[], &["videos[{integers:ids}].rating"]);
        assert!(router.reach(&pattern("videos[1].rating")).is_nowhere());
    }
}

#[cfg(test)]
mod source_tests {
    use crate::path::Pattern;
    use crate::router::Router;

    #[test]
    fn a_source_serves_every_path_under_its_pattern() {
        let router = Router::builder()
            .source("people[{keys}]", crate::router::source::tests::Nothing)
            .build()
            .expect("a valid table");
        let reach = |text: &str| router.reach(&Pattern::parse(text).expect("a pattern"));
        assert!(reach("people[{keys}].name.first").is_served());
        assert!(reach("videos[{integers}].title").is_nowhere());
    }

    #[test]
    fn the_fallback_serves_every_path() {
        let router = Router::builder()
            .fallback(crate::router::source::tests::Nothing)
            .build()
            .expect("a valid table");
        assert!(router
            .reach(&Pattern::parse("videos[{integers}].title").expect("a pattern"))
            .is_served());
    }
}
