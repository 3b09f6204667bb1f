//! Each library exports exactly the functions its header declares, and each HTTP plugin exactly
//! its descriptor: nothing more (no Rust std symbols, no symbols of their crates), nothing less.
//! Needs the built libraries (`make build-rust`): `make test-header` runs it after the build.

use std::collections::BTreeSet;
use std::process::Command;

use tidy::{read, root};

/// The functions a header declares at file scope: a line that starts a declaration in column 0
/// (not a `static inline` helper, not a `#define`, not an indented struct field such as a function
/// pointer of the descriptor), whose name is the identifier right before its first `(`.
fn declared(header: &str) -> BTreeSet<String> {
    header
        .lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter(|line| !line.starts_with("static") && !line.starts_with("typedef"))
        .filter_map(|line| {
            let before = &line[..line.find('(')?];
            let name = before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
            let identifier = &before[name.len()..];
            (name.ends_with([' ', '*']) && !identifier.is_empty()).then(|| identifier.to_owned())
        })
        .collect()
}

/// The functions and data a shared library defines in its dynamic symbol table (`nm -D`).
fn exported(library: &str) -> BTreeSet<String> {
    let path = root().join("target/release").join(library);
    assert!(
        path.exists(),
        "{} is missing: run `make build-rust` first",
        path.display()
    );
    let output = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&path)
        .output()
        .expect("nm (binutils)");
    assert!(
        output.status.success(),
        "nm {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().nth(2).map(str::to_owned))
        .collect()
}

#[test]
fn each_library_exports_exactly_its_header() {
    for (header, library) in [
        ("include/rustplugin.h", "librustplugin.so"),
        ("include/rp_process.h", "librp_process.so"),
        ("include/rp_json_row.h", "librp_json_row.so"),
    ] {
        let declared = declared(&read(header));
        assert!(
            declared.contains("rp_version") || declared.len() > 3,
            "{header}: too few declarations found: {declared:?}"
        );
        let exported = exported(library);
        assert_eq!(
            exported.difference(&declared).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "{library} exports what {header} does not declare"
        );
        assert_eq!(
            declared.difference(&exported).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "{header} declares what {library} does not export"
        );
    }
}

#[test]
fn each_http_plugin_exports_only_its_descriptor() {
    for plugin in [
        "libecho_plugin.so",
        "liblegacy_base64_plugin.so",
        "libfaulty_plugin.so",
    ] {
        assert_eq!(
            exported(plugin).into_iter().collect::<Vec<_>>(),
            ["rp_http_plugin_get_descriptor"],
            "{plugin}"
        );
    }
}

/// The declaration parser on the shapes the headers have.
#[test]
fn declarations_are_told_from_fields_helpers_and_macros() {
    let found = declared(
        "#define RP_X(a) (a)\ntypedef struct s {\n  rp_status (*field)(int);\n} s;\n\
         static inline rp_str rp_cstr(const char *s) {\n  return x;\n}\n\
         rp_status rp_get(const struct m *m,\n                rp_str id);\nconst char *rp_version(void);\n\
         int64_t Add(int64_t a, int64_t b);\n",
    );
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["Add", "rp_get", "rp_version"]
    );
}
