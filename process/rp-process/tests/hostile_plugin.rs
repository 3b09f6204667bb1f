//! A hostile plugin inside the real server (rust-plugin/plugins/hostile-plugin): each attack on
//! the host, on other servers and on the way out must be blocked by the server's sandbox, and a
//! plugin that scribbles over the shared region costs at most a restart. Run as root, the server
//! takes uid nobody; `attacks_fail_for_an_unprivileged_host_too` runs the attacks again from a
//! host that is not root.

#[path = "support/http.rs"]
mod http;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rp_ffi_core::status::RP_OK;
use rp_process::{
    Client, Config, Kind, RP_PROCESS_OP_HTTP_SERVE, RP_PROCESS_SANDBOX_LANDLOCK_FS,
    RP_PROCESS_SANDBOX_LANDLOCK_NET, RP_PROCESS_SANDBOX_LANDLOCK_SCOPE, RP_PROCESS_SANDBOX_SECCOMP,
    RP_PROCESS_SANDBOX_UNPRIVILEGED,
};

const SECOND: Duration = Duration::from_secs(1);
/// Where the server and the plugin are: `target/release`, or a copy (the unprivileged run).
const RELEASE_DIR_ENV: &str = "RP_TEST_RELEASE_DIR";
const NOBODY: u32 = 65534;

fn release_dir() -> PathBuf {
    std::env::var_os(RELEASE_DIR_ENV).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release"),
        PathBuf::from,
    )
}

fn hostile() -> Client {
    let dir = release_dir();
    let mut config = Config::new(
        dir.join("rp-plugin-server"),
        dir.join("libhostile_plugin.so"),
        Kind::Http,
    );
    config.hang_grace = Duration::from_millis(300);
    Client::start(config).expect("the hostile plugin's server")
}

fn attack(client: &Client, attack: &str, extra: &[(&str, &str)]) -> String {
    let mut headers = vec![("X-Attack", attack)];
    headers.extend_from_slice(extra);
    let reply = client
        .call(
            RP_PROCESS_OP_HTTP_SERVE,
            &http::request(&headers, b""),
            5 * SECOND,
        )
        .unwrap_or_else(|e| panic!("{attack}: {e}"));
    assert_eq!(reply.status, RP_OK, "{attack}");
    http::body(reply.data())
}

/// The Landlock ABI of this kernel (0: none).
fn landlock_abi() -> i64 {
    // SAFETY: the version query of landlock_create_ruleset takes no attribute.
    unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            1u32,
        )
    }
    .max(0)
}

/// `Client::start` returns once its server is in service: its pid and sandbox are readable at once.
/// (They were published after `start` returned, so a test reading them first saw 0 about once in
/// seven runs.)
#[test]
fn a_started_client_has_its_server_in_service() {
    for _ in 0..200 {
        let client = hostile();
        assert_ne!(client.pid(), 0);
        assert_ne!(client.sandbox(), 0);
    }
}

#[test]
fn every_attack_of_a_hostile_plugin_is_blocked() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let client = hostile();
    let held = client.sandbox();
    // SAFETY: geteuid cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    assert_eq!(
        held & RP_PROCESS_SANDBOX_UNPRIVILEGED != 0,
        root,
        "{held:#x}"
    );
    assert!(held & RP_PROCESS_SANDBOX_SECCOMP != 0, "{held:#x}");
    let abi = landlock_abi();
    assert_eq!(
        held & RP_PROCESS_SANDBOX_LANDLOCK_FS != 0,
        abi >= 1,
        "{held:#x}, Landlock ABI {abi}"
    );
    assert_eq!(
        held & RP_PROCESS_SANDBOX_LANDLOCK_NET != 0,
        abi >= 4,
        "{held:#x}"
    );
    assert_eq!(
        held & RP_PROCESS_SANDBOX_LANDLOCK_SCOPE != 0,
        abi >= 6,
        "{held:#x}"
    );
    if root {
        assert_eq!(attack(&client, "whoami", &[]), format!("uid {NOBODY}"));
    }
    let mut attacks = vec![
        "host-fds",
        "other-regions",
        "signal",
        "fork",
        "exec",
        "read-host-memory",
        "keep-running",
        "raise-limit",
        "truncate",
        "grow",
    ];
    if abi >= 1 {
        attacks.push("write-file");
    }
    if abi >= 4 {
        attacks.push("connect");
    }
    // A second server (another route) is running: its region must stay out of reach too.
    let other = hostile();
    for name in attacks {
        let said = attack(&client, name, &[("X-Port", &port)]);
        assert!(said.starts_with("blocked: "), "{name}: {said}");
    }
    assert_eq!(client.restarts(), 0);
    drop(other);
    // The server and everything it started are gone with the client.
    let pid = client.pid();
    drop(client);
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "server {pid} is gone"
    );
}

#[test]
fn a_plugin_that_scribbles_over_the_region_costs_at_most_a_restart() {
    let client = hostile();
    let capacity = client.capacity();
    // The scribbling may overtake the server's own answer to this call: then the host reads a
    // lie and kills the server.
    match client.call(
        RP_PROCESS_OP_HTTP_SERVE,
        &http::request(&[("X-Attack", "scribble")], b""),
        5 * SECOND,
    ) {
        Ok(reply) => assert!(reply.data().len() <= capacity),
        Err(rp_process::Error::Died(why)) => assert!(why.contains("killed"), "{why}"),
        Err(other) => panic!("scribble: {other}"),
    }
    let deadline = Instant::now() + 10 * SECOND;
    let mut failures = Vec::new();
    loop {
        match client.call(RP_PROCESS_OP_HTTP_SERVE, &http::request(&[], b""), SECOND) {
            Ok(reply) => {
                assert!(reply.data().len() <= capacity);
                if reply.status == RP_OK && http::body(reply.data()) == "ok" {
                    break;
                }
                failures.push(format!("status {}", reply.status));
            }
            Err(error) => failures.push(error.to_string()),
        }
        assert!(
            Instant::now() < deadline,
            "never served again: {failures:?}"
        );
    }
    // Served again, by the same server once the scribbling stopped, or by a new one.
    assert!(failures.len() < 50, "{failures:?}");
}

#[test]
fn attacks_fail_for_an_unprivileged_host_too() {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return; // every_attack_of_a_hostile_plugin_is_blocked already ran as this user
    }
    // A copy of this test, the server and the plugin that uid nobody can reach wherever the
    // tree is checked out.
    let dir = std::env::temp_dir().join(format!("rp-unprivileged-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let test = dir.join("hostile_plugin");
    std::fs::copy(std::env::current_exe().unwrap(), &test).unwrap();
    for file in ["rp-plugin-server", "libhostile_plugin.so"] {
        std::fs::copy(release_dir().join(file), dir.join(file)).unwrap();
    }
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut command = std::process::Command::new(&test);
    command
        .args(["every_attack_of_a_hostile_plugin_is_blocked", "--exact"])
        .env(RELEASE_DIR_ENV, &dir);
    use std::os::unix::process::CommandExt as _;
    // SAFETY: setgroups/setresgid/setresuid between fork and exec: async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            if libc::setgroups(0, std::ptr::null()) != 0
                || libc::setresgid(NOBODY, NOBODY, NOBODY) != 0
                || libc::setresuid(NOBODY, NOBODY, NOBODY) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    };
    let output = command.output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Set in the host process `the_server_dies_with_its_host` starts and kills.
const HOST_ROLE_ENV: &str = "RP_TEST_HOST_THAT_DIES";

/// Whether process `pid` is gone (or a zombie nobody reaps yet: it runs nothing).
fn gone(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_or(true, |status| status.contains("\nState:\tZ"))
}

#[test]
fn the_server_dies_with_its_host() {
    if std::env::var_os(HOST_ROLE_ENV).is_some() {
        // The host: starts a server, says its pid, and waits to be killed.
        let client = hostile();
        println!("server {}", client.pid());
        std::thread::sleep(60 * SECOND);
        return;
    }
    use std::io::BufRead as _;
    let mut host = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["the_server_dies_with_its_host", "--exact", "--nocapture"])
        .env(HOST_ROLE_ENV, "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(host.stdout.take().unwrap()).lines();
    let server: u32 = lines
        .find_map(|line| line.ok()?.strip_prefix("server ")?.parse().ok())
        .expect("the host says its server's pid");
    assert!(!gone(server));
    host.kill().unwrap(); // SIGKILL: the host has no say
    host.wait().unwrap();
    let deadline = Instant::now() + 5 * SECOND;
    while !gone(server) {
        assert!(
            Instant::now() < deadline,
            "server {server} outlived its host"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
