//! The reva UserManager over the C ABI: create, free and the four queries.

use std::ffi::OsStr;
use std::mem::MaybeUninit;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::{guard, invalid, null, out_param, rp_str, rp_str_list};
use crate::error::{Error, Status};
use crate::store::UserStore;

/// A user, as borrowed views into the manager that returned it. Every field lives as long as that
/// manager; do not free any of them.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rp_user {
    /// `id.opaque_id`.
    pub opaque_id: rp_str,
    /// `id.idp`, the identity provider.
    pub idp: rp_str,
    pub username: rp_str,
    pub mail: rp_str,
    pub display_name: rp_str,
    /// The user's groups, in file order.
    pub groups: rp_str_list,
    /// The decoded `opaque.map.uid` value ("123"), or empty when the user has no "plain" uid.
    pub uid: rp_str,
    /// The decoded `opaque.map.gid` value ("987"), or empty when the user has no "plain" gid.
    pub gid: rp_str,
}

/// An immutable, indexed set of users (the reva JSON user manager). Opaque: create it with an
/// `rp_user_manager_new_*` function, free it with `rp_user_manager_free`.
///
/// Thread-safety: a manager never changes after creation, so any number of threads may query the
/// same manager at once. Freeing it while another thread uses it is undefined behaviour.
pub struct rp_user_manager {
    store: UserStore,
    /// One view per user of `store`, in file order.
    users: Vec<rp_user>,
    /// The views `users[i].groups` point into.
    _groups: Vec<rp_str>,
}

// SAFETY: the raw pointers in `users` and `_groups` point into `store` and `_groups`, which are
// never mutated or moved (their heap buffers stay put when the manager moves) until drop, and
// reading them from several threads is reading immutable data.
unsafe impl Send for rp_user_manager {}
// SAFETY: as above; no method takes `&mut self`.
unsafe impl Sync for rp_user_manager {}

impl rp_user_manager {
    fn new(store: UserStore) -> Box<rp_user_manager> {
        let groups: Vec<rp_str> = store
            .users()
            .iter()
            .flat_map(|u| u.groups.iter().map(|g| rp_str::borrow(g)))
            .collect();
        let mut next_group = 0;
        let users = store
            .users()
            .iter()
            .map(|u| {
                let list = rp_str_list {
                    // In bounds (at most one past the end), and never NULL.
                    ptr: groups[next_group..].as_ptr(),
                    len: u.groups.len(),
                };
                next_group += u.groups.len();
                rp_user {
                    opaque_id: rp_str::borrow(&u.opaque_id),
                    idp: rp_str::borrow(&u.idp),
                    username: rp_str::borrow(&u.username),
                    mail: rp_str::borrow(&u.mail),
                    display_name: rp_str::borrow(&u.display_name),
                    groups: list,
                    uid: rp_str::borrow(u.uid.as_deref().unwrap_or("")),
                    gid: rp_str::borrow(u.gid.as_deref().unwrap_or("")),
                }
            })
            .collect();
        Box::new(rp_user_manager {
            store,
            users,
            _groups: groups,
        })
    }

    /// The manager behind a C pointer.
    ///
    /// # Safety
    /// Unless NULL, `manager` must come from an `rp_user_manager_new_*` function and not be freed.
    unsafe fn from_ptr<'a>(manager: *const rp_user_manager) -> Result<&'a rp_user_manager, Error> {
        // SAFETY: the caller's contract.
        unsafe { manager.as_ref() }.ok_or_else(|| null("manager").into())
    }
}

/// Hands a new manager to C through `out`.
fn publish(out: &mut MaybeUninit<*mut rp_user_manager>, store: UserStore) {
    out.write(Box::into_raw(rp_user_manager::new(store)));
}

/// Creates a manager holding the built-in demo data: the four reva demo users (einstein, marie,
/// richard, test).
///
/// - `out`: receives the new manager, owned by the caller, who frees it with
///   `rp_user_manager_free`. Must not be NULL.
///
/// Returns `RP_OK`, or `RP_INVALID_ARGUMENT` if `out` is NULL; `*out` is untouched on failure.
/// Thread-safety: may be called from any thread.
///
/// # Safety
/// Every pointer is NULL (where allowed above) or valid for the access described; a manager
/// comes from `rp_user_manager_new_*` and is not freed; each `rp_str` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn rp_user_manager_new_demo(out: *mut *mut rp_user_manager) -> Status {
    guard(|| {
        // SAFETY: the caller passes NULL or a writable pointer, as documented.
        let out = unsafe { out_param(out, "out") }?;
        publish(out, UserStore::demo());
        Ok(())
    })
}

/// Creates a manager from a JSON array of reva users held in memory.
///
/// - `json`: the document; read during the call only, not retained. NULL is allowed only with
///   length 0 (which is not valid JSON).
/// - `out`: receives the new manager, owned by the caller (free it with `rp_user_manager_free`).
///   Must not be NULL.
///
/// Returns `RP_OK`; `RP_PARSE` if `json` is not valid UTF-8 JSON of the reva user shape (the last
/// error message says where); `RP_INVALID_ARGUMENT` for NULL pointers. `*out` is untouched on
/// failure. Thread-safety: may be called from any thread.
///
/// # Safety
/// Every pointer is NULL (where allowed above) or valid for the access described; a manager
/// comes from `rp_user_manager_new_*` and is not freed; each `rp_str` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn rp_user_manager_new_from_json(
    json: rp_str,
    out: *mut *mut rp_user_manager,
) -> Status {
    guard(|| {
        // SAFETY: `json` is readable for the call, as documented.
        let json = unsafe { json.bytes("json") }?;
        // SAFETY: as in rp_user_manager_new_demo.
        let out = unsafe { out_param(out, "out") }?;
        publish(out, UserStore::from_json(json)?);
        Ok(())
    })
}

/// The largest file `rp_user_manager_new_from_file` reads, in bytes (1 GiB): three times the 10^6
/// generated users of the size sweeps. Equal to the Rust core's `store::DEFAULT_MAX_FILE_BYTES`.
pub const RP_DEFAULT_MAX_FILE_BYTES: u64 = 1_073_741_824;
const _: () = assert!(RP_DEFAULT_MAX_FILE_BYTES == crate::store::DEFAULT_MAX_FILE_BYTES);

/// Creates a manager from a reva JSON user file, such as the one `gen-users` writes.
///
/// - `path`: the file's path, as bytes (need not be UTF-8; no NUL terminator needed); read during
///   the call only. NULL is allowed only with length 0.
/// - `out`: receives the new manager, owned by the caller (free it with `rp_user_manager_free`).
///   Must not be NULL.
///
/// Reads at most `RP_DEFAULT_MAX_FILE_BYTES` (1 GiB); `rp_user_manager_new_from_file_limited` takes
/// another limit.
///
/// Returns `RP_OK`; `RP_IO` if the file cannot be opened or read (missing, unreadable);
/// `RP_NOT_A_FILE` if it is a FIFO, a device, a directory or a socket (refused before anything is
/// read; opening never blocks); `RP_TOO_LARGE` if it is over the limit (refused without reading it);
/// `RP_PARSE` if it is not JSON of the reva user shape; `RP_INVALID_ARGUMENT` for NULL pointers.
/// The last error message names the file and the cause. `*out` is untouched on failure.
/// Thread-safety: may be called from any thread.
///
/// # Safety
/// Every pointer is NULL (where allowed above) or valid for the access described; a manager
/// comes from `rp_user_manager_new_*` and is not freed; each `rp_str` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn rp_user_manager_new_from_file(
    path: rp_str,
    out: *mut *mut rp_user_manager,
) -> Status {
    // SAFETY: the same contract, passed on.
    unsafe { rp_user_manager_new_from_file_limited(path, RP_DEFAULT_MAX_FILE_BYTES, out) }
}

/// As `rp_user_manager_new_from_file`, reading at most `max_bytes` bytes: a larger file is refused
/// with `RP_TOO_LARGE` before it is read. Added in ABI 1.1.
///
/// # Safety
/// As `rp_user_manager_new_from_file`.
#[no_mangle]
pub unsafe extern "C" fn rp_user_manager_new_from_file_limited(
    path: rp_str,
    max_bytes: u64,
    out: *mut *mut rp_user_manager,
) -> Status {
    guard(|| {
        // SAFETY: `path` is readable for the call, as documented.
        let path = unsafe { path.bytes("path") }?;
        // SAFETY: as in rp_user_manager_new_demo.
        let out = unsafe { out_param(out, "out") }?;
        let path = Path::new(OsStr::from_bytes(path));
        publish(out, UserStore::from_file_limited(path, max_bytes)?);
        Ok(())
    })
}

/// Frees a manager and every view it handed out. NULL is a no-op.
///
/// `manager` must come from an `rp_user_manager_new_*` function and not have been freed already;
/// no other thread may be using it.
///
/// # Safety
/// `manager` is NULL or a manager from `rp_user_manager_new_*` that has not been freed.
#[no_mangle]
pub unsafe extern "C" fn rp_user_manager_free(manager: *mut rp_user_manager) {
    guard(|| {
        if !manager.is_null() {
            // SAFETY: a non-NULL manager came from Box::into_raw in `publish` and is freed once.
            drop(unsafe { Box::from_raw(manager) });
        }
        Ok(())
    });
}

/// The number of users in `manager`, or 0 if `manager` is NULL. Never fails.
/// Thread-safety: may be called concurrently with any query.
///
/// # Safety
/// `manager` is NULL or a manager from `rp_user_manager_new_*` that has not been freed.
#[no_mangle]
pub unsafe extern "C" fn rp_user_manager_user_count(manager: *const rp_user_manager) -> usize {
    // SAFETY: NULL or a live manager, as documented.
    unsafe { rp_user_manager::from_ptr(manager) }.map_or(0, |m| m.users.len())
}

/// All users of `manager`, in file order: an array of `rp_user_manager_user_count(manager)` views,
/// owned by `manager` (valid until it is freed). Every user the queries below return is an element
/// of this array, so `user - rp_user_manager_users(manager)` is that user's index in file order:
/// hosts use it to keep values per user (the Go binding keeps its Go copies this way).
///
/// Returns NULL if `manager` is NULL; a manager without users returns a pointer that must not be
/// read. Never fails. Added in ABI 1.2.
/// Thread-safety: may be called concurrently with any query.
///
/// # Safety
/// `manager` is NULL or a manager from `rp_user_manager_new_*` that has not been freed.
#[no_mangle]
pub unsafe extern "C" fn rp_user_manager_users(manager: *const rp_user_manager) -> *const rp_user {
    // SAFETY: NULL or a live manager, as documented.
    unsafe { rp_user_manager::from_ptr(manager) }.map_or(std::ptr::null(), |m| m.users.as_ptr())
}

/// reva's GetUser: the first user, in file order, whose opaque id *or username* equals
/// `opaque_id`, and whose idp equals `idp` (any idp when `idp` is empty).
///
/// - `manager`: must not be NULL.
/// - `opaque_id`, `idp`: UTF-8; read during the call only; NULL allowed with length 0.
/// - `user`: receives a view owned by `manager` (valid until it is freed). Must not be NULL.
///
/// Returns `RP_OK`; `RP_NOT_FOUND` if no user matches; `RP_INVALID_UTF8` if an argument is not
/// UTF-8; `RP_INVALID_ARGUMENT` for NULL pointers. `*user` is untouched on failure.
/// Thread-safety: any number of threads may query one manager at once.
///
/// # Safety
/// Every pointer is NULL (where allowed above) or valid for the access described; a manager
/// comes from `rp_user_manager_new_*` and is not freed; each `rp_str` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn rp_user_manager_get_user(
    manager: *const rp_user_manager,
    opaque_id: rp_str,
    idp: rp_str,
    user: *mut *const rp_user,
) -> Status {
    guard(|| {
        // SAFETY: the documented contracts of each argument.
        let (manager, opaque_id, idp, user) = unsafe {
            (
                rp_user_manager::from_ptr(manager)?,
                opaque_id.bytes("opaque_id")?,
                idp.bytes("idp")?,
                out_param(user, "user")?,
            )
        };
        let index = manager.store.lookup_user(opaque_id, idp)?;
        user.write(&manager.users[index]);
        Ok(())
    })
}

/// reva's GetUserGroups: the groups of the user `rp_user_manager_get_user` finds.
///
/// - `manager`: must not be NULL.
/// - `opaque_id`, `idp`: as for `rp_user_manager_get_user`.
/// - `groups`: receives a list owned by `manager` (valid until it is freed). Must not be NULL.
///
/// Returns as `rp_user_manager_get_user`; `*groups` is untouched on failure.
/// Thread-safety: any number of threads may query one manager at once.
///
/// # Safety
/// Every pointer is NULL (where allowed above) or valid for the access described; a manager
/// comes from `rp_user_manager_new_*` and is not freed; each `rp_str` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn rp_user_manager_get_user_groups(
    manager: *const rp_user_manager,
    opaque_id: rp_str,
    idp: rp_str,
    groups: *mut rp_str_list,
) -> Status {
    guard(|| {
        // SAFETY: the documented contracts of each argument.
        let (manager, opaque_id, idp, groups) = unsafe {
            (
                rp_user_manager::from_ptr(manager)?,
                opaque_id.bytes("opaque_id")?,
                idp.bytes("idp")?,
                out_param(groups, "groups")?,
            )
        };
        let index = manager.store.lookup_user(opaque_id, idp)?;
        groups.write(manager.users[index].groups);
        Ok(())
    })
}

/// reva's GetUserByClaim: the first user, in file order, whose claim equals `value` exactly.
///
/// - `manager`: must not be NULL.
/// - `claim`: `"mail"`, `"username"` or `"uid"` (the decoded `opaque.map.uid`, e.g. `"123"`).
/// - `value`: UTF-8; read during the call only; NULL allowed with length 0.
/// - `user`: receives a view owned by `manager` (valid until it is freed). Must not be NULL.
///
/// Returns `RP_OK`; `RP_UNKNOWN_CLAIM` for any other claim (reva answers "not found" there; an
/// explicit error is kinder to callers); `RP_NOT_FOUND` if no user matches; `RP_INVALID_UTF8`;
/// `RP_INVALID_ARGUMENT` for NULL pointers. `*user` is untouched on failure.
/// Thread-safety: any number of threads may query one manager at once.
///
/// # Safety
/// Every pointer is NULL (where allowed above) or valid for the access described; a manager
/// comes from `rp_user_manager_new_*` and is not freed; each `rp_str` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn rp_user_manager_get_user_by_claim(
    manager: *const rp_user_manager,
    claim: rp_str,
    value: rp_str,
    user: *mut *const rp_user,
) -> Status {
    guard(|| {
        // SAFETY: the documented contracts of each argument.
        let (manager, claim_name, value, user) = unsafe {
            (
                rp_user_manager::from_ptr(manager)?,
                claim.bytes("claim")?,
                value.bytes("value")?,
                out_param(user, "user")?,
            )
        };
        let index = manager.store.lookup_user_by_claim(claim_name, value)?;
        user.write(&manager.users[index]);
        Ok(())
    })
}

/// reva's FindUsers: every user, in file order, whose username, display name, mail or opaque id
/// contains `query`, ignoring case (Go's `strings.ToLower`). The empty query matches every user.
/// Finding nothing is success with `*count == 0`.
///
/// - `manager`: must not be NULL.
/// - `query`: UTF-8; read during the call only; NULL allowed with length 0.
/// - `users`, `capacity`: a caller-owned array of `capacity` pointers that receives views owned by
///   `manager`. `users` may be NULL only when `capacity` is 0 (to ask for the count).
///   `rp_user_manager_user_count(manager)` is always enough.
/// - `count`: receives the number of matches. Must not be NULL.
///
/// Returns `RP_OK` when every match fit; `RP_BUFFER_TOO_SMALL` when there are more than `capacity`
/// matches: then `*count` holds the number needed and `users` the first `capacity` matches (so a
/// caller may also ask for just the first few). `RP_INVALID_UTF8`, `RP_INVALID_ARGUMENT`: nothing
/// is written. Thread-safety: any number of threads may query one manager at once.
///
/// # Safety
/// Every pointer is NULL (where allowed above) or valid for the access described; a manager
/// comes from `rp_user_manager_new_*` and is not freed; each `rp_str` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn rp_user_manager_find_users(
    manager: *const rp_user_manager,
    query: rp_str,
    users: *mut *const rp_user,
    capacity: usize,
    count: *mut usize,
) -> Status {
    guard(|| {
        // SAFETY: the documented contracts of each argument.
        let (manager, query, count) = unsafe {
            (
                rp_user_manager::from_ptr(manager)?,
                query.text("query")?,
                out_param(count, "count")?,
            )
        };
        let buffer: &mut [MaybeUninit<*const rp_user>] = if capacity == 0 {
            &mut []
        } else if users.is_null() {
            return Err(invalid("users", "is NULL with a capacity of", capacity).into());
        } else if capacity > isize::MAX as usize / size_of::<*const rp_user>() {
            return Err(invalid("capacity", "is impossible:", capacity).into());
        } else {
            // SAFETY: non-NULL, size within isize::MAX, writable for `capacity` entries by contract.
            unsafe { std::slice::from_raw_parts_mut(users.cast(), capacity) }
        };
        let mut found = 0;
        manager.store.find_user_indices(query, |index| {
            if let Some(slot) = buffer.get_mut(found) {
                slot.write(&manager.users[index]);
            }
            found += 1;
        });
        count.write(found);
        if found > capacity {
            return Err(Error::BufferTooSmall {
                needed: found,
                capacity,
            });
        }
        Ok(())
    })
}
