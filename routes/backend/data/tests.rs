//! Tests of `data.rs`.

use super::*;

#[test]
fn synopses_stay_within_100_to_300_characters() {
    // 100,000 synopses over ten seeds, so that both bounds are tried.
    let videos = (0..10).flat_map(|seed| {
        let settings = Settings {
            seed,
            lists: 0,
            ..Settings::default()
        };
        Catalog::generate(&settings).videos
    });
    for video in videos {
        let length = video.synopsis.len();
        assert!(
            (100..=300).contains(&length),
            "{length}: {:?}",
            video.synopsis
        );
        assert!(video.synopsis.ends_with('.') && !video.synopsis.ends_with(".."));
        assert!(!video.synopsis.contains("  "));
    }
}

#[test]
fn only_canonical_names_resolve() {
    let catalog = Catalog::generate(&Settings::default());
    assert_eq!(catalog.user("u1").map(User::number), Some(1));
    assert_eq!(catalog.user("u1000").map(User::number), Some(1000));
    for name in ["u0", "u1001", "u01", "u+1", "u", "1", "U1", "u1 "] {
        assert_eq!(catalog.user(name), None, "{name}");
    }
    assert!(catalog.list("list-200").is_some());
    for id in ["list-0", "list-201", "list-01", "list-", "list17"] {
        assert!(catalog.list(id).is_none(), "{id}");
    }
}
