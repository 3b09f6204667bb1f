//! The tree holds sources, not build output: no tracked file over 1 MiB, and none of the kinds a
//! build writes (Go test binaries, objects, libraries). .gitignore keeps them out; this catches a
//! `git add -f` or a new kind of output.

use tidy::{root, tracked};

const MAX_BYTES: u64 = 1 << 20;
const OUTPUT_SUFFIXES: [&str; 4] = [".test", ".o", ".a", ".so"];

#[test]
fn no_build_output_is_tracked() {
    let mut wrong = Vec::new();
    for path in tracked() {
        // A deleted, not yet committed file has nothing to measure.
        let Ok(meta) = std::fs::metadata(root().join(&path)) else {
            continue;
        };
        let name = path.rsplit('/').next().unwrap();
        let library = name.contains(".so.")
            && name
                .rsplit(".so.")
                .next()
                .unwrap()
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.');
        if OUTPUT_SUFFIXES.iter().any(|suffix| name.ends_with(suffix)) || library {
            wrong.push(format!("{path}: build output (.gitignore covers it)"));
        } else if meta.is_file() && meta.len() > MAX_BYTES {
            wrong.push(format!(
                "{path}: {} bytes, over the 1 MiB limit (build output?)",
                meta.len()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "remove these with `git rm --cached`:\n{}",
        wrong.join("\n")
    );
}
