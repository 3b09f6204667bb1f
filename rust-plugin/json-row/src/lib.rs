//! GetJsonRow behind a C ABI, from its definition alone (`wit/json-row.wit`): `rp-bindgen` writes
//! the C-ABI layer (`ffi`, generated) and the Go binding; this file is the whole implementation,
//! on gjson's own Rust port.

use std::borrow::Cow;
use std::fmt;

use rp_ffi_core::status::{Status, RP_BUFFER_TOO_SMALL, RP_INVALID_ARGUMENT, RP_INVALID_UTF8};
use rp_ffi_core::string::{text, BufferTooSmall};
use rp_ffi_core::{ArgError, FfiError};

#[cfg(not(target_arch = "wasm32"))]
pub mod ffi;

/// The implementation of the definition's functions.
pub struct JsonRow;

/// The most separators (`.|#@({[,:`) a path may hold. gjson's Rust port recurses once per path
/// element (a key, a query, a modifier, a member of a multipath), about 1 KiB of stack each: a
/// 10 000-element path overflows a 2 MiB stack and aborts the process, which no panic guard can
/// stop. Every element needs a separator, so this bound keeps a call within 128 KiB of stack
/// (measured), on any caller's thread; gjson in Go has no such bound.
pub const RPJ_MAX_PATH_SEPARATORS: usize = 128;

/// The error for a path over [`RPJ_MAX_PATH_SEPARATORS`], checked before gjson reads it.
fn check_path(path: &str) -> Result<&str, ArgError> {
    let separators = path.bytes().filter(|b| b".|#@({[,:".contains(b)).count();
    if separators > RPJ_MAX_PATH_SEPARATORS {
        return Err(ArgError::Invalid(format!(
            "`path` has {separators} separators (.|#@({{[,:), over the limit of {RPJ_MAX_PATH_SEPARATORS}"
        )));
    }
    Ok(path)
}

/// gjson's `Get(input, path).Raw`, borrowed from `input` when it is a part of it (it is, but for
/// what gjson computes: `#` counts, `#(...)#` queries, modifiers, multipaths). A path over
/// [`RPJ_MAX_PATH_SEPARATORS`] is refused.
pub fn get_json_row<'a>(input: &'a str, path: &str) -> Result<Cow<'a, str>, ArgError> {
    let path = check_path(path)?;
    let value = gjson::get(input, path);
    let raw = value.json();
    let offset = (raw.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
    Ok(match input.get(offset..offset.wrapping_add(raw.len())) {
        _ if raw.is_empty() => Cow::Borrowed(""),
        Some(part) if part.as_ptr() == raw.as_ptr() => Cow::Borrowed(part),
        _ => Cow::Owned(raw.to_owned()),
    })
}

#[cfg(not(target_arch = "wasm32"))]
impl ffi::World for JsonRow {
    fn get_json_row<'a>(input: &'a [u8], path: &'a [u8]) -> Result<Cow<'a, str>, Error> {
        Ok(get_json_row(text(input, "input")?, text(path, "path")?)?)
    }
}

/// Everything that can go wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// An argument was refused: NULL, an impossible length, not UTF-8.
    Argument(ArgError),
    /// The answer does not fit the caller's buffer.
    BufferTooSmall(BufferTooSmall),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Argument(ArgError::Invalid(message)) => write!(f, "invalid argument: {message}"),
            Error::Argument(ArgError::Utf8 {
                argument,
                valid_up_to,
            }) => write!(
                f,
                "invalid UTF-8 in argument `{argument}`: bytes from offset {valid_up_to} are not UTF-8"
            ),
            Error::BufferTooSmall(e) => write!(
                f,
                "buffer too small: the answer is {} bytes, the buffer holds {}",
                e.needed, e.capacity
            ),
        }
    }
}

impl FfiError for Error {
    fn status(&self) -> Status {
        match self {
            Error::Argument(ArgError::Invalid(_)) => RP_INVALID_ARGUMENT,
            Error::Argument(ArgError::Utf8 { .. }) => RP_INVALID_UTF8,
            Error::BufferTooSmall(_) => RP_BUFFER_TOO_SMALL,
        }
    }
}

impl From<ArgError> for Error {
    fn from(error: ArgError) -> Error {
        Error::Argument(error)
    }
}

impl From<BufferTooSmall> for Error {
    fn from(error: BufferTooSmall) -> Error {
        Error::BufferTooSmall(error)
    }
}
