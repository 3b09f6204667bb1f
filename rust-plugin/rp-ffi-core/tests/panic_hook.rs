//! `install_panic_hook`: contained panics say where they happened, and nothing is printed. A test
//! binary of its own, because the hook is process-wide.

use std::ffi::CStr;

use rp_ffi_core::boundary::{guard, install_panic_hook, last_error_message};
use rp_ffi_core::status::{Status, RP_PANIC};
use rp_ffi_core::FfiError;

struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        unreachable!()
    }
}

impl FfiError for Never {
    fn status(&self) -> Status {
        unreachable!()
    }
}

#[test]
fn contained_panics_carry_their_location() {
    install_panic_hook();
    install_panic_hook(); // idempotent
    let line = line!() + 1;
    let status = guard(|| -> Result<(), Never> { panic!("boom") });
    assert_eq!(status, RP_PANIC);
    // SAFETY: last_error_message returns this thread's NUL-terminated buffer.
    let message = unsafe { CStr::from_ptr(last_error_message()) }
        .to_str()
        .unwrap();
    assert_eq!(
        message,
        format!("the plugin panicked (contained) at rust-plugin/rp-ffi-core/tests/panic_hook.rs:{line}:50: boom")
    );
    // A payload that is not a string.
    let status = guard(|| -> Result<(), Never> { std::panic::panic_any(7) });
    assert_eq!(status, RP_PANIC);
    // SAFETY: as above.
    let message = unsafe { CStr::from_ptr(last_error_message()) }
        .to_str()
        .unwrap();
    assert!(
        message.ends_with(": a panic without a message"),
        "{message}"
    );
}
