//! The Rust callers' loops for callgrind, as cpp-bench's `--count_instructions`: runs one loop
//! N times so that `(Ir(2N) - Ir(N)) / N` is the instructions per call (scripts/count-instructions.sh,
//! the instruction gate of `make test`).
//!
//!     rust_count --count_instructions=GetUser/rust/static/4 --iterations=N
//!
//! Names as the criterion benchmarks': Add and the four methods natively (the plugin's Rust code
//! called directly), through the static C ABI, through the shared library (rp-host), and Add and
//! GetUser into the Wasm guest under wasmtime (rp-wasm-host), on the
//! demo users and the key schedule every harness asks for.

use std::hint::black_box;
use std::process::ExitCode;

use rp_host::sys;
use rust_bench::users::{batches, cycle, cycle_batches, keys, plugin, StaticUsers};
use rustplugin::{Claim, UserStore};

/// The loop callgrind counts (`--toggle-collect=*count_loop*`).
#[inline(never)]
fn count_loop<R>(iterations: usize, mut call: impl FnMut() -> R) {
    for _ in 0..iterations {
        black_box(call());
    }
}

/// The user manager built for Wasm (scripts/build-wasm.sh) under wasmtime, on the demo users.
fn wasm_users() -> Result<rp_wasm_host::UserManager, String> {
    let module = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/wasm32-unknown-unknown/release/rustplugin.wasm");
    rp_wasm_host::UserManager::demo(&module, rp_wasm_host::Limits::default()).map_err(|e| {
        format!(
            "{}: {e} (scripts/build-wasm.sh builds it)",
            module.display()
        )
    })
}

fn main() -> ExitCode {
    let (mut name, mut iterations) = (None, None);
    for arg in std::env::args().skip(1) {
        if let Some(n) = arg.strip_prefix("--count_instructions=") {
            name = Some(n.to_owned());
        } else if let Some(i) = arg.strip_prefix("--iterations=") {
            iterations = i.parse::<usize>().ok();
        }
    }
    let (Some(name), Some(iterations)) = (name, iterations) else {
        eprintln!("usage: rust_count --count_instructions=NAME --iterations=N");
        return ExitCode::from(2);
    };
    let store = UserStore::demo();
    let statics = StaticUsers::demo();
    let plugin = plugin();
    let users = plugin.new_demo().expect("the demo users");
    let keys = keys(&store);
    let mut next = cycle(&keys);
    let mut found = [std::ptr::null(); 16];
    let mut views = [None; 16];
    match name.as_str() {
        "Add/rust/native" => count_loop(iterations, || {
            rustplugin::ffi::Add(black_box(1), black_box(2))
        }),
        // SAFETY: a C function of two integers that cannot fail.
        "Add/rust/static" => count_loop(iterations, || unsafe {
            sys::Add(black_box(1), black_box(2))
        }),
        "Add/rust/dlopen" => count_loop(iterations, || plugin.add(black_box(1), black_box(2))),
        "GetUser/rust/native/4" => count_loop(iterations, || {
            let k = next();
            store
                .get_user(
                    black_box(k.opaque_id.as_bytes()),
                    black_box(k.idp.as_bytes()),
                )
                .is_some()
        }),
        "GetUser/rust/static/4" => count_loop(iterations, || {
            let k = next();
            statics.get_user(black_box(&k.opaque_id), black_box(&k.idp))
        }),
        "GetUser/rust/dlopen/4" => count_loop(iterations, || {
            let k = next();
            users
                .get_user(black_box(&k.opaque_id), black_box(&k.idp))
                .is_ok()
        }),
        "GetUserByClaim/rust/static/4" => count_loop(iterations, || {
            statics.get_user_by_claim(black_box("mail"), black_box(&next().mail))
        }),
        "GetUserByClaim/rust/native/4" => count_loop(iterations, || {
            store
                .get_user_by_claim(black_box(Claim::Mail), black_box(next().mail.as_bytes()))
                .is_some()
        }),
        "GetUserGroups/rust/static/4" => count_loop(iterations, || {
            let k = next();
            statics.get_user_groups(black_box(&k.opaque_id), black_box(&k.idp))
        }),
        "FindUsers/rust/static/4" => count_loop(iterations, || {
            statics.find_users(black_box(&next().query), &mut found)
        }),
        "FindUsers/rust/dlopen/4" => count_loop(iterations, || {
            users
                .find_users_into(black_box(&next().query), &mut views)
                .unwrap_or(0)
        }),
        "Add/rust/wasm" | "GetUser/rust/wasm/4" => {
            let mut wasm = match wasm_users() {
                Ok(wasm) => wasm,
                Err(e) => {
                    eprintln!("rust_count: {e}");
                    return ExitCode::FAILURE;
                }
            };
            if name.starts_with("Add") {
                count_loop(iterations, || wasm.add(black_box(1), black_box(2)))
            } else {
                count_loop(iterations, || {
                    let k = next();
                    wasm.get_user(black_box(&k.opaque_id), black_box(&k.idp))
                        .is_ok()
                })
            }
        }
        "GetUsers/rust/dlopen/4" => {
            let batches = batches(&keys);
            let mut next = cycle_batches(&batches);
            let mut answers = Vec::new();
            count_loop(iterations, || {
                users
                    .get_users_into(black_box(next()), black_box(""), &mut answers)
                    .is_ok()
            })
        }
        _ => {
            eprintln!("rust_count: no loop named {name}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
