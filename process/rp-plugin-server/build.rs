//! Compiles the project's C loader (c-host/loader: the ELF check before dlopen, the descriptor
//! checks, the HTTP plugin lifecycle) into the server, so that it loads plugins exactly as every
//! other host does, and generates the Rust bindings of its header with bindgen.

use std::env;
use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    let loader = root.join("c-host/loader");
    let include = root.join("include");
    let sources =
        ["elf_check.c", "plugin_loader.c", "http_plugin_loader.c"].map(|s| loader.join(s));
    for path in sources
        .iter()
        .chain([&loader.join("rp_loader.h"), &include])
    {
        println!("cargo::rerun-if-changed={}", path.display());
    }
    println!("cargo::rerun-if-changed=src/shim.c");
    cc::Build::new()
        .files(&sources)
        .file("src/shim.c")
        .include(&include)
        .include(&loader)
        .define("_XOPEN_SOURCE", "700")
        .flag("-std=c99")
        .warnings_into_errors(true)
        .compile("rp_loader");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("loader_sys.rs");
    bindgen::Builder::default()
        .header(loader.join("rp_loader.h").to_str().expect("UTF-8 path"))
        .header("src/shim.c")
        .clang_arg(format!("-I{}", include.display()))
        .clang_arg(format!("-I{}", loader.display()))
        .allowlist_function("(rp_|rps_).*")
        .allowlist_type("rp_.*")
        .allowlist_var("RP_.*")
        .generate()
        .unwrap_or_else(|e| {
            panic!("bindgen rp_loader.h: {e} (bindgen needs libclang: run `make deps`)")
        })
        .write_to_file(out)
        .expect("write the bindings");
}
