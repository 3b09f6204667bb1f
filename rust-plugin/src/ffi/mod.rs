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
pub mod boundary;
pub mod descriptor;
pub mod user_manager;

use std::ffi::c_char;

use crate::error::Error;

/// A string view: `len` bytes at `ptr`, not necessarily NUL-terminated.
///
/// As an input, `ptr` may be NULL when `len` is 0 (the empty string); the library reads the bytes
/// only during the call. As an output, `ptr` is never NULL, and the bytes are valid UTF-8 that
/// live as long as the object that returned them. Print one with
/// `printf("%.*s", RP_STR_PRINTF(s))`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rp_str {
    pub ptr: *const c_char,
    pub len: usize,
}

/// A borrowed array of `len` string views at `ptr` (never NULL, even when `len` is 0). It lives
/// as long as the object that returned it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rp_str_list {
    pub ptr: *const rp_str,
    pub len: usize,
}

impl rp_str {
    /// A view of `s`. The caller must keep `s` alive and unchanged while C holds the view.
    pub(crate) fn borrow(s: &str) -> rp_str {
        rp_str {
            ptr: s.as_ptr().cast(),
            len: s.len(),
        }
    }

    /// The bytes of an input view.
    ///
    /// # Safety
    /// Unless `ptr` is NULL, it must point to `len` readable bytes that stay unchanged for `'a`.
    pub(crate) unsafe fn bytes<'a>(self, argument: &'static str) -> Result<&'a [u8], Error> {
        if self.ptr.is_null() {
            return if self.len == 0 {
                Ok(&[])
            } else {
                Err(invalid(argument, "is NULL with a length of", self.len))
            };
        }
        if self.len > isize::MAX as usize {
            return Err(invalid(argument, "has an impossible length of", self.len));
        }
        // SAFETY: non-NULL, length within isize::MAX, and readable for 'a by the caller's contract.
        Ok(unsafe { std::slice::from_raw_parts(self.ptr.cast(), self.len) })
    }

    /// The text of an input view, checked to be UTF-8.
    ///
    /// # Safety
    /// As for [`rp_str::bytes`].
    pub(crate) unsafe fn text<'a>(self, argument: &'static str) -> Result<&'a str, Error> {
        // SAFETY: forwarded contract.
        let bytes = unsafe { self.bytes(argument) }?;
        if bytes.is_ascii() {
            // SAFETY: ASCII is UTF-8. (The word-at-a-time ASCII check is several times cheaper than
            // from_utf8 on short strings: measured 10 against 103 instructions for "einstein".)
            Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
        } else {
            utf8(bytes, argument)
        }
    }
}

/// `bytes` as `&str`, or the error that names the argument and the offending offset.
pub(crate) fn utf8<'a>(bytes: &'a [u8], argument: &'static str) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes).map_err(|e| Error::InvalidUtf8 {
        argument,
        valid_up_to: e.valid_up_to(),
    })
}

/// The out-param `out`, checked for NULL.
///
/// # Safety
/// Unless NULL, `out` must be valid for writes of a `T` for `'a`, and not aliased.
pub(crate) unsafe fn out_param<'a, T>(
    out: *mut T,
    argument: &'static str,
) -> Result<&'a mut std::mem::MaybeUninit<T>, Error> {
    // SAFETY: MaybeUninit<T> has T's layout and may be uninitialised; validity is the caller's contract.
    unsafe { out.cast::<std::mem::MaybeUninit<T>>().as_mut() }.ok_or_else(|| null(argument))
}

// Error constructors stay out of line: the success path of every call then carries no formatting.

#[cold]
#[inline(never)]
pub(crate) fn null(argument: &'static str) -> Error {
    Error::InvalidArgument(format!("`{argument}` is NULL"))
}

#[cold]
#[inline(never)]
pub(crate) fn invalid(argument: &'static str, problem: &str, value: usize) -> Error {
    Error::InvalidArgument(format!("`{argument}` {problem} {value}"))
}
