//! The report's data: one record per measurement, and the machine it ran on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::stats::{self, median, Interval};

/// One measurement, named as everywhere in the project: op x caller x path (x users).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Add, GetUser, GetUserByClaim, GetUserGroups, FindUsers.
    pub op: String,
    /// cpp, go, rust.
    pub caller: String,
    /// native, static, dynamic, dlopen, lto, cgo, goplugin, carchive, ...
    pub path: String,
    /// Users in the data set: 4 for the demo data; None for Add.
    pub users: Option<u64>,
    /// Median of the samples.
    pub ns_per_op: f64,
    /// 95% interval of that median (bootstrap); None with a single sample.
    pub ns_interval: Option<Interval>,
    /// ns per call, one per repetition (google benchmark), round (go test) or sample (criterion).
    pub samples: Vec<f64>,
    /// Whether samples[i] was measured in round i of its source, interleaved with every other
    /// benchmark of the source (the Go rounds): ratios within the source then pair the rounds.
    pub paired: bool,
    /// The native path this record is compared with (same source, op, caller and users).
    pub baseline: Option<String>,
    /// ns_per_op over the baseline's.
    pub ratio_to_native: Option<f64>,
    /// 95% interval of that ratio; when it holds 1.0 there is no measurable difference. None for
    /// the baseline itself.
    pub ratio_interval: Option<Interval>,
    /// From callgrind, where measured: deterministic, so no interval.
    pub instructions_per_call: Option<f64>,
    /// Heap allocations per call (`go test -benchmem`), median over the samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocs_per_op: Option<f64>,
    /// Any other metric the harness reported, by unit ("B/op", "cache-B/user"): medians.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, f64>,
    /// The raw file this came from, relative to the results folder.
    pub source: String,
}

/// Whether a ratio's interval shows a difference from 1.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Difference {
    Faster,
    Slower,
    NotMeasurable,
}

impl Difference {
    pub fn of(interval: Interval) -> Difference {
        if interval.hi < 1.0 {
            Difference::Faster
        } else if interval.lo > 1.0 {
            Difference::Slower
        } else {
            Difference::NotMeasurable
        }
    }
}

impl Record {
    /// A measurement as a harness reports it: statistics, ratio and instruction count are filled
    /// in by [`fill_statistics`].
    pub fn measured(
        (op, caller, path, users): (String, String, String, Option<u64>),
        samples: Vec<f64>,
        paired: bool,
        source: String,
    ) -> Record {
        Record {
            op,
            caller,
            path,
            users,
            ns_per_op: median(&samples),
            ns_interval: None,
            samples,
            paired,
            baseline: None,
            ratio_to_native: None,
            ratio_interval: None,
            instructions_per_call: None,
            allocs_per_op: None,
            metrics: BTreeMap::new(),
            source,
        }
    }

    /// "op/caller/path[/users]", the harnesses' own name.
    pub fn name(&self) -> String {
        let mut name = format!("{}/{}/{}", self.op, self.caller, self.path);
        if let Some(users) = self.users {
            name = format!("{name}/{users}");
        }
        name
    }

    /// The name and the source: unique within a run, the same across runs.
    pub fn id(&self) -> String {
        format!("{} @ {}", self.name(), self.source)
    }

    /// Whether this record measures the same op, caller and users as `other`, in the same source.
    pub fn same_measurement_as(&self, other: &Record) -> bool {
        (&self.op, &self.caller, self.users, &self.source)
            == (&other.op, &other.caller, other.users, &other.source)
    }

    /// The difference from the native call, when there is an interval to tell.
    pub fn difference(&self) -> Option<Difference> {
        self.ratio_interval.map(Difference::of)
    }
}

/// The interval of median(a) / median(b), paired when both come from the same interleaved rounds.
pub fn ratio_between(a: &Record, b: &Record) -> Option<Interval> {
    let paired = a.paired && b.paired && a.source == b.source && a.samples.len() == b.samples.len();
    let label = format!("{} / {}", a.id(), b.id());
    stats::ratio_interval(&label, &a.samples, &b.samples, paired)
}

/// What the numbers were measured on: `bench-report run` records it once per run
/// (`machine.json`); the harnesses add how they pinned and compiled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub cpu: Option<String>,
    pub cores: Option<u64>,
    pub os: Option<String>,
    pub kernel: Option<String>,
    pub date: Option<String>,
    pub rustc: Option<String>,
    pub go: Option<String>,
    pub cc: Option<String>,
    /// From cpp-bench's binaries: the compiler and flags they were built with.
    pub cxx: Option<String>,
    pub cxxflags: Option<String>,
    /// From the harnesses' output.
    pub pinning: Option<String>,
    /// The first CPU's data caches, smallest first ("L1d 32 KiB, L2 512 KiB, L3 32768 KiB").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caches: Option<String>,
}

/// How one harness ran (`bench-report run`): the machine's load around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// cpp, go, rust, gateway.
    pub harness: String,
    pub command: String,
    /// UTC, when it started.
    pub started: String,
    pub seconds: f64,
    /// The harness's exit code; None when a signal ended it.
    pub exit_code: Option<i32>,
    /// /proc/loadavg's 1, 5 and 15 minute averages before and after.
    pub load_before: [f64; 3],
    pub load_after: [f64; 3],
    /// CPU the harness and its children used, in cores on average over its wall time.
    pub own_cores: f64,
    /// CPU everything else on the machine used meanwhile, in cores on average.
    pub other_cores: f64,
    /// Share of CPU time the hypervisor gave to other guests.
    pub steal: f64,
}

impl Run {
    /// Other processes used more than a fifth of a core on average, or the hypervisor stole more
    /// than 5%: timings from this harness are noisier than usual. (The load average alone cannot
    /// say this: the harness before this one is still in its one-minute average.)
    pub fn busy(&self) -> bool {
        self.other_cores > 0.2 || self.steal > 0.05
    }
}

/// Everything the report shows, plus what could not be read.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Results {
    pub machine: Machine,
    #[serde(default)]
    pub runs: Vec<Run>,
    pub records: Vec<Record>,
    /// The gateway load test's own JSON (go-interop/gateway/cmd/loadtest), as it wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<serde_json::Value>,
    /// The load test's Markdown, included in the report.
    #[serde(skip)]
    pub gateway_markdown: Option<String>,
    /// The fault matrix (the gateway's TestFaultMatrix), cell by cell.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fault_matrix: Vec<FaultCell>,
    /// One line per input that was missing or unreadable, shown in the report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// The user files every harness loaded (data/users-N.json): users and bytes, by size.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_files: Vec<(u64, u64)>,
}

/// One cell of the fault matrix: a fault (row) in one way of serving a plugin (column), as the
/// gateway's TestFaultMatrix writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FaultCell {
    /// goplugin, cgo, wasm, process, hashicorp.
    pub column: String,
    /// panic, segfault, abort, stack-overflow, loop, memory-bomb.
    pub fault: String,
    pub host_alive: bool,
    /// The faulty request's answer, or why it got none.
    pub fault_answer: String,
    /// Requests failed from the faulty one to the first success (-1 when the host died).
    pub failed: i64,
    /// From the faulty request's end to the first success.
    pub recovery_millis: f64,
    #[serde(default)]
    pub detail: String,
}

impl FaultCell {
    /// The column's name in the report.
    pub fn column_title(&self) -> &str {
        match self.column.as_str() {
            "goplugin" => "Go plugin",
            "cgo" => "Rust in process (cgo)",
            "wasm" => "Rust in Wasm (wazero)",
            "process" => "Rust out of process",
            "hashicorp" => "hashicorp go-plugin (gRPC)",
            other => other,
        }
    }

    /// The columns whose plugin cannot take the host down (a sandbox or a process of its own).
    pub fn isolated(&self) -> bool {
        matches!(self.column.as_str(), "wasm" | "process" | "hashicorp")
    }
}

/// The native paths a record compares with, best first: a path of the owned contract
/// ("cgo-owned") with the native owned one, any other with the native shared one, else "native".
fn baseline_paths(path: &str) -> [&'static str; 2] {
    if path.ends_with("-owned") {
        ["native-owned", "native"]
    } else {
        ["native-shared", "native"]
    }
}

/// Fills each record's interval, and its ratio to the native record of the same source, op,
/// caller and users, with that ratio's interval.
pub fn fill_statistics(records: &mut [Record]) {
    for record in records.iter_mut() {
        record.ns_interval = stats::median_interval(&record.id(), &record.samples);
    }
    let natives: Vec<Record> = records
        .iter()
        .filter(|r| r.path.starts_with("native"))
        .cloned()
        .collect();
    for record in records.iter_mut() {
        let Some(native) = baseline_paths(&record.path).iter().find_map(|path| {
            natives
                .iter()
                .find(|native| native.path == *path && native.same_measurement_as(record))
        }) else {
            continue;
        };
        record.baseline = Some(native.path.clone());
        record.ratio_to_native = Some(record.ns_per_op / native.ns_per_op);
        if native.path != record.path {
            record.ratio_interval = ratio_between(record, native);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(path: &str, users: Option<u64>, samples: &[f64]) -> Record {
        let key = ("GetUser".into(), "go".into(), path.into(), users);
        Record::measured(key, samples.to_vec(), true, "go/bench.txt".into())
    }

    #[test]
    fn ratios_compare_within_a_contract() {
        let mut records = vec![
            record("native-shared", Some(4), &[10.0]),
            record("native-owned", Some(4), &[100.0]),
            record("cgo-shared", Some(4), &[50.0]),
            record("cgo-owned", Some(4), &[150.0]),
            record("cgo-view", Some(4), &[40.0]),
            record("cgo-view", Some(1000), &[40.0]),
        ];
        fill_statistics(&mut records);
        let ratios: Vec<Option<f64>> = records.iter().map(|r| r.ratio_to_native).collect();
        assert_eq!(
            ratios,
            [Some(1.0), Some(1.0), Some(5.0), Some(1.5), Some(4.0), None]
        );
        let baselines: Vec<Option<&str>> = records.iter().map(|r| r.baseline.as_deref()).collect();
        assert_eq!(
            baselines[2..],
            [
                Some("native-shared"),
                Some("native-owned"),
                Some("native-shared"),
                None
            ]
        );
    }

    #[test]
    fn paired_rounds_give_the_ratio_its_interval() {
        // Round 3 was slow for everyone: pairing keeps the ratio at 2.
        let mut records = vec![
            record("native-shared", Some(4), &[10.0, 11.0, 30.0, 10.5]),
            record("cgo-shared", Some(4), &[20.0, 22.0, 60.0, 21.0]),
            record("cgo-view", Some(4), &[10.0, 22.0, 30.0, 10.5]),
        ];
        fill_statistics(&mut records);
        let shared = &records[1];
        assert_eq!(shared.ratio_to_native, Some(2.0));
        let interval = shared.ratio_interval.unwrap();
        assert!((interval.lo - 2.0).abs() < 1e-9 && (interval.hi - 2.0).abs() < 1e-9);
        assert_eq!(shared.difference(), Some(Difference::Slower));
        assert_eq!(records[2].difference(), Some(Difference::NotMeasurable));
        assert!(records[0]
            .ns_interval
            .unwrap()
            .contains(records[0].ns_per_op));
    }
}
