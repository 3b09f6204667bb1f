//! A plugin that fails on demand, for the fault tests of every host:
//! - `init` fails when the configuration contains `fail-init`, and panics when it contains
//!   `panic-init`;
//! - `handle` panics when the request has `X-Fault: panic`, returns an error for `X-Fault: error`,
//!   and otherwise answers `ok` (so a host can show it keeps serving).

use rp_http_plugin::{HttpPlugin, PluginError, Request, Response};

pub struct Faulty;

impl HttpPlugin for Faulty {
    fn new() -> Self {
        Faulty
    }

    fn init(&mut self, config: &str) -> Result<(), PluginError> {
        if config.contains("panic-init") {
            panic!("init was asked to panic");
        }
        if config.contains("fail-init") {
            return Err(PluginError::new(format!(
                "init refused the configuration {config:?}"
            )));
        }
        Ok(())
    }

    fn handle(
        &self,
        request: &Request<'_>,
        response: &mut Response<'_>,
    ) -> Result<(), PluginError> {
        match request.header("X-Fault")? {
            Some(b"panic") => panic!("the handler was asked to panic"),
            Some(b"error") => Err(PluginError::new("the handler was asked to fail")),
            _ => response.set_body(b"ok"),
        }
    }
}

rp_http_plugin::export_http_plugin!(Faulty);
