//! The user record (`rp_ffi_core::record`) against the byte-layout vectors the Go decoder is held
//! to as well (`tests/layouts.json`; `go-interop/usermanager/layouts_test.go`).

#[path = "support/vectors.rs"]
mod vectors;
use vectors::{bytes, vectors};

#[test]
fn records_are_written_byte_for_byte() {
    let vectors = vectors();
    let records = vectors["records"].as_array().expect("records");
    assert!(!records.is_empty());
    for record in records {
        let strings: Vec<&str> = record["strings"]
            .as_array()
            .expect("strings")
            .iter()
            .map(|s| s.as_str().expect("a string"))
            .collect();
        let mut out = Vec::new();
        rp_ffi_core::record::encode(strings.iter().map(|s| s.as_bytes()), &mut out);
        assert_eq!(out, bytes(record), "{strings:?}");
    }
}
