//! The committed header is what cbindgen generates now, and its versions agree with the run time.
//! `UPDATE_HEADER=1 cargo test --test header` (or `make header`) rewrites it.

#[path = "../../rp-ffi-core/tests/support/header.rs"]
mod header;

use std::ffi::CStr;

use rp_json_row::ffi::{
    rpj_json_row_descriptor, rpj_json_row_get_descriptor, rpj_version, RPJ_ABI_VERSION_MAJOR,
    RPJ_ABI_VERSION_MINOR,
};

const CRATE_DIR: &str = env!("CARGO_MANIFEST_DIR");
const HEADER: &str = "rp_json_row.h";

#[test]
fn committed_header_is_up_to_date() {
    let mut config = header::config(CRATE_DIR);
    config.after_includes = Some(format!(
        "\n/** The library version this header describes; rpj_version() returns the same string. */\n\
         #define RPJ_VERSION \"{}\"\n",
        env!("CARGO_PKG_VERSION"),
    ));
    header::check(CRATE_DIR, HEADER, config);
}

#[test]
fn versions_agree_between_header_and_runtime() {
    let define = |name: &str| header::define(CRATE_DIR, HEADER, name);
    assert_eq!(
        define("RPJ_ABI_VERSION_MAJOR"),
        RPJ_ABI_VERSION_MAJOR.to_string()
    );
    assert_eq!(
        define("RPJ_ABI_VERSION_MINOR"),
        RPJ_ABI_VERSION_MINOR.to_string()
    );
    // SAFETY: a static NUL-terminated string.
    let runtime = unsafe { CStr::from_ptr(rpj_version()) }.to_str().unwrap();
    assert_eq!(format!("\"{runtime}\""), define("RPJ_VERSION"));
    // SAFETY: the descriptor is static and never NULL.
    let descriptor = unsafe { &*rpj_json_row_get_descriptor() };
    assert_eq!(
        (
            descriptor.abi_version_major,
            descriptor.abi_version_minor,
            descriptor.struct_size
        ),
        (
            RPJ_ABI_VERSION_MAJOR,
            RPJ_ABI_VERSION_MINOR,
            size_of::<rpj_json_row_descriptor>()
        )
    );
}
