//! Answers every request with its body base64-encoded by `base64` 0.13, whose API (`base64::encode`)
//! was removed in later major versions, and says so in `X-Base64-Crate`. Loaded next to the echo
//! plugin (base64 0.23), it shows two versions of one crate in one host: in Go, a plugin built against
//! another version of a package the host also has fails to load.

use rp_http_plugin::{HttpPlugin, PluginError, Request, Response};

pub struct LegacyBase64;

impl HttpPlugin for LegacyBase64 {
    fn new() -> Self {
        LegacyBase64
    }

    fn handle(
        &self,
        request: &Request<'_>,
        response: &mut Response<'_>,
    ) -> Result<(), PluginError> {
        response.set_header("Content-Type", b"text/plain")?;
        response.set_header("X-Base64-Crate", b"0.13")?;
        response.set_body(base64::encode(request.body()?).as_bytes())
    }
}

rp_http_plugin::export_http_plugin!(LegacyBase64);
