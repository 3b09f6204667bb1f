//! The byte-layout vectors of `tests/layouts.json`, for the Rust tests that hold a layout to them.

use serde_json::Value;

/// The vectors of `tests/layouts.json`.
pub fn vectors() -> Value {
    // From this crate or another one beside it (rp-http-plugin includes this file).
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../rp-ffi-core/tests/layouts.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The bytes a vector's `hex` spells.
pub fn bytes(vector: &Value) -> Vec<u8> {
    let hex = vector["hex"].as_str().expect("a hex string");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
        .collect()
}
