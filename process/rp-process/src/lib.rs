//! Plugins out of process: a host starts `rp-plugin-server` (this project's plugin server), which
//! loads one of the project's C-ABI plugins (a user manager or an HTTP plugin), and calls it
//! through shared memory. A crash of the plugin (a segfault, an abort, a stack overflow, out of
//! memory) kills the server, never the host: the calls in it fail with `RP_PROCESS_DIED`, and the
//! server is restarted.
//!
//! - [`protocol`]: the shared memory region both sides map (slots, futex wake-ups, handshake);
//! - [`client`]: the host's side in Rust ([`Client`]): start, supervision, calls with deadlines;
//! - the C API of `include/rp_process.h` over the client (`rp_process_*`), for C, C++ and Go hosts.
//!
//! # Examples
//! ```no_run
//! use rp_process::{Client, Config, Kind, RP_PROCESS_OP_GET_USER};
//! use std::time::Duration;
//!
//! let config = Config::new("target/release/rp-plugin-server", "target/release/librustplugin.so", Kind::UserManager);
//! let client = Client::start(config)?;
//! let reply = client.call(RP_PROCESS_OP_GET_USER, &rp_process::strings(&[b"einstein", b""]), Duration::from_secs(1))?;
//! assert_eq!(reply.status, 0);
//! # Ok::<(), rp_process::Error>(())
//! ```

#![allow(non_camel_case_types)] // C names, as the header spells them.

pub mod client;
mod ffi;
pub mod protocol;

pub use client::{Client, Config, Error, Kind, Reply, PLUGIN_CPUS_ENV};

/// `Add(a, b)`: request two little-endian `i64`s; response one.
pub const RP_PROCESS_OP_ADD: u32 = 1;
/// The number of users: no request; response a little-endian `u32`.
pub const RP_PROCESS_OP_USER_COUNT: u32 = 2;
/// reva's GetUser: request the strings opaque id and idp; response the user's little-endian `u32`
/// index in file order, then its record: a `u32` count of strings, their `u32` lengths, then their
/// bytes: opaque id, idp, username, mail, display name, uid, gid, then the groups.
pub const RP_PROCESS_OP_GET_USER: u32 = 3;
/// reva's GetUserByClaim: request the strings claim and value; response as GetUser's.
pub const RP_PROCESS_OP_GET_USER_BY_CLAIM: u32 = 4;
/// reva's FindUsers: request the string query; response a `u32` count, then for each match the
/// `u32` length of its record, then its answer as GetUser's (index, record).
pub const RP_PROCESS_OP_FIND_USERS: u32 = 5;
/// The record of a user: request its little-endian `u32` index in file order; response its record
/// as GetUser's. Since protocol 1.3.
pub const RP_PROCESS_OP_USER: u32 = 6;
/// reva's GetUser, answered by the index alone: request as GetUser's; response the user's
/// little-endian `u32` index. A host that keeps what it decoded per user asks for a record
/// (`RP_PROCESS_OP_USER`) once per user, and then moves 4 bytes a call, not the record. Since
/// protocol 1.3.
pub const RP_PROCESS_OP_GET_USER_INDEX: u32 = 7;
/// reva's GetUserByClaim, answered by the index alone, as `RP_PROCESS_OP_GET_USER_INDEX`. Since
/// protocol 1.3.
pub const RP_PROCESS_OP_GET_USER_BY_CLAIM_INDEX: u32 = 8;
/// An HTTP plugin serves a request: request and response as rp_http_plugin's Wasm module lays
/// them out (`rust-plugin/rp-http-plugin/src/layout.rs`).
pub const RP_PROCESS_OP_HTTP_SERVE: u32 = 16;

/// The server loads a user manager plugin (`rustplugin.h`).
pub const RP_PROCESS_KIND_USER_MANAGER: u32 = 1;
/// The server loads an HTTP plugin (`rp_http_plugin.h`).
pub const RP_PROCESS_KIND_HTTP: u32 = 2;

/// The server, started by a root host, took uid and gid nobody (65534), with no capability
/// (`rp_process_sandbox`).
pub const RP_PROCESS_SANDBOX_UNPRIVILEGED: u32 = 1;
/// seccomp: the plugin cannot start a process, exec, ptrace, signal another process, or undo
/// the parent-death signal, the dumpable flag or its resource limits.
pub const RP_PROCESS_SANDBOX_SECCOMP: u32 = 2;
/// Landlock: no file written, created, removed or executed; no ptrace-class access (`/proc/PID/fd`,
/// `/proc/PID/mem`, `process_vm_readv`) to any process outside the server.
pub const RP_PROCESS_SANDBOX_LANDLOCK_FS: u32 = 4;
/// Landlock ABI 4: no TCP bind or connect.
pub const RP_PROCESS_SANDBOX_LANDLOCK_NET: u32 = 8;
/// Landlock ABI 6: no signal and no abstract Unix socket connection outside the server.
pub const RP_PROCESS_SANDBOX_LANDLOCK_SCOPE: u32 = 16;

/// Lays out `strings` as the user manager operations take them: a little-endian `u32` length
/// for each, then their bytes end to end.
pub fn strings(strings: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    strings_into(&mut out, strings);
    out
}

/// [`strings`] into `out`, replacing what it held (a caller's buffer, reused from call to call).
pub fn strings_into(out: &mut Vec<u8>, strings: &[&[u8]]) {
    out.clear();
    for s in strings {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    }
    for s in strings {
        out.extend_from_slice(s);
    }
}
