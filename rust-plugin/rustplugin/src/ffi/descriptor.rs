//! Versions, error reporting, and the plugin descriptor that dlopen hosts check before use.

use std::ffi::c_char;

use super::add::Add;
use super::boundary;
use super::user_manager::*;
use super::{rp_str, rp_str_list};
use crate::error::{status_name, Status};

/// ABI major version: bumped when a change breaks existing callers (a function's signature or
/// meaning, a struct's layout). A host must refuse a plugin whose major version differs.
pub const RP_ABI_VERSION_MAJOR: u32 = 1;
/// ABI minor version: bumped when functions are added at the end of `rp_plugin_descriptor`.
/// A host built against minor N works with any plugin of the same major and minor >= N.
pub const RP_ABI_VERSION_MINOR: u32 = 2;

/// The library's version (Cargo's), NUL-terminated.
static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library's version, `"MAJOR.MINOR.PATCH"`, equal to the header's `RP_VERSION` when header and
/// library match. A static string: never NULL, never freed. Thread-safety: any thread.
#[no_mangle]
pub extern "C" fn rp_version() -> *const c_char {
    VERSION.as_ptr().cast()
}

/// A static name for a status code (`"RP_NOT_FOUND"`), `"RP_UNKNOWN_STATUS"` for a value this
/// library does not define. Never NULL, never freed. Thread-safety: any thread.
#[no_mangle]
pub extern "C" fn rp_status_name(status: Status) -> *const c_char {
    status_name(status).as_ptr()
}

/// The message of the last failed call on the calling thread, e.g.
/// `"unknown claim \"phone\": the claims are \"mail\", \"username\" and \"uid\""`; `""` before any
/// failure. Successful calls leave it unchanged, as with `errno`: read it right after a call that
/// returned a status other than `RP_OK`.
///
/// The string is NUL-terminated, at most 511 bytes, owned by the library and the thread; it is
/// overwritten by the thread's next failing call. Never NULL. Thread-safety: each thread has its own.
#[no_mangle]
pub extern "C" fn rp_last_error_message() -> *const c_char {
    boundary::last_error_message()
}

/// Everything a host that loads the library at run time needs, behind one symbol
/// (`rp_plugin_get_descriptor`). The first three fields will keep their place in every ABI version, so
/// any host can read them before trusting the rest.
///
/// A host must check, before calling anything through it, that `abi_version_major ==
/// RP_ABI_VERSION_MAJOR`, `abi_version_minor >= RP_ABI_VERSION_MINOR` and `struct_size >=
/// sizeof(rp_plugin_descriptor)`, and refuse the plugin otherwise: `rp_plugin_check_descriptor()`
/// (below) does exactly that with the host's own header. The function pointers behave exactly as
/// the functions of the same name.
#[repr(C)]
pub struct rp_plugin_descriptor {
    pub abi_version_major: u32,
    pub abi_version_minor: u32,
    /// `sizeof(rp_plugin_descriptor)` as the plugin was built.
    pub struct_size: usize,
    /// As `rp_version()`.
    pub library_version: *const c_char,
    pub add: extern "C" fn(i64, i64) -> i64,
    pub status_name: extern "C" fn(Status) -> *const c_char,
    pub last_error_message: extern "C" fn() -> *const c_char,
    pub user_manager_new_demo: unsafe extern "C" fn(*mut *mut rp_user_manager) -> Status,
    pub user_manager_new_from_json:
        unsafe extern "C" fn(rp_str, *mut *mut rp_user_manager) -> Status,
    pub user_manager_new_from_file:
        unsafe extern "C" fn(rp_str, *mut *mut rp_user_manager) -> Status,
    pub user_manager_free: unsafe extern "C" fn(*mut rp_user_manager),
    pub user_manager_user_count: unsafe extern "C" fn(*const rp_user_manager) -> usize,
    pub user_manager_get_user:
        unsafe extern "C" fn(*const rp_user_manager, rp_str, rp_str, *mut *const rp_user) -> Status,
    pub user_manager_get_user_by_claim:
        unsafe extern "C" fn(*const rp_user_manager, rp_str, rp_str, *mut *const rp_user) -> Status,
    pub user_manager_get_user_groups:
        unsafe extern "C" fn(*const rp_user_manager, rp_str, rp_str, *mut rp_str_list) -> Status,
    pub user_manager_find_users: unsafe extern "C" fn(
        *const rp_user_manager,
        rp_str,
        *mut *const rp_user,
        usize,
        *mut usize,
    ) -> Status,
    /// Since ABI 1.1.
    pub user_manager_new_from_file_limited:
        unsafe extern "C" fn(rp_str, u64, *mut *mut rp_user_manager) -> Status,
    /// Since ABI 1.2.
    pub user_manager_users: unsafe extern "C" fn(*const rp_user_manager) -> *const rp_user,
}

/// The descriptor is immutable static data.
struct SharedDescriptor(rp_plugin_descriptor);

// SAFETY: the only raw pointer, `library_version`, points to an immutable static string.
unsafe impl Sync for SharedDescriptor {}

static DESCRIPTOR: SharedDescriptor = SharedDescriptor(rp_plugin_descriptor {
    abi_version_major: RP_ABI_VERSION_MAJOR,
    abi_version_minor: RP_ABI_VERSION_MINOR,
    struct_size: size_of::<rp_plugin_descriptor>(),
    library_version: VERSION.as_ptr().cast(),
    add: Add,
    status_name: rp_status_name,
    last_error_message: rp_last_error_message,
    user_manager_new_demo: rp_user_manager_new_demo,
    user_manager_new_from_json: rp_user_manager_new_from_json,
    user_manager_new_from_file: rp_user_manager_new_from_file,
    user_manager_free: rp_user_manager_free,
    user_manager_user_count: rp_user_manager_user_count,
    user_manager_get_user: rp_user_manager_get_user,
    user_manager_get_user_by_claim: rp_user_manager_get_user_by_claim,
    user_manager_get_user_groups: rp_user_manager_get_user_groups,
    user_manager_find_users: rp_user_manager_find_users,
    user_manager_new_from_file_limited: rp_user_manager_new_from_file_limited,
    user_manager_users: rp_user_manager_users,
});

/// The plugin descriptor: a static struct, never NULL, never freed, valid while the library is
/// loaded. Look it up with `dlsym(handle, "rp_plugin_get_descriptor")` and check the versions as the
/// struct's documentation says. Thread-safety: any thread.
#[no_mangle]
pub extern "C" fn rp_plugin_get_descriptor() -> *const rp_plugin_descriptor {
    &DESCRIPTOR.0
}
