//! Readers for the three harnesses' raw outputs. Each returns what it could read and describes
//! what it could not; a missing or corrupt file never stops the report.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::model::{Machine, Record};
use crate::stats::median;

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

/// Benchmark name -> the times of one round (one process), in the order first seen.
#[derive(Default)]
struct Round {
    order: Vec<String>,
    times: BTreeMap<String, Vec<f64>>,
}

impl Round {
    fn push(&mut self, name: &str, time: f64) {
        if !self.times.contains_key(name) {
            self.order.push(name.to_owned());
        }
        self.times.entry(name.to_owned()).or_default().push(time);
    }
}

/// One record per benchmark, its samples the median of each round's times in round order. Every
/// round is a process of its own running every benchmark, so the rounds pair (`paired`) and their
/// spread includes what changes between processes (code and heap placement), which repetitions
/// inside one process never see.
fn records_from_rounds(rounds: &[Round], source: &str) -> Vec<Record> {
    let mut order: Vec<&String> = Vec::new();
    for round in rounds {
        for name in &round.order {
            if !order.contains(&name) {
                order.push(name);
            }
        }
    }
    order
        .into_iter()
        .filter_map(|name| {
            let key = split_name(name)?;
            let samples: Vec<f64> = rounds
                .iter()
                .filter_map(|round| round.times.get(name).map(|times| median(times)))
                .collect();
            Some(Record::measured(key, samples, true, source.to_owned()))
        })
        .collect()
}

/// The round files of a folder ("round-1.json", "round-2", ...), in round order.
fn round_files(dir: &Path, problems: &mut Vec<String>, what: &str) -> Vec<std::path::PathBuf> {
    let mut found: Vec<(u32, std::path::PathBuf)> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let number = name.strip_prefix("round-")?;
                let number = number.strip_suffix(".json").unwrap_or(number);
                Some((number.parse().ok()?, e.path()))
            })
            .collect(),
        Err(e) => {
            problems.push(format!("{what}: cannot read {}: {e}", dir.display()));
            return Vec::new();
        }
    };
    found.sort();
    if found.is_empty() {
        problems.push(format!("{what}: no round-N in {}", dir.display()));
    }
    found.into_iter().map(|(_, path)| path).collect()
}

/// One cpp-bench binary's rounds (`cpp/bench_<path>/round-N.json`), google benchmark JSON with
/// every repetition.
pub fn google_benchmark(dir: &Path, source: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut rounds = Vec::new();
    for path in round_files(dir, &mut parsed.problems, "C++ results") {
        let Some(text) = read(&path, "C++ results", &mut parsed.problems) else {
            continue;
        };
        let document: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                parsed.problems.push(format!(
                    "C++ results: {} is not google benchmark JSON: {e}",
                    path.display()
                ));
                continue;
            }
        };
        let context = &document["context"];
        parsed.machine = Machine {
            pinning: context_string(context, "pinning"),
            cxx: context_string(context, "cxx"),
            cxxflags: context_string(context, "cxxflags"),
            ..Machine::default()
        };
        let mut round = Round::default();
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
                let problem = format!("{name} ({}): {message}", dir.display());
                if !parsed.problems.contains(&problem) {
                    parsed.problems.push(problem);
                }
                continue;
            }
            let scale = match bench["time_unit"].as_str().unwrap_or("ns") {
                "us" => 1e3,
                "ms" => 1e6,
                "s" => 1e9,
                _ => 1.0,
            };
            if let Some(time) = bench["real_time"].as_f64() {
                round.push(name, time * scale);
            }
        }
        rounds.push(round);
    }
    parsed.records = records_from_rounds(&rounds, source);
    if parsed.records.is_empty() && parsed.problems.is_empty() {
        parsed
            .problems
            .push(format!("C++ results: no benchmarks in {}", dir.display()));
    }
    parsed
}

/// Instructions per call of each (binary, benchmark name) counted in a folder of cpp-bench's
/// callgrind files (scripts/count-instructions.sh: `valgrind --tool=callgrind` around `bench_<path>
/// --count_instructions=NAME[,NAME...] --iterations=N[,N...]`, with a dump after each loop, or the
/// whole program at N and at 2N): (Ir(2N) - Ir(N)) / N, which cancels what a loop does once. A
/// name's count at a length is its last loop of that length; N is the largest length whose double
/// was counted too (a warm-up of another length goes unused). What cannot be read is said in
/// `problems`.
pub fn instruction_counts(
    dir: &Path,
    problems: &mut Vec<String>,
) -> BTreeMap<(String, String), f64> {
    let mut per_call = BTreeMap::new();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(format!(
                "instruction counts: cannot read {}: {e} (make bench-cpp counts them with valgrind)",
                dir.display()
            ));
            return per_call;
        }
    };
    // (binary, name) -> iterations -> (part, instructions)
    let mut counts: BTreeMap<(String, String), BTreeMap<u64, (usize, u64)>> = BTreeMap::new();
    for path in entries.flatten().map(|e| e.path()) {
        if !is_callgrind_file(&path) {
            continue;
        }
        match callgrind_part(&path) {
            Some(Part::Loop {
                binary,
                name,
                iterations,
                part,
                instructions,
            }) => {
                let latest = counts
                    .entry((binary, name))
                    .or_default()
                    .entry(iterations)
                    .or_insert((part, instructions));
                if part > latest.0 {
                    *latest = (part, instructions);
                }
            }
            Some(Part::Rest { instructions: 0 }) => {}
            Some(Part::Rest { instructions }) => problems.push(format!(
                "instruction counts: {} counted {instructions} instructions after its last loop (0 with the toggle on count_loop)",
                path.display()
            )),
            None => problems.push(format!(
                "instruction counts: {} is not a cpp-bench callgrind file",
                path.display()
            )),
        }
    }
    for ((binary, name), by_iterations) in counts {
        let pair = by_iterations.iter().rev().find_map(|(&n, &(_, once))| {
            let &(_, twice) = by_iterations.get(&n.checked_mul(2)?)?;
            (n > 0).then_some((n, once, twice))
        });
        let Some((n, once, twice)) = pair else {
            problems.push(format!(
                "instruction counts: {binary} {name} needs loops of N and 2N iterations (has {:?})",
                by_iterations.keys().collect::<Vec<_>>()
            ));
            continue;
        };
        if twice < once {
            problems.push(format!(
                "instruction counts: {binary} {name}: {twice} instructions in {} iterations, fewer than {once} in {n}",
                2 * n
            ));
            continue;
        }
        per_call.insert((binary, name), ((twice - once) as f64 / n as f64).round());
    }
    per_call
}

/// Attaches [`instruction_counts`] of `dir` to the records of the same binary and name.
pub fn attach_instructions(dir: &Path, records: &mut [Record], problems: &mut Vec<String>) {
    for ((binary, name), per_call) in instruction_counts(dir, problems) {
        for record in records.iter_mut().filter(|r| {
            Path::new(&r.source).file_stem().and_then(|s| s.to_str()) == Some(binary.as_str())
                && r.name() == name
        }) {
            record.instructions_per_call = Some(per_call);
        }
    }
}

/// callgrind's file names: `OUT` and, with dumps, `OUT.1`, `OUT.2`, ... (`OUT` ends in `.out`).
fn is_callgrind_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name.ends_with(".out")
        || name
            .rsplit_once(".out.")
            .is_some_and(|(_, part)| part.parse::<u32>().is_ok())
}

/// What one callgrind file (one part of a run) counted.
enum Part {
    /// A loop of `name`, `iterations` long, the run's `part`-th.
    Loop {
        binary: String,
        name: String,
        iterations: u64,
        part: usize,
        instructions: u64,
    },
    /// What a run with dumps counted after its last loop (nothing: the toggle was off).
    Rest { instructions: u64 },
}

/// The part a callgrind file holds, from its `cmd:`, `part:`, `desc: Trigger:` and `totals:` (or
/// `summary:`) lines. A run's loops are its names' lengths in order (name by name); a dump after
/// each loop (`--dump-after`) makes part k the k-th loop, and a run without dumps is one loop
/// (part 1, a single name and length).
fn callgrind_part(path: &Path) -> Option<Part> {
    let text = fs::read_to_string(path).ok()?;
    let (mut command, mut part, mut dumped, mut total) = (None, None, false, None);
    for line in text.lines() {
        if let Some(c) = line.strip_prefix("cmd:") {
            command = Some(c.trim().to_owned());
        } else if let Some(p) = line.strip_prefix("part:") {
            part = p.trim().parse::<usize>().ok();
        } else if let Some(trigger) = line.strip_prefix("desc: Trigger:") {
            dumped = trigger.trim().starts_with("--dump-after");
        } else if let Some(t) = line
            .strip_prefix("totals:")
            .or_else(|| line.strip_prefix("summary:"))
        {
            total = t.trim().parse().ok();
        }
    }
    let (command, part, instructions) = (command?, part?, total?);
    let mut words = command.split_whitespace();
    let binary = Path::new(words.next()?).file_name()?.to_str()?.to_owned();
    let (mut names, mut lengths) = (Vec::new(), Vec::new());
    for word in words {
        if let Some(list) = word.strip_prefix("--count_instructions=") {
            names = list.split(',').map(str::to_owned).collect();
        } else if let Some(list) = word.strip_prefix("--iterations=") {
            lengths = list
                .split(',')
                .map(|n| n.parse::<u64>().ok())
                .collect::<Option<_>>()?;
        }
    }
    let loops = names.len() * lengths.len();
    let index = part.checked_sub(1)?;
    if !dumped && (part > 1 || loops > 1) {
        return (index == loops).then_some(Part::Rest { instructions });
    }
    if index >= loops {
        return None;
    }
    Some(Part::Loop {
        binary,
        name: names[index / lengths.len()].clone(),
        iterations: lengths[index % lengths.len()],
        part,
        instructions,
    })
}

/// `go test -bench` output (go-interop's `bench.txt`), with benchstat-style "key: value" lines.
/// Benchmark names are "Op/path/users" ("Add/path" for Add); every "value unit" pair of a line is
/// kept, ns/op as the time, allocs/op and the rest as metrics. The file holds rounds: each run of
/// the test binary measures every benchmark once, so a benchmark's i-th line is round i.
pub fn go_test(path: &Path, source: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let Some(text) = read(path, "Go results", &mut parsed.problems) else {
        return parsed;
    };
    // name -> unit -> one value per repetition
    let mut samples: BTreeMap<String, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    let mut order = Vec::new();
    for line in text.lines() {
        if let Some((key, value)) = line.split_once(": ") {
            if key == "pinning" {
                parsed.machine.pinning = Some(value.trim().to_owned());
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
        let mut record = Record::measured(key, units["ns/op"].clone(), true, source.to_owned());
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

/// criterion's output folders, one per round (results/rust/criterion/round-N, copied from
/// rust-host's target/criterion after each run of the bench binary): every
/// `*/*/new/{benchmark,sample}.json`. A sample's time per iteration is one time of the round;
/// criterion's own estimates are not used, so every harness goes through the same statistics.
pub fn criterion(dir: &Path, source: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut rounds = Vec::new();
    for round_dir in round_files(dir, &mut parsed.problems, "Rust results") {
        let mut found = Vec::new();
        collect_benchmark_files(&round_dir, &mut found, &mut parsed.problems);
        found.sort();
        let mut round = Round::default();
        for benchmark_file in found {
            match criterion_benchmark(&benchmark_file) {
                Ok((name, times)) => times.into_iter().for_each(|t| round.push(&name, t)),
                Err(e) => parsed.problems.push(format!("Rust results: {e}")),
            }
        }
        rounds.push(round);
    }
    parsed.records = records_from_rounds(&rounds, source);
    if parsed.records.is_empty() && parsed.problems.is_empty() {
        parsed.problems.push(format!(
            "Rust results: no criterion results under {}",
            dir.display()
        ));
    }
    parsed
}

/// One criterion benchmark's name and times per iteration, from its `new/` folder.
fn criterion_benchmark(benchmark_file: &Path) -> Result<(String, Vec<f64>), String> {
    let new_dir = benchmark_file.parent().expect("a file has a folder");
    let read_json = |path: &Path| -> Result<Value, String> {
        let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
        serde_json::from_str(&text).map_err(|e| e.to_string())
    };
    let (benchmark, sample) = read_json(benchmark_file)
        .and_then(|b| Ok((b, read_json(&new_dir.join("sample.json"))?)))
        .map_err(|e| format!("cannot read {}: {e}", new_dir.display()))?;
    let numbers = |key: &str| -> Vec<f64> {
        sample[key]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default()
    };
    let (iterations, times) = (numbers("iters"), numbers("times"));
    let name = benchmark["full_id"]
        .as_str()
        .ok_or_else(|| format!("{} lacks full_id", new_dir.display()))?;
    if iterations.is_empty() || iterations.len() != times.len() {
        return Err(format!("{} has no samples", new_dir.display()));
    }
    let per_iteration = iterations
        .iter()
        .zip(&times)
        .filter(|(n, _)| **n > 0.0)
        .map(|(n, t)| t / n)
        .collect();
    Ok((name.to_owned(), per_iteration))
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
