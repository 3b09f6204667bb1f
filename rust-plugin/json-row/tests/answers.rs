//! GetJsonRow from Rust: the rlib's answers borrow the input unless gjson computed them, and the
//! inputs that break parsers (deep nesting, huge documents, malformed text) get an answer, never a
//! crash. (Go's tests hold the answers to gjson itself: go-interop/jsonrow.)

use std::borrow::Cow;

use rp_json_row::{get_json_row, RPJ_MAX_PATH_SEPARATORS};

fn get<'a>(input: &'a str, path: &str) -> Cow<'a, str> {
    get_json_row(input, path).unwrap()
}

#[test]
fn answers_borrow_the_input_unless_computed() {
    let json = r#"{"name":{"last":"Anderson"},"children":["Sara","Alex","Jack"]}"#;
    assert!(matches!(
        get(json, "name.last"),
        Cow::Borrowed("\"Anderson\"")
    ));
    assert!(matches!(get(json, "children.1"), Cow::Borrowed("\"Alex\"")));
    assert!(matches!(get(json, "nothing"), Cow::Borrowed("")));
    assert_eq!(get(json, "children.#"), Cow::<str>::Owned("3".into()));
}

#[test]
fn inputs_that_break_parsers_get_an_answer() {
    let deep = "[".repeat(1_000_000) + &"]".repeat(1_000_000);
    assert_eq!(
        get(&deep, "0.0.0"),
        "[".repeat(999_997) + &"]".repeat(999_997)
    );
    let nested = r#"{"a":"#.repeat(10_000) + "1" + &"}".repeat(10_000);
    let deepest = vec!["a"; RPJ_MAX_PATH_SEPARATORS + 1].join(".");
    assert_eq!(
        get(&nested, &deepest),
        r#"{"a":"#.repeat(10_000 - 129) + "1" + &"}".repeat(10_000 - 129)
    );
    // One element more, or a path of 10 000 (which overflowed a 2 MiB stack), is refused: a
    // stack overflow would abort the caller's process.
    for elements in [RPJ_MAX_PATH_SEPARATORS + 2, 10_000] {
        let error = get_json_row(&nested, &vec!["a"; elements].join(".")).unwrap_err();
        assert!(
            format!("{error:?}").contains("over the limit of 128"),
            "{error:?}"
        );
    }
    let huge = format!(r#"{{"pad":"{}","x":42}}"#, "z".repeat(64 << 20));
    assert_eq!(get(&huge, "x"), "42");
    for broken in [
        r#"{"a":"#,
        r#"{"a":[1,2,"#,
        "]]]]",
        r#""\"#,
        "{\"a\":\"\\u12",
        "nul\0l",
    ] {
        let _ = get(broken, "a");
        let _ = get(broken, "a.#");
        let _ = get(broken, "@reverse");
    }
}
