//! A Rust plugin behind a C ABI: the trivial `Add` and the reva JSON "UserManager".
//!
//! - [`store`]: the user store and its four queries, in safe Rust (usable directly as an rlib);
//! - [`ffi`]: the C ABI, described by the cbindgen-generated `include/rustplugin.h`;
//! - [`error`]: the one error type, and the C status codes;
//! - `wasm` (on `wasm32` only): the same store and `Add` behind the Wasm guest ABI
//!   (`rp_ffi_core::wasm`), for the sandbox tier.

pub mod error;
pub mod ffi;
pub mod store;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::Error;
pub use store::{Claim, User, UserStore};
