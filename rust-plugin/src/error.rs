//! The crate's one error type, shared by the pure-Rust core and the C ABI layer.
//!
//! Every variant maps to exactly one C status code (see [`Error::status`]); the C layer stores the
//! [`Display`](std::fmt::Display) text as the thread's last error message.

use std::ffi::CStr;
use std::fmt;

/// Status codes of the C ABI. `0` is success; every other value names one kind of failure.
///
/// They are plain integers, not a Rust enum, so that a C caller can never hand the library a value
/// outside the enum (which would be undefined behaviour in Rust).
pub type Status = i32;

/// Success.
pub const RP_OK: Status = 0;
/// The user (or claim value) asked for does not exist. Not an error of the caller or the library.
pub const RP_NOT_FOUND: Status = 1;
/// A required pointer was NULL, a length was impossible, or an argument was otherwise unusable.
pub const RP_INVALID_ARGUMENT: Status = 2;
/// A string argument was not valid UTF-8.
pub const RP_INVALID_UTF8: Status = 3;
/// `get_user_by_claim` was given a claim other than `mail`, `username` or `uid`.
pub const RP_UNKNOWN_CLAIM: Status = 4;
/// A file could not be read.
pub const RP_IO: Status = 5;
/// User data was not valid JSON of the expected shape.
pub const RP_PARSE: Status = 6;
/// A caller-supplied buffer was too small; the needed size was written to the count out-param.
pub const RP_BUFFER_TOO_SMALL: Status = 7;
/// The library panicked inside the call; the panic was contained and nothing unwound into C.
pub const RP_PANIC: Status = 8;
/// A plugin's ABI version or descriptor size does not match what the host was built against.
/// Returned by hosts' loaders, not by the library itself.
pub const RP_ABI_MISMATCH: Status = 9;

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
    /// A claim other than `mail`, `username` or `uid`.
    UnknownClaim(String),
    /// Reading a file failed.
    Io { path: String, message: String },
    /// The JSON was malformed or not of the user-list shape.
    Parse(String),
    /// The caller's buffer holds `capacity` entries but `needed` are required.
    BufferTooSmall { needed: usize, capacity: usize },
    /// A panic was caught at the C boundary; the string is the panic message.
    Panic(String),
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
            Error::Parse(_) => RP_PARSE,
            Error::BufferTooSmall { .. } => RP_BUFFER_TOO_SMALL,
            Error::Panic(_) => RP_PANIC,
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
                "unknown claim {claim:?}: the claims are \"mail\", \"username\" and \"uid\""
            ),
            Error::Io { path, message } => write!(f, "cannot read {path:?}: {message}"),
            Error::Parse(message) => write!(f, "invalid user data: {message}"),
            Error::BufferTooSmall { needed, capacity } => write!(
                f,
                "buffer too small: {needed} entries needed, the buffer holds {capacity}"
            ),
            Error::Panic(message) => write!(f, "the plugin panicked (contained): {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// The name of a status code (`c"RP_NOT_FOUND"`), or `c"RP_UNKNOWN_STATUS"`.
pub fn status_name(status: Status) -> &'static CStr {
    match status {
        RP_OK => c"RP_OK",
        RP_NOT_FOUND => c"RP_NOT_FOUND",
        RP_INVALID_ARGUMENT => c"RP_INVALID_ARGUMENT",
        RP_INVALID_UTF8 => c"RP_INVALID_UTF8",
        RP_UNKNOWN_CLAIM => c"RP_UNKNOWN_CLAIM",
        RP_IO => c"RP_IO",
        RP_PARSE => c"RP_PARSE",
        RP_BUFFER_TOO_SMALL => c"RP_BUFFER_TOO_SMALL",
        RP_PANIC => c"RP_PANIC",
        RP_ABI_MISMATCH => c"RP_ABI_MISMATCH",
        _ => c"RP_UNKNOWN_STATUS",
    }
}
