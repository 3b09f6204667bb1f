//! The user manager as the Rust harnesses call it: the static C ABI behind a small wrapper, the
//! shared library through rp-host, out of process through rp-process, and the key schedule every
//! harness asks for (gen-users' `draw_keys`). Shared by the criterion benchmarks (`benches/paths.rs`) and the instruction
//! counter (`examples/rust_count.rs`).

use std::path::PathBuf;
use std::time::Duration;

use gen_users::{draw_keys, Key, KEY_COUNT};
use rp_host::{sys, Plugin};
use rustplugin::UserStore;

/// The user manager's shared library, loaded with rp-host (RUSTPLUGIN_SO, else the release build).
pub fn plugin() -> Plugin {
    let path = std::env::var_os("RUSTPLUGIN_SO")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release/librustplugin.so")
        });
    Plugin::load(&path).unwrap_or_else(|e| panic!("{e} (build it with `make build-rust`)"))
}

/// A view of `text` for one call.
pub fn s(text: &str) -> sys::rp_str {
    sys::rp_str {
        ptr: text.as_ptr().cast(),
        len: text.len(),
    }
}

/// The key schedule of a data set: gen-users' draw_keys, the same keys the C++ and Go harnesses
/// read from users-N.keys (gen-users writes them with the same function).
pub fn keys(store: &UserStore) -> Vec<Key> {
    draw_keys(store.users())
}

/// The keys in turn, one per call: every path asks for the same users in the same order.
pub fn cycle<'a>(keys: &'a [Key]) -> impl FnMut() -> &'a Key + 'a {
    let mut next = 0;
    move || {
        let key = &keys[next & (KEY_COUNT - 1)];
        next += 1;
        key
    }
}

/// Keys per GetUsers call, as cpp-bench's batch: the key schedule cut into batches of this many.
pub const BATCH: usize = 16;

/// The keys' opaque ids in batches of [`BATCH`], packed for GetUsers, in schedule order.
pub fn batches(keys: &[Key]) -> Vec<rp_host::Keys> {
    keys.chunks(BATCH)
        .map(|batch| batch.iter().map(|k| k.opaque_id.as_str()).collect())
        .collect()
}

/// The batches in turn, one per call.
pub fn cycle_batches<'a>(batches: &'a [rp_host::Keys]) -> impl FnMut() -> &'a rp_host::Keys + 'a {
    let mut next = 0;
    move || {
        let batch = &batches[next % batches.len()];
        next += 1;
        batch
    }
}

/// Checks a path's answers for the first keys before it is timed: `answer` gives the opaque id
/// of the user a key finds.
pub fn check(path: &str, keys: &[Key], mut answer: impl FnMut(&Key) -> String) {
    for key in &keys[..8] {
        assert_eq!(
            answer(key),
            key.opaque_id,
            "{path}: the answer for key {key:?}"
        );
    }
}

/// A demo manager through the statically linked C ABI, freed on drop.
pub struct StaticUsers(*mut sys::rp_user_manager);

impl StaticUsers {
    pub fn demo() -> StaticUsers {
        let mut raw = std::ptr::null_mut();
        // SAFETY: a valid out-param.
        assert_eq!(
            unsafe { sys::rp_user_manager_new_demo(&mut raw) },
            sys::RP_OK as sys::rp_status
        );
        StaticUsers(raw)
    }

    pub fn from_file(path: &std::path::Path) -> StaticUsers {
        let path = path.to_str().expect("a UTF-8 path");
        let mut raw = std::ptr::null_mut();
        // SAFETY: a view of a live string, a valid out-param.
        let status = unsafe { sys::rp_user_manager_new_from_file(s(path), &mut raw) };
        assert_eq!(status, sys::RP_OK as sys::rp_status, "cannot load {path}");
        StaticUsers(raw)
    }

    pub fn get_user(&self, id: &str, idp: &str) -> *const sys::rp_user {
        let mut user = std::ptr::null();
        // SAFETY: a live manager, views valid for the call, a valid out-param.
        unsafe { sys::rp_user_manager_get_user(self.0, s(id), s(idp), &mut user) };
        user
    }

    pub fn get_user_by_claim(&self, claim: &str, value: &str) -> *const sys::rp_user {
        let mut user = std::ptr::null();
        // SAFETY: as in get_user.
        unsafe { sys::rp_user_manager_get_user_by_claim(self.0, s(claim), s(value), &mut user) };
        user
    }

    pub fn get_user_groups(&self, id: &str, idp: &str) -> usize {
        let mut list = sys::rp_str_list {
            ptr: std::ptr::null(),
            len: 0,
        };
        // SAFETY: as in get_user.
        unsafe { sys::rp_user_manager_get_user_groups(self.0, s(id), s(idp), &mut list) };
        list.len
    }

    pub fn find_users(&self, query: &str, found: &mut [*const sys::rp_user; 16]) -> usize {
        let mut count = 0;
        // SAFETY: as in get_user; `found` has 16 writable slots.
        unsafe {
            sys::rp_user_manager_find_users(
                self.0,
                s(query),
                found.as_mut_ptr(),
                found.len(),
                &mut count,
            )
        };
        count
    }

    /// The opaque id of an answer of this wrapper's methods.
    ///
    /// # Safety
    ///
    /// `user` is NULL (a panic) or an answer of a manager that is still alive.
    pub unsafe fn opaque_id(user: *const sys::rp_user) -> String {
        assert!(!user.is_null(), "no user");
        // SAFETY: a non-NULL answer from a live manager (the caller's promise).
        let name = unsafe { (*user).opaque_id };
        // SAFETY: the view's bytes, alive with the manager.
        String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(name.ptr.cast(), name.len) })
            .into_owned()
    }
}

impl Drop for StaticUsers {
    fn drop(&mut self) {
        // SAFETY: created by new_demo, freed once.
        unsafe { sys::rp_user_manager_free(self.0) }
    }
}

/// The user manager out of process: rp-plugin-server serving the release build of the plugin on
/// its demo users, through rp-process (one slot; the server where RP_PLUGIN_CPUS says). Lookups
/// answer the user's index, as Go's process tier asks them: Rust's figure for the tier, without
/// Go's runtime and cgo.
pub struct ProcessUsers {
    client: rp_process::Client,
    /// The request of each call, its capacity kept from call to call.
    request: Vec<u8>,
}

impl ProcessUsers {
    pub fn demo() -> ProcessUsers {
        let release = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release");
        let mut config = rp_process::Config::new(
            release.join("rp-plugin-server"),
            release.join("librustplugin.so"),
            rp_process::Kind::UserManager,
        );
        config.slots = 1;
        let client = rp_process::Client::start(config)
            .unwrap_or_else(|e| panic!("rp-plugin-server: {e} (build it with `make build-rust`)"));
        ProcessUsers {
            client,
            request: Vec::new(),
        }
    }

    /// The index of the user, or None.
    pub fn get_user(&mut self, id: &str, idp: &str) -> Option<u32> {
        self.lookup(rp_process::RP_PROCESS_OP_GET_USER_INDEX, id, idp)
    }

    pub fn get_user_by_claim(&mut self, claim: &str, value: &str) -> Option<u32> {
        self.lookup(
            rp_process::RP_PROCESS_OP_GET_USER_BY_CLAIM_INDEX,
            claim,
            value,
        )
    }

    fn lookup(&mut self, op: u32, a: &str, b: &str) -> Option<u32> {
        rp_process::strings_into(&mut self.request, &[a.as_bytes(), b.as_bytes()]);
        let reply = self
            .client
            .call(op, &self.request, CALL_TIMEOUT)
            .expect("a call");
        let index = reply.data().try_into().ok().map(u32::from_le_bytes);
        (reply.status == 0).then_some(index).flatten()
    }

    /// The opaque id of user `index` (its record's first string), to check an answer.
    pub fn opaque_id(&self, index: u32) -> String {
        let reply = self
            .client
            .call(
                rp_process::RP_PROCESS_OP_USER,
                &index.to_le_bytes(),
                CALL_TIMEOUT,
            )
            .expect("a call");
        let record = rp_ffi_core::record::decode(reply.data()).expect("a user record");
        String::from_utf8_lossy(record[0]).into_owned()
    }
}

/// A call's deadline: far beyond any answer, so a timed call never meets it.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
