//! The Wasm modules of scripts/build-wasm.sh (`make build-rust`) under wasmtime: the same answers
//! as in process, and every fault the faulty plugin can raise contained.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rp_wasm_host::{Error, FaultKind, HttpPlugin, Limits, UserManager};

fn module(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/wasm32-unknown-unknown/release")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run `make build-rust`",
        path.display()
    );
    path
}

#[test]
fn the_user_manager_answers_as_in_process() {
    let store = rustplugin::UserStore::demo();
    let mut wasm = UserManager::demo(&module("rustplugin.wasm"), Limits::default()).unwrap();
    for user in store.users() {
        let index = wasm.get_user(&user.opaque_id, &user.idp).unwrap();
        let got = wasm.user(index).unwrap();
        assert_eq!(
            (got.username.as_str(), &got.groups),
            (user.username.as_str(), &user.groups)
        );
        assert_eq!(wasm.get_user_by_claim("mail", &user.mail).unwrap(), index);
    }
    assert_eq!(wasm.find_users("").unwrap().len(), store.users().len());
    let missing = wasm.get_user("nobody", "").unwrap_err();
    assert!(
        matches!(&missing, Error::Status { status, message }
        if *status == rp_ffi_core::status::RP_NOT_FOUND && message.contains("\"nobody\"")),
        "{missing}"
    );
    let claim = wasm.get_user_by_claim("shoe-size", "42").unwrap_err();
    assert!(
        matches!(claim, Error::Status { status, .. } if status == rp_ffi_core::status::RP_UNKNOWN_CLAIM)
    );
    assert_eq!(wasm.add(40, 2).unwrap(), 42);
    let bad = UserManager::from_json(
        &module("rustplugin.wasm"),
        b"[{".to_vec(),
        Limits::default(),
    );
    assert!(
        matches!(bad, Err(Error::Status { status, .. }) if status == rp_ffi_core::status::RP_PARSE)
    );
}

#[test]
fn modules_of_another_kind_or_no_module_are_refused() {
    let wrong = HttpPlugin::load(&module("rustplugin.wasm"), "", Limits::default());
    assert!(
        matches!(&wrong, Err(Error::Refused(why)) if why.contains("\"user-manager\" module")),
        "{:?}",
        wrong.err()
    );
    let not_wasm = UserManager::demo(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"),
        Limits::default(),
    );
    assert!(
        matches!(&not_wasm, Err(Error::Refused(why)) if why.contains("not a Wasm module")),
        "{:?}",
        not_wasm.err()
    );
}

#[test]
fn every_fault_is_contained_and_the_next_request_succeeds() {
    let limits = Limits {
        memory_bytes: 16 << 20,
        timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let mut faulty = HttpPlugin::load(&module("faulty_plugin.wasm"), "", limits).unwrap();
    let faults = [
        ("panic", FaultKind::Panic, "the handler was asked to panic"),
        ("segfault", FaultKind::Trap, "out of bounds"),
        ("abort", FaultKind::Trap, "unreachable"),
        ("stack-overflow", FaultKind::Trap, ""),
        ("loop", FaultKind::Deadline, "deadline"),
        (
            "memory-bomb",
            FaultKind::OutOfMemory,
            "an allocation of 1048576 bytes failed",
        ),
    ];
    for round in 0..20 {
        for (fault, kind, text) in faults {
            let start = Instant::now();
            let error = faulty
                .handle("GET", "/", &[("X-Fault", fault)], b"")
                .unwrap_err();
            assert!(
                matches!(&error, Error::Fault { kind: k, message } if *k == kind && message.contains(text)),
                "{fault}: {error}"
            );
            let ok = faulty.handle("GET", "/", &[], b"").unwrap();
            assert_eq!((ok.status, ok.body.as_slice()), (200, &b"ok"[..]));
            if round == 0 {
                eprintln!(
                    "{fault:>14}: {error} ({:?} until the next answer)",
                    start.elapsed()
                );
            }
        }
    }
    let mut echo = HttpPlugin::load(&module("echo_plugin.wasm"), "cfg", Limits::default()).unwrap();
    let answer = echo
        .handle("POST", "/", &[("Content-Type", "text/plain")], b"hello")
        .unwrap();
    assert_eq!(answer.body, b"hello");
    assert!(answer
        .headers
        .contains(&("X-Echo-Config".into(), "cfg".into())));
}
