//! Generates the Rust bindings of three C headers with bindgen, and builds what they describe:
//! - include/rustplugin.h: the plugin's C API (types for the libloading host);
//! - cpp-bench/src/native_add.h: a C `native_add`, compiled with the `cc` crate (the Rust -> C path);
//! - the header `go build -buildmode=c-archive` writes for go-interop/carchive (the Rust -> Go path),
//!   when Go is installed; else cfg `has_go` stays unset and the Go benchmark says it is skipped.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bindings(header: &Path, allow: &str, out: &Path) {
    bindgen::Builder::default()
        .header(header.to_str().expect("UTF-8 path"))
        .allowlist_function(allow)
        .allowlist_type(allow)
        .allowlist_var(allow)
        .generate()
        .unwrap_or_else(|e| {
            panic!(
                "bindgen {}: {e} (bindgen needs libclang: run `make deps`)",
                header.display()
            )
        })
        .write_to_file(out)
        .expect("write the bindings");
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("..");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!("cargo::rustc-check-cfg=cfg(has_go)");

    let plugin_header = root.join("include/rustplugin.h");
    println!("cargo::rerun-if-changed={}", plugin_header.display());
    bindings(
        &plugin_header,
        "(rp_|RP_|Add).*",
        &out.join("rustplugin_sys.rs"),
    );

    let c_add = root.join("cpp-bench/src/native_add.c");
    let c_add_header = root.join("cpp-bench/src/native_add.h");
    println!("cargo::rerun-if-changed={}", c_add.display());
    println!("cargo::rerun-if-changed={}", c_add_header.display());
    cc::Build::new()
        .file(&c_add)
        .opt_level(3)
        .compile("native_add");
    bindings(&c_add_header, "native_add", &out.join("native_add_sys.rs"));

    let go_source = root.join("go-interop/carchive/goadd.go");
    println!("cargo::rerun-if-changed={}", go_source.display());
    let go_built = Command::new("go")
        .args(["build", "-buildmode=c-archive", "-o"])
        .arg(out.join("libgoadd.a"))
        .arg("./carchive")
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
