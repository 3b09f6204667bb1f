//! The plugin's implementation of its definition (`wit/plugin.wit`): the traits of the generated
//! C-ABI layer (`ffi`), implemented by the store.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rp_ffi_core::owned::TextList;
use rp_ffi_core::string::{text, StrPack};

use crate::error::Error;
use crate::ffi::{UserManager, World};
use crate::store::{User, UserStore};

/// The largest file `rp_user_manager_new_from_file` reads, in bytes (1 GiB): three times the 10^6
/// generated users of the size sweeps. Equal to the Rust core's `store::DEFAULT_MAX_FILE_BYTES`.
pub const RP_DEFAULT_MAX_FILE_BYTES: u64 = 1_073_741_824;
const _: () = assert!(RP_DEFAULT_MAX_FILE_BYTES == crate::store::DEFAULT_MAX_FILE_BYTES);

/// The world's functions.
pub struct Plugin;

impl World for Plugin {
    #[inline(always)]
    fn add(a: i64, b: i64) -> i64 {
        crate::add(a, b)
    }
}

impl UserManager for UserStore {
    fn new_demo() -> Result<UserStore, Error> {
        Ok(UserStore::demo())
    }

    fn new_from_json(json: &[u8]) -> Result<UserStore, Error> {
        UserStore::from_json(json)
    }

    fn new_from_file(path: &[u8]) -> Result<UserStore, Error> {
        UserStore::from_file(Path::new(OsStr::from_bytes(path)))
    }

    fn new_from_file_limited(path: &[u8], max_bytes: u64) -> Result<UserStore, Error> {
        UserStore::from_file_limited(Path::new(OsStr::from_bytes(path)), max_bytes)
    }

    #[inline(always)]
    fn users(&self) -> &[User] {
        UserStore::users(self)
    }

    // The lookups take keys as bytes: the store checks UTF-8 only when a lookup fails (a key that
    // is not UTF-8 cannot equal a stored string), so a hit costs no validation.
    #[inline(always)]
    fn get_user(&self, opaque_id: &[u8], idp: &[u8]) -> Result<&User, Error> {
        self.lookup_user(opaque_id, idp)
    }

    #[inline(always)]
    fn get_user_by_claim(&self, claim: &[u8], value: &[u8]) -> Result<&User, Error> {
        self.lookup_user_by_claim(claim, value)
    }

    #[inline(always)]
    fn get_user_groups(&self, opaque_id: &[u8], idp: &[u8]) -> Result<&TextList, Error> {
        Ok(&self.lookup_user(opaque_id, idp)?.groups)
    }

    #[inline(always)]
    fn get_users<'a>(
        &'a self,
        opaque_ids: StrPack<'_>,
        idp: &[u8],
        answers: &mut [Option<&'a User>],
    ) -> Result<(), Error> {
        for (answer, opaque_id) in answers.iter_mut().zip(opaque_ids.iter()) {
            *answer = UserStore::get_user(self, opaque_id, idp);
            if answer.is_none() {
                // A key that matched nothing is none, unless it is not UTF-8.
                text(opaque_id, "opaque_ids")?;
                text(idp, "idp")?;
            }
        }
        Ok(())
    }

    #[inline(always)]
    fn find_users<'a>(&'a self, query: &[u8], found: impl FnMut(&'a User)) -> Result<(), Error> {
        UserStore::find_users(self, text(query, "query")?, found);
        Ok(())
    }
}
