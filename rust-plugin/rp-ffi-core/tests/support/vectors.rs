//! The byte-layout vectors of `tests/layouts.json`, for the Rust tests that hold a layout to them.

use serde_json::Value;

/// The vectors of `tests/layouts.json`.
pub fn vectors() -> Value {
    // Found from the including crate, wherever it is in the workspace: up to the root.
    const VECTORS: &str = "rust-plugin/rp-ffi-core/tests/layouts.json";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join(VECTORS))
        .find(|path| path.exists())
        .unwrap_or_else(|| panic!("{VECTORS} is not above {}", env!("CARGO_MANIFEST_DIR")));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// The bytes a vector's `hex` spells.
pub fn bytes(vector: &Value) -> Vec<u8> {
    let hex = vector["hex"].as_str().expect("a hex string");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
        .collect()
}
