//! Fuzzes the path-syntax parser. Any UTF-8 input is parsed as a path set
//! and as a route pattern: nothing may panic; what parses prints and
//! parses back to the same value (parsed input never holds a boolean or
//! `null` key, so equality is exact); what fails reports an offset inside
//! the input.

#![no_main]

use libfuzzer_sys::fuzz_target;
use peregrine::path::{Error, PathSet, Pattern};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match PathSet::parse(input) {
        Ok(set) => {
            let printed = set.to_string();
            assert_eq!(
                PathSet::parse(&printed).as_ref(),
                Ok(&set),
                "{input:?} printed as {printed:?}"
            );
            // Counting never expands; expanding is lazy, so a few paths
            // cost a few paths whatever the count.
            let count = set.count();
            let taken = set.expand().take(16).count();
            assert_eq!(taken as u64, count.min(16), "{input:?}");
        }
        Err(err) => check_error(input, &err),
    }
    match Pattern::parse(input) {
        Ok(pattern) => {
            let printed = pattern.to_string();
            assert_eq!(
                Pattern::parse(&printed).as_ref(),
                Ok(&pattern),
                "{input:?} printed as {printed:?}"
            );
        }
        Err(err) => check_error(input, &err),
    }
});

fn check_error(input: &str, err: &Error) {
    assert!(
        err.offset() <= input.chars().count(),
        "{input:?}: offset {} is past the end",
        err.offset()
    );
    let shown = err.to_string();
    assert!(shown.ends_with('^'), "{input:?}: {shown}");
}
