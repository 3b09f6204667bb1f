//! The panic boundary every fallible export runs in, and the per-thread last-error message.
//!
//! The message lives in a fixed-size thread-local buffer with no destructor: a Rust thread-local
//! whose type needs `Drop` registers a TLS destructor with glibc, and glibc then pins the `.so` in
//! memory until the thread exits, which would defeat `dlclose`.

use std::cell::RefCell;
use std::ffi::c_char;
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};

use crate::error::{Error, Status, RP_OK};

/// Capacity of the message buffer, NUL included; longer messages are cut at a character boundary.
const LAST_ERROR_CAPACITY: usize = 512;

thread_local! {
    // `const` initialisation of a type without `Drop`: plain TLS, no destructor registered.
    static LAST_ERROR: RefCell<[u8; LAST_ERROR_CAPACITY]> =
        const { RefCell::new([0; LAST_ERROR_CAPACITY]) };
}

/// Runs `body`, turning its error or panic into a status and the thread's last-error message.
/// Success leaves the message as it was (like `errno`), so the fast path never touches TLS.
///
/// Inlined into every export: out of line, each call would spill its arguments into a closure
/// frame first (measured: 19 more instructions per GetUser).
#[inline(always)]
pub fn guard(body: impl FnOnce() -> Result<(), Error>) -> Status {
    // AssertUnwindSafe: bodies only read shared, immutable data and write their out-params last,
    // so a panic cannot leave anything the caller sees half-updated.
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => RP_OK,
        Ok(Err(error)) => record(&error),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("a panic without a message");
            record(&Error::Panic(message.to_owned()))
        }
    }
}

/// Stores `error`'s message as the thread's last error and returns its status.
#[cold]
#[inline(never)]
fn record(error: &Error) -> Status {
    LAST_ERROR.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        let mut writer = Truncating {
            buffer: &mut buffer[..LAST_ERROR_CAPACITY - 1],
            len: 0,
        };
        // Truncating::write_str never fails.
        let _ = write!(writer, "{error}");
        let len = writer.len;
        buffer[len] = 0;
    });
    error.status()
}

/// The thread's last error message: a NUL-terminated string owned by the thread.
pub fn last_error_message() -> *const c_char {
    LAST_ERROR.with(|buffer| buffer.as_ptr().cast())
}

/// A `fmt::Write` into a fixed buffer that keeps what fits, cut at a UTF-8 character boundary.
struct Truncating<'a> {
    buffer: &'a mut [u8],
    len: usize,
}

impl std::fmt::Write for Truncating<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let room = self.buffer.len() - self.len;
        let mut take = s.len().min(room);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        self.buffer[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{RP_NOT_FOUND, RP_PANIC};
    use std::ffi::CStr;

    fn message() -> String {
        // SAFETY: last_error_message returns this thread's NUL-terminated buffer.
        unsafe { CStr::from_ptr(last_error_message()) }
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn errors_and_panics_become_statuses_and_messages() {
        assert_eq!(guard(|| Err(Error::NotFound("x".into()))), RP_NOT_FOUND);
        assert_eq!(message(), "not found: x");
        assert_eq!(guard(|| Ok(())), RP_OK);
        assert_eq!(message(), "not found: x", "success keeps the last error");
        let status = guard(|| panic!("boom {}", 42));
        assert_eq!(status, RP_PANIC);
        assert_eq!(message(), "the plugin panicked (contained): boom 42");
    }

    #[test]
    fn long_messages_are_cut_at_a_character_boundary() {
        let long = "é".repeat(LAST_ERROR_CAPACITY);
        guard(|| Err(Error::NotFound(long)));
        let text = message();
        assert!(text.len() < LAST_ERROR_CAPACITY);
        assert!(text.len() > LAST_ERROR_CAPACITY - 4);
        assert!(text.ends_with('é'));
    }

    #[test]
    fn messages_are_per_thread() {
        guard(|| Err(Error::NotFound("main".into())));
        std::thread::spawn(|| {
            assert_eq!(message(), "");
            guard(|| Err(Error::NotFound("other".into())));
        })
        .join()
        .unwrap();
        assert_eq!(message(), "not found: main");
    }
}
