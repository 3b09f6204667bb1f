//! Readers for the three harnesses' raw outputs. Each returns what it could read and describes
//! what it could not; a missing or corrupt file never stops the report.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::model::{half_range, median, Machine, Record};

/// What one reader found.
#[derive(Debug, Default)]
pub struct Parsed {
    pub records: Vec<Record>,
    pub machine: Machine,
    pub problems: Vec<String>,
}

/// A benchmark name "op/caller/path[/users]".
fn split_name(name: &str) -> Option<(String, String, String, Option<u64>)> {
    let parts: Vec<&str> = name.split('/').collect();
    if parts.len() < 3 {
        return None;
    }
    let users = match parts.get(3) {
        Some(n) => Some(n.parse().ok()?),
        None => None,
    };
    Some((
        parts[0].to_owned(),
        parts[1].to_owned(),
        parts[2].to_owned(),
        users,
    ))
}

fn read(path: &Path, what: &str, problems: &mut Vec<String>) -> Option<String> {
    match fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) => {
            problems.push(format!("{what}: cannot read {}: {e}", path.display()));
            None
        }
    }
}

fn context_string(context: &Value, key: &str) -> Option<String> {
    context.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A google benchmark JSON file (cpp-bench's `bench_<path>.json`).
pub fn google_benchmark(path: &Path) -> Parsed {
    let mut parsed = Parsed::default();
    let Some(text) = read(path, "C++ results", &mut parsed.problems) else {
        return parsed;
    };
    let document: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            parsed.problems.push(format!(
                "C++ results: {} is not google benchmark JSON: {e}",
                path.display()
            ));
            return parsed;
        }
    };
    let context = &document["context"];
    parsed.machine = Machine {
        cpu: context_string(context, "cpu"),
        cores: context.get("num_cpus").and_then(Value::as_u64),
        kernel: context_string(context, "kernel"),
        date: context_string(context, "date"),
        pinning: context_string(context, "pinning"),
        cxx: context_string(context, "cxx"),
        cxxflags: context_string(context, "cxxflags"),
        rustc: context_string(context, "rustc"),
        go: context_string(context, "go"),
    };
    let mut times: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut order = Vec::new();
    for bench in document["benchmarks"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        if bench["run_type"] == "aggregate" {
            continue;
        }
        let Some(name) = bench["run_name"].as_str().or(bench["name"].as_str()) else {
            continue;
        };
        if bench["error_occurred"].as_bool() == Some(true) {
            let message = bench["error_message"].as_str().unwrap_or("error");
            parsed
                .problems
                .push(format!("{name} ({}): {message}", path.display()));
            continue;
        }
        let scale = match bench["time_unit"].as_str().unwrap_or("ns") {
            "us" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            _ => 1.0,
        };
        let Some(time) = bench["real_time"].as_f64() else {
            continue;
        };
        if !times.contains_key(name) {
            order.push(name.to_owned());
        }
        times.entry(name.to_owned()).or_default().push(time * scale);
    }
    for name in order {
        let Some(key) = split_name(&name) else {
            continue;
        };
        let values = &times[&name];
        let source = path.display().to_string();
        parsed.records.push(Record::measured(
            key,
            median(values),
            half_range(values),
            source,
        ));
    }
    if parsed.records.is_empty() && parsed.problems.is_empty() {
        parsed
            .problems
            .push(format!("C++ results: no benchmarks in {}", path.display()));
    }
    parsed
}

/// cpp-bench's instructions.json: attaches callgrind counts to the records of the same binary.
pub fn attach_instructions(path: &Path, records: &mut [Record], problems: &mut Vec<String>) {
    let Some(text) = read(path, "instruction counts", problems) else {
        return;
    };
    let rows: Vec<Value> = match serde_json::from_str(&text) {
        Ok(rows) => rows,
        Err(e) => {
            return problems.push(format!(
                "instruction counts: {} is not valid JSON: {e}",
                path.display()
            ))
        }
    };
    for row in rows {
        let (Some(binary), Some(name), Some(count)) = (
            row["binary"].as_str(),
            row["name"].as_str(),
            row["instructions_per_call"].as_f64(),
        ) else {
            continue;
        };
        let Some((op, caller, path_name, users)) = split_name(name) else {
            continue;
        };
        for record in records.iter_mut().filter(|r| {
            Path::new(&r.source).file_stem().and_then(|s| s.to_str()) == Some(binary)
                && (r.op.as_str(), r.caller.as_str(), r.path.as_str(), r.users)
                    == (&op, &caller, &path_name, users)
        }) {
            record.instructions_per_call = Some(count);
        }
    }
}

/// `go test -bench` output (go-interop's `bench.txt`), with benchstat-style "key: value" lines.
/// Benchmark names are "Op/path/users" ("Add/path" for Add); every "value unit" pair of a line is
/// kept, ns/op as the time, allocs/op and the rest as metrics.
pub fn go_test(path: &Path) -> Parsed {
    let mut parsed = Parsed::default();
    let Some(text) = read(path, "Go results", &mut parsed.problems) else {
        return parsed;
    };
    // name -> unit -> one value per repetition
    let mut samples: BTreeMap<String, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    let mut order = Vec::new();
    for line in text.lines() {
        if let Some((key, value)) = line.split_once(": ") {
            let value = Some(value.trim().to_owned());
            match key {
                "go" => parsed.machine.go = value,
                "rustc" => parsed.machine.rustc = value,
                "kernel" => parsed.machine.kernel = value,
                "pinning" => parsed.machine.pinning = value,
                "date" => parsed.machine.date = value,
                "cpu" => parsed.machine.cpu = value,
                _ => {}
            }
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 4 || !fields[0].starts_with("Benchmark") {
            continue;
        }
        let mut name = fields[0].trim_start_matches("Benchmark");
        if let Some((head, procs)) = name.rsplit_once('-') {
            if procs.parse::<u32>().is_ok() && head.contains('/') {
                name = head; // the GOMAXPROCS suffix
            }
        }
        let metrics: Vec<(&str, f64)> = fields[2..]
            .chunks_exact(2)
            .filter_map(|pair| Some((pair[1], pair[0].parse::<f64>().ok()?)))
            .collect();
        if !metrics.iter().any(|(unit, _)| *unit == "ns/op") {
            continue;
        }
        if !samples.contains_key(name) {
            order.push(name.to_owned());
        }
        let units = samples.entry(name.to_owned()).or_default();
        for (unit, value) in metrics {
            units.entry(unit.to_owned()).or_default().push(value);
        }
    }
    for name in order {
        let parts: Vec<&str> = name.split('/').collect();
        let users = match parts[..] {
            [_, _] => None,
            [_, _, users] => match users.parse() {
                Ok(users) => Some(users),
                Err(_) => continue,
            },
            _ => continue,
        };
        let units = &samples[&name];
        let key = (
            parts[0].to_owned(),
            "go".to_owned(),
            parts[1].to_owned(),
            users,
        );
        let times = &units["ns/op"];
        let mut record = Record::measured(
            key,
            median(times),
            half_range(times),
            path.display().to_string(),
        );
        for (unit, values) in units {
            match unit.as_str() {
                "ns/op" => {}
                "allocs/op" => record.allocs_per_op = Some(median(values)),
                _ => {
                    record.metrics.insert(unit.clone(), median(values));
                }
            }
        }
        parsed.records.push(record);
    }
    if parsed.records.is_empty() && parsed.problems.is_empty() {
        parsed.problems.push(format!(
            "Go results: no benchmark lines in {}",
            path.display()
        ));
    }
    parsed
}

/// criterion's output folder (rust-host's, copied to results/rust/criterion): every
/// `*/*/new/{benchmark,estimates}.json`.
pub fn criterion(dir: &Path) -> Parsed {
    let mut parsed = Parsed::default();
    let mut found = Vec::new();
    collect_benchmark_files(dir, &mut found, &mut parsed.problems);
    found.sort();
    for benchmark_file in found {
        let new_dir = benchmark_file.parent().expect("a file has a folder");
        let read_json = |path: &Path| -> Result<Value, String> {
            let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
            serde_json::from_str(&text).map_err(|e| e.to_string())
        };
        let (benchmark, estimates) = match (
            read_json(&benchmark_file),
            read_json(&new_dir.join("estimates.json")),
        ) {
            (Ok(b), Ok(e)) => (b, e),
            (Err(e), _) | (_, Err(e)) => {
                parsed.problems.push(format!(
                    "Rust results: cannot read {}: {e}",
                    new_dir.display()
                ));
                continue;
            }
        };
        let (Some(name), Some(median_ns)) = (
            benchmark["full_id"].as_str(),
            estimates["median"]["point_estimate"].as_f64(),
        ) else {
            parsed.problems.push(format!(
                "Rust results: {} lacks full_id or a median",
                new_dir.display()
            ));
            continue;
        };
        let Some(key) = split_name(name) else {
            continue;
        };
        let spread = estimates["median_abs_dev"]["point_estimate"].as_f64();
        // One run: every benchmark of the folder shares the source, so ratios pair within it.
        let source = dir.display().to_string();
        parsed
            .records
            .push(Record::measured(key, median_ns, spread, source));
    }
    if parsed.records.is_empty() && parsed.problems.is_empty() {
        parsed.problems.push(format!(
            "Rust results: no criterion results under {}",
            dir.display()
        ));
    }
    parsed
}

fn collect_benchmark_files(
    dir: &Path,
    found: &mut Vec<std::path::PathBuf>,
    problems: &mut Vec<String>,
) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            return problems.push(format!("Rust results: cannot read {}: {e}", dir.display()))
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_benchmark_files(&path, found, problems);
        } else if path.file_name().is_some_and(|n| n == "benchmark.json")
            && path
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|n| n == "new")
        {
            found.push(path);
        }
    }
}
