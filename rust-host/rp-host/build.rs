//! Generates the Rust bindings of the plugin's C API (`include/rustplugin.h`) with bindgen: the host
//! depends on the header alone, as a host built elsewhere would, not on the plugin crate. And
//! compiles the project's one plugin loader (`c-host/loader`: the file checked before dlopen), so
//! this host loads plugins under the same rule as the C, C++ and Go hosts.

use std::env;
use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    let loader = root.join("c-host/loader");
    for source in ["plugin_loader.c", "elf_check.c", "rp_loader.h"] {
        println!("cargo::rerun-if-changed={}", loader.join(source).display());
    }
    cc::Build::new()
        .files([loader.join("plugin_loader.c"), loader.join("elf_check.c")])
        .include(root.join("include"))
        .include(&loader)
        // As c-host/Makefile builds them (its WARNINGS).
        .flag("-std=c99")
        .flag("-pedantic")
        .define("_XOPEN_SOURCE", "700")
        .warnings_into_errors(true)
        .compile("rp_loader");
    let header = root.join("include/rustplugin.h");
    println!("cargo::rerun-if-changed={}", header.display());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("rustplugin_sys.rs");
    bindgen::Builder::default()
        .header(header.to_str().expect("UTF-8 path"))
        .allowlist_function("(rp_|RP_|Add).*")
        .allowlist_type("(rp_|RP_|Add).*")
        .allowlist_var("(rp_|RP_|Add).*")
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
