//! The committed `include/rp_http_plugin.h` must be what cbindgen generates now, and its version
//! macros must agree with the descriptor plugins export.

#[path = "../../rp-ffi-core/tests/support/header.rs"]
mod header;

use rp_http_plugin::abi::{
    rp_http_plugin_descriptor, RP_HTTP_ABI_VERSION_MAJOR, RP_HTTP_ABI_VERSION_MINOR,
};
use rp_http_plugin::{HttpPlugin, PluginError, Request, Response};

const CRATE_DIR: &str = env!("CARGO_MANIFEST_DIR");
const HEADER: &str = "rp_http_plugin.h";

#[test]
fn committed_header_is_up_to_date() {
    let mut config = header::config(CRATE_DIR);
    config.trailer = Some(include_str!("../header-trailer.h").to_owned());
    header::check(CRATE_DIR, HEADER, config);
}

struct Nothing;

impl HttpPlugin for Nothing {
    fn new() -> Self {
        Nothing
    }
    fn handle(&self, _: &Request<'_>, _: &mut Response<'_>) -> Result<(), PluginError> {
        Ok(())
    }
}

rp_http_plugin::export_http_plugin!(Nothing);

#[test]
fn versions_agree_between_header_and_descriptor() {
    let define = |name: &str| header::define(CRATE_DIR, HEADER, name);
    assert_eq!(
        define("RP_HTTP_ABI_VERSION_MAJOR"),
        RP_HTTP_ABI_VERSION_MAJOR.to_string()
    );
    assert_eq!(
        define("RP_HTTP_ABI_VERSION_MINOR"),
        RP_HTTP_ABI_VERSION_MINOR.to_string()
    );
    // SAFETY: the descriptor is static and never NULL.
    let descriptor = unsafe { &*rp_http_plugin_get_descriptor() };
    assert_eq!(descriptor.abi_version_major, RP_HTTP_ABI_VERSION_MAJOR);
    assert_eq!(descriptor.abi_version_minor, RP_HTTP_ABI_VERSION_MINOR);
    assert_eq!(
        descriptor.struct_size,
        size_of::<rp_http_plugin_descriptor>()
    );
    // SAFETY: static NUL-terminated strings.
    let name = unsafe { std::ffi::CStr::from_ptr(descriptor.plugin_name) };
    assert_eq!(name.to_str().unwrap(), env!("CARGO_PKG_NAME"));
}
