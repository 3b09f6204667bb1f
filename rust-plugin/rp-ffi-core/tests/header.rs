//! `include/rp_common.h`, the types and status codes every header of the project includes, must
//! be what cbindgen generates now.

#[path = "support/header.rs"]
mod header;

const CRATE_DIR: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn committed_header_is_up_to_date() {
    let mut config = header::config(CRATE_DIR);
    // cbindgen exports no constants of a macro's expansion, so the status list renders its own.
    config.after_includes = Some(rp_ffi_core::status::c_defines());
    config.trailer = Some(include_str!("../header-trailer.h").replace(
        "/* rp_status_str */\n",
        &rp_ffi_core::status::c_status_str_function(),
    ));
    header::check(CRATE_DIR, "rp_common.h", config);
}

#[test]
fn status_defines_match_the_library() {
    for status in [
        rp_ffi_core::status::RP_OK,
        rp_ffi_core::status::RP_PLUGIN_FAILED,
    ] {
        let name = rp_ffi_core::status::status_name(status).to_str().unwrap();
        assert_eq!(
            header::define(CRATE_DIR, "rp_common.h", name),
            status.to_string()
        );
    }
}
