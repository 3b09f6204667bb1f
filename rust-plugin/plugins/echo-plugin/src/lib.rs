//! The echo plugin (the seeds' example): answers every request with its body.
//!
//! - `Content-Type` is copied from the request (`application/octet-stream` when absent);
//! - `X-Plugin: echo-plugin/VERSION` names the plugin that answered (the hot-reload tests use it);
//! - `X-Echo-Config` is the configuration string given to `init`, when not empty;
//! - a request header `X-Echo-Encoding: base64` echoes the body base64-encoded, with base64 0.23
//!   (the `legacy-base64` plugin does the same with base64 0.13, loaded into the same host);
//! - a request header `X-Echo-Delay-Ms: N` (at most 10000) holds the answer N ms, so that tests
//!   can keep a request in flight across a reload.

use std::time::Duration;

use base64::Engine as _;
use rp_http_plugin::{HttpPlugin, PluginError, Request, Response};

/// The longest delay a request may ask for.
const MAX_DELAY_MS: u64 = 10_000;

pub struct Echo {
    config: String,
}

impl HttpPlugin for Echo {
    fn new() -> Self {
        Echo {
            config: String::new(),
        }
    }

    fn init(&mut self, config: &str) -> Result<(), PluginError> {
        config.clone_into(&mut self.config);
        Ok(())
    }

    fn handle(
        &self,
        request: &Request<'_>,
        response: &mut Response<'_>,
    ) -> Result<(), PluginError> {
        if let Some(delay) = request.header("X-Echo-Delay-Ms")? {
            let millis = std::str::from_utf8(delay)
                .ok()
                .and_then(|text| text.trim().parse::<u64>().ok())
                .filter(|&millis| millis <= MAX_DELAY_MS)
                .ok_or_else(|| {
                    PluginError::new(format!(
                        "X-Echo-Delay-Ms must be a number of milliseconds up to {MAX_DELAY_MS}, not {:?}",
                        String::from_utf8_lossy(delay)
                    ))
                })?;
            rp_http_plugin::sleep(Duration::from_millis(millis));
        }
        let content_type = request
            .header("Content-Type")?
            .unwrap_or(b"application/octet-stream");
        response.set_header(
            "X-Plugin",
            concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).as_bytes(),
        )?;
        if !self.config.is_empty() {
            response.set_header("X-Echo-Config", self.config.as_bytes())?;
        }
        let body = request.body()?;
        match request.header("X-Echo-Encoding")? {
            None => {
                response.set_header("Content-Type", content_type)?;
                response.set_body(body)
            }
            Some(b"base64") => {
                response.set_header("Content-Type", b"text/plain")?;
                response.set_body(
                    base64::engine::general_purpose::STANDARD
                        .encode(body)
                        .as_bytes(),
                )
            }
            Some(other) => Err(PluginError::new(format!(
                "unknown X-Echo-Encoding {:?}: the only encoding is \"base64\"",
                String::from_utf8_lossy(other)
            ))),
        }
    }
}

rp_http_plugin::export_http_plugin!(Echo);
