//! The committed header must be what cbindgen generates now, and its version macros must agree
//! with Cargo.toml and with the library at run time.
//!
//! `UPDATE_HEADER=1 cargo test --test header` (or `make header`) rewrites the committed header.

#[path = "../../rp-ffi-core/tests/support/header.rs"]
mod header;

use std::ffi::CStr;

use rustplugin::ffi::{
    rp_plugin_get_descriptor, rp_version, RP_ABI_VERSION_MAJOR, RP_ABI_VERSION_MINOR,
};

const CRATE_DIR: &str = env!("CARGO_MANIFEST_DIR");
const HEADER: &str = "rustplugin.h";

#[test]
fn committed_header_is_up_to_date() {
    let mut config = header::config(CRATE_DIR);
    let [major, minor, patch] = ["MAJOR", "MINOR", "PATCH"].map(|part| {
        std::env::var(format!("CARGO_PKG_VERSION_{part}")).expect("cargo sets the version parts")
    });
    config.after_includes = Some(format!(
        "\n/** The library version this header describes; rp_version() returns the same string. */\n\
         #define RP_VERSION \"{}\"\n\
         #define RP_VERSION_MAJOR {major}\n#define RP_VERSION_MINOR {minor}\n#define RP_VERSION_PATCH {patch}\n",
        env!("CARGO_PKG_VERSION"),
    ));
    config.trailer = Some(include_str!("../header-trailer.h").to_owned());
    header::check(CRATE_DIR, HEADER, config);
}

#[test]
fn versions_agree_between_header_cargo_and_runtime() {
    let define = |name: &str| header::define(CRATE_DIR, HEADER, name);
    assert_eq!(
        define("RP_VERSION"),
        format!("\"{}\"", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        define("RP_ABI_VERSION_MAJOR"),
        RP_ABI_VERSION_MAJOR.to_string()
    );
    assert_eq!(
        define("RP_ABI_VERSION_MINOR"),
        RP_ABI_VERSION_MINOR.to_string()
    );

    // SAFETY: rp_version returns a static NUL-terminated string.
    let runtime = unsafe { CStr::from_ptr(rp_version()) }.to_str().unwrap();
    assert_eq!(runtime, env!("CARGO_PKG_VERSION"));
    // SAFETY: the descriptor is static and never NULL.
    let descriptor = unsafe { &*rp_plugin_get_descriptor() };
    assert_eq!(descriptor.abi_version_major, RP_ABI_VERSION_MAJOR);
    assert_eq!(descriptor.abi_version_minor, RP_ABI_VERSION_MINOR);
    assert_eq!(
        descriptor.struct_size,
        size_of::<rustplugin::ffi::rp_plugin_descriptor>()
    );
    // SAFETY: as rp_version.
    let library_version = unsafe { CStr::from_ptr(descriptor.library_version) };
    assert_eq!(library_version.to_str().unwrap(), runtime);
}

/// The library version cargo-c installs under (`[package.metadata.capi.library] version`) is the C
/// ABI's MAJOR.MINOR.0, so the SONAME (`librustplugin.so.MAJOR`) changes exactly when the ABI breaks.
#[test]
fn installed_library_version_is_the_abi_version() {
    let manifest = std::fs::read_to_string(format!("{CRATE_DIR}/Cargo.toml")).unwrap();
    let section = manifest
        .split("\n[")
        .find(|section| section.starts_with("package.metadata.capi.library]"))
        .expect("Cargo.toml has a [package.metadata.capi.library] section");
    let version = section
        .lines()
        .find_map(|line| line.strip_prefix("version = "))
        .expect("[package.metadata.capi.library] sets version");
    assert_eq!(
        version,
        format!("\"{RP_ABI_VERSION_MAJOR}.{RP_ABI_VERSION_MINOR}.0\""),
        "set [package.metadata.capi.library] version to the ABI version"
    );
}
