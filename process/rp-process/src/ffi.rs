//! The C API (`include/rp_process.h`): every export runs in the panic boundary of rp-ffi-core.

use std::ffi::{c_char, c_void};
use std::path::PathBuf;
use std::time::Duration;

use rp_ffi_core::boundary::{guard, FfiError};
use rp_ffi_core::status::{Status, RP_BUFFER_TOO_SMALL, RP_INVALID_ARGUMENT, RP_OK};
use rp_ffi_core::string::{null, out_array, out_param, rp_str};

use crate::client::{Client, Config, Error, Kind, Reply};
use crate::{RP_PROCESS_KIND_HTTP, RP_PROCESS_KIND_USER_MANAGER};

impl FfiError for Error {
    fn status(&self) -> Status {
        Error::status(self)
    }
}

/// How `rp_process_start` starts and supervises a plugin server. A field left 0 takes its
/// default.
#[repr(C)]
pub struct rp_process_options {
    /// `sizeof(rp_process_options)` as the host was built.
    pub struct_size: usize,
    /// The `rp-plugin-server` executable (a path; no search in `PATH`).
    pub server_path: rp_str,
    /// The plugin's shared library.
    pub plugin_path: rp_str,
    /// `RP_PROCESS_KIND_USER_MANAGER` or `RP_PROCESS_KIND_HTTP`.
    pub kind: u32,
    /// A user manager's users file (empty: the demo users); an HTTP plugin's `init` configuration.
    pub config: rp_str,
    /// Calls in the server at once, one server thread each (default 4); more wait for a slot.
    pub slots: u32,
    /// The largest request and response in bytes (default 1 MiB).
    pub slot_bytes: u32,
    /// The address space the server may add, in bytes, beyond its binary and shared memory at
    /// start (`RLIMIT_AS`): the plugin's code, heap and stacks (default: no limit).
    pub memory_limit_bytes: u64,
    /// Time for the server to start and load its plugin (default 5000).
    pub start_timeout_ms: u64,
    /// Time a server gets, past a call's deadline, to answer it before it is killed and
    /// restarted (default 1000).
    pub hang_grace_ms: u64,
}

/// A supervised plugin server, opaque.
pub struct rp_process_client(Client);

/// An answer to `rp_process_call`. `data` holds the response when `status` is `RP_OK`, the
/// message otherwise (not NUL-terminated): the plugin's, or the client's (`RP_PROCESS_DIED`,
/// `RP_DEADLINE`, ...). It stays valid, and the call's slot stays taken, until
/// `rp_process_reply_release`.
#[repr(C)]
pub struct rp_process_reply {
    pub status: Status,
    pub data: *const u8,
    pub len: usize,
    /// The client's, until released.
    pub internal: *mut c_void,
}

enum Held {
    Reply(Reply),
    Message(Box<str>),
}

/// # Safety
/// `view` is a valid `rp_str` input (NULL only with length 0).
unsafe fn path(view: rp_str, argument: &'static str) -> Result<PathBuf, Error> {
    // SAFETY: the caller's promise.
    let text = unsafe { view.text(argument) }?;
    Ok(PathBuf::from(text))
}

/// Starts the plugin server `options` describe, waits until it has loaded its plugin, and
/// returns its client in `*out` (free it with `rp_process_free`). The server is restarted
/// whenever it dies; see `rp_process_call`.
///
/// Returns `RP_OK`; `RP_INVALID_ARGUMENT` (NULL, a `struct_size` too small, an unknown kind);
/// `RP_INVALID_UTF8`; `RP_ABI_MISMATCH` (the server speaks another protocol version, or the
/// plugin has another ABI); `RP_UNAVAILABLE` (the server cannot start, or refuses the plugin:
/// the message says why). The message is `rp_process_last_error_message()`. `*out` is untouched
/// on failure.
///
/// # Safety
/// `options` is NULL or valid, its views readable during the call; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rp_process_start(
    options: *const rp_process_options,
    out: *mut *mut rp_process_client,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promise.
        let out = unsafe { out_param(out, "out") }?;
        // SAFETY: the caller's promise.
        let options = unsafe { options.as_ref() }.ok_or_else(|| null("options"))?;
        if options.struct_size < size_of::<rp_process_options>() {
            return Err(Error::Argument {
                status: RP_INVALID_ARGUMENT,
                message: format!(
                    "`options.struct_size` is {}, this library needs {}",
                    options.struct_size,
                    size_of::<rp_process_options>()
                ),
            });
        }
        let kind = match options.kind {
            RP_PROCESS_KIND_USER_MANAGER => Kind::UserManager,
            RP_PROCESS_KIND_HTTP => Kind::Http,
            other => {
                return Err(Error::Argument {
                    status: RP_INVALID_ARGUMENT,
                    message: format!("`options.kind` is {other}: want RP_PROCESS_KIND_USER_MANAGER or RP_PROCESS_KIND_HTTP"),
                })
            }
        };
        // SAFETY: the caller's promise, for each view.
        let (server, plugin, text) = unsafe {
            (
                path(options.server_path, "options.server_path")?,
                path(options.plugin_path, "options.plugin_path")?,
                options.config.text("options.config")?,
            )
        };
        let mut config = Config::new(server, plugin, kind);
        config.config = text.to_owned();
        let or = |value: u64, default: Duration| {
            if value == 0 {
                default
            } else {
                Duration::from_millis(value)
            }
        };
        config.slots = if options.slots == 0 {
            config.slots
        } else {
            options.slots
        };
        config.slot_bytes = if options.slot_bytes == 0 {
            config.slot_bytes
        } else {
            options.slot_bytes
        };
        config.memory_limit = options.memory_limit_bytes;
        config.start_timeout = or(options.start_timeout_ms, config.start_timeout);
        config.hang_grace = or(options.hang_grace_ms, config.hang_grace);
        let client = Client::start(config)?;
        out.write(Box::into_raw(Box::new(rp_process_client(client))));
        Ok(())
    })
}

/// Calls `op` (`RP_PROCESS_OP_*`) with the `len` bytes at `request` (NULL when `len` is 0), and
/// waits at most `timeout_ns` for the answer. Always fills `*reply` (unless it is NULL), which
/// the caller must release with `rp_process_reply_release`, and returns its status:
/// - `RP_OK`, or the plugin's status (`RP_NOT_FOUND`, ...) with its message;
/// - `RP_PROCESS_DIED`: the server died with the call in it (a crash, or killed for not
///   answering); it is being restarted;
/// - `RP_DEADLINE`: no answer before the deadline; the server gets `hang_grace_ms` more to
///   answer, then it is killed and restarted;
/// - `RP_UNAVAILABLE`: no server could take the call before the deadline (a restart in progress,
///   or a server that cannot start: the message says why);
/// - `RP_TOO_LARGE`: a request larger than a slot; `RP_INVALID_ARGUMENT`: NULL arguments.
///
/// # Thread-safety
/// Any number of threads may call at once; up to `slots` calls run in the server, the others
/// wait (within their deadline) for a slot. A call must not race with `rp_process_free`.
///
/// # Safety
/// `client` is NULL or from `rp_process_start`, not freed; `request` is NULL or `len` readable
/// bytes; `reply` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rp_process_call(
    client: *const rp_process_client,
    op: u32,
    request: *const u8,
    len: usize,
    timeout_ns: u64,
    reply: *mut rp_process_reply,
) -> Status {
    // SAFETY: the caller's promise.
    let (status, held) = unsafe { call(client, op, request, len, timeout_ns) };
    let (data, len) = held.data();
    // SAFETY: the caller's promise: NULL or writable.
    match unsafe { reply.as_mut() } {
        Some(reply) => {
            *reply = rp_process_reply {
                status,
                data,
                len,
                internal: Box::into_raw(Box::new(held)).cast(),
            }
        }
        None => drop(held),
    }
    status
}

/// As `rp_process_call`, for answers of a known small size (a user's index, a count): copies the
/// response, or the message, into the caller's `buffer` and frees the call's slot before it
/// returns, so one call does what `rp_process_call` and `rp_process_reply_release` do.
/// `*answer_len` receives the length copied. A response over `capacity` is not copied: the status
/// is then `RP_BUFFER_TOO_SMALL` and `*answer_len` the length needed (the call ran, and its
/// answer is lost). A message over `capacity` is cut to it.
///
/// Returns `RP_INVALID_ARGUMENT` without calling when `answer_len` is NULL, or `buffer` is NULL
/// with a capacity; else as `rp_process_call`.
///
/// # Safety
/// As `rp_process_call`; `buffer` is NULL or `capacity` writable bytes; `answer_len` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn rp_process_call_copy(
    client: *const rp_process_client,
    op: u32,
    request: *const u8,
    len: usize,
    timeout_ns: u64,
    buffer: *mut u8,
    capacity: usize,
    answer_len: *mut usize,
) -> Status {
    let mut checked = None;
    let status = guard(|| -> Result<(), Error> {
        // SAFETY: the caller's promise.
        let answer_len = unsafe { out_param(answer_len, "answer_len") }?;
        // SAFETY: the caller's promise.
        let buffer = unsafe { out_array(buffer, capacity, "buffer") }?;
        checked = Some((answer_len, buffer));
        Ok(())
    });
    let Some((answer_len, buffer)) = checked else {
        return status;
    };
    // SAFETY: the caller's promise.
    let (status, held) = unsafe { call(client, op, request, len, timeout_ns) };
    let (data, len) = held.data();
    // SAFETY: the held answer's bytes, alive until `held` drops below.
    let data = unsafe { std::slice::from_raw_parts(data, len) };
    if status == RP_OK && data.len() > buffer.len() {
        answer_len.write(data.len());
        return RP_BUFFER_TOO_SMALL;
    }
    let copied = data.len().min(buffer.len());
    for (slot, byte) in buffer.iter_mut().zip(&data[..copied]) {
        slot.write(*byte);
    }
    answer_len.write(copied);
    status
}

/// Runs one call for `rp_process_call` and `rp_process_call_copy`: its status, and what holds
/// its answer (the call's slot, or a message) until it drops.
///
/// # Safety
/// As `rp_process_call`'s arguments.
unsafe fn call(
    client: *const rp_process_client,
    op: u32,
    request: *const u8,
    len: usize,
    timeout_ns: u64,
) -> (Status, Held) {
    let mut held: Option<Held> = None;
    let status = guard(|| {
        // SAFETY: the caller's promise.
        let client = unsafe { client.as_ref() }.ok_or_else(|| null("client"))?;
        let request = if len == 0 {
            &[][..]
        } else if request.is_null() {
            return Err(null("request").into());
        } else {
            // SAFETY: the caller's promise: `len` readable bytes.
            unsafe { std::slice::from_raw_parts(request, len) }
        };
        match client.0.call(op, request, Duration::from_nanos(timeout_ns)) {
            Ok(answer) => {
                let status = answer.status;
                held = Some(Held::Reply(answer));
                if status == RP_OK {
                    Ok(())
                } else {
                    Err(Error::Argument {
                        status,
                        message: String::new(),
                    })
                }
            }
            Err(error) => {
                held = Some(Held::Message(error.to_string().into()));
                Err(error)
            }
        }
    });
    // No answer and no client error: an argument was refused, or a panic contained.
    let held = held.unwrap_or_else(|| {
        // SAFETY: the thread's NUL-terminated last error, just set by the guard.
        let message =
            unsafe { std::ffi::CStr::from_ptr(rp_ffi_core::boundary::last_error_message()) };
        Held::Message(message.to_string_lossy().into())
    });
    (status, held)
}

impl Held {
    /// Where the answer's bytes are, and how many.
    fn data(&self) -> (*const u8, usize) {
        match self {
            Held::Reply(answer) => (answer.data().as_ptr(), answer.data().len()),
            Held::Message(message) => (message.as_ptr(), message.len()),
        }
    }
}

/// Releases a reply of `rp_process_call`: its data is gone, its slot free. NULL, a zeroed reply
/// and a released one are no-ops.
///
/// # Safety
/// `reply` is NULL or a reply filled by `rp_process_call` (or zeroed).
#[no_mangle]
pub unsafe extern "C" fn rp_process_reply_release(reply: *mut rp_process_reply) {
    // SAFETY: the caller's promise.
    let Some(reply) = (unsafe { reply.as_mut() }) else {
        return;
    };
    let internal = std::mem::replace(&mut reply.internal, std::ptr::null_mut());
    reply.data = std::ptr::null();
    reply.len = 0;
    if !internal.is_null() {
        // SAFETY: made by Box::into_raw in rp_process_call, released once (cleared above).
        drop(unsafe { Box::from_raw(internal.cast::<Held>()) });
    }
}

/// Stops the server (its plugin is closed; it is killed if it takes more than 2 s) and frees the
/// client. NULL is a no-op. Every reply must be released first, and no call may be running.
///
/// # Safety
/// `client` is NULL or from `rp_process_start`, not freed yet.
#[no_mangle]
pub unsafe extern "C" fn rp_process_free(client: *mut rp_process_client) {
    if !client.is_null() {
        // SAFETY: the caller's promise: from Box::into_raw in rp_process_start, freed once.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            drop(unsafe { Box::from_raw(client) })
        }));
    }
}

/// Servers started after a crash or a kill since `rp_process_start` (0 for NULL).
///
/// # Safety
/// `client` is NULL or from `rp_process_start`, not freed.
#[no_mangle]
pub unsafe extern "C" fn rp_process_restarts(client: *const rp_process_client) -> u64 {
    // SAFETY: the caller's promise.
    unsafe { client.as_ref() }.map_or(0, |c| c.0.restarts())
}

/// The process id of the running server (0 while it restarts, and for NULL).
///
/// # Safety
/// `client` is NULL or from `rp_process_start`, not freed.
#[no_mangle]
pub unsafe extern "C" fn rp_process_pid(client: *const rp_process_client) -> u32 {
    // SAFETY: the caller's promise.
    unsafe { client.as_ref() }.map_or(0, |c| c.0.pid())
}

/// How the running server is confined: `RP_PROCESS_SANDBOX_*` flags, as the server said when it
/// started (0 for NULL). What each flag stops is tested against a hostile plugin; what no flag
/// stops (reading files the server's uid can read, UDP, CPU and memory up to its limits) is in
/// docs/tiers.md.
///
/// # Safety
/// `client` is NULL or from `rp_process_start`, not freed.
#[no_mangle]
pub unsafe extern "C" fn rp_process_sandbox(client: *const rp_process_client) -> u32 {
    // SAFETY: the caller's promise.
    unsafe { client.as_ref() }.map_or(0, |c| c.0.sandbox())
}

/// The loaded plugin's name and version, views that live as long as the client. Returns
/// `RP_INVALID_ARGUMENT` for a NULL argument.
///
/// # Safety
/// `client` is NULL or from `rp_process_start`, not freed; `name` and `version` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rp_process_plugin(
    client: *const rp_process_client,
    name: *mut rp_str,
    version: *mut rp_str,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promise, for each pointer.
        let (client, name, version) = unsafe {
            (
                client.as_ref().ok_or_else(|| null("client"))?,
                out_param(name, "name")?,
                out_param(version, "version")?,
            )
        };
        name.write(rp_str::borrow(&client.0.info().name));
        version.write(rp_str::borrow(&client.0.info().version));
        Ok::<(), Error>(())
    })
}

/// The calling thread's last error message (of `rp_process_start` or `rp_process_plugin`),
/// NUL-terminated, owned by the thread until its next failed call.
#[no_mangle]
pub extern "C" fn rp_process_last_error_message() -> *const c_char {
    rp_ffi_core::boundary::last_error_message()
}
