//! Builds the two foreign `add`s the benchmarks compare the plugin with, and their bindings (bindgen):
//! - `cpp-bench/src/native_add.c`, a C `native_add`, compiled with the `cc` crate (the Rust -> C path);
//! - `go-interop/add/carchive`, built with `go build -buildmode=c-archive` (the Rust -> Go path), when
//!   Go is installed; else cfg `has_go` stays unset and the Go benchmark says it is skipped.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bindings(header: &Path, allow: &str, out: &Path) {
    bindgen::Builder::default()
        .header(header.to_str().expect("UTF-8 path"))
        .allowlist_function(allow)
        .allowlist_type(allow)
        .generate()
        .unwrap_or_else(|e| panic!("bindgen {}: {e} (run `make deps`)", header.display()))
        .write_to_file(out)
        .expect("write the bindings");
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!("cargo::rustc-check-cfg=cfg(has_go)");

    let c_add = root.join("cpp-bench/src/native_add.c");
    let c_add_header = root.join("cpp-bench/src/native_add.h");
    println!("cargo::rerun-if-changed={}", c_add.display());
    println!("cargo::rerun-if-changed={}", c_add_header.display());
    cc::Build::new()
        .file(&c_add)
        .opt_level(3)
        .compile("native_add");
    bindings(&c_add_header, "native_add", &out.join("native_add_sys.rs"));

    let go_source = root.join("go-interop/add/carchive/goadd.go");
    println!("cargo::rerun-if-changed={}", go_source.display());
    let go_built = Command::new("go")
        .args(["build", "-buildmode=c-archive", "-o"])
        .arg(out.join("libgoadd.a"))
        .arg("./add/carchive")
        .current_dir(root.join("go-interop"))
        .status()
        .map(|status| status.success())
        .unwrap_or(false);
    if go_built {
        bindings(&out.join("libgoadd.h"), "GoAdd", &out.join("goadd_sys.rs"));
        println!("cargo::rustc-link-search=native={}", out.display());
        println!("cargo::rustc-link-lib=static=goadd");
        println!("cargo::rustc-cfg=has_go");
    } else {
        println!("cargo::warning=go is not installed: the Rust -> Go benchmark is skipped");
    }
}
