//! The guest side of the Wasm ABI (compiled for `wasm32` only): the input buffer, the result
//! area, the `rp_host` imports, and the hooks that tell the host why the guest is about to trap.
//!
//! `wasm32-unknown-unknown` has one thread and aborts on panic: thread-locals are plain statics,
//! and a panic is a trap the host sees, after the hook has handed it the message.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::fmt::{self, Write as _};

use crate::boundary::FfiError;
use crate::status::Status;

#[link(wasm_import_module = "rp_host")]
extern "C" {
    #[link_name = "panic"]
    fn host_panic(message: *const u8, len: usize);
    #[link_name = "out_of_memory"]
    fn host_out_of_memory(size: usize);
    #[link_name = "sleep_ms"]
    fn host_sleep_ms(ms: u32);
}

/// A result larger than this is not kept for reuse once the host has read it.
const KEEP_RESULT_BYTES: usize = 1 << 20;

thread_local! {
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static RESULT_BYTES: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The result area: address and length of the last result.
    static RESULT: Cell<[u32; 2]> = const { Cell::new([0, 0]) };
}

/// The allocator: the system one, which tells the host when the memory limit stops it (std then
/// aborts, with no message of its own on this target).
struct ReportingAllocator;

// SAFETY: every call is passed to `System` unchanged; only a failure is reported on the side.
unsafe impl GlobalAlloc for ReportingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System.alloc`'s.
        let ptr = unsafe { System.alloc(layout) };
        if ptr.is_null() {
            // SAFETY: an import of the host; it reads nothing of the guest's memory.
            unsafe { host_out_of_memory(layout.size()) };
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is `System.dealloc`'s.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is `System.realloc`'s.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if new.is_null() {
            // SAFETY: as in `alloc`.
            unsafe { host_out_of_memory(new_size) };
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: ReportingAllocator = ReportingAllocator;

/// The input buffer, grown to at least `len` bytes; its address for the host to write to.
#[no_mangle]
pub extern "C" fn rp_wasm_input(len: u32) -> u32 {
    INPUT.with_borrow_mut(|input| {
        if input.len() < len as usize {
            input.resize(len as usize, 0);
        }
        input.as_mut_ptr() as u32
    })
}

/// Prepares the guest (its panic hook) and returns the address of the result area.
#[no_mangle]
pub extern "C" fn rp_wasm_start() -> u32 {
    std::panic::set_hook(Box::new(|info| {
        let mut message = String::new();
        let payload = info.payload();
        let text = (payload.downcast_ref::<&str>().copied())
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
        let _ = write!(message, "{}", text.unwrap_or("a panic"));
        if let Some(location) = info.location() {
            let _ = write!(message, " at {location}");
        }
        // SAFETY: the host reads `len` bytes at `message` during the call only.
        unsafe { host_panic(message.as_ptr(), message.len()) };
    }));
    RESULT.with(|area| area.as_ptr() as u32)
}

/// Runs `body` with the start of the input buffer cut into arguments of the lengths `lengths`;
/// an error when they add up to more than the buffer holds.
pub fn with_input<const N: usize, R>(
    lengths: [u32; N],
    body: impl FnOnce([&[u8]; N]) -> R,
) -> Result<R, crate::ArgError> {
    INPUT.with_borrow(|input| {
        let mut rest: &[u8] = input;
        let mut args = [&[][..]; N];
        for (arg, &len) in args.iter_mut().zip(&lengths) {
            if rest.len() < len as usize {
                return Err(crate::string::invalid(
                    "argument length",
                    "is past the input buffer:",
                    len as usize,
                ));
            }
            (*arg, rest) = rest.split_at(len as usize);
        }
        Ok(body(args))
    })
}

/// Makes the bytes `write` puts in a buffer the call's result.
pub fn set_result(write: impl FnOnce(&mut Vec<u8>)) {
    RESULT_BYTES.with_borrow_mut(|bytes| {
        if bytes.capacity() > KEEP_RESULT_BYTES {
            *bytes = Vec::new();
        }
        bytes.clear();
        write(bytes);
        RESULT.set([bytes.as_ptr() as u32, bytes.len() as u32]);
    });
}

/// What an operation returns: its value (`>= 0`), or `-status` with the error's message as the
/// result.
pub fn outcome<E: FfiError>(result: Result<u32, E>) -> i32 {
    match result {
        Ok(value) => value as i32,
        Err(error) => fail(error.status(), &error),
    }
}

/// Makes `message` the result and returns `-status`.
#[cold]
pub fn fail(status: Status, message: &dyn fmt::Display) -> i32 {
    set_result(|bytes| {
        let _ = write!(Bytes(bytes), "{message}");
    });
    -status
}

struct Bytes<'a>(&'a mut Vec<u8>);

impl fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Sleeps `ms` milliseconds, or less when the host's deadline for the call comes first (the call
/// then ends with the deadline's error).
pub fn sleep_ms(ms: u32) {
    // SAFETY: an import of the host; no memory is shared.
    unsafe { host_sleep_ms(ms) }
}
