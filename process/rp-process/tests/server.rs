//! The client against the real server (target/release/rp-plugin-server, built by `make
//! build-rust`) and the project's plugins: answers, faults, restarts, deadlines, refusals.

#[path = "support/http.rs"]
mod http;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rp_ffi_core::status::{
    RP_ABI_MISMATCH, RP_DEADLINE, RP_INVALID_ARGUMENT, RP_IO, RP_NOT_FOUND, RP_OK, RP_PANIC,
    RP_PROCESS_DIED, RP_UNAVAILABLE, RP_UNKNOWN_CLAIM,
};
use rp_process::{
    strings, Client, Config, Error, Kind, RP_PROCESS_OP_ADD, RP_PROCESS_OP_FIND_USERS,
    RP_PROCESS_OP_GET_USER, RP_PROCESS_OP_GET_USER_BY_CLAIM, RP_PROCESS_OP_GET_USER_BY_CLAIM_INDEX,
    RP_PROCESS_OP_GET_USER_INDEX, RP_PROCESS_OP_HTTP_SERVE, RP_PROCESS_OP_USER,
    RP_PROCESS_OP_USER_COUNT,
};

const SECOND: Duration = Duration::from_secs(1);

fn release_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release")
}

fn config(plugin: &str, kind: Kind) -> Config {
    let dir = release_dir();
    let server = dir.join("rp-plugin-server");
    assert!(
        server.exists(),
        "{} is missing: run `make build-rust` first",
        server.display()
    );
    Config::new(server, dir.join(plugin), kind)
}

fn user_manager() -> Client {
    Client::start(config("librustplugin.so", Kind::UserManager)).expect("a server")
}

#[test]
fn the_user_manager_answers_out_of_process() {
    let client = user_manager();
    assert_eq!(client.info().name, "rustplugin");
    let reply = client
        .call(
            RP_PROCESS_OP_ADD,
            &[2i64.to_le_bytes(), 40i64.to_le_bytes()].concat(),
            SECOND,
        )
        .unwrap();
    assert_eq!(
        (reply.status, reply.data()),
        (RP_OK, &42i64.to_le_bytes()[..])
    );
    drop(reply);
    let count = client.call(RP_PROCESS_OP_USER_COUNT, &[], SECOND).unwrap();
    let count = u32::from_le_bytes(count.data().try_into().unwrap());
    assert!(count >= 4, "{count} demo users");

    let reply = client
        .call(
            RP_PROCESS_OP_GET_USER,
            &strings(&[b"einstein", b""]),
            SECOND,
        )
        .unwrap();
    assert_eq!(reply.status, RP_OK);
    let data = reply.data();
    assert_eq!(
        &data[..4],
        &0u32.to_le_bytes(),
        "einstein is the first user"
    );
    assert!(data.windows(15).any(|w| w == b"Albert Einstein"));
    drop(reply);

    let reply = client
        .call(
            RP_PROCESS_OP_GET_USER_BY_CLAIM,
            &strings(&[b"mail", b"marie@cesnet.cz"]),
            SECOND,
        )
        .unwrap();
    assert_eq!(reply.status, RP_OK);
    assert_eq!(&reply.data()[..4], &1u32.to_le_bytes());
    drop(reply);

    let reply = client
        .call(RP_PROCESS_OP_GET_USER, &strings(&[b"nobody", b""]), SECOND)
        .unwrap();
    assert_eq!(reply.status, RP_NOT_FOUND);
    assert!(
        String::from_utf8_lossy(reply.data()).contains("nobody"),
        "{:?}",
        String::from_utf8_lossy(reply.data())
    );
    drop(reply);
    let reply = client
        .call(
            RP_PROCESS_OP_GET_USER_BY_CLAIM,
            &strings(&[b"shoe-size", b"9"]),
            SECOND,
        )
        .unwrap();
    assert_eq!(reply.status, RP_UNKNOWN_CLAIM);
    drop(reply);

    let reply = client
        .call(RP_PROCESS_OP_FIND_USERS, &strings(&[b""]), SECOND)
        .unwrap();
    assert_eq!(reply.status, RP_OK);
    assert_eq!(
        &reply.data()[..4],
        &count.to_le_bytes(),
        "the empty query finds everyone"
    );
}

/// Protocol 2: a message that fits on the slot's control line lies there, a longer one on the
/// lines after. Requests of every length across the limit arrive whole, and so do the echoed
/// bodies (the responses are all longer than the limit; the index lookups and the lying server's
/// tests cover inline answers).
#[test]
fn messages_arrive_whole_on_either_side_of_the_inline_limit() {
    let client = Client::start(config("libecho_plugin.so", Kind::Http)).expect("a server");
    let limit = rp_process::protocol::INLINE_BYTES;
    for len in 0..=2 * 64 {
        let body: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
        let request = http::request(&[], &body);
        let reply = client
            .call(RP_PROCESS_OP_HTTP_SERVE, &request, SECOND)
            .unwrap();
        assert_eq!(reply.status, RP_OK);
        assert_eq!(http::status(reply.data()), 200);
        let echoed = &reply.data()[reply.data().len() - len..];
        assert_eq!(
            echoed,
            &body[..],
            "a request of {} bytes (inline up to {limit})",
            request.len()
        );
    }
}

#[test]
fn malformed_requests_get_a_status_not_a_crash() {
    let client = user_manager();
    for (op, request) in [
        (RP_PROCESS_OP_GET_USER, vec![255u8; 8]),
        (RP_PROCESS_OP_GET_USER, vec![1]),
        (RP_PROCESS_OP_ADD, vec![0; 15]),
        (999, vec![]),
    ] {
        let reply = client.call(op, &request, SECOND).unwrap();
        assert_ne!(reply.status, RP_OK, "op {op} {request:?}");
    }
    let too_large = vec![0; client.capacity() + 1];
    assert!(matches!(
        client.call(RP_PROCESS_OP_ADD, &too_large, SECOND),
        Err(Error::TooLarge { .. })
    ));
    assert_eq!(client.restarts(), 0);
}

#[test]
fn many_threads_share_the_slots() {
    let client = user_manager();
    std::thread::scope(|scope| {
        for t in 0..8i64 {
            let client = &client;
            scope.spawn(move || {
                for i in 0..500 {
                    let request = [t.to_le_bytes(), i64::from(i).to_le_bytes()].concat();
                    let reply = client
                        .call(RP_PROCESS_OP_ADD, &request, 10 * SECOND)
                        .unwrap();
                    assert_eq!(reply.data(), &(t + i64::from(i)).to_le_bytes());
                }
            });
        }
    });
}

/// Sends `fault` to the faulty plugin, then measures the time until the next request succeeds.
fn survive(client: &Client, fault: &str, timeout: Duration) -> (Result<i32, Error>, Duration) {
    let before = client.restarts();
    let result = client
        .call(
            RP_PROCESS_OP_HTTP_SERVE,
            &http::request(&[("X-Fault", fault)], b""),
            timeout,
        )
        .map(|r| r.status);
    let start = Instant::now();
    let reply = client
        .call(
            RP_PROCESS_OP_HTTP_SERVE,
            &http::request(&[], b""),
            10 * SECOND,
        )
        .expect("the next request");
    assert_eq!(
        (reply.status, http::status(reply.data())),
        (RP_OK, 200),
        "after {fault}"
    );
    if matches!(result, Err(Error::Died(_))) {
        assert_eq!(client.restarts(), before + 1, "{fault}: one restart");
    }
    (result, start.elapsed())
}

#[test]
fn every_fault_kills_only_the_server() {
    let mut config = config("libfaulty_plugin.so", Kind::Http);
    config.memory_limit = 512 << 20;
    config.hang_grace = Duration::from_millis(100);
    let client = Client::start(config).unwrap();
    let first_pid = client.pid();
    let (panic, _) = survive(&client, "panic", SECOND);
    assert_eq!(
        panic,
        Ok(RP_PANIC),
        "a panic is contained in the plugin: the server lives"
    );
    assert_eq!(client.pid(), first_pid);
    for fault in ["segfault", "abort", "stack-overflow", "memory-bomb"] {
        let (result, recovery) = survive(&client, fault, 10 * SECOND);
        match result {
            Err(Error::Died(cause)) => {
                eprintln!("{fault}: died ({cause}); next success after {recovery:?}")
            }
            other => panic!("{fault}: {other:?}"),
        }
    }
    let (result, recovery) = survive(&client, "loop", Duration::from_millis(50));
    assert_eq!(result.unwrap_err(), Error::Deadline);
    eprintln!("loop: deadline; next success after {recovery:?}");
    // The looping server is killed once the grace runs out, and replaced.
    let deadline = Instant::now() + 10 * SECOND;
    while client.restarts() < 5 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(client.restarts(), 5, "4 crashes and 1 kill");
    assert_ne!(client.pid(), first_pid);
}

#[test]
fn a_crash_loop_backs_off_and_calls_wait_for_the_restart() {
    let mut config = config("libfaulty_plugin.so", Kind::Http);
    config.backoff_min = Duration::from_millis(50);
    let client = Client::start(config).unwrap();
    for _ in 0..3 {
        let result = client.call(
            RP_PROCESS_OP_HTTP_SERVE,
            &http::request(&[("X-Fault", "abort")], b""),
            SECOND,
        );
        assert!(matches!(result, Err(Error::Died(_))), "{:?}", result.err());
    }
    // Third crash in a row: 100 ms of backoff; a call with less time than that is unavailable.
    let result = client.call(
        RP_PROCESS_OP_HTTP_SERVE,
        &http::request(&[], b""),
        Duration::from_millis(1),
    );
    let status = result
        .as_ref()
        .map(|r| r.status)
        .unwrap_or_else(Error::status);
    assert!(status == RP_UNAVAILABLE || status == RP_OK, "{status}");
    let reply = client
        .call(
            RP_PROCESS_OP_HTTP_SERVE,
            &http::request(&[], b""),
            5 * SECOND,
        )
        .unwrap();
    assert_eq!(reply.status, RP_OK);
}

#[test]
fn a_server_that_cannot_serve_says_why() {
    let missing = Client::start(config("libnothing.so", Kind::Http))
        .err()
        .unwrap();
    assert_eq!(missing.status(), RP_IO, "the loader's status");
    assert!(missing.to_string().contains("libnothing.so"), "{missing}");
    let wrong_kind = Client::start(config("librustplugin.so", Kind::Http))
        .err()
        .unwrap();
    assert!(
        wrong_kind.to_string().contains("HTTP plugin"),
        "{wrong_kind}"
    );
    let mut config = config("librustplugin.so", Kind::UserManager);
    config.server = PathBuf::from("/nonexistent/rp-plugin-server");
    let error = Client::start(config).err().unwrap();
    assert!(
        error.to_string().contains("/nonexistent/rp-plugin-server"),
        "{error}"
    );
    let mut config = user_manager_config_with_users("/etc/passwd");
    config.start_timeout = 5 * SECOND;
    let error = Client::start(config).err().unwrap();
    assert!(error.to_string().contains("/etc/passwd"), "{error}");
}

fn user_manager_config_with_users(path: &str) -> Config {
    let mut config = config("librustplugin.so", Kind::UserManager);
    config.config = path.into();
    config
}

#[test]
fn a_host_of_another_protocol_is_refused() {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    use std::sync::atomic::Ordering;

    let region = rp_process::protocol::Region::create(1, 64).unwrap();
    region.header().host_major.store(99, Ordering::Release);
    region.header().host_minor.store(0, Ordering::Release);
    let fd = region.fd().as_raw_fd();
    let mut command = std::process::Command::new(release_dir().join("rp-plugin-server"));
    command
        .args(["--kind", "user-manager", "--plugin"])
        .arg(release_dir().join("librustplugin.so"));
    // SAFETY: the hook calls only async-signal-safe functions, between fork and exec.
    unsafe { command.pre_exec(move || rp_process::protocol::inherit_as_region_fd(fd)) };
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let (_, _, message) = region.published();
    assert!(message.contains("protocol 99.0"), "{message}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("protocol 99.0"));
    assert_eq!(
        Error::Start {
            status: RP_ABI_MISMATCH,
            message
        }
        .status(),
        RP_ABI_MISMATCH
    );
}

#[test]
fn run_by_hand_it_explains_itself() {
    let output = std::process::Command::new(release_dir().join("rp-plugin-server"))
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage: rp-plugin-server"));
    let output = std::process::Command::new(release_dir().join("rp-plugin-server"))
        .args(["--kind", "http", "--plugin", "x.so"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("file descriptor 3"));
}

#[test]
fn deadline_statuses_name_themselves() {
    assert_eq!(Error::Deadline.status(), RP_DEADLINE);
    assert_eq!(Error::Died(String::new()).status(), RP_PROCESS_DIED);
}

/// Protocol 1.3: GetUser and GetUserByClaim answered by the index alone, the record asked for
/// by index; an index past the users is refused, never read.
#[test]
fn lookups_answer_indexes_and_records_come_by_index() {
    let client = user_manager();
    let index = |op, a: &[u8], b: &[u8]| {
        let reply = client.call(op, &strings(&[a, b]), SECOND).unwrap();
        (reply.status, reply.data().to_vec())
    };
    assert_eq!(
        index(RP_PROCESS_OP_GET_USER_INDEX, b"marie", b""),
        (RP_OK, 1u32.to_le_bytes().to_vec())
    );
    assert_eq!(
        index(
            RP_PROCESS_OP_GET_USER_BY_CLAIM_INDEX,
            b"mail",
            b"richard@example.org"
        ),
        (RP_OK, 2u32.to_le_bytes().to_vec())
    );
    let (status, message) = index(RP_PROCESS_OP_GET_USER_INDEX, b"nobody", b"");
    assert_eq!(
        status,
        RP_NOT_FOUND,
        "{}",
        String::from_utf8_lossy(&message)
    );

    let full = client
        .call(RP_PROCESS_OP_GET_USER, &strings(&[b"marie", b""]), SECOND)
        .unwrap();
    let record = client
        .call(RP_PROCESS_OP_USER, &1u32.to_le_bytes(), SECOND)
        .unwrap();
    assert_eq!(
        (record.status, record.data()),
        (RP_OK, &full.data()[4..]),
        "the record GetUser answers after the index"
    );
    drop((full, record));
    for bad in [&4000u32.to_le_bytes()[..], &[1, 0, 0]] {
        let reply = client.call(RP_PROCESS_OP_USER, bad, SECOND).unwrap();
        assert_eq!(reply.status, RP_INVALID_ARGUMENT);
        assert!(String::from_utf8_lossy(reply.data()).contains("u32 index below"));
    }
}
