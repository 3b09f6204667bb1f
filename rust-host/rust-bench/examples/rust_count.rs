//! The Rust callers' loops for callgrind, as cpp-bench's `--count_instructions`: runs each named
//! loop once per length, in order, so that `(Ir(2N) - Ir(N)) / N` is the instructions per call
//! (scripts/count-instructions.sh, the instruction gate of `make test`).
//!
//!     rust_count --count_instructions=GetUser/rust/static/4,Add/rust/wasm --iterations=W,N,2N
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

/// The loop callgrind counts (`--toggle-collect=*count_loop*`, a dump after each). The closure
/// comes by value and goes back, as it would through a reference: its captures stay in
/// registers across `black_box` (through `&mut`, GetUser took 3 more instructions a call).
#[inline(never)]
fn count_loop<R, F: FnMut() -> R>(iterations: usize, mut call: F) -> F {
    for _ in 0..iterations {
        black_box(call());
    }
    call
}

/// `count_loop` once per length. Its name must not match callgrind's `*count_loop*`: were it not
/// inlined, entering `count_loop` inside it would toggle the collection off.
#[inline(always)]
fn each_length<R>(lengths: &[usize], mut call: impl FnMut() -> R) {
    for &iterations in lengths {
        call = count_loop(iterations, call);
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
    let (mut names, mut lengths) = (Vec::new(), Vec::new());
    for arg in std::env::args().skip(1) {
        if let Some(list) = arg.strip_prefix("--count_instructions=") {
            names = list.split(',').map(str::to_owned).collect();
        } else if let Some(list) = arg.strip_prefix("--iterations=") {
            lengths = list
                .split(',')
                .map(|n| n.parse::<usize>().ok().filter(|&n| n > 0))
                .collect();
        }
    }
    let Some(lengths) = lengths.into_iter().collect::<Option<Vec<_>>>() else {
        eprintln!("rust_count: --iterations takes positive numbers: N[,N...]");
        return ExitCode::from(2);
    };
    if names.is_empty() || lengths.is_empty() {
        eprintln!("usage: rust_count --count_instructions=NAME[,NAME...] --iterations=N[,N...]");
        return ExitCode::from(2);
    }
    let store = UserStore::demo();
    let statics = StaticUsers::demo();
    let plugin = plugin();
    let users = plugin.new_demo().expect("the demo users");
    let keys = keys(&store);
    let mut next = cycle(&keys);
    let mut found = [std::ptr::null(); 16];
    let mut views = [None; 16];
    // Compiled once for every Wasm loop (wasmtime compiles for seconds under valgrind).
    let mut wasm = None;
    for name in &names {
        match name.as_str() {
            "Add/rust/native" => each_length(&lengths, || {
                rustplugin::ffi::Add(black_box(1), black_box(2))
            }),
            // SAFETY: a C function of two integers that cannot fail.
            "Add/rust/static" => {
                each_length(&lengths, || unsafe { sys::Add(black_box(1), black_box(2)) })
            }
            "Add/rust/dlopen" => each_length(&lengths, || plugin.add(black_box(1), black_box(2))),
            "GetUser/rust/native/4" => each_length(&lengths, || {
                let k = next();
                store
                    .get_user(
                        black_box(k.opaque_id.as_bytes()),
                        black_box(k.idp.as_bytes()),
                    )
                    .is_some()
            }),
            "GetUser/rust/static/4" => each_length(&lengths, || {
                let k = next();
                statics.get_user(black_box(&k.opaque_id), black_box(&k.idp))
            }),
            "GetUser/rust/dlopen/4" => each_length(&lengths, || {
                let k = next();
                users
                    .get_user(black_box(&k.opaque_id), black_box(&k.idp))
                    .is_ok()
            }),
            "GetUserByClaim/rust/static/4" => each_length(&lengths, || {
                statics.get_user_by_claim(black_box("mail"), black_box(&next().mail))
            }),
            "GetUserByClaim/rust/native/4" => each_length(&lengths, || {
                store
                    .get_user_by_claim(black_box(Claim::Mail), black_box(next().mail.as_bytes()))
                    .is_some()
            }),
            "GetUserGroups/rust/static/4" => each_length(&lengths, || {
                let k = next();
                statics.get_user_groups(black_box(&k.opaque_id), black_box(&k.idp))
            }),
            "FindUsers/rust/static/4" => each_length(&lengths, || {
                statics.find_users(black_box(&next().query), &mut found)
            }),
            "FindUsers/rust/dlopen/4" => each_length(&lengths, || {
                users
                    .find_users_into(black_box(&next().query), &mut views)
                    .unwrap_or(0)
            }),
            "Add/rust/wasm" | "GetUser/rust/wasm/4" => {
                if wasm.is_none() {
                    match wasm_users() {
                        Ok(users) => wasm = Some(users),
                        Err(e) => {
                            eprintln!("rust_count: {e}");
                            return ExitCode::FAILURE;
                        }
                    }
                }
                let wasm = wasm.as_mut().expect("compiled above");
                if name.starts_with("Add") {
                    each_length(&lengths, || wasm.add(black_box(1), black_box(2)))
                } else {
                    each_length(&lengths, || {
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
                each_length(&lengths, || {
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
    }
    ExitCode::SUCCESS
}
