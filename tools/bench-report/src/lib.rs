//! bench-report: joins the harnesses' raw results into one report, and draws flame graphs.
//!
//! Inputs, the harnesses' raw outputs under a results folder (all optional: what is missing is
//! listed in the report):
//! - `cpp/bench_*/round-N.json`: google benchmark JSON from cpp-bench, every repetition of every
//!   round (a round is one run of the binary), and `cpp/callgrind/*.out*`, callgrind's files;
//! - `go/bench.txt`: `go test -bench` output from go-interop, in rounds;
//! - `rust/criterion/round-N/`: criterion's output folder from rust-host, one per round;
//! - `gateway/loadtest.{json,md}`: the gateway load test (go-interop/gateway/cmd/loadtest),
//!   `gateway/handler-bench.txt`, each handler in process (`go test -bench Handler`, in rounds),
//!   and `gateway/fault-matrix.json`, the fault matrix (the gateway's TestFaultMatrix);
//! - `machine.json` and `runs/*.json`: written by `bench-report run` around each harness.
//!
//! Outputs: `results.json`, `report.md`, `report.html`, `charts/*.svg`. Every statistic comes
//! from [`stats`].

pub mod charts;
pub mod compare;
pub mod findings;
pub mod flamegraph;
pub mod gate;
pub mod machine_code;
pub mod model;
pub mod parse;
pub mod report;
pub mod run;
pub mod stats;

use std::path::Path;

use model::{Machine, Results, Run};

/// Reads every harness's results under `dir`.
pub fn gather(dir: &Path) -> Results {
    let mut results = Results::default();
    let mut machines = Vec::new();
    let mut absorb = |parsed: parse::Parsed, results: &mut Results| {
        results.records.extend(parsed.records);
        results.problems.extend(parsed.problems);
        machines.push(parsed.machine);
    };

    // cpp/bench_<path>/: one folder of rounds per binary.
    let mut cpp_dirs: Vec<_> = std::fs::read_dir(dir.join("cpp"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.is_dir()
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("bench_"))
                })
                .collect()
        })
        .unwrap_or_default();
    cpp_dirs.sort();
    if cpp_dirs.is_empty() {
        results.problems.push(format!(
            "C++ results: none in {} (make bench-cpp)",
            dir.join("cpp").display()
        ));
    }
    let source = |path: &Path| path.strip_prefix(dir).unwrap_or(path).display().to_string();
    for binary in &cpp_dirs {
        absorb(
            parse::google_benchmark(binary, &source(binary)),
            &mut results,
        );
    }
    if !cpp_dirs.is_empty() {
        parse::attach_instructions(
            &dir.join("cpp/callgrind"),
            &mut results.records,
            &mut results.problems,
        );
    }
    let go = dir.join("go/bench.txt");
    if go.exists() {
        absorb(parse::go_test(&go, &source(&go)), &mut results);
    } else {
        results.problems.push(format!(
            "Go results: no {} (make bench-go; needs Go)",
            go.display()
        ));
    }
    let rust = dir.join("rust/criterion");
    if rust.exists() {
        absorb(parse::criterion(&rust, &source(&rust)), &mut results);
    } else {
        results.problems.push(format!(
            "Rust results: no {} (make bench-rust)",
            rust.display()
        ));
    }
    gateway(&dir.join("gateway"), &mut results);
    match read_json::<Machine>(&dir.join("machine.json")) {
        Ok(machine) => machines.insert(0, machine),
        Err(e) => results.problems.push(format!(
            "Machine: {e} (bench-report run records it: make bench)"
        )),
    }
    results.machine = merge(machines);
    results.runs = runs(&dir.join("runs"), &mut results.problems);
    results.data_files = data_files(&dir.join("data"));
    model::fill_statistics(&mut results.records);
    results
}

/// The sizes of the user files the harnesses loaded (users-N.json), by number of users.
fn data_files(dir: &Path) -> Vec<(u64, u64)> {
    let mut files: Vec<(u64, u64)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name();
                    let users = name
                        .to_str()?
                        .strip_prefix("users-")?
                        .strip_suffix(".json")?
                        .parse()
                        .ok()?;
                    Some((users, e.metadata().ok()?.len()))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort_unstable();
    files
}

/// A JSON file as `T`, or a message that names the file.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not valid: {e}", path.display()))
}

/// How each harness ran, in the order they started.
fn runs(dir: &Path, problems: &mut Vec<String>) -> Vec<Run> {
    let mut runs: Vec<Run> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .filter_map(|p| {
                    read_json(&p)
                        .map_err(|e| problems.push(format!("Harness conditions: {e}")))
                        .ok()
                })
                .collect()
        })
        .unwrap_or_default();
    runs.sort_by(|a, b| a.started.cmp(&b.started));
    runs
}

/// The load test's JSON and Markdown, checked to be the load test's, and the handlers' in-process
/// benchmark (`go test -bench Handler`, in rounds).
fn gateway(dir: &Path, results: &mut Results) {
    let matrix = dir.join("fault-matrix.json");
    match std::fs::read_to_string(&matrix) {
        Ok(text) => match serde_json::from_str(&text) {
            Ok(cells) => results.fault_matrix = cells,
            Err(e) => results.problems.push(format!(
                "Fault matrix: {} is not TestFaultMatrix's JSON: {e}",
                matrix.display()
            )),
        },
        Err(_) => results.problems.push(format!(
            "Fault matrix: no {} (make bench-gateway; needs Go)",
            matrix.display()
        )),
    }
    let handlers = dir.join("handler-bench.txt");
    if handlers.exists() {
        let parsed = parse::go_test(&handlers, "gateway/handler-bench.txt");
        results.records.extend(parsed.records);
        results.problems.extend(parsed.problems);
    }
    let json = dir.join("loadtest.json");
    let Ok(text) = std::fs::read_to_string(&json) else {
        results.problems.push(format!(
            "Gateway load test: no {} (make bench-gateway; needs Go)",
            json.display()
        ));
        return;
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(value) if value["handlers"].is_array() && value["reload"].is_object() => {
            match std::fs::read_to_string(dir.join("loadtest.md")) {
                Ok(markdown) => results.gateway_markdown = Some(markdown),
                Err(e) => results.problems.push(format!(
                    "Gateway load test: cannot read {}: {e}",
                    dir.join("loadtest.md").display()
                )),
            }
            results.gateway = Some(value);
        }
        _ => results.problems.push(format!(
            "Gateway load test: {} is not the load test's JSON",
            json.display()
        )),
    }
}

/// The first value recorded for each field: machine.json first, then the harnesses'.
fn merge(machines: Vec<Machine>) -> Machine {
    machines
        .into_iter()
        .fold(Machine::default(), |a, b| Machine {
            cpu: a.cpu.or(b.cpu),
            cores: a.cores.or(b.cores),
            os: a.os.or(b.os),
            kernel: a.kernel.or(b.kernel),
            date: a.date.or(b.date),
            rustc: a.rustc.or(b.rustc),
            go: a.go.or(b.go),
            cc: a.cc.or(b.cc),
            cxx: a.cxx.or(b.cxx),
            cxxflags: a.cxxflags.or(b.cxxflags),
            pinning: a.pinning.or(b.pinning),
            caches: a.caches.or(b.caches),
        })
}
