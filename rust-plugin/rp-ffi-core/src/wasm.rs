//! The Wasm guest ABI: how a host (wazero from Go, wasmtime from Rust) drives a plugin of this
//! project compiled to `wasm32-unknown-unknown`. Version 1.0, versioned like the C ABI: the major
//! changes when a host of the old one could misread a module, the minor when exports are added.
//!
//! # The module
//! - A custom section named [`RP_WASM_ABI_SECTION`] holds, as ASCII, `MAJOR.MINOR KIND NAME VERSION`
//!   (`1.0 http echo-plugin 0.1.0`), KIND being `http` or `user-manager`. A host reads it from the
//!   file before it compiles anything: a module without it, of another major, of an older minor
//!   than the host needs, or of another kind is refused and never runs.
//! - Linear memory is the guest's own; the host never writes anywhere but the input buffer.
//! - Instructions: WebAssembly 2.0, SIMD included (this project's modules use it for substring
//!   search); both hosts (wasmtime, wazero) enable it by default.
//! - Imports, all from the module `rp_host` (a module importing anything else is refused):
//!   - `panic(ptr: i32, len: i32)`: the panic message, UTF-8, just before the guest traps;
//!   - `out_of_memory(size: i32)`: an allocation of `size` bytes failed (the host's memory limit),
//!     just before the guest traps;
//!   - `sleep_ms(ms: i32)`: sleep, cut short by the host's deadline.
//!
//! # Calls
//! Arguments go through one input buffer, results come back through one result area, so that a
//! call is one host-to-guest transition and no allocation:
//! - `rp_wasm_input(len: i32) -> i32`: the address of the input buffer, grown to hold `len` bytes.
//!   The address stays valid until a call asks for a larger buffer.
//! - `rp_wasm_start() -> i32`: called once, right after instantiation, before any other export:
//!   prepares the guest (its panic hook) and returns the address of the result area, two
//!   little-endian `u32`: the address and length of the last call's result (a message when the
//!   call failed).
//! - Every operation takes the lengths of its arguments, laid end to end in the input buffer, and
//!   returns an `i32`: `>= 0` is success (a count or an index), `< 0` is `-status` (the C ABI's
//!   status codes) with the message in the result area.
//!
//! Kind `user-manager` (the reva UserManager of `rustplugin`): `rp_um_load(json_len)`,
//! `rp_um_load_demo()`, `rp_um_user_count()`, `rp_um_get_user(id_len, idp_len) -> index`,
//! `rp_um_get_user_by_claim(claim_len, value_len) -> index`, `rp_um_find_users(query_len) ->
//! count` (result: `count` little-endian `u32` indices), `rp_um_user(index) -> 0` (result: the
//! user, see `rustplugin`'s `wasm` module).
//!
//! Kind `http` (an `rp_http_plugin` plugin): `rp_http_init(config_len) -> 0`, `rp_http_handle(len)
//! -> 0` and `rp_http_close() -> 0`. The request and the response are laid out as the gateway's
//! whole-request call lays them out (see `rp_http_plugin`'s `wasm` module).
//!
//! # Faults
//! A trap (a panic, `unreachable`, an access out of bounds, a stack overflow, an allocation over
//! the memory limit) or a deadline leaves the instance in an unknown state: hosts discard it and
//! make a new one from the compiled module. Nothing of it reaches the host but the error.

/// The major version of the Wasm guest ABI.
pub const RP_WASM_ABI_VERSION_MAJOR: u32 = 1;
/// The minor version of the Wasm guest ABI.
pub const RP_WASM_ABI_VERSION_MINOR: u32 = 0;
/// The name of the custom section that describes a module (see the module documentation).
pub const RP_WASM_ABI_SECTION: &str = "rp_wasm_abi";

/// The bytes of a string, as an array the custom section's static can hold.
pub const fn section_bytes<const N: usize>(text: &str) -> [u8; N] {
    let bytes = text.as_bytes();
    assert!(bytes.len() == N);
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// Defines the custom section [`RP_WASM_ABI_SECTION`] of the module: `$kind` (`"http"` or
/// `"user-manager"`), the crate's name and version. Used once per module, by the crates that
/// export a guest (on `wasm32` only).
#[macro_export]
macro_rules! wasm_abi_section {
    ($kind:literal) => {
        const _: () = {
            const TEXT: &str = concat!(
                "1.0 ",
                $kind,
                " ",
                env!("CARGO_PKG_NAME"),
                " ",
                env!("CARGO_PKG_VERSION")
            );
            // The text's version is written out so that it can be concat!-ed: keep them equal.
            const _: () = assert!(
                $crate::wasm::RP_WASM_ABI_VERSION_MAJOR == 1
                    && $crate::wasm::RP_WASM_ABI_VERSION_MINOR == 0
            );
            #[link_section = "rp_wasm_abi"]
            #[used]
            static SECTION: [u8; TEXT.len()] = $crate::wasm::section_bytes(TEXT);
        };
    };
}

#[cfg(target_arch = "wasm32")]
pub mod guest;
