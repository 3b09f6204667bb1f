//! Docs that cannot drift: every header, script, status code, make target, docs page and Go package
//! is listed where the docs say they are listed, and every relative link leads somewhere.

use std::collections::BTreeSet;
use tidy::{assert_none_missing, assert_quoted_in, files, read, root, tracked};

/// `include/README.md` has a row for every header of `include/`.
#[test]
fn every_header_is_in_the_include_readme() {
    assert_quoted_in("these headers", "include/README.md", files("include", ".h"));
}

/// `scripts/README.md` names every script of `scripts/`.
#[test]
fn every_script_is_in_the_scripts_readme() {
    assert_quoted_in(
        "these scripts",
        "scripts/README.md",
        files("scripts", ".sh"),
    );
}

/// Every status code `rp_common.h` defines is in the C guide's list of them.
#[test]
fn every_status_code_is_in_the_c_guide() {
    let codes = read("include/rp_common.h")
        .lines()
        .filter_map(|line| line.strip_prefix("#define RP_"))
        // A status is a name and a number: `#define RP_NOT_FOUND 1`.
        .filter_map(
            |rest| match rest.split_whitespace().collect::<Vec<_>>()[..] {
                [name, value] if value.parse::<i32>().is_ok() => Some(format!("RP_{name}")),
                _ => None,
            },
        )
        .collect::<Vec<_>>();
    assert_quoted_in(
        "these status codes of include/rp_common.h",
        "docs/c-and-cpp.md",
        codes,
    );
}

/// Every make target a user may type is in `make help`, and `make help` names only targets.
#[test]
fn every_make_target_is_in_make_help() {
    let makefile = read("Makefile");
    let phony: BTreeSet<String> = makefile
        .split(".PHONY:")
        .nth(1)
        .expect("Makefile: a .PHONY line")
        .split("\n\n")
        .next()
        .unwrap()
        .replace('\\', " ")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let helped: BTreeSet<String> = makefile
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("@echo \"make "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    // The steps of `make test` and the sub-builds are listed as such in make help's lines.
    let internal = |t: &str| {
        t.starts_with("test-")
            || [
                "help",
                "all",
                "build-rust",
                "build-rust-lto",
                "c-host",
                "cpp-bench",
            ]
            .contains(&t)
    };
    let missing: Vec<String> = phony
        .iter()
        .filter(|t| !internal(t) && !helped.contains(*t))
        .cloned()
        .collect();
    assert_none_missing("these targets", "Makefile's help", &missing);
    let unknown: Vec<String> = helped.difference(&phony).cloned().collect();
    assert!(
        unknown.is_empty(),
        "make help names targets that are not .PHONY targets: {unknown:?}"
    );
}

/// Every page of `docs/` is linked from the README.
#[test]
fn every_docs_page_is_linked_from_the_readme() {
    let readme = read("README.md");
    let missing: Vec<String> = files("docs", ".md")
        .into_iter()
        .filter(|page| !readme.contains(&format!("](docs/{page})")))
        .collect();
    assert_none_missing("these pages of docs/", "README.md", &missing);
}

/// Every relative link of every tracked Markdown file leads to a file or folder that exists, and
/// an anchor into a Markdown file to one of its headings.
#[test]
fn every_relative_link_resolves() {
    let mut broken = Vec::new();
    for doc in tracked().into_iter().filter(|path| path.ends_with(".md")) {
        let text = read(&doc);
        let dir = std::path::Path::new(&doc).parent().unwrap().to_path_buf();
        for target in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let path = if file.is_empty() {
                doc.clone()
            } else {
                dir.join(file).to_string_lossy().into_owned()
            };
            if !root().join(&path).exists() {
                broken.push(format!("{doc}: ({target}): no {path}"));
            } else if !anchor.is_empty()
                && path.ends_with(".md")
                && !anchors(&read(&path)).contains(anchor)
            {
                broken.push(format!("{doc}: ({target}): no heading #{anchor} in {path}"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The targets of the Markdown links `[text](target)` outside code.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let Some(end) = rest.find(')') else { break };
            let target = &rest[..end];
            if !target.is_empty() && !target.contains(' ') {
                out.push(target.to_owned());
            }
            rest = &rest[end..];
        }
    }
    out
}

/// The anchors GitHub gives a Markdown file's headings: lower case, spaces to hyphens, punctuation
/// other than hyphens and underscores dropped.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut fenced = false;
    let mut out = BTreeSet::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim().to_lowercase();
        out.insert(
            title
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
                .map(|c| if c == ' ' { '-' } else { c })
                .collect(),
        );
    }
    out
}

/// `go-interop/README.md` has a row for every Go package of the module (and reva's), by folder.
#[test]
fn every_go_package_is_in_the_go_readme() {
    let folders: BTreeSet<String> = tracked()
        .iter()
        .filter_map(|path| path.strip_prefix("go-interop/"))
        .filter(|path| path.ends_with(".go"))
        .filter_map(|path| Some(format!("{}/", path.rsplit_once('/')?.0)))
        .collect();
    assert_quoted_in(
        "these Go packages (by folder)",
        "go-interop/README.md",
        folders,
    );
}
