//! The user manager plugin (`rustplugin.h`) behind the `RP_PROCESS_OP_*` user operations.

use std::cell::RefCell;
use std::ffi::CStr;

use rp_ffi_core::status::{Status, RP_INVALID_ARGUMENT, RP_OK};
use rp_process::protocol::PluginInfo;
use rp_process::{
    RP_PROCESS_OP_ADD, RP_PROCESS_OP_FIND_USERS, RP_PROCESS_OP_GET_USER,
    RP_PROCESS_OP_GET_USER_BY_CLAIM, RP_PROCESS_OP_GET_USER_BY_CLAIM_INDEX,
    RP_PROCESS_OP_GET_USER_INDEX, RP_PROCESS_OP_USER, RP_PROCESS_OP_USER_COUNT,
};

use crate::{bytes, open_with, sys, view, Service};

/// A loaded user manager plugin and its manager.
pub struct UserManager {
    plugin: sys::rp_plugin_handle,
    api: &'static sys::rp_plugin_descriptor,
    manager: *mut sys::rp_user_manager,
    /// The manager's users in file order: answers are indices into it.
    users: *const sys::rp_user,
    count: usize,
}

// SAFETY: the plugin documents its managers as immutable and callable from any thread at once;
// the pointers are only read.
unsafe impl Sync for UserManager {}
// SAFETY: as above.
unsafe impl Send for UserManager {}

thread_local! {
    /// Each slot thread's buffer for FindUsers' answers, as long as the user list.
    static FOUND: RefCell<Vec<*const sys::rp_user>> = const { RefCell::new(Vec::new()) };
}

/// The `N` strings of a request: `u32` lengths, then the bytes, nothing after.
fn strings<const N: usize>(request: &[u8]) -> Option<[&[u8]; N]> {
    let mut at = 4 * N;
    let mut out = [&[][..]; N];
    for (i, s) in out.iter_mut().enumerate() {
        let len = u32::from_le_bytes(request.get(4 * i..4 * i + 4)?.try_into().ok()?) as usize;
        *s = request.get(at..at.checked_add(len)?)?;
        at += len;
    }
    (at == request.len()).then_some(out)
}

impl UserManager {
    /// Opens the plugin at `path` (checked by the C loader before dlopen) and loads the users of
    /// the file `config` names, or the demo users when it is empty.
    pub fn load(path: &CStr, config: &str) -> Result<(UserManager, PluginInfo), (Status, String)> {
        // SAFETY: valid path, out-handle and error buffer of the stated capacity.
        let plugin = open_with(|plugin, error, capacity| unsafe {
            sys::rp_plugin_open(path.as_ptr(), plugin, error, capacity)
        })?;
        // SAFETY: rp_plugin_open checked the descriptor (ABI, size) and it lives as long as the
        // library, which this server never closes while serving.
        let api: &'static sys::rp_plugin_descriptor = unsafe { &*plugin.api };
        let mut manager = std::ptr::null_mut();
        // SAFETY: checked non-NULL function pointers of the descriptor, valid arguments.
        let status = unsafe {
            if config.is_empty() {
                (api.user_manager_new_demo.expect("checked"))(&mut manager)
            } else {
                (api.user_manager_new_from_file.expect("checked"))(
                    view(config.as_bytes()),
                    &mut manager,
                )
            }
        };
        let mut loaded = UserManager {
            plugin,
            api,
            manager,
            users: std::ptr::null(),
            count: 0,
        };
        if status != RP_OK {
            let message = format!(
                "cannot load the users of {config:?}: {}",
                loaded.last_error()
            );
            return Err((status, message));
        }
        // SAFETY: a live manager.
        unsafe {
            loaded.users = (api.user_manager_users.expect("checked"))(manager);
            loaded.count = (api.user_manager_user_count.expect("checked"))(manager);
        }
        // SAFETY: a static NUL-terminated string of the descriptor.
        let version = unsafe { CStr::from_ptr(api.library_version) }
            .to_string_lossy()
            .into_owned();
        let info = PluginInfo {
            name: "rustplugin".into(),
            version,
            abi: (api.abi_version_major, api.abi_version_minor),
            sandbox: 0, // the server's to say (main)
        };
        Ok((loaded, info))
    }

    fn last_error(&self) -> String {
        crate::last_error(self.api.last_error_message)
    }

    /// Appends the answer `user`: its index, then its record unless `index_alone`.
    fn answer(&self, user: *const sys::rp_user, index_alone: bool, out: &mut Vec<u8>) {
        // SAFETY: `user` points into the manager's array (the plugin answers with its stored users).
        let index = unsafe { user.offset_from(self.users) } as u32;
        out.extend_from_slice(&index.to_le_bytes());
        if !index_alone {
            self.record(user, out);
        }
    }

    fn record(&self, user: *const sys::rp_user, out: &mut Vec<u8>) {
        // SAFETY: a stored user: its views live as long as the manager.
        let user = unsafe { &*user };
        // SAFETY: the group list is a view of the manager, `len` views at `ptr` (never NULL).
        let groups = unsafe { std::slice::from_raw_parts(user.groups.ptr, user.groups.len) };
        let fields = [
            user.opaque_id,
            user.idp,
            user.username,
            user.mail,
            user.display_name,
            user.uid,
            user.gid,
        ];
        // SAFETY: views of the manager.
        let strings = fields
            .into_iter()
            .chain(groups.iter().copied())
            .map(|s| unsafe { bytes(s) });
        rp_ffi_core::record::encode(strings, out);
    }

    fn lookup(
        &self,
        function: Option<
            unsafe extern "C" fn(
                *const sys::rp_user_manager,
                sys::rp_str,
                sys::rp_str,
                *mut *const sys::rp_user,
            ) -> Status,
        >,
        request: &[u8],
        index_alone: bool,
        out: &mut Vec<u8>,
    ) -> Status {
        let Some([a, b]) = strings::<2>(request) else {
            return malformed(out);
        };
        let mut user = std::ptr::null();
        // SAFETY: a checked function of the descriptor, the live manager, views of the request.
        let status =
            unsafe { (function.expect("checked"))(self.manager, view(a), view(b), &mut user) };
        if status == RP_OK {
            self.answer(user, index_alone, out);
        } else {
            out.extend_from_slice(self.last_error().as_bytes());
        }
        status
    }

    fn find(&self, request: &[u8], out: &mut Vec<u8>) -> Status {
        let Some([query]) = strings::<1>(request) else {
            return malformed(out);
        };
        FOUND.with_borrow_mut(|found| {
            found.resize(self.count, std::ptr::null());
            let mut count = 0;
            // SAFETY: a checked function, the live manager, a buffer of `count` entries.
            let status = unsafe {
                (self.api.user_manager_find_users.expect("checked"))(
                    self.manager,
                    view(query),
                    found.as_mut_ptr(),
                    found.len(),
                    &mut count,
                )
            };
            if status != RP_OK {
                out.extend_from_slice(self.last_error().as_bytes());
                return status;
            }
            out.extend_from_slice(&(count as u32).to_le_bytes());
            let mut record = Vec::new();
            for &user in &found[..count] {
                record.clear();
                self.answer(user, false, &mut record);
                out.extend_from_slice(&((record.len() - 4) as u32).to_le_bytes());
                out.extend_from_slice(&record);
            }
            RP_OK
        })
    }
}

fn malformed(out: &mut Vec<u8>) -> Status {
    out.extend_from_slice(b"a malformed request: want u32 lengths, then the strings");
    RP_INVALID_ARGUMENT
}

impl Service for UserManager {
    fn serve(&self, op: u32, request: &[u8], out: &mut Vec<u8>) -> Status {
        match op {
            RP_PROCESS_OP_ADD => {
                let Some((a, b)) = request.get(..16).filter(|_| request.len() == 16).map(|r| {
                    (
                        i64::from_le_bytes(r[..8].try_into().unwrap()),
                        i64::from_le_bytes(r[8..].try_into().unwrap()),
                    )
                }) else {
                    out.extend_from_slice(b"Add wants two little-endian i64");
                    return RP_INVALID_ARGUMENT;
                };
                // SAFETY: a checked function of the descriptor.
                let sum = unsafe { (self.api.add.expect("checked"))(a, b) };
                out.extend_from_slice(&sum.to_le_bytes());
                RP_OK
            }
            RP_PROCESS_OP_USER_COUNT => {
                out.extend_from_slice(&(self.count as u32).to_le_bytes());
                RP_OK
            }
            RP_PROCESS_OP_GET_USER => {
                self.lookup(self.api.user_manager_get_user, request, false, out)
            }
            RP_PROCESS_OP_GET_USER_BY_CLAIM => {
                self.lookup(self.api.user_manager_get_user_by_claim, request, false, out)
            }
            RP_PROCESS_OP_GET_USER_INDEX => {
                self.lookup(self.api.user_manager_get_user, request, true, out)
            }
            RP_PROCESS_OP_GET_USER_BY_CLAIM_INDEX => {
                self.lookup(self.api.user_manager_get_user_by_claim, request, true, out)
            }
            RP_PROCESS_OP_USER => {
                let index = request
                    .try_into()
                    .map(|index| u32::from_le_bytes(index) as usize);
                match index {
                    Ok(index) if index < self.count => {
                        // SAFETY: an index below the count: a user of the manager's array.
                        self.record(unsafe { self.users.add(index) }, out);
                        RP_OK
                    }
                    _ => {
                        out.extend_from_slice(
                            format!("want a little-endian u32 index below {}", self.count)
                                .as_bytes(),
                        );
                        RP_INVALID_ARGUMENT
                    }
                }
            }
            RP_PROCESS_OP_FIND_USERS => self.find(request, out),
            other => {
                out.extend_from_slice(
                    format!("operation {other} is not a user manager's").as_bytes(),
                );
                RP_INVALID_ARGUMENT
            }
        }
    }
}

impl Drop for UserManager {
    fn drop(&mut self) {
        // SAFETY: the manager this struct created, freed once; then the library, closed once.
        unsafe {
            (self.api.user_manager_free.expect("checked"))(self.manager);
            sys::rp_plugin_close(&mut self.plugin);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::strings;

    #[test]
    fn requests_hold_exactly_their_strings() {
        let request = rp_process::strings(&[b"ab", b""]);
        assert_eq!(strings::<2>(&request), Some([&b"ab"[..], &b""[..]]));
        assert_eq!(strings::<1>(&request), None, "bytes left over");
        assert_eq!(
            strings::<2>(&request[..request.len() - 1]),
            None,
            "cut short"
        );
        assert_eq!(
            strings::<2>(&[255, 255, 255, 255, 0, 0, 0, 0]),
            None,
            "a length past the end"
        );
    }
}
