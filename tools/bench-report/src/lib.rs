//! bench-report: joins the harnesses' raw results into one report, and draws flame graphs.
//!
//! Inputs, under a results folder (all optional: what is missing is listed in the report):
//! - `cpp/bench_*.json`: google benchmark JSON from cpp-bench, and `cpp/instructions.json`;
//! - `go/bench.txt`: `go test -bench` output from go-interop;
//! - `rust/criterion/`: criterion's output folder from rust-host;
//! - `gateway/loadtest.{json,md}`: the gateway load test (go-interop/gateway/cmd/loadtest).
//!
//! Outputs: `results.json`, `report.md`, `report.html`, `charts/*.svg`.

pub mod charts;
pub mod flamegraph;
pub mod model;
pub mod parse;
pub mod report;

use std::path::Path;

use model::{Machine, Results};

/// Reads every harness's results under `dir`.
pub fn gather(dir: &Path) -> Results {
    let mut results = Results::default();
    let mut machines = Vec::new();
    let mut absorb = |parsed: parse::Parsed, results: &mut Results| {
        results.records.extend(parsed.records);
        results.problems.extend(parsed.problems);
        machines.push(parsed.machine);
    };

    let mut cpp_files: Vec<_> = std::fs::read_dir(dir.join("cpp"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|e| e == "json")
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("bench_"))
                })
                .collect()
        })
        .unwrap_or_default();
    cpp_files.sort();
    if cpp_files.is_empty() {
        results.problems.push(format!(
            "C++ results: none in {} (make bench-cpp)",
            dir.join("cpp").display()
        ));
    }
    for file in &cpp_files {
        absorb(parse::google_benchmark(file), &mut results);
    }
    if !cpp_files.is_empty() {
        parse::attach_instructions(
            &dir.join("cpp/instructions.json"),
            &mut results.records,
            &mut results.problems,
        );
    }
    let go = dir.join("go/bench.txt");
    if go.exists() {
        absorb(parse::go_test(&go), &mut results);
    } else {
        results.problems.push(format!(
            "Go results: no {} (make bench-go; needs Go)",
            go.display()
        ));
    }
    let rust = dir.join("rust/criterion");
    if rust.exists() {
        absorb(parse::criterion(&rust), &mut results);
    } else {
        results.problems.push(format!(
            "Rust results: no {} (make bench-rust)",
            rust.display()
        ));
    }
    gateway(&dir.join("gateway"), &mut results);
    results.machine = merge(machines);
    results.machine.cpu = results.machine.cpu.or_else(cpu_model);
    model::fill_ratios(&mut results.records);
    results
}

/// The load test's JSON and Markdown, checked to be the load test's.
fn gateway(dir: &Path, results: &mut Results) {
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

/// The first value each harness recorded for each field.
fn merge(machines: Vec<Machine>) -> Machine {
    machines
        .into_iter()
        .fold(Machine::default(), |a, b| Machine {
            cpu: a.cpu.or(b.cpu),
            cores: a.cores.or(b.cores),
            kernel: a.kernel.or(b.kernel),
            date: a.date.or(b.date),
            pinning: a.pinning.or(b.pinning),
            cxx: a.cxx.or(b.cxx),
            cxxflags: a.cxxflags.or(b.cxxflags),
            rustc: a.rustc.or(b.rustc),
            go: a.go.or(b.go),
        })
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines().find_map(|l| {
        l.strip_prefix("model name")
            .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
    })
}
