//! The two kinds of module behind safe methods. Each wrapper holds one instance and makes a new
//! one (loading its data again) when the last call faulted.

use std::path::Path;

use wasmtime::TypedFunc;

use crate::{Error, Instance, Limits, Plugin};

/// Runs `call` on the wrapper's live instance (made by `make` when there is none) and drops the
/// instance when the call faulted.
fn with_live<L, T>(
    live: &mut Option<L>,
    make: impl FnOnce() -> Result<L, Error>,
    call: impl FnOnce(&mut L) -> Result<T, Error>,
) -> Result<T, Error> {
    if live.is_none() {
        *live = Some(make()?);
    }
    let result = call(live.as_mut().expect("made above"));
    if matches!(result, Err(Error::Fault { .. })) {
        *live = None;
    }
    result
}

/// A user as the module lays it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub opaque_id: String,
    pub idp: String,
    pub username: String,
    pub mail: String,
    pub display_name: String,
    pub uid: String,
    pub gid: String,
    pub groups: Vec<String>,
}

/// The Rust user manager (`rustplugin.wasm`, kind `user-manager`).
pub struct UserManager {
    plugin: Plugin,
    /// The JSON every instance loads; `None`: the demo users.
    data: Option<Vec<u8>>,
    live: Option<LiveUsers>,
}

struct LiveUsers {
    instance: Instance,
    get_user: TypedFunc<(i32, i32), i32>,
    get_user_by_claim: TypedFunc<(i32, i32), i32>,
    find_users: TypedFunc<i32, i32>,
    user: TypedFunc<i32, i32>,
    add: TypedFunc<(i64, i64), i64>,
}

const USER_EXPORTS: [&str; 7] = [
    "rp_um_load",
    "rp_um_load_demo",
    "rp_um_get_user",
    "rp_um_get_user_by_claim",
    "rp_um_find_users",
    "rp_um_user",
    "Add",
];

impl UserManager {
    /// The module at `module` on the built-in demo users.
    pub fn demo(module: &Path, limits: Limits) -> Result<UserManager, Error> {
        UserManager::new(module, None, limits)
    }

    /// The module at `module` on the reva JSON user list `json`.
    pub fn from_json(module: &Path, json: Vec<u8>, limits: Limits) -> Result<UserManager, Error> {
        UserManager::new(module, Some(json), limits)
    }

    fn new(module: &Path, data: Option<Vec<u8>>, limits: Limits) -> Result<UserManager, Error> {
        let mut manager = UserManager {
            plugin: Plugin::load(module, "user-manager", &USER_EXPORTS, limits)?,
            data,
            live: None,
        };
        manager.run(|_| Ok(()))?; // the first instance: the data's errors are the caller's
        Ok(manager)
    }

    fn run<T>(
        &mut self,
        call: impl FnOnce(&mut LiveUsers) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let (plugin, data) = (&self.plugin, &self.data);
        with_live(&mut self.live, || make_users(plugin, data.as_deref()), call)
    }

    /// reva's GetUser: the index of the user.
    pub fn get_user(&mut self, opaque_id: &str, idp: &str) -> Result<u32, Error> {
        self.run(|live| {
            live.instance
                .input(&[opaque_id.as_bytes(), idp.as_bytes()])?;
            live.instance
                .call(&live.get_user, (opaque_id.len() as i32, idp.len() as i32))
        })
    }

    /// reva's GetUserByClaim: the index of the user.
    pub fn get_user_by_claim(&mut self, claim: &str, value: &str) -> Result<u32, Error> {
        self.run(|live| {
            live.instance.input(&[claim.as_bytes(), value.as_bytes()])?;
            live.instance.call(
                &live.get_user_by_claim,
                (claim.len() as i32, value.len() as i32),
            )
        })
    }

    /// reva's FindUsers: the indices of the users, in file order.
    pub fn find_users(&mut self, query: &str) -> Result<Vec<u32>, Error> {
        self.run(|live| {
            live.instance.input(&[query.as_bytes()])?;
            live.instance.call(&live.find_users, query.len() as i32)?;
            Ok(live
                .instance
                .result()
                .chunks_exact(4)
                .map(|w| u32::from_le_bytes(w.try_into().expect("4 bytes")))
                .collect())
        })
    }

    /// User `index`, copied out of the instance.
    pub fn user(&mut self, index: u32) -> Result<User, Error> {
        self.run(|live| {
            live.instance.call(&live.user, index as i32)?;
            decode_user(live.instance.result())
        })
    }

    /// The module's `Add`.
    pub fn add(&mut self, a: i64, b: i64) -> Result<i64, Error> {
        self.run(|live| live.instance.call_raw(&live.add, (a, b)))
    }
}

fn make_users(plugin: &Plugin, data: Option<&[u8]>) -> Result<LiveUsers, Error> {
    let mut instance = plugin.instantiate()?;
    match data {
        None => {
            let load: TypedFunc<(), i32> = instance.func("rp_um_load_demo")?;
            instance.call(&load, ())?;
        }
        Some(json) => {
            instance.input(&[json])?;
            let load: TypedFunc<i32, i32> = instance.func("rp_um_load")?;
            instance.call(&load, json.len() as i32)?;
        }
    }
    Ok(LiveUsers {
        get_user: instance.func("rp_um_get_user")?,
        get_user_by_claim: instance.func("rp_um_get_user_by_claim")?,
        find_users: instance.func("rp_um_find_users")?,
        user: instance.func("rp_um_user")?,
        add: instance.func("Add")?,
        instance,
    })
}

fn decode_user(bytes: &[u8]) -> Result<User, Error> {
    let bad = || Error::Status {
        status: rp_ffi_core::status::RP_INVALID_ARGUMENT,
        message: format!("a malformed user record of {} bytes", bytes.len()),
    };
    // The record is the guest's: `decode` checks its count and lengths against its own length.
    let strings = rp_ffi_core::record::decode(bytes)
        .filter(|strings| strings.len() >= rp_ffi_core::record::FIXED_FIELDS)
        .ok_or_else(bad)?
        .into_iter()
        .map(|text| String::from_utf8(text.to_vec()).map_err(|_| bad()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut strings = strings.into_iter();
    let mut next = || strings.next().unwrap_or_default();
    Ok(User {
        opaque_id: next(),
        idp: next(),
        username: next(),
        mail: next(),
        display_name: next(),
        uid: next(),
        gid: next(),
        groups: strings.collect(),
    })
}

/// An HTTP plugin (kind `http`) built for Wasm.
pub struct HttpPlugin {
    plugin: Plugin,
    config: String,
    live: Option<LiveHttp>,
}

struct LiveHttp {
    instance: Instance,
    handle: TypedFunc<i32, i32>,
}

/// A plugin's response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpPlugin {
    /// The module at `module`, each instance initialised with `config`.
    pub fn load(module: &Path, config: &str, limits: Limits) -> Result<HttpPlugin, Error> {
        let mut plugin = HttpPlugin {
            plugin: Plugin::load(
                module,
                "http",
                &["rp_http_init", "rp_http_handle", "rp_http_close"],
                limits,
            )?,
            config: config.to_owned(),
            live: None,
        };
        with_live(
            &mut plugin.live,
            || make_http(&plugin.plugin, &plugin.config),
            |_| Ok(()),
        )?;
        Ok(plugin)
    }

    /// Serves one request.
    pub fn handle(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<HttpResponse, Error> {
        let mut lengths = Vec::with_capacity(4 + 2 * headers.len());
        lengths.push(headers.len() as u32);
        lengths.extend([method.len() as u32, path.len() as u32]);
        for (name, value) in headers {
            lengths.extend([name.len() as u32, value.len() as u32]);
        }
        lengths.push(body.len() as u32);
        let words: Vec<u8> = lengths.iter().flat_map(|w| w.to_le_bytes()).collect();
        let mut args: Vec<&[u8]> = vec![&words, method.as_bytes(), path.as_bytes()];
        for (name, value) in headers {
            args.extend([name.as_bytes(), value.as_bytes()]);
        }
        args.push(body);
        let total: usize = args.iter().map(|a| a.len()).sum();
        let (plugin, config) = (&self.plugin, &self.config);
        with_live(
            &mut self.live,
            || make_http(plugin, config),
            |live| {
                live.instance.input(&args)?;
                live.instance.call(&live.handle, total as i32)?;
                decode_response(live.instance.result())
            },
        )
    }
}

impl Drop for HttpPlugin {
    fn drop(&mut self) {
        if let Some(live) = &mut self.live {
            if let Ok(close) = live.instance.func::<(), i32>("rp_http_close") {
                let _ = live.instance.call(&close, ());
            }
        }
    }
}

fn make_http(plugin: &Plugin, config: &str) -> Result<LiveHttp, Error> {
    let mut instance = plugin.instantiate()?;
    instance.input(&[config.as_bytes()])?;
    let init: TypedFunc<i32, i32> = instance.func("rp_http_init")?;
    instance.call(&init, config.len() as i32)?;
    Ok(LiveHttp {
        handle: instance.func("rp_http_handle")?,
        instance,
    })
}

fn decode_response(bytes: &[u8]) -> Result<HttpResponse, Error> {
    let bad = || Error::Status {
        status: rp_ffi_core::status::RP_INVALID_ARGUMENT,
        message: format!("a malformed response of {} bytes", bytes.len()),
    };
    let word = |i: usize| -> Option<usize> {
        Some(u64::from_le_bytes(bytes.get(8 * i..8 * i + 8)?.try_into().ok()?) as usize)
    };
    let (status, count, body_len) = (word(0), word(1), word(2));
    let (status, count, body_len) = (
        status.ok_or_else(bad)?,
        count.ok_or_else(bad)?,
        body_len.ok_or_else(bad)?,
    );
    let mut at = 24usize
        .checked_add(count.checked_mul(16).ok_or_else(bad)?)
        .ok_or_else(bad)?;
    let mut headers = Vec::with_capacity(count.min(64));
    for i in 0..count {
        let (name_len, value_len) = (
            word(3 + 2 * i).ok_or_else(bad)?,
            word(4 + 2 * i).ok_or_else(bad)?,
        );
        let name = bytes.get(at..at + name_len).ok_or_else(bad)?;
        let value = bytes
            .get(at + name_len..at + name_len + value_len)
            .ok_or_else(bad)?;
        headers.push((
            String::from_utf8_lossy(name).into_owned(),
            String::from_utf8_lossy(value).into_owned(),
        ));
        at += name_len + value_len;
    }
    let body = bytes.get(at..at + body_len).ok_or_else(bad)?.to_vec();
    Ok(HttpResponse {
        status: u16::try_from(status).map_err(|_| bad())?,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::decode_user;

    /// A record as the guest lays it out: a count, the lengths, the strings.
    fn record(strings: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        rp_ffi_core::record::encode(strings.iter().map(|s| s.as_bytes()), &mut out);
        out
    }

    #[test]
    fn lying_records_are_refused_before_anything_is_sized_by_them() {
        let good = record(&["id", "idp", "user", "mail", "name", "1", "2", "g"]);
        assert_eq!(decode_user(&good).unwrap().groups, ["g"]);
        let mut huge_count = good.clone();
        huge_count[..4].copy_from_slice(&u32::MAX.to_le_bytes()); // 96 GiB of Strings, before
        let mut wrapping_len = good.clone();
        wrapping_len[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        for lie in [
            huge_count,
            wrapping_len,
            good[..good.len() - 1].to_vec(),
            vec![9, 0, 0],
        ] {
            assert!(decode_user(&lie).is_err());
        }
    }
}
