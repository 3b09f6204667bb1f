//! The committed `include/rp_process.h` must be what cbindgen generates now.

#[path = "../../../rust-plugin/rp-ffi-core/tests/support/header.rs"]
mod header;

const CRATE_DIR: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn committed_header_is_up_to_date() {
    header::check(CRATE_DIR, "rp_process.h", header::config(CRATE_DIR));
}

#[test]
fn operations_agree_between_header_and_crate() {
    let define = |name: &str| header::define(CRATE_DIR, "rp_process.h", name);
    assert_eq!(
        define("RP_PROCESS_OP_GET_USER"),
        rp_process::RP_PROCESS_OP_GET_USER.to_string()
    );
    assert_eq!(
        define("RP_PROCESS_OP_HTTP_SERVE"),
        rp_process::RP_PROCESS_OP_HTTP_SERVE.to_string()
    );
    assert_eq!(
        define("RP_PROCESS_KIND_HTTP"),
        rp_process::RP_PROCESS_KIND_HTTP.to_string()
    );
}
