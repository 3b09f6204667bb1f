//! `rp-wasm-check MEMORY_BYTES < module.wasm`: compiles a module as rp-wasm-host would, with its
//! address space limited to what it maps at start plus MEMORY_BYTES. Exit 0 when it compiles, 1
//! (and why, on standard error) when it does not; killed or out of memory otherwise. Hosts run it
//! (`rp_wasm_host::compile_check`) before they compile a module themselves, to bound the work.

use std::io::Read as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(limit) = std::env::args().nth(1).and_then(|a| a.parse::<u64>().ok()) else {
        eprintln!("usage: rp-wasm-check MEMORY_BYTES < module.wasm (run by rp-wasm-host)");
        return ExitCode::from(2);
    };
    limit_address_space(limit);
    let mut module = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut module) {
        eprintln!("cannot read the module: {e}");
        return ExitCode::from(2);
    }
    let compiled = wasmtime::Engine::new(&rp_wasm_host::engine_config())
        .and_then(|engine| wasmtime::Module::new(&engine, &module));
    match compiled {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprint!("{e}");
            ExitCode::from(rp_wasm_host::compile_check::NOT_COMPILED as u8)
        }
    }
}

/// RLIMIT_AS: what the process maps now, plus `bytes`.
fn limit_address_space(bytes: u64) {
    let pages: u64 = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf with a valid name.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    let total = pages.saturating_mul(page).saturating_add(bytes);
    let limit = libc::rlimit {
        rlim_cur: total,
        rlim_max: total,
    };
    // SAFETY: setrlimit with a valid struct.
    unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) };
}
