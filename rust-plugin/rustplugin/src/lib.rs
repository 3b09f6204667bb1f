//! A Rust plugin behind a C ABI: the trivial `Add` and the reva JSON "UserManager".
//!
//! Its interface is one definition, `wit/plugin.wit`, from which `rp-bindgen` generates (`make
//! generate`) the C-ABI layer and the records; what is written by hand is the logic:
//! - [`store`]: the user store and its four queries, in safe Rust (usable directly as an rlib);
//! - `plugin`: the store as the implementation of the generated traits;
//! - [`ffi`] (generated): the C ABI, described by the cbindgen-generated `include/rustplugin.h`;
//! - [`records`] (generated): the user record, owned and laid out as its C view;
//! - [`error`]: the one error type, and the C status codes;
//! - `wasm` (on `wasm32` only): the same store and `Add` behind the Wasm guest ABI
//!   (`rp_ffi_core::wasm`), for the sandbox tier.

pub mod error;
// The C API reads files by path and hands out pointers: on wasm32, `wasm` serves the same store
// through the Wasm guest ABI instead.
#[cfg(not(target_arch = "wasm32"))]
pub mod ffi;
#[cfg(not(target_arch = "wasm32"))]
pub mod plugin;
pub mod records;
pub mod store;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::Error;
pub use store::{Claim, User, UserStore};

/// `Add`: `a + b`, wrapping on overflow (two's complement), like Go's `int64` addition. The C ABI and
/// the Wasm guest export it as `Add`.
#[inline(always)]
pub fn add(a: i64, b: i64) -> i64 {
    a.wrapping_add(b)
}
