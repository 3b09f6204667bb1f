//! The tree's tidy tests (`tests/`), in the manner of rust-analyzer's: each fails when a file, a
//! header, a script, a status code or a make target is added without the doc that lists it, when
//! a doc links to nothing, or when git tracks build output. `make test-tree` runs them first.
//! This library holds what the tests share: the tree's root and its files.

use std::path::{Path, PathBuf};

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The text of `path` (relative to the root); panics with the path when it cannot be read.
pub fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The names of the files in `dir` (relative to the root) whose names end with `suffix`, sorted.
pub fn files(dir: &str, suffix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(suffix))
        .collect();
    names.sort();
    names
}

/// The files git tracks, relative to the root.
pub fn tracked() -> Vec<String> {
    let output = std::process::Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .expect("git ls-files");
    assert!(
        output.status.success(),
        "git ls-files: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
        .stdout
        .split(|&b| b == 0)
        .filter(|name| !name.is_empty())
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect()
}

/// Fails with every missing entry at once: `what` names the list, `doc` the file that should
/// hold them.
pub fn assert_none_missing(what: &str, doc: &str, missing: &[String]) {
    assert!(
        missing.is_empty(),
        "{doc} does not list {what}: {} (add them there)",
        missing.join(", ")
    );
}

/// Fails unless the file `doc` names each of `names` in code quotes (`` `name` ``).
pub fn assert_quoted_in(what: &str, doc: &str, names: impl IntoIterator<Item = String>) {
    let text = read(doc);
    let missing: Vec<String> = names
        .into_iter()
        .filter(|name| !text.contains(&format!("`{name}`")))
        .collect();
    assert_none_missing(what, doc, &missing);
}
