//! `rp-plugin-server`: serves one of the project's C-ABI plugins (a user manager or an HTTP
//! plugin) to one host, over the shared memory region the host hands it as file descriptor 3
//! (`rp_process::protocol`). A host starts it (`rp_process_start`, `rp_process::Client`, the Go
//! gateway's `-process-plugin`); it is not meant to be run by hand.
//!
//! The server checks the host's protocol version, limits its own address space (`--memory-limit`),
//! confines itself (`sandbox`: what a plugin can no longer reach), loads the plugin with the
//! project's C loader (which checks the file before `dlopen`), says
//! what it loaded, and then serves each slot of the region on a thread of its own until the host
//! asks it to stop. When it refuses (another protocol, a plugin it cannot load) it says why in the
//! region and on standard error, and exits with status 3. A fault in the plugin kills this process,
//! which is the point: the host survives and starts another.

mod http;
mod sandbox;
mod user_manager;

use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::Duration;

use rp_ffi_core::status::{
    Status, RP_ABI_MISMATCH, RP_INVALID_ARGUMENT, RP_IO, RP_NOT_A_FILE, RP_OK, RP_TOO_LARGE,
    RP_UNAVAILABLE,
};
use rp_process::protocol::{self, server_state, slot_state, PluginInfo, Region};

/// The C loader's API (`c-host/loader/rp_loader.h`) and the plugin headers it includes.
#[allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    clippy::all
)]
mod sys {
    include!(concat!(env!("OUT_DIR"), "/loader_sys.rs"));
}

/// A loaded plugin, serving requests from any slot thread.
trait Service: Sync {
    /// Serves `op` on `request`, appending the response (or the error message) to `out`.
    fn serve(&self, op: u32, request: &[u8], out: &mut Vec<u8>) -> Status;
}

const USAGE: &str =
    "usage: rp-plugin-server --kind user-manager|http --plugin FILE.so [--config TEXT] \
[--memory-limit BYTES]\n\nServes one plugin to the host that started it, over the shared memory at \
file descriptor 3 (see rp_process.h). Hosts start it: rp_process_start (C), rp_process::Client \
(Rust), gateway -process-plugin (Go).";

/// The largest plugin the loader takes (RP_LOADER_MAX_LIBRARY_BYTES) and users file the store
/// reads (RP_DEFAULT_MAX_FILE_BYTES): what the server copies of them, plus one byte.
const MAX_LIBRARY_BYTES: u64 = 256 << 20; // bindgen skips the macro's cast
const MAX_USERS_BYTES: u64 = sys::RP_DEFAULT_MAX_FILE_BYTES as u64;

/// Capacity of the C loader's error messages.
pub(crate) const ERROR_CAPACITY: usize = 1024;

struct Arguments {
    kind: String,
    plugin: PathBuf,
    config: String,
    memory_limit: u64,
}

fn arguments() -> Result<Arguments, String> {
    let mut args = std::env::args_os().skip(1);
    let (mut kind, mut plugin, mut config, mut memory_limit) = (None, None, String::new(), 0);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{} needs a value", flag.to_string_lossy()))
        };
        match flag.to_str() {
            Some("--kind") => kind = Some(value()?.to_string_lossy().into_owned()),
            Some("--plugin") => plugin = Some(PathBuf::from(value()?)),
            Some("--config") => {
                config = value()?
                    .into_string()
                    .map_err(|_| "--config is not UTF-8".to_string())?
            }
            Some("--memory-limit") => {
                memory_limit = value()?
                    .to_str()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--memory-limit wants a number of bytes")?
            }
            Some("--help" | "-h") => return Err(String::new()),
            _ => return Err(format!("unknown argument {}", flag.to_string_lossy())),
        }
    }
    Ok(Arguments {
        kind: kind.ok_or("--kind is missing")?,
        plugin: plugin.ok_or("--plugin is missing")?,
        config,
        memory_limit,
    })
}

fn main() -> ExitCode {
    let arguments = match arguments() {
        Ok(arguments) => arguments,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("rp-plugin-server: {problem}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    // SAFETY: F_GETFD only asks whether fd 3 is open.
    if unsafe { libc::fcntl(protocol::REGION_FD, libc::F_GETFD) } < 0 {
        eprintln!("rp-plugin-server: file descriptor 3 is not open: a host starts this server with its shared region there\n\n{USAGE}");
        return ExitCode::from(2);
    }
    // SAFETY: fd 3 is open (checked) and this process owns it from here on.
    let region = match Region::open(unsafe { OwnedFd::from_raw_fd(protocol::REGION_FD) }) {
        Ok(region) => region,
        Err(error) => {
            eprintln!("rp-plugin-server: file descriptor 3: {error}: a host starts this server with its shared region there\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // A bug in this server must not leave a slot unanswered: it dies, and its host restarts it.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("rp-plugin-server: {info}");
        std::process::abort();
    }));
    let service = match start(&region, &arguments) {
        Ok((service, info)) => {
            region.publish(server_state::READY, &info, RP_OK, "");
            service
        }
        Err((status, message)) => {
            eprintln!("rp-plugin-server: {message}");
            region.publish(
                server_state::REFUSED,
                &PluginInfo::default(),
                status,
                &message,
            );
            return ExitCode::from(3);
        }
    };
    thread::scope(|scope| {
        for index in 0..region.slot_count() {
            let (region, service) = (&region, &*service);
            thread::Builder::new()
                .name(format!("slot-{index}"))
                .spawn_scoped(scope, move || serve_slot(region, index, service))
                .expect("a slot thread");
        }
    });
    drop(service); // closes and unloads the plugin
    ExitCode::SUCCESS
}

/// Checks the host's version, applies the memory limit, loads the plugin.
fn start(
    region: &Region,
    arguments: &Arguments,
) -> Result<(Box<dyn Service>, PluginInfo), (Status, String)> {
    let header = region.header();
    let host = (
        header.host_major.load(Ordering::Acquire),
        header.host_minor.load(Ordering::Acquire),
    );
    if host.0 != protocol::PROTOCOL_MAJOR {
        return Err((RP_ABI_MISMATCH, format!(
            "the host speaks plugin server protocol {}.{}, this server {}.{}: use the rp-plugin-server \
             built with the host",
            host.0,
            host.1,
            protocol::PROTOCOL_MAJOR,
            protocol::PROTOCOL_MINOR
        )));
    }
    let user_manager = match arguments.kind.as_str() {
        "user-manager" => true,
        "http" => false,
        other => {
            return Err((
                RP_INVALID_ARGUMENT,
                format!("--kind {other}: want user-manager or http"),
            ))
        }
    };
    if arguments.memory_limit > 0 {
        limit_memory(arguments.memory_limit).map_err(|e| (RP_INVALID_ARGUMENT, e))?;
    }
    // What the plugin loads from is copied now, then read through /proc/self/fd once the server
    // is confined (as uid nobody it may not read the files themselves).
    let copy = |path: &Path, limit, what: &str| {
        sandbox::copy_before(path, limit).map_err(|e| match e {
            sandbox::CopyError::NotAFile(kind) => (
                RP_NOT_A_FILE,
                format!(
                    "refused {what} {}: it is not a regular file ({kind})",
                    path.display()
                ),
            ),
            sandbox::CopyError::Io(e) => {
                (RP_IO, format!("cannot load {what} {}: {e}", path.display()))
            }
        })
    };
    let plugin = copy(&arguments.plugin, MAX_LIBRARY_BYTES, "plugin")?;
    let users = (user_manager && !arguments.config.is_empty())
        .then(|| copy(arguments.config.as_ref(), MAX_USERS_BYTES, "the users of"))
        .transpose()?;
    let sandbox = sandbox::confine().map_err(|e| {
        (
            RP_UNAVAILABLE,
            format!("cannot confine the plugin server before loading the plugin: {e}"),
        )
    })?;
    // Messages name the files as the host gave them, not by their descriptors.
    let named = |(status, message): (Status, String)| {
        let message = message.replace(
            &*plugin.path.to_string_lossy(),
            &arguments.plugin.to_string_lossy(),
        );
        let message = match &users {
            Some(users) => message.replace(&*users.path.to_string_lossy(), &arguments.config),
            None => message,
        };
        (status, message)
    };
    let (service, mut info): (Box<dyn Service>, PluginInfo) = if user_manager {
        let users = users.as_ref().map_or("", |u| u.path.to_str().unwrap_or(""));
        let (service, info) =
            user_manager::UserManager::load(&plugin.path, users).map_err(named)?;
        (Box::new(service), info)
    } else {
        let (service, info) = http::Http::load(&plugin.path, &arguments.config).map_err(named)?;
        (Box::new(service), info)
    };
    info.sandbox = sandbox;
    Ok((service, info))
}

/// Limits the address space to what it is now (the binary, the shared region) plus `bytes`
/// (`RLIMIT_AS`), and malloc to one arena so that the threads' arenas (64 MiB of address space
/// each) do not use the limit up.
fn limit_memory(bytes: u64) -> Result<(), String> {
    let statm = std::fs::read_to_string("/proc/self/statm")
        .map_err(|e| format!("/proc/self/statm: {e}"))?;
    let pages: u64 = statm
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or("/proc/self/statm: no size")?;
    // SAFETY: sysconf with a valid name.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    let total = pages.saturating_mul(page).saturating_add(bytes);
    // SAFETY: mallopt with a valid parameter.
    unsafe { libc::mallopt(libc::M_ARENA_MAX, 1) };
    let limit = libc::rlimit {
        rlim_cur: total,
        rlim_max: total,
    };
    // SAFETY: setrlimit with a valid struct.
    if unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) } != 0 {
        return Err(format!(
            "cannot limit the memory to {total} bytes: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

/// Serves slot `index` until the host stores SHUTDOWN into it.
fn serve_slot(region: &Region, index: u32, service: &dyn Service) {
    let slot = region.slot(index);
    let control = slot.control;
    // The host's choice: it knows where both sides may run (protocol::spin_for).
    let spin = Duration::from_nanos(region.header().spin_ns.load(Ordering::Relaxed).into());
    let mut out = Vec::new();
    loop {
        let state = protocol::wait_while(
            &control.state,
            |s| s == slot_state::IDLE || s == slot_state::RESPONSE,
            &control.server_waiting,
            spin,
            None,
        );
        if state != Some(slot_state::REQUEST) {
            return;
        }
        let len = (control.len.load(Ordering::Acquire) as usize).min(slot.capacity());
        let op = control.op.load(Ordering::Acquire);
        out.clear();
        // SAFETY: the slot is in REQUEST: this thread owns its data until it stores RESPONSE,
        // and the request slice is dead before the response is written.
        let mut status = service.serve(op, unsafe { slot.request(len) }, &mut out);
        if out.len() > slot.capacity() {
            let message = format!(
                "a response of {} bytes is over the {} bytes of a slot",
                out.len(),
                slot.capacity()
            );
            out.clear();
            out.extend_from_slice(message.as_bytes());
            status = RP_TOO_LARGE;
        }
        slot.write(&out); // fits (checked)
        control.status.store(status, Ordering::Relaxed);
        control.len.store(out.len() as u32, Ordering::Relaxed);
        protocol::hand_over(&control.state, slot_state::RESPONSE, &control.host_waiting);
        if out.capacity() > 1 << 20 {
            out = Vec::new();
        }
    }
}

/// The message of a failed C call: `error`'s NUL-terminated text.
pub(crate) fn message(error: &[std::ffi::c_char]) -> String {
    // SAFETY: the loader NUL-terminates its messages within the buffer (capacity > 0).
    unsafe { std::ffi::CStr::from_ptr(error.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

/// The thread's last error message of a plugin, through its descriptor's `last_error_message`
/// (checked non-NULL when the plugin was loaded).
pub(crate) fn last_error(
    last_error_message: Option<unsafe extern "C" fn() -> *const std::ffi::c_char>,
) -> String {
    // SAFETY: the plugin's per-thread NUL-terminated message, read on the failing thread.
    unsafe { std::ffi::CStr::from_ptr((last_error_message.expect("checked"))()) }
        .to_string_lossy()
        .into_owned()
}

/// Opens a plugin with one of the C loader's functions: `open` gets a zeroed handle (the loader's
/// "nothing loaded") and an error buffer of `ERROR_CAPACITY`; a status other than `RP_OK` comes
/// back with the loader's message.
pub(crate) fn open_with<Handle>(
    open: impl FnOnce(&mut Handle, *mut std::ffi::c_char, usize) -> Status,
) -> Result<Handle, (Status, String)> {
    let mut error = [0 as std::ffi::c_char; ERROR_CAPACITY];
    // SAFETY: the loader's handles are plain C structs of pointers, valid when zeroed.
    let mut handle: Handle = unsafe { std::mem::zeroed() };
    match open(&mut handle, error.as_mut_ptr(), ERROR_CAPACITY) {
        RP_OK => Ok(handle),
        status => Err((status, message(&error))),
    }
}

/// A view of `s` for the plugin, which reads it during the call only.
pub(crate) fn view(s: &[u8]) -> sys::rp_str {
    sys::rp_str {
        ptr: s.as_ptr().cast(),
        len: s.len(),
    }
}

/// The bytes of a view the plugin returned.
///
/// # Safety
/// `s` is alive for `'a` (the plugin's answers live as long as their manager or response).
pub(crate) unsafe fn bytes<'a>(s: sys::rp_str) -> &'a [u8] {
    if s.len == 0 {
        return &[];
    }
    // SAFETY: the caller's promise.
    unsafe { std::slice::from_raw_parts(s.ptr.cast(), s.len) }
}
