//! A Rust plugin behind a C ABI: the trivial `Add` and the reva JSON "UserManager".
//!
//! - [`store`]: the user store and its four queries, in safe Rust (usable directly as an rlib);
//! - [`ffi`]: the C ABI, described by the cbindgen-generated `include/rustplugin.h`;
//! - [`error`]: the one error type, and the C status codes.

pub mod error;
pub mod ffi;
pub mod store;

pub use error::Error;
pub use store::{Claim, User, UserStore};
