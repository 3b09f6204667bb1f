//! The C ABI. All of the crate's `unsafe` lives in this module, one topic per file; cbindgen turns
//! the doc comments into `include/rustplugin.h`.
//!
//! Conventions (the header's preamble says the same to C readers):
//! - fallible functions return an [`rp_status`](crate::error::Status) and write results through
//!   out-params, which stay untouched on failure;
//! - strings go in as [`rp_str`] (pointer + length, no NUL needed) and come out as borrowed
//!   [`rp_str`] views;
//! - every fallible export runs inside [`boundary::guard`]: a panic becomes `RP_PANIC`.

#![allow(non_camel_case_types)] // C names, as the header spells them.

pub mod add;
// The user manager's C API reads files by path and hands out pointers: on wasm32, `crate::wasm`
// serves the same store through the Wasm guest ABI instead.
#[cfg(not(target_arch = "wasm32"))]
pub mod descriptor;
#[cfg(not(target_arch = "wasm32"))]
pub mod user_manager;

pub use rp_ffi_core::boundary;
pub use rp_ffi_core::string::{invalid, null, out_param, rp_str, rp_str_list, utf8};

/// [`rp_ffi_core::boundary::guard`] with this crate's error type.
#[inline(always)]
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn guard(
    body: impl FnOnce() -> Result<(), crate::error::Error>,
) -> crate::error::Status {
    boundary::guard(body)
}
