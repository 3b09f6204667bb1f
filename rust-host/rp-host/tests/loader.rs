//! The libloading host against the real plugin and against shared libraries it must refuse.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use rp_host::{sys, Error, Plugin};

const EINSTEIN_ID: &str = "4c510ada-c86b-4815-8820-42cdf82c3d51";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn plugin_path() -> PathBuf {
    std::env::var_os("RUSTPLUGIN_SO")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/release/librustplugin.so"))
}

fn load() -> Plugin {
    Plugin::load(plugin_path()).unwrap_or_else(|e| panic!("{e} (build it with `make build-rust`)"))
}

/// Builds c-host/tests/fake_plugin.c as a shared library in a scratch folder.
fn fake_plugin(dir: &Path, name: &str, defines: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&out)
        .arg(root().join("c-host/tests/fake_plugin.c"))
        .arg(format!("-I{}", root().join("include").display()))
        .args(defines)
        .status()
        .expect("run cc");
    assert!(status.success(), "cc failed to build {name}");
    out
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rust-host-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn loads_the_plugin_and_checks_its_version() {
    let plugin = load();
    assert_eq!(
        plugin.abi_version(),
        (sys::RP_ABI_VERSION_MAJOR, sys::RP_ABI_VERSION_MINOR)
    );
    assert_eq!(
        plugin.version(),
        std::str::from_utf8(&sys::RP_VERSION[..sys::RP_VERSION.len() - 1]).unwrap()
    );
    assert_eq!(plugin.add(40, 2), 42);
    assert_eq!(plugin.add(i64::MAX, 1), i64::MIN);
}

#[test]
fn answers_on_the_demo_data() {
    let plugin = load();
    let users = plugin.new_demo().unwrap();
    assert_eq!(users.user_count(), 4);
    assert_eq!(
        users.users().map(|u| u.username()).collect::<Vec<_>>(),
        ["einstein", "marie", "richard", "test"]
    );
    let einstein = users.get_user(EINSTEIN_ID, "cernbox.cern.ch").unwrap();
    assert_eq!(
        (
            einstein.username(),
            einstein.mail(),
            einstein.display_name(),
            einstein.uid(),
            einstein.gid()
        ),
        (
            "einstein",
            "einstein@cern.ch",
            "Albert Einstein",
            "123",
            "987"
        )
    );
    assert_eq!(
        einstein.groups().iter().collect::<Vec<_>>(),
        ["sailing-lovers", "violin-haters", "physics-lovers"]
    );
    assert_eq!(
        users.get_user_by_claim("uid", "456").unwrap().username(),
        "marie"
    );
    assert_eq!(
        users.get_user_groups("richard", "").unwrap().iter().next(),
        Some("quantum-lovers")
    );
    let found: Vec<_> = users
        .find_users("EXAMPLE")
        .unwrap()
        .iter()
        .map(|u| u.username())
        .collect();
    assert_eq!(found, ["richard", "test"]);
    let mut two = [None; 1];
    assert_eq!(users.find_users_into("", &mut two).unwrap(), 4);
    assert_eq!(two[0].unwrap().username(), "einstein");
}

#[test]
fn a_batch_answers_every_key_in_one_call() {
    let plugin = load();
    let users = plugin.new_demo().unwrap();
    let keys: rp_host::Keys = ["marie", "nobody", EINSTEIN_ID].into_iter().collect();
    let answers = users.get_users(&keys, "").unwrap();
    let names: Vec<_> = answers.iter().map(|a| a.map(|u| u.username())).collect();
    assert_eq!(names, [Some("marie"), None, Some("einstein")]);
    let mut reused = Vec::new();
    users
        .get_users_into(&rp_host::Keys::new(), "", &mut reused)
        .unwrap();
    assert!(reused.is_empty());
}

#[test]
fn errors_carry_status_and_message() {
    let plugin = load();
    let users = plugin.new_demo().unwrap();
    let err = users.get_user_by_claim("phone", "1").unwrap_err();
    assert_eq!(err.status(), sys::RP_UNKNOWN_CLAIM as sys::rp_status);
    assert!(err.to_string().contains("unknown claim \"phone\""), "{err}");
    let err = users.get_user("nobody", "").unwrap_err();
    assert_eq!(err.status(), sys::RP_NOT_FOUND as sys::rp_status);
    let err = plugin
        .new_from_file(b"/nonexistent/users.json")
        .err()
        .unwrap();
    assert_eq!(err.status(), sys::RP_IO as sys::rp_status);
    assert!(err.to_string().contains("/nonexistent/users.json"), "{err}");
    let from_file = plugin
        .new_from_file(
            root()
                .join("rust-plugin/rustplugin/data/demo-users.json")
                .as_os_str()
                .as_bytes(),
        )
        .unwrap();
    assert_eq!(from_file.user_count(), 4);
}

#[test]
fn refuses_a_plugin_of_another_abi_version() {
    let path = fake_plugin(&scratch(), "libfake-abi99.so", &["-DFAKE_ABI_MAJOR=99"]);
    match Plugin::load(&path) {
        Err(err @ Error::AbiMismatch { .. }) => {
            assert_eq!(err.status(), sys::RP_ABI_MISMATCH as sys::rp_status);
            let message = err.to_string();
            let host = format!(
                "this host needs {}.{}",
                sys::RP_ABI_VERSION_MAJOR,
                sys::RP_ABI_VERSION_MINOR
            );
            assert!(
                message.contains("has ABI 99.0") && message.contains(&host),
                "{message}"
            );
            std::fs::remove_file(&path).unwrap();
        }
        Err(other) => panic!("expected an ABI mismatch, got {other}"),
        Ok(_) => panic!("a plugin of ABI 99 was accepted"),
    }
}

#[test]
fn refuses_what_is_not_a_plugin() {
    let dir = scratch();
    let not_a_plugin = fake_plugin(&dir, "libnot-a-plugin.so", &[]);
    assert!(matches!(
        Plugin::load(&not_a_plugin),
        Err(Error::Refused { status, .. }) if status == sys::RP_ABI_MISMATCH as sys::rp_status
    ));
    assert!(matches!(
        Plugin::load(dir.join("missing.so")),
        Err(Error::Load { .. })
    ));
    let corrupt = dir.join("corrupt.so");
    std::fs::write(&corrupt, "not an ELF file").unwrap();
    let err = Plugin::load(&corrupt).err().unwrap();
    assert!(
        matches!(err, Error::Refused { .. }) && err.to_string().contains("corrupt.so"),
        "{err}"
    );
    // A FIFO is refused without blocking the loader (no writer will ever come).
    let fifo = dir.join("fifo.so");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let err = Plugin::load(&fifo).err().unwrap();
    assert_eq!(err.status(), sys::RP_NOT_A_FILE as sys::rp_status, "{err}");
    std::fs::remove_file(&fifo).unwrap();
    std::fs::remove_file(&corrupt).unwrap();
    std::fs::remove_file(&not_a_plugin).unwrap();
}

/// The loaders' one trust rule (c-host/loader/rp_loader.h): a file is checked before it is loaded,
/// so a library that is not a plugin is refused without any of its code running; one that passes
/// the check (a plugin of another ABI) is loaded, and its constructor runs (the marker works).
#[test]
fn a_refused_library_never_runs() {
    let dir = scratch().join("never-runs");
    std::fs::create_dir_all(&dir).unwrap();
    let marker = dir.join("constructor-ran");
    let define = format!("-DMARKER_FILE=\"{}\"", marker.display());
    let not_a_plugin = fake_plugin(&dir, "libnot-a-plugin.so", &[&define]);
    let err = Plugin::load(&not_a_plugin)
        .err()
        .expect("a library without a descriptor was loaded");
    assert_eq!(
        err.status(),
        sys::RP_ABI_MISMATCH as sys::rp_status,
        "{err}"
    );
    assert!(
        !marker.exists(),
        "the refused library's constructor ran: {err}"
    );
    let other_abi = fake_plugin(&dir, "libother-abi.so", &[&define, "-DFAKE_ABI_MAJOR=99"]);
    assert!(matches!(
        Plugin::load(&other_abi),
        Err(Error::AbiMismatch { .. })
    ));
    assert!(
        marker.exists(),
        "a library that passed the check did not run its constructor"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn one_manager_many_threads_and_reloads() {
    for _ in 0..3 {
        let plugin = load();
        let users = plugin.new_demo().unwrap();
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..1000 {
                        assert_eq!(
                            users.get_user("marie", "").unwrap().mail(),
                            "marie@cesnet.cz"
                        );
                    }
                });
            }
        });
    }
}
