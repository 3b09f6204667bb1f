//! RP_PLUGIN_CPUS places the servers a host starts (a test binary of its own: the variable is
//! the whole process's).

use std::path::PathBuf;

use rp_process::{Client, Config, Kind, PLUGIN_CPUS_ENV};

fn start() -> Result<Client, rp_process::Error> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release");
    Client::start(Config::new(
        dir.join("rp-plugin-server"),
        dir.join("librustplugin.so"),
        Kind::UserManager,
    ))
}

fn allowed_cpus(pid: u32) -> String {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server's status");
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
        .expect("Cpus_allowed_list");
    line.trim().to_owned()
}

#[test]
fn plugin_cpus_place_the_server() {
    for list in ["", "x", "1-0", "0,", "99999"] {
        std::env::set_var(PLUGIN_CPUS_ENV, list);
        let error = start().err().expect("a refused CPU list");
        assert!(
            error.to_string().contains("not a CPU list"),
            "{list:?}: {error}"
        );
    }
    std::env::set_var(PLUGIN_CPUS_ENV, "0");
    let client = start().expect("a server on CPU 0");
    assert_eq!(allowed_cpus(client.pid()), "0");
    std::env::remove_var(PLUGIN_CPUS_ENV);
    let client = start().expect("a server where its host may run");
    assert_eq!(allowed_cpus(client.pid()), allowed_cpus(std::process::id()));
}

#[test]
fn host_and_server_spin_only_when_they_may_run_apart() {
    use rp_process::protocol::{spin_for, SPIN};
    let set = |cpus: &[usize]| {
        // SAFETY: cpu_set_t is a plain bit array, valid when zeroed.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        for &cpu in cpus {
            // SAFETY: cpu < CPU_SETSIZE.
            unsafe { libc::CPU_SET(cpu, &mut set) };
        }
        set
    };
    assert_eq!(spin_for(&set(&[1]), &set(&[1])), std::time::Duration::ZERO);
    assert_eq!(spin_for(&set(&[1]), &set(&[0])), SPIN);
    assert_eq!(spin_for(&set(&[0, 1]), &set(&[0, 1])), SPIN);
}
