//! reva's JSON user file, as serde reads it, and its decoding into the store's users (the
//! "plain" uid and gid of `opaque.map`, the file's limits on each field).

use std::collections::HashMap;

use base64::Engine as _;
use serde::Deserialize;

use super::User;
use crate::error::Error;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct JsonUser {
    id: JsonUserId,
    username: String,
    mail: String,
    display_name: String,
    groups: Vec<String>,
    opaque: JsonOpaque,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonUserId {
    opaque_id: String,
    idp: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonOpaque {
    map: HashMap<String, JsonOpaqueEntry>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonOpaqueEntry {
    decoder: String,
    /// protobuf `bytes`: base64 in JSON.
    value: String,
}

impl JsonUser {
    pub(super) fn decode(mut self, index: usize) -> Result<User, Error> {
        let mut plain = |key: &str| -> Result<String, Error> {
            match self.opaque.map.remove(key) {
                Some(entry) if entry.decoder == "plain" => {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(entry.value.as_bytes())
                        .map_err(|e| {
                            Error::Parse(format!(
                                "user {index}: opaque.map.{key}.value is not base64: {e}"
                            ))
                        })?;
                    String::from_utf8(bytes).map_err(|_| {
                        Error::Parse(format!(
                            "user {index}: opaque.map.{key}.value does not decode to UTF-8"
                        ))
                    })
                }
                _ => Ok(String::new()),
            }
        };
        let uid = plain("uid")?;
        let gid = plain("gid")?;
        Ok(User {
            opaque_id: self.id.opaque_id.into(),
            idp: self.id.idp.into(),
            username: self.username.into(),
            mail: self.mail.into(),
            display_name: self.display_name.into(),
            groups: self.groups.into(),
            uid: uid.into(),
            gid: gid.into(),
        })
    }
}
