//! Generates the Rust bindings of the plugin's C API (`include/rustplugin.h`) with bindgen: the host
//! depends on the header alone, as a host built elsewhere would, not on the plugin crate.

use std::env;
use std::path::PathBuf;

fn main() {
    let header =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../../include/rustplugin.h");
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
