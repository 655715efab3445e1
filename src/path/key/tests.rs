//! Tests of `key.rs`.

use super::*;

#[test]
fn string_keys_order_as_their_text_whichever_way_they_are_held() {
    let texts = [
        "", "a", "ab", "b", "title", "rating", "boxshot", "é", "Z", "tit",
    ];
    for a in texts {
        for b in texts {
            assert_eq!(
                Key::from_static(a).cmp(&Key::from(b.to_owned())),
                a.cmp(b),
                "{a:?} against {b:?}"
            );
        }
    }
}

#[test]
fn integer_like_strings_are_integers() {
    assert_eq!(Key::from("0"), Key::integer(0));
    assert_eq!(Key::from("-12"), Key::integer(-12));
    for not_canonical in ["00", "01", "-0", "1.5", "+1", "", "-", "1e3", " 1"] {
        assert_eq!(Key::from(not_canonical).as_str(), Some(not_canonical));
    }
    // Past i64: stays a string rather than wrapping.
    assert!(Key::from("99999999999999999999").as_str().is_some());
}

#[test]
fn keys_round_trip_through_json() {
    let keys: Vec<Key> =
        serde_json::from_str(r#"["a", 1, "2", true, null, 3.0]"#).expect("valid keys");
    assert_eq!(
        keys,
        vec![
            Key::from("a"),
            Key::integer(1),
            Key::integer(2),
            Key::from(true),
            Key::NULL,
            Key::integer(3)
        ]
    );
    assert_eq!(
        serde_json::to_string(&keys).expect("serializable"),
        r#"["a",1,2,true,null,3]"#
    );
    let err = serde_json::from_str::<Key>("1.5").expect_err("not a key");
    assert!(err.to_string().contains("1.5 is not an integer"), "{err}");
}
