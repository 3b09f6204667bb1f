//! The out-of-process user manager's requests (`rp_process::strings`) against the byte-layout
//! vectors the Go host is held to as well (`rust-plugin/rp-ffi-core/tests/layouts.json`;
//! `go-interop/usermanager/process/layouts_test.go`).

#[path = "../../../rust-plugin/rp-ffi-core/tests/support/vectors.rs"]
mod vectors;

#[test]
fn string_lists_are_written_byte_for_byte() {
    let vectors = vectors::vectors();
    let lists = vectors["strings"].as_array().expect("strings");
    assert!(!lists.is_empty());
    for list in lists {
        let strings: Vec<&[u8]> = list["strings"]
            .as_array()
            .expect("strings")
            .iter()
            .map(|s| s.as_str().expect("a string").as_bytes())
            .collect();
        assert_eq!(
            rp_process::strings(&strings),
            vectors::bytes(list),
            "{list}"
        );
    }
}
