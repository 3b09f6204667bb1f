//! `bench-report run DIR HARNESS -- COMMAND...`: runs one harness and records what the machine was
//! and how busy it was meanwhile (`DIR/runs/HARNESS.json`, `DIR/machine.json`).
//!
//! Busy is measured, not guessed from the load average: /proc/stat says how much CPU the whole
//! machine used and how much the hypervisor stole, and /proc/self/stat how much this process's
//! waited-for children (the harness and everything it ran) used; the difference is everyone else.
//!
//! It also decides, in one place, where a harness runs: with two CPUs or more (and taskset), the
//! measured process on the last CPU (`RP_BENCH_CPU`) and what it talks to (plugin processes, the
//! gateway's load generator) on the others (`RP_OTHER_CPUS`); the harness scripts only read them.

use std::fs;
use std::io;
use std::path::Path;
use std::process::Command;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::model::{Machine, Run};

/// Runs `command` (inheriting stdout and stderr) and writes its record; returns the harness's exit
/// code (1 when it could not start, 128 + signal when a signal ended it).
pub fn run(dir: &Path, harness: &str, command: &[String]) -> io::Result<i32> {
    fs::create_dir_all(dir.join("runs"))?;
    let machine = machine();
    fs::write(
        dir.join("machine.json"),
        serde_json::to_string_pretty(&machine)? + "\n",
    )?;
    let (load_before, cpu_before, own_before) = (load_average(), cpu_times()?, children_ticks()?);
    let started = Instant::now();
    let mut harness_command = Command::new(&command[0]);
    harness_command.args(&command[1..]);
    if let Some((bench_cpu, other_cpus)) = pinning(machine.cores.unwrap_or(1)) {
        harness_command
            .env("RP_BENCH_CPU", bench_cpu)
            .env("RP_OTHER_CPUS", other_cpus);
    }
    let status = harness_command.status();
    let seconds = started.elapsed().as_secs_f64();
    let (cpu_after, own_after) = (cpu_times()?, children_ticks()?);
    let status = status
        .map_err(|e| io::Error::new(e.kind(), format!("cannot start {}: {e}", command[0])))?;

    let total = (cpu_after.total - cpu_before.total).max(1) as f64;
    let busy = (cpu_after.busy - cpu_before.busy) as f64;
    let own = (own_after - own_before) as f64;
    let cores = machine.cores.unwrap_or(1) as f64;
    let record = Run {
        harness: harness.to_owned(),
        command: command.join(" "),
        started: machine.date.unwrap_or_default(),
        seconds,
        exit_code: status.code(),
        load_before,
        load_after: load_average(),
        own_cores: own / total * cores,
        other_cores: ((busy - own) / total * cores).max(0.0),
        steal: (cpu_after.steal - cpu_before.steal) as f64 / total,
    };
    fs::write(
        dir.join("runs").join(format!("{harness}.json")),
        serde_json::to_string_pretty(&record)? + "\n",
    )?;
    if record.busy() {
        eprintln!(
            "bench-report: the machine was busy during {harness}: other processes used {:.2} cores on average, {:.1}% stolen; its timings are noisier than usual",
            record.other_cores,
            record.steal * 100.0
        );
    }
    Ok(status.code().unwrap_or_else(|| {
        use std::os::unix::process::ExitStatusExt;
        128 + status.signal().unwrap_or(0)
    }))
}

/// Where a harness on `cores` CPUs runs: the last CPU for the measured process, the others for
/// what it talks to; None with one CPU, or without taskset to pin with.
fn pinning(cores: u64) -> Option<(String, String)> {
    let taskset = Command::new("taskset").arg("--version").output();
    if cores < 2 || !taskset.is_ok_and(|output| output.status.success()) {
        return None;
    }
    let last = cores - 1;
    let others = if last == 1 {
        "0".to_owned()
    } else {
        format!("0-{}", last - 1)
    };
    Some((last.to_string(), others))
}

/// The machine, its OS and toolchains, now.
pub fn machine() -> Machine {
    let first_line = |program: &str, args: &[&str]| -> Option<String> {
        let output = Command::new(program).args(args).output().ok()?;
        let text = String::from_utf8_lossy(&output.stdout);
        let line = text.lines().next()?.trim();
        (output.status.success() && !line.is_empty()).then(|| line.to_owned())
    };
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let os = fs::read_to_string("/etc/os-release").ok().and_then(|text| {
        text.lines().find_map(|l| {
            l.strip_prefix("PRETTY_NAME=")
                .map(|v| v.trim_matches('"').to_owned())
        })
    });
    Machine {
        cpu: cpuinfo.lines().find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        }),
        cores: std::thread::available_parallelism()
            .ok()
            .map(|n| n.get() as u64),
        os,
        kernel: fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|k| k.trim().to_owned()),
        date: Some(utc_now()),
        rustc: first_line("rustc", &["--version"]),
        go: first_line("go", &["version"]),
        cc: first_line("cc", &["--version"]),
        cxx: None,
        cxxflags: None,
        pinning: None,
        caches: caches(),
    }
}

/// The first CPU's data and unified caches from sysfs, smallest level first.
fn caches() -> Option<String> {
    let mut caches: Vec<(String, String)> = fs::read_dir("/sys/devices/system/cpu/cpu0/cache")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let read = |name: &str| {
                Some(
                    fs::read_to_string(entry.path().join(name))
                        .ok()?
                        .trim()
                        .to_owned(),
                )
            };
            let kind = read("type")?;
            (kind != "Instruction").then_some(())?;
            let level = read("level")?;
            let name = if kind == "Data" {
                format!("L{level}d")
            } else {
                format!("L{level}")
            };
            Some((
                name,
                read("size")?.replace('K', " KiB").replace('M', " MiB"),
            ))
        })
        .collect();
    caches.sort();
    (!caches.is_empty()).then(|| {
        caches
            .iter()
            .map(|(name, size)| format!("{name} {size}"))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

fn load_average() -> [f64; 3] {
    let text = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut fields = text.split_whitespace().map(|f| f.parse().unwrap_or(0.0));
    [(); 3].map(|_| fields.next().unwrap_or(0.0))
}

/// The machine's CPU time so far, in clock ticks summed over CPUs.
struct CpuTimes {
    total: u64,
    busy: u64,
    steal: u64,
}

fn cpu_times() -> io::Result<CpuTimes> {
    let text = fs::read_to_string("/proc/stat")?;
    let fields: Vec<u64> = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("cpu "))
        .map(|l| {
            l.split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    let field = |i: usize| fields.get(i).copied().unwrap_or(0);
    let total: u64 = (0..8).map(field).sum();
    Ok(CpuTimes {
        total,
        busy: total - field(3) - field(4) - field(7),
        steal: field(7),
    })
}

/// CPU time (user + system, clock ticks) of this process's children that have been waited for.
fn children_ticks() -> io::Result<u64> {
    let text = fs::read_to_string("/proc/self/stat")?;
    // Fields after the command name (which may hold spaces, so split after its ')'): state is
    // field 3; cutime and cstime are fields 16 and 17.
    let after_name = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let tick = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<u64>().ok());
    Ok(tick(16).unwrap_or(0) + tick(17).unwrap_or(0))
}

/// "2026-11-24T05:08:09Z".
fn utc_now() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Howard Hinnant's days-since-1970 to (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The last executable in cargo's `--message-format=json` messages (one JSON object a line): the
/// benchmark binary `cargo bench --no-run` built.
pub fn last_executable(messages: &str) -> Option<String> {
    messages
        .lines()
        .rev()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find_map(|message| message.get("executable")?.as_str().map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_executable_of_cargos_messages() {
        let messages = r#"{"reason":"compiler-artifact","executable":null}
not json
{"reason":"compiler-artifact","executable":"/t/release/deps/paths-1"}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            last_executable(messages).as_deref(),
            Some("/t/release/deps/paths-1")
        );
        assert_eq!(last_executable(""), None);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_416), (2025, 11, 24));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn a_run_counts_its_childrens_cpu_as_its_own() {
        let dir = std::env::temp_dir().join(format!("bench-report-run-{}", std::process::id()));
        // A child that burns about 0.3 s of CPU, then exits 3.
        let command = [
            "sh",
            "-c",
            "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; exit 3",
        ]
        .map(String::from);
        let code = run(&dir, "spin", &command).unwrap();
        assert_eq!(code, 3);
        let record: Run =
            serde_json::from_str(&fs::read_to_string(dir.join("runs/spin.json")).unwrap()).unwrap();
        assert_eq!(record.exit_code, Some(3));
        // It ran alone on one core for its whole life, give or take the clock ticks' resolution.
        assert!(record.own_cores > 0.2, "{record:?}");
        let machine: Machine =
            serde_json::from_str(&fs::read_to_string(dir.join("machine.json")).unwrap()).unwrap();
        assert!(machine.cores.is_some() && machine.kernel.is_some());
        fs::remove_dir_all(&dir).unwrap();
    }
}
