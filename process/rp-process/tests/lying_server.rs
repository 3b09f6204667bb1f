//! A plugin server that lies, against the real client: this test binary is also the server (run
//! with `--kind`, it serves the region at fd 3 and tells the lie its `--config` names). Whatever
//! the server writes into the region, the host must stay up, answer each call with its own copy
//! of an answer that fits its slot, or a status, and recover by itself (a liar is killed and
//! restarted). `harness = false`: its `main` picks the role.

use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rp_ffi_core::status::RP_OK;
use rp_process::protocol::{self, server_state, slot_state, PluginInfo, Region};
use rp_process::{Client, Config, Error, Kind, RP_PROCESS_OP_ADD};

const SECOND: Duration = Duration::from_secs(1);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(lie) = args.iter().position(|a| a == "--config") {
        return serve(&args[lie + 1]);
    }
    let tests: [(&str, fn()); 6] = [
        ("geometry_lies_are_ignored", geometry_lies_are_ignored),
        (
            "an_oversized_answer_kills_the_liar",
            an_oversized_answer_kills_the_liar,
        ),
        (
            "a_dead_state_from_the_server_kills_it",
            a_dead_state_from_the_server_kills_it,
        ),
        (
            "the_region_cannot_shrink_or_grow",
            the_region_cannot_shrink_or_grow,
        ),
        (
            "an_answer_changed_after_the_fact_changes_nothing",
            an_answer_changed_after_the_fact_changes_nothing,
        ),
        (
            "wake_ups_without_an_answer_end_at_the_deadline",
            wake_ups_without_an_answer_end_at_the_deadline,
        ),
    ];
    let filter = args.get(1).filter(|a| !a.starts_with('-'));
    for (name, test) in tests {
        if filter.is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        print!("test {name} ... ");
        let started = Instant::now();
        test();
        println!("ok ({} ms)", started.elapsed().as_millis());
    }
}

/// A liar's configuration. `lie` is told by the first server only: the servers started after it
/// find `lied` and serve right.
fn liar(lie: &str) -> Config {
    let mut config = Config::new(std::env::current_exe().unwrap(), "/dev/null", Kind::Http);
    let lied = std::env::temp_dir().join(format!("rp-liar-{}-{lie}", std::process::id()));
    let _ = std::fs::remove_file(&lied);
    config.config = format!("{lie} {}", lied.display());
    config.slots = 2;
    config.slot_bytes = 256;
    config.hang_grace = Duration::from_millis(200);
    config
}

fn add(client: &Client, a: i64, b: i64) -> Result<Vec<u8>, Error> {
    let request = [a.to_le_bytes(), b.to_le_bytes()].concat();
    let reply = client.call(RP_PROCESS_OP_ADD, &request, SECOND)?;
    assert_eq!(reply.status, RP_OK);
    Ok(reply.data().to_vec())
}

/// Calls until one is answered right, at most `within`; returns the failures on the way.
fn until_served(client: &Client, within: Duration) -> Vec<Error> {
    let deadline = Instant::now() + within;
    let mut failures = Vec::new();
    loop {
        match add(client, 40, 2) {
            Ok(answer) if answer == 42i64.to_le_bytes() => return failures,
            Ok(answer) => panic!("a wrong answer: {answer:?}"),
            Err(error) => failures.push(error),
        }
        assert!(Instant::now() < deadline, "not served again: {failures:?}");
    }
}

fn geometry_lies_are_ignored() {
    let client = Client::start(liar("geometry")).unwrap();
    for i in 0..20 {
        assert_eq!(add(&client, i, 1).unwrap(), (i + 1).to_le_bytes());
    }
    assert_eq!(client.restarts(), 0);
    drop(client); // SHUTDOWN goes to the host's own slots, not to the header's 4 billion
}

fn an_oversized_answer_kills_the_liar() {
    let client = Client::start(liar("oversized")).unwrap();
    let error = add(&client, 1, 1).unwrap_err();
    assert!(
        matches!(&error, Error::Died(why) if why.contains("answered 257 bytes in a slot of 256")),
        "{error}"
    );
    until_served(&client, 5 * SECOND); // the restarted liar lies again only on its first call
    assert!(client.restarts() >= 1);
}

fn a_dead_state_from_the_server_kills_it() {
    let client = Client::start(liar("dead")).unwrap();
    let error = add(&client, 1, 1).unwrap_err();
    assert!(
        matches!(&error, Error::Died(why) if why.contains("state 4: killed")),
        "{error}"
    );
    until_served(&client, 5 * SECOND);
    assert!(client.restarts() >= 1, "the liar was restarted");
}

fn the_region_cannot_shrink_or_grow() {
    let client = Client::start(liar("truncate")).unwrap();
    // Twice: after the first attempt, the host still reads the slot (no SIGBUS: the mapping is
    // whole).
    for _ in 0..2 {
        let reply = client.call(RP_PROCESS_OP_ADD, &[0; 16], SECOND).unwrap();
        assert_eq!(
            String::from_utf8_lossy(reply.data()),
            "shrink: Operation not permitted (os error 1); grow: Operation not permitted (os error 1)",
            "the memfd is sealed"
        );
    }
}

fn an_answer_changed_after_the_fact_changes_nothing() {
    let client = Client::start(liar("rewrite")).unwrap();
    let mut lengths = Vec::new();
    for _ in 0..20 {
        let reply = client.call(RP_PROCESS_OP_ADD, &[0; 16], SECOND).unwrap();
        let first = reply.data().to_vec();
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(reply.data(), &first[..], "the host's copy, not the slot");
        lengths.push(first.len());
    }
    // Answers on the control line and after it, both rewritten.
    assert!(lengths.contains(&8) && lengths.contains(&64), "{lengths:?}");
}

fn wake_ups_without_an_answer_end_at_the_deadline() {
    let client = Client::start(liar("wake")).unwrap();
    let started = Instant::now();
    let error = client
        .call(RP_PROCESS_OP_ADD, &[0; 16], Duration::from_millis(300))
        .err()
        .unwrap();
    assert_eq!(error, Error::Deadline);
    assert!(started.elapsed() < 2 * SECOND, "{:?}", started.elapsed());
}

/// The server's side: the handshake as the real server does it, then each slot served with the
/// lie of `config` ("LIE FILE"), unless FILE says it was told already.
fn serve(config: &str) {
    let (lie, lied) = config.split_once(' ').unwrap();
    let lie = if std::path::Path::new(lied).exists() {
        "none"
    } else {
        std::fs::write(lied, b"").unwrap();
        lie
    };
    // SAFETY: the host hands the region over as fd 3; this process owns it from here on.
    let region = Region::open(unsafe { OwnedFd::from_raw_fd(protocol::REGION_FD) }).unwrap();
    let info = PluginInfo {
        name: "liar".into(),
        ..PluginInfo::default()
    };
    region.publish(server_state::READY, &info, RP_OK, "");
    let header = region.header();
    if lie == "geometry" {
        header.slot_count.store(u32::MAX, Ordering::SeqCst);
        header.slot_bytes.store(0, Ordering::SeqCst);
    }
    std::thread::scope(|scope| {
        for index in 0..region.slot_count() {
            let region = &region;
            scope.spawn(move || serve_slot(region, index, lie));
        }
    });
}

fn serve_slot(region: &Region, index: u32, lie: &str) {
    let slot = region.slot(index);
    let control = slot.control;
    let (mut first, mut calls) = (true, 0u32);
    loop {
        let state = protocol::wait_while(
            &control.state,
            |s| s == slot_state::IDLE || s == slot_state::RESPONSE,
            &control.server_waiting,
            Duration::ZERO,
            None,
        );
        if state != Some(slot_state::REQUEST) {
            return;
        }
        let len = (control.len.load(Ordering::Acquire) as usize).min(slot.capacity());
        // SAFETY: the slot is in REQUEST: this side owns its data.
        let data = unsafe { slot.request(len) };
        let sum = i64::from_le_bytes(data[..8].try_into().unwrap())
            .wrapping_add(i64::from_le_bytes(data[8..16].try_into().unwrap()));
        let mut answer = sum.to_le_bytes().to_vec();
        let mut state = slot_state::RESPONSE;
        match lie {
            "oversized" if first => answer = vec![0; slot.capacity() + 1],
            "dead" if first => state = slot_state::DEAD,
            "truncate" => {
                let result = |what: &str, size| {
                    // SAFETY: ftruncate on this process's own fd 3.
                    match unsafe { libc::ftruncate(protocol::REGION_FD, size) } {
                        0 => format!("{what}: done"),
                        _ => format!("{what}: {}", std::io::Error::last_os_error()),
                    }
                };
                answer =
                    format!("{}; {}", result("shrink", 0), result("grow", 1 << 30)).into_bytes();
            }
            // Inline (8 bytes) and on the next line (64), in turn.
            "rewrite" => answer = vec![b'A'; if calls % 2 == 0 { 64 } else { 8 }],
            "wake" => loop {
                // Wakes the host over and over with the state unchanged: it must still give up
                // at its deadline.
                protocol::futex_wake(&control.state);
                std::hint::spin_loop();
                if control.state.load(Ordering::Acquire) != slot_state::REQUEST {
                    break;
                }
            },
            _ => {}
        }
        first = false;
        calls += 1;
        slot.write(&answer[..answer.len().min(slot.capacity())]);
        control.status.store(RP_OK, Ordering::Relaxed);
        control.len.store(answer.len() as u32, Ordering::Relaxed);
        protocol::hand_over(&control.state, state, &control.host_waiting);
        if lie == "rewrite" {
            // After the answer is out: the host's reply must not see this.
            let until = Instant::now() + Duration::from_millis(3);
            let mut byte = b'B';
            while Instant::now() < until {
                slot.write(&[byte; 8]); // the lie under test, where either answer lies
                slot.write(&[byte; 64]);
                byte = if byte == b'B' { b'C' } else { b'B' };
            }
        }
    }
}
