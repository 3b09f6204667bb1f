//! The crate's one error type, shared by the pure-Rust core and the C ABI layer.
//!
//! Every variant maps to exactly one C status code (see [`Error::status`]); the C layer stores the
//! [`Display`](std::fmt::Display) text as the thread's last error message.

use std::fmt;

pub use rp_ffi_core::status::*;
use rp_ffi_core::string::BufferTooSmall;
use rp_ffi_core::{ArgError, FfiError};

/// Everything that can go wrong in this crate, core and C layer alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A lookup found nothing; the string says what was looked for.
    NotFound(String),
    /// A NULL pointer or an impossible length; the string names the argument and the problem.
    InvalidArgument(String),
    /// A string argument was not UTF-8.
    InvalidUtf8 {
        argument: &'static str,
        valid_up_to: usize,
    },
    /// A claim other than `mail`, `username` or `uid`, [`quoted`].
    UnknownClaim(String),
    /// Reading a file failed; `path` is [`quoted`].
    Io { path: String, message: String },
    /// A file to load is not a regular file (`kind` says what it is); `path` is [`quoted`].
    NotAFile { path: String, kind: &'static str },
    /// A file to load is larger than the limit; `path` is [`quoted`].
    TooLarge { path: String, size: u64, limit: u64 },
    /// The JSON was malformed or not of the user-list shape.
    Parse(String),
    /// The caller's buffer holds `capacity` entries but `needed` are required.
    BufferTooSmall { needed: usize, capacity: usize },
}

impl Error {
    /// The C status code of this error.
    pub fn status(&self) -> Status {
        match self {
            Error::NotFound(_) => RP_NOT_FOUND,
            Error::InvalidArgument(_) => RP_INVALID_ARGUMENT,
            Error::InvalidUtf8 { .. } => RP_INVALID_UTF8,
            Error::UnknownClaim(_) => RP_UNKNOWN_CLAIM,
            Error::Io { .. } => RP_IO,
            Error::NotAFile { .. } => RP_NOT_A_FILE,
            Error::TooLarge { .. } => RP_TOO_LARGE,
            Error::Parse(_) => RP_PARSE,
            Error::BufferTooSmall { .. } => RP_BUFFER_TOO_SMALL,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound(what) => write!(f, "not found: {what}"),
            Error::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
            Error::InvalidUtf8 {
                argument,
                valid_up_to,
            } => write!(
                f,
                "invalid UTF-8 in argument `{argument}`: bytes from offset {valid_up_to} are not UTF-8"
            ),
            Error::UnknownClaim(claim) => write!(
                f,
                "unknown claim {claim}: the claims are \"mail\", \"username\" and \"uid\""
            ),
            Error::Io { path, message } => write!(f, "cannot read {path}: {message}"),
            Error::NotAFile { path, kind } => {
                write!(f, "refused {path}: it is {kind}, not a regular file")
            }
            Error::TooLarge { path, size, limit } => write!(
                f,
                "refused {path}: {size} bytes or more, over the limit of {limit} bytes"
            ),
            Error::Parse(message) => write!(f, "invalid user data: {message}"),
            Error::BufferTooSmall { needed, capacity } => write!(
                f,
                "buffer too small: {needed} entries needed, the buffer holds {capacity}"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// How many characters of a caller's string an error message quotes.
const QUOTED_CHARS: usize = 64;

/// `text` in double quotes with Rust's escapes, for an error message: at most [`QUOTED_CHARS`]
/// characters of it, then `...` and its length. The work is bounded too, not only the length: a
/// 16 MiB key that is not found costs what 64 characters cost.
pub fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!("{:?}... ({} bytes)", &text[..cut], text.len()),
    }
}

impl FfiError for Error {
    fn status(&self) -> Status {
        Error::status(self)
    }
}

impl From<ArgError> for Error {
    fn from(error: ArgError) -> Error {
        match error {
            ArgError::Invalid(message) => Error::InvalidArgument(message),
            ArgError::Utf8 {
                argument,
                valid_up_to,
            } => Error::InvalidUtf8 {
                argument,
                valid_up_to,
            },
        }
    }
}

impl From<BufferTooSmall> for Error {
    fn from(error: BufferTooSmall) -> Error {
        Error::BufferTooSmall {
            needed: error.needed,
            capacity: error.capacity,
        }
    }
}
