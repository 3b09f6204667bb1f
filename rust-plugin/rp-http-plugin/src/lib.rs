//! HTTP plugins behind a C ABI: the lifecycle a host drives (create, init, handle, close,
//! destroy), the host callbacks a handler reads the request and writes the response through, and a
//! safe Rust SDK to write such a plugin.
//!
//! - [`abi`]: the `#[repr(C)]` types and version numbers, described to C by the generated
//!   `include/rp_http_plugin.h`;
//! - [`HttpPlugin`], [`Request`], [`Response`], [`PluginError`]: what a Rust plugin implements and
//!   sees; [`export_http_plugin!`] exports an implementation from a `cdylib`.
//!
//! Every export of the glue runs inside `rp_ffi_core`'s panic boundary: a panicking handler returns
//! `RP_PANIC` to the host, which answers 500 and keeps serving.
//!
//! Each plugin `.so` links its own copy of this crate, of `std` and of every dependency, and exports
//! only `rp_http_plugin_get_descriptor`: two plugins built against different versions of a crate
//! load side by side without seeing each other's symbols.

pub mod abi;
mod header;
pub mod layout;
mod plugin;

#[cfg(target_arch = "wasm32")]
pub use plugin::wasm;
pub use plugin::{sleep, Descriptor, HttpPlugin, PluginError, Request, Response};
#[doc(hidden)]
pub use rp_ffi_core as __rp_ffi_core;
