//! Shared by every crate's `tests/header.rs` (included with `#[path]`): generate a header with
//! cbindgen, and fail when the committed copy in the workspace's `include/` differs.
//! `UPDATE_HEADER=1` (or `make header`) rewrites the committed copy instead.

use std::path::{Path, PathBuf};

/// The workspace's `include/` directory, where every generated header is committed.
pub fn include_dir(crate_dir: &str) -> PathBuf {
    Path::new(crate_dir).join("../../include")
}

/// The crate's `cbindgen.toml`.
pub fn config(crate_dir: &str) -> cbindgen::Config {
    cbindgen::Config::from_file(Path::new(crate_dir).join("cbindgen.toml"))
        .expect("cbindgen.toml parses")
}

/// Generates `include/NAME` from the crate with `config`, then compares it with (or, under
/// `UPDATE_HEADER`, writes it over) the committed copy.
pub fn check(crate_dir: &str, name: &str, config: cbindgen::Config) {
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut generated);
    let generated = String::from_utf8(generated).expect("the header is UTF-8");
    let path = include_dir(crate_dir).join(name);
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write the header");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run `make header` and commit it",
        path.display()
    );
}

/// The value of `#define NAME value` in the committed header `include/HEADER`.
pub fn define(crate_dir: &str, header: &str, name: &str) -> String {
    let text = std::fs::read_to_string(include_dir(crate_dir).join(header)).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("#define {name} ")))
        .unwrap_or_else(|| panic!("{header} defines {name}"))
        .trim()
        .to_owned()
}
