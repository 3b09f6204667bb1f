//! The panic boundary every fallible export runs in, and the per-thread last-error message.
//!
//! The message lives in a fixed-size thread-local buffer with no destructor: a Rust thread-local
//! whose type needs `Drop` registers a TLS destructor with glibc, and glibc then pins the `.so` in
//! memory until the thread exits, which would defeat `dlclose`. For the same reason a plugin that
//! is unloaded calls [`install_panic_hook`]: std's default hook (which prints the panic and maybe a
//! backtrace) leaves such destructors behind, and its backtrace caches are never freed.

use std::cell::RefCell;
use std::ffi::c_char;
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use crate::status::{Status, RP_OK, RP_PANIC};

/// An error an export can return: its C status, and its message (`Display`).
pub trait FfiError: std::fmt::Display {
    fn status(&self) -> Status;
}

/// Capacity of the message buffer, NUL included; longer messages are cut at a character boundary.
const LAST_ERROR_CAPACITY: usize = 512;

/// Capacity of the panic location buffer (`file:line:column`).
const LOCATION_CAPACITY: usize = 160;

thread_local! {
    // `const` initialisation of a type without `Drop`: plain TLS, no destructor registered.
    static LAST_ERROR: RefCell<[u8; LAST_ERROR_CAPACITY]> =
        const { RefCell::new([0; LAST_ERROR_CAPACITY]) };
    // Where the thread's last panic happened, set by the hook of `install_panic_hook`, taken
    // by `guard`; the length is 0 when there is none.
    static PANIC_LOCATION: RefCell<([u8; LOCATION_CAPACITY], usize)> =
        const { RefCell::new(([0; LOCATION_CAPACITY], 0)) };
}

/// Replaces std's panic hook, once, by one that prints nothing and only notes where the panic
/// happened, for `guard` to add to the message: the host decides what to log.
///
/// The hook belongs to the copy of std linked into this library: in a `cdylib` plugin it affects
/// the plugin alone, never the host or other plugins. Do not call it from a library that may be
/// linked statically into a host with hooks of its own.
pub fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        panic::set_hook(Box::new(|info| {
            if let Some(location) = info.location() {
                // try_borrow_mut: a panic in a hook aborts, so never risk a second one here.
                PANIC_LOCATION.with(|cell| {
                    if let Ok(mut cell) = cell.try_borrow_mut() {
                        let (buffer, len) = &mut *cell;
                        let mut writer = Truncating { buffer, len: 0 };
                        let _ = write!(writer, "{location}");
                        *len = writer.len;
                    }
                });
            }
        }));
    });
}

/// Runs `body`, turning its error or panic into a status and the thread's last-error message.
/// Success leaves the message as it was (like `errno`), so the fast path never touches TLS.
///
/// Inlined into every export: out of line, each call would spill its arguments into a closure
/// frame first (measured: 19 more instructions per GetUser).
#[inline(always)]
pub fn guard<E: FfiError>(body: impl FnOnce() -> Result<(), E>) -> Status {
    // AssertUnwindSafe: bodies only read shared, immutable data and write their out-params last,
    // so a panic cannot leave anything the caller sees half-updated.
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => RP_OK,
        Ok(Err(error)) => record(error.status(), &error),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("a panic without a message");
            PANIC_LOCATION.with(|cell| {
                let (buffer, len) = &mut *cell.borrow_mut();
                let location = std::str::from_utf8(&buffer[..std::mem::take(len)]).unwrap_or("");
                let at = if location.is_empty() { "" } else { " at " };
                record(
                    RP_PANIC,
                    &format_args!("the plugin panicked (contained){at}{location}: {message}"),
                )
            })
        }
    }
}

/// Runs `body` of an export that cannot fail, answering `fallback` if it panics (the thread's last
/// error then says where): a panic never unwinds into C, whose callers cannot tell a failure of a
/// function documented as infallible, so the fallback is the function's answer for a NULL handle.
#[inline(always)]
pub fn infallible<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            guard(|| -> Result<(), Contained> { panic::resume_unwind(payload) });
            fallback
        }
    }
}

/// The error type of a guard that only ever sees a panic.
enum Contained {}

impl std::fmt::Display for Contained {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {}
    }
}

impl FfiError for Contained {
    fn status(&self) -> Status {
        match *self {}
    }
}

/// Stores `message` as the thread's last error and returns `status`.
#[cold]
#[inline(never)]
fn record(status: Status, message: &dyn std::fmt::Display) -> Status {
    LAST_ERROR.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        let mut writer = Truncating {
            buffer: &mut buffer[..LAST_ERROR_CAPACITY - 1],
            len: 0,
        };
        // Truncating::write_str never fails.
        let _ = write!(writer, "{message}");
        let len = writer.len;
        buffer[len] = 0;
    });
    status
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
    use crate::status::RP_NOT_FOUND;
    use std::ffi::CStr;

    /// A not-found error, as a library would define one.
    struct NotFound(String);

    impl std::fmt::Display for NotFound {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "not found: {}", self.0)
        }
    }

    impl FfiError for NotFound {
        fn status(&self) -> Status {
            RP_NOT_FOUND
        }
    }

    fn message() -> String {
        // SAFETY: last_error_message returns this thread's NUL-terminated buffer.
        unsafe { CStr::from_ptr(last_error_message()) }
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn errors_and_panics_become_statuses_and_messages() {
        assert_eq!(guard(|| Err(NotFound("x".into()))), RP_NOT_FOUND);
        assert_eq!(message(), "not found: x");
        assert_eq!(guard(|| Ok::<(), NotFound>(())), RP_OK);
        assert_eq!(message(), "not found: x", "success keeps the last error");
        let status = guard(|| -> Result<(), NotFound> { panic!("boom {}", 42) });
        assert_eq!(status, RP_PANIC);
        assert_eq!(message(), "the plugin panicked (contained): boom 42");
    }

    #[test]
    fn an_infallible_export_that_panics_answers_its_fallback() {
        assert_eq!(infallible(0, || 7), 7);
        assert_eq!(infallible(0, || -> i32 { panic!("table gone") }), 0);
        assert_eq!(message(), "the plugin panicked (contained): table gone");
    }

    #[test]
    fn long_messages_are_cut_at_a_character_boundary() {
        let long = "é".repeat(LAST_ERROR_CAPACITY);
        guard(|| Err(NotFound(long)));
        let text = message();
        assert!(text.len() < LAST_ERROR_CAPACITY);
        assert!(text.len() > LAST_ERROR_CAPACITY - 4);
        assert!(text.ends_with('é'));
    }

    #[test]
    fn messages_are_per_thread() {
        guard(|| Err(NotFound("main".into())));
        std::thread::spawn(|| {
            assert_eq!(message(), "");
            guard(|| Err(NotFound("other".into())));
        })
        .join()
        .unwrap();
        assert_eq!(message(), "not found: main");
    }
}
