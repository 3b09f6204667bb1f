//! A plugin that fails on demand, for the fault tests of every host:
//! - `init` fails when the configuration contains `fail-init`, and panics when it contains
//!   `panic-init`;
//! - `handle` panics when the request has `X-Fault: panic`, returns an error for `X-Fault: error`,
//!   and otherwise answers `ok` (so a host can show it keeps serving);
//! - and the faults no in-process host survives, for the isolation tiers' tests (the Wasm sandbox
//!   contains each; in process each takes the host down): `X-Fault: segfault` writes to an address
//!   that is mapped nowhere (outside a Wasm instance's memory, in the kernel's half natively),
//!   `abort` aborts, `stack-overflow` recurses without end, `loop` spins forever, and
//!   `memory-bomb` allocates (and touches) 1 MiB after 1 MiB without end.

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
            Some(b"segfault") => {
                let unmapped = (usize::MAX - 15) as *mut u8;
                // SAFETY: none: this is the fault under test. The address is mapped nowhere, so the
                // write traps (Wasm) or raises SIGSEGV (natively) before anything else happens.
                unsafe { unmapped.write_volatile(1) };
                Err(PluginError::new(
                    "the write to an unmapped address did not fault",
                ))
            }
            Some(b"abort") => std::process::abort(),
            Some(b"stack-overflow") => Err(PluginError::new(format!(
                "recursion ended at {}",
                recurse(0)
            ))),
            Some(b"loop") => loop {
                std::hint::spin_loop();
                std::hint::black_box(());
            },
            Some(b"memory-bomb") => {
                let mut hoard = Vec::new();
                loop {
                    hoard.push(std::hint::black_box(vec![1u8; 1 << 20]));
                }
            }
            _ => response.set_body(b"ok"),
        }
    }
}

/// Recurses without end: each frame keeps 1 KiB the optimiser cannot drop, and the call is not in
/// tail position.
#[allow(unconditional_recursion)] // the fault under test
fn recurse(depth: u64) -> u64 {
    let frame = std::hint::black_box([depth as u8; 1024]);
    recurse(depth + 1) + u64::from(frame[depth as usize % 1024])
}

rp_http_plugin::export_http_plugin!(Faulty);
