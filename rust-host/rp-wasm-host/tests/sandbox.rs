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
        assert_eq!(got.username, user.username.as_str());
        assert_eq!(user.groups, got.groups);
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

/// A section: its id, its size (LEB128), its content.
/// A guest that sleeps (the sleep import) sleeps only until its call's deadline, counted in the
/// epoch's ticks since the call began, and its call then ends with the deadline fault; a sleep
/// within the deadline is served.
#[test]
fn a_sleep_past_the_deadline_is_cut_at_it() {
    let limits = Limits {
        timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let mut echo = HttpPlugin::load(&module("echo_plugin.wasm"), "", limits).unwrap();
    let start = Instant::now();
    let ok = echo
        .handle("POST", "/", &[("X-Echo-Delay-Ms", "50")], b"slow")
        .unwrap();
    assert_eq!(ok.body, b"slow");
    assert!(start.elapsed() >= Duration::from_millis(50));
    let start = Instant::now();
    let error = echo
        .handle("POST", "/", &[("X-Echo-Delay-Ms", "5000")], b"")
        .unwrap_err();
    let elapsed = start.elapsed();
    assert!(
        matches!(
            &error,
            Error::Fault {
                kind: FaultKind::Deadline,
                ..
            }
        ),
        "{error}"
    );
    assert!(
        elapsed >= Duration::from_millis(250) && elapsed < Duration::from_secs(2),
        "a 5 s sleep under a 300 ms deadline ended after {elapsed:?}"
    );
}

fn section(id: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![id];
    let mut size = content.len();
    loop {
        let byte = (size & 0x7f) as u8;
        size >>= 7;
        out.push(if size == 0 { byte } else { byte | 0x80 });
        if size == 0 {
            break;
        }
    }
    out.extend(content);
    out
}

/// A module of the header, `sections`, and an rp_wasm_abi section saying `abi`.
fn module_of(sections: &[(u8, &[u8])], abi: &str) -> Vec<u8> {
    let mut custom = vec![rp_ffi_core::wasm::RP_WASM_ABI_SECTION.len() as u8];
    custom.extend(rp_ffi_core::wasm::RP_WASM_ABI_SECTION.as_bytes());
    custom.extend(abi.as_bytes());
    let mut out = b"\0asm\x01\0\0\0".to_vec();
    for (id, content) in sections.iter().copied().chain([(0, &custom[..])]) {
        out.extend(section(id, content));
    }
    out
}

#[test]
fn modules_that_would_escape_their_limits_are_refused_unread() {
    use rp_wasm_host::{quote, read_info, MAX_QUOTE_BYTES, MEMORY_SECTION, START_SECTION};
    assert!(read_info(&module_of(&[], "1.0 http echo 1.0")).is_ok());
    let refusals = [
        (
            module_of(&[(START_SECTION, &[0])], "1.0 http echo 1.0"),
            "a start function",
        ),
        (
            module_of(&[(MEMORY_SECTION, &[2, 0, 1, 0, 1])], "1.0 http echo 1.0"),
            "more than one memory",
        ),
        (
            module_of(&[], &format!("1.0 http {} 1.0", "x".repeat(5000))),
            "over 1024",
        ),
    ];
    for (bytes, want) in refusals {
        let error = read_info(&bytes).unwrap_err().to_string();
        assert!(
            error.contains(want) && error.len() < 2 * MAX_QUOTE_BYTES,
            "{error:.200}"
        );
    }
    let long = quote(&[b'y'; 5000]);
    assert!(long.ends_with("... (3976 more bytes)") && long.len() < MAX_QUOTE_BYTES + 40);
}

/// A module of one function of `depth` loops nested in each other: 60 KB that Cranelift takes
/// about 12 s and 250 MB to compile on this kind of machine.
fn compile_bomb(depth: usize) -> Vec<u8> {
    let mut body = vec![0u8]; // no locals
    for _ in 0..depth {
        body.extend([0x03, 0x40]); // loop (no result)
    }
    body.extend(std::iter::repeat_n(0x0b, depth + 1)); // end
    let mut code = vec![1u8];
    code.extend(section(0, &body)[1..].iter()); // the body's size, then the body
    let mut module = b"\0asm\x01\0\0\0".to_vec();
    module.extend(section(1, &[1, 0x60, 0, 0])); // one type: () -> ()
    module.extend(section(3, &[1, 0])); // one function of it
    module.extend(section(10, &code));
    module
}

#[test]
fn a_compile_bomb_is_stopped_at_its_deadline_and_its_memory_limit() {
    use rp_wasm_host::compile_check::CompileCheck;
    let bomb = compile_bomb(20_000);
    let check = CompileCheck {
        timeout: Duration::from_secs(1),
        ..CompileCheck::default()
    };
    let started = std::time::Instant::now();
    let error = check.check(&bomb).unwrap_err();
    assert!(error.contains("did not compile within 1s"), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let small = CompileCheck {
        memory_bytes: 32 << 20,
        timeout: Duration::from_secs(30),
        ..CompileCheck::default()
    };
    let error = small.check(&bomb).unwrap_err();
    assert!(
        error.contains("more than 33554432 bytes of memory"),
        "{error}"
    );
    // A module that compiles passes, and one that does not says why, briefly.
    assert_eq!(check.check(&compile_bomb(10)), Ok(()));
    let error = check.check(&compile_bomb(10)[..20]).unwrap_err();
    assert!(
        error.starts_with("does not compile: ") && error.len() < 2048,
        "{error}"
    );
}
