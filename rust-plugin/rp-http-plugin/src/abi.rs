//! The C ABI of an HTTP plugin, as `include/rp_http_plugin.h` describes it to C.
//!
//! A plugin exports one symbol, `rp_http_plugin_get_descriptor`, returning an
//! [`rp_http_plugin_descriptor`]: the ABI version, the plugin's name and version, and its
//! lifecycle (create, init, handle, close, destroy). The host hands the plugin an
//! [`rp_http_host`] at create: the callbacks through which a 1.0 handler reads the request and
//! writes the response. Since 1.1, `serve` takes the whole request in one struct
//! ([`rp_http_request_data`]) and gives the whole response back in one ([`rp_http_response_data`]):
//! one call per request, no callback.

#![allow(non_camel_case_types)] // C names, as the header spells them.

use std::ffi::{c_char, c_void};

use rp_ffi_core::status::Status;
use rp_ffi_core::string::rp_str;

/// ABI major version of HTTP plugins: bumped when a change breaks existing hosts or plugins. A host
/// must refuse a plugin whose major version differs.
pub const RP_HTTP_ABI_VERSION_MAJOR: u32 = 1;
/// ABI minor version: bumped when fields are added at the end of the descriptor or the host
/// vtable. A host built against minor N works with any plugin of the same major and minor >= N.
pub const RP_HTTP_ABI_VERSION_MINOR: u32 = 1;

// The three handles below are opaque: no `repr(C)`, so cbindgen declares them without a body.

/// The host's request, opaque to the plugin.
pub struct rp_http_request {
    _private: [u8; 0],
}

/// The host's response under construction, opaque to the plugin.
pub struct rp_http_response {
    _private: [u8; 0],
}

/// A plugin instance, opaque to the host.
pub struct rp_http_plugin {
    _private: [u8; 0],
}

/// The callbacks a host gives a plugin at `create`: how a handler reads the request and writes the
/// response. The host owns this table and keeps it valid and unchanged until `destroy` returns.
///
/// The callbacks may be called only from inside `handle`, on the thread that called `handle`, with
/// that call's request and response. Views they return (`rp_str` out-params) are owned by the
/// host and stay valid until `handle` returns; the setters copy what they are given. Every
/// callback returns `RP_OK`, or `RP_INVALID_ARGUMENT` for a NULL pointer or an unusable value (a
/// status code outside 100..=999, a header name or value a HTTP/1.1 server cannot send), leaving
/// the response unchanged.
#[repr(C)]
pub struct rp_http_host {
    /// `sizeof(rp_http_host)` as the host was built; the plugin refuses a smaller table.
    pub struct_size: usize,
    /// The request method (`"GET"`, `"POST"`...).
    pub get_method: Option<
        unsafe extern "C" fn(request: *const rp_http_request, method: *mut rp_str) -> Status,
    >,
    /// The request path, without the query string.
    pub get_path:
        Option<unsafe extern "C" fn(request: *const rp_http_request, path: *mut rp_str) -> Status>,
    /// The first value of the header `name` (case-insensitive), or `RP_NOT_FOUND` when the request
    /// has no such header (`value` untouched).
    pub get_header: Option<
        unsafe extern "C" fn(
            request: *const rp_http_request,
            name: rp_str,
            value: *mut rp_str,
        ) -> Status,
    >,
    /// The whole request body (empty when there is none).
    pub get_body:
        Option<unsafe extern "C" fn(request: *const rp_http_request, body: *mut rp_str) -> Status>,
    /// The response status code; 200 unless set.
    pub set_status:
        Option<unsafe extern "C" fn(response: *mut rp_http_response, code: i32) -> Status>,
    /// Sets the header `name` to `value`, replacing earlier values.
    pub set_header: Option<
        unsafe extern "C" fn(
            response: *mut rp_http_response,
            name: rp_str,
            value: rp_str,
        ) -> Status,
    >,
    /// Sets the response body, replacing an earlier one.
    pub set_body:
        Option<unsafe extern "C" fn(response: *mut rp_http_response, body: rp_str) -> Status>,
}

/// What a host needs to use an HTTP plugin, returned by the plugin's one export
/// `rp_http_plugin_get_descriptor()`. The first three fields keep their place in every ABI version.
///
/// A host must check, before calling anything through it, that `abi_version_major ==
/// RP_HTTP_ABI_VERSION_MAJOR` and that `struct_size` covers the fields of its minor version:
/// `rp_http_plugin_check_descriptor()` does exactly that. A 1.1 host serves 1.0 plugins (whose
/// descriptor ends before `serve`) through `handle` and the callbacks, and 1.1 plugins through
/// `serve` (`rp_http_plugin_serves()` tells which).
///
/// The lifecycle of an instance, each step at most once and in this order:
/// `create` -> `init` -> any number of `handle` -> `close` -> `destroy`. `destroy` may follow
/// `create` or a failed `init` directly; `close` is only for an instance whose `init` succeeded.
/// `handle` may run on several threads at once; `init`, `close` and `destroy` must not run
/// concurrently with any other call on the same instance. Calls out of order return
/// `RP_INVALID_ARGUMENT`.
///
/// Every function that returns an `rp_status` contains panics (`RP_PANIC`) and sets the plugin's
/// per-thread last error, read with `last_error_message`: each plugin has its own, so a host must
/// ask the plugin that failed.
/// One header of a request or a response: views, owned as the struct holding them says.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rp_http_header {
    pub name: rp_str,
    pub value: rp_str,
}

/// A whole request, as a 1.1 host hands it to `serve`. The host owns everything it points to,
/// readable until `serve` returns. `headers` may be NULL when `header_count` is 0; header names
/// are compared ignoring ASCII case; a name may repeat (one entry per value, in order). Since 1.1.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rp_http_request_data {
    /// `"GET"`, `"POST"`...
    pub method: rp_str,
    /// The path, without the query string.
    pub path: rp_str,
    pub headers: *const rp_http_header,
    pub header_count: usize,
    /// The whole body (empty when there is none).
    pub body: rp_str,
}

/// A whole response, as `serve` fills it. The plugin owns everything it points to, readable until
/// the host passes the struct to `release_response`; the host copies what it needs first. Since 1.1.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rp_http_response_data {
    /// 100..=999.
    pub status: i32,
    /// Each one valid for HTTP/1.1 (a token name; a value without CR, LF or NUL), one per value.
    pub headers: *const rp_http_header,
    pub header_count: usize,
    pub body: rp_str,
    /// The plugin's own, for `release_response`; the host leaves it alone.
    pub plugin_data: *mut c_void,
}

#[repr(C)]
pub struct rp_http_plugin_descriptor {
    pub abi_version_major: u32,
    pub abi_version_minor: u32,
    /// `sizeof(rp_http_plugin_descriptor)` as the plugin was built.
    pub struct_size: usize,
    /// The plugin's name (its crate name), NUL-terminated, static.
    pub plugin_name: *const c_char,
    /// The plugin's version (its crate version), NUL-terminated, static.
    pub plugin_version: *const c_char,
    /// Creates an instance that will use `host` (which must outlive it) and stores it in `*plugin`,
    /// owned by the caller until `destroy`. `RP_INVALID_ARGUMENT` for a NULL pointer, a host table
    /// smaller than this plugin's or one with NULL callbacks (`*plugin` untouched).
    pub create:
        unsafe extern "C" fn(host: *const rp_http_host, plugin: *mut *mut rp_http_plugin) -> Status,
    /// Prepares the instance with the host's configuration string (UTF-8, may be empty), read
    /// during the call only. `RP_PLUGIN_FAILED` when the plugin cannot serve with it: the host
    /// must not call `handle`, and should `destroy` the instance.
    pub init: unsafe extern "C" fn(plugin: *mut rp_http_plugin, config: rp_str) -> Status,
    /// Serves one request: reads it and writes the response through the host's callbacks.
    /// `RP_OK` when the response is complete; any other status means the handler failed (the
    /// host decides what to send, typically 500 with `last_error_message()`).
    pub handle: unsafe extern "C" fn(
        plugin: *const rp_http_plugin,
        request: *const rp_http_request,
        response: *mut rp_http_response,
    ) -> Status,
    /// Releases what `init` acquired. After it, only `destroy` may be called.
    pub close: unsafe extern "C" fn(plugin: *mut rp_http_plugin) -> Status,
    /// Frees the instance. Accepts NULL. Never fails.
    pub destroy: unsafe extern "C" fn(plugin: *mut rp_http_plugin),
    /// The plugin's message for the last failed call on the calling thread; `""` before any.
    /// NUL-terminated, owned by the plugin and the thread, overwritten by the thread's next failing
    /// call into the same plugin. Never NULL.
    pub last_error_message: extern "C" fn() -> *const c_char,
    /// Since 1.1: serves one request in one call. Reads `*request` (see `rp_http_request_data`)
    /// and, on `RP_OK`, fills `*response`, which the host must hand back to `release_response`
    /// exactly once after copying what it needs. Any other status means the handler failed
    /// (`*response` untouched, nothing to release; the host answers 500 with
    /// `last_error_message()`). May run on several threads at once, as `handle`.
    pub serve: unsafe extern "C" fn(
        plugin: *const rp_http_plugin,
        request: *const rp_http_request_data,
        response: *mut rp_http_response_data,
    ) -> Status,
    /// Since 1.1: frees what a successful `serve` put in `*response` and zeroes it. Accepts NULL
    /// and a zeroed response. Never fails.
    pub release_response:
        unsafe extern "C" fn(plugin: *const rp_http_plugin, response: *mut rp_http_response_data),
}

/// The type of the one symbol every HTTP plugin exports, `rp_http_plugin_get_descriptor`: it returns
/// the plugin's static descriptor, never NULL, valid while the library is loaded.
pub type rp_http_plugin_get_descriptor_fn = extern "C" fn() -> *const rp_http_plugin_descriptor;
