//! Path and route syntax: what is printed parses back to the same value,
//! and no input makes the parser panic or report a position outside it.

use peregrine::path::{Error, Key, Matcher, PathSet, Pattern};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::strategy::{path_set, pattern};
use super::{members, pattern_members};

/// Path sets path syntax can spell: all but those holding the empty key,
/// which falcor and Peregrine refuse to read quoted (`a[""]`).
fn spelled_path_set() -> impl Strategy<Value = PathSet> {
    path_set().prop_filter("path syntax cannot spell the empty key", |set| {
        !set.iter().any(|keys| keys.contains(&Key::from("")))
    })
}

/// Patterns path syntax can spell (see [`spelled_path_set`]).
fn spelled_pattern() -> impl Strategy<Value = Pattern> {
    pattern().prop_filter("path syntax cannot spell the empty key", |pattern| {
        !pattern.iter().any(
            |matcher| matches!(matcher, Matcher::KeySet(keys) if keys.contains(&Key::from(""))),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn a_printed_path_set_parses_back_to_itself(set in spelled_path_set()) {
        let printed = set.to_string();
        prop_assert_eq!(PathSet::parse(&printed), Ok(members(&set)), "printed as {}", printed);
    }

    #[test]
    fn a_printed_path_set_is_also_a_pattern(set in spelled_path_set()) {
        let printed = set.to_string();
        let expected = Pattern::new(members(&set).iter().cloned().map(Matcher::KeySet).collect());
        prop_assert_eq!(Pattern::parse(&printed), Ok(expected), "printed as {}", printed);
    }

    #[test]
    fn a_printed_pattern_parses_back_to_itself(pattern in spelled_pattern()) {
        let printed = pattern.to_string();
        prop_assert_eq!(
            Pattern::parse(&printed),
            Ok(pattern_members(&pattern)),
            "printed as {}",
            printed
        );
    }

    #[test]
    fn parsing_any_string_never_panics(input in any::<String>()) {
        check_parse(&input)?;
    }

    #[test]
    fn parsing_path_like_strings_never_panics(input in "[a-z0-9\\[\\]\\.,'\" \\\\{}:-]{0,40}") {
        check_parse(&input)?;
    }
}

/// Parses `input` both ways: what parses must print and parse back to the
/// same value, and what fails must say where, inside the input.
fn check_parse(input: &str) -> Result<(), TestCaseError> {
    let plain = PathSet::parse(input);
    match &plain {
        // Parsed input holds no boolean or null, so equality is exact.
        Ok(set) => prop_assert_eq!(PathSet::parse(&set.to_string()), Ok(set.clone())),
        Err(err) => check_error(input, err)?,
    }
    match Pattern::parse(input) {
        Ok(pattern) => {
            prop_assert_eq!(Pattern::parse(&pattern.to_string()), Ok(pattern.clone()));
            // Route syntax is plain syntax with three more special
            // characters, so without tokens both read the same path.
            if pattern.iter().all(|m| matches!(m, Matcher::KeySet(_))) {
                let sets = pattern.iter().map(|m| match m {
                    Matcher::KeySet(set) => set.clone(),
                    Matcher::Token(_) => unreachable!("no tokens here"),
                });
                prop_assert_eq!(plain, Ok(sets.collect::<PathSet>()));
            }
        }
        Err(err) => check_error(input, &err)?,
    }
    Ok(())
}

/// A parse error points inside its input and ends with the input around
/// the offset on one line (up to 60 characters each side, `…` where cut)
/// and a caret under the offset.
fn check_error(input: &str, err: &Error) -> Result<(), TestCaseError> {
    const SHOWN: usize = 60;
    let length = input.chars().count();
    prop_assert!(
        err.offset() <= length,
        "offset {} past the end of {:?}",
        err.offset(),
        input
    );
    prop_assert_eq!(err.input(), input);
    let text = err.to_string();
    let head = format!("invalid path at offset {}: ", err.offset());
    prop_assert!(text.starts_with(&head), "{}", text);
    let shown: Vec<char> = input
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let from = err.offset().saturating_sub(SHOWN);
    let to = length.min(err.offset() + SHOWN);
    let mut before: String = shown[from..err.offset()].iter().collect();
    if from > 0 {
        before.insert(0, '…');
    }
    let mut after: String = shown[err.offset()..to].iter().collect();
    if to < length {
        after.push('…');
    }
    let mut lines = text.rsplit('\n');
    // The caret stands under the spot as a terminal shows it: wide (East
    // Asian) characters take two columns.
    let column: usize = before
        .chars()
        .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
        .sum();
    let caret = format!("  {}^", " ".repeat(column));
    let line = format!("  {before}{after}");
    prop_assert_eq!(lines.next(), Some(caret.as_str()), "{}", text);
    prop_assert_eq!(lines.next(), Some(line.as_str()), "{}", text);
    Ok(())
}
