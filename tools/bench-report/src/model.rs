//! The report's data: one record per measurement, and the machine it ran on.

use std::collections::BTreeMap;

use serde::Serialize;

/// One measurement, named as everywhere in the project: op x caller x path (x users).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Add, GetUser, GetUserByClaim, GetUserGroups, FindUsers.
    pub op: String,
    /// cpp, go, rust.
    pub caller: String,
    /// native, static, dynamic, dlopen, lto, cgo, goplugin, carchive, ...
    pub path: String,
    /// Users in the data set: 4 for the demo data; None for Add.
    pub users: Option<u64>,
    /// Median over the repetitions.
    pub ns_per_op: f64,
    /// Half the range of the repetitions (google benchmark, go test) or the median absolute
    /// deviation (criterion); None with a single repetition.
    pub ns_spread: Option<f64>,
    /// ns_per_op over the native path of the same caller, op and users, from the same run.
    pub ratio_to_native: Option<f64>,
    /// From callgrind, where measured.
    pub instructions_per_call: Option<f64>,
    /// Heap allocations per call (`go test -benchmem`), median over the repetitions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocs_per_op: Option<f64>,
    /// Any other metric the harness reported, by unit ("B/op", "cache-B/user"): medians.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, f64>,
    /// The raw file this came from.
    pub source: String,
}

impl Record {
    /// A measurement as a harness reports it: ratio and instruction count are filled in later.
    pub fn measured(
        (op, caller, path, users): (String, String, String, Option<u64>),
        ns_per_op: f64,
        ns_spread: Option<f64>,
        source: String,
    ) -> Record {
        Record {
            op,
            caller,
            path,
            users,
            ns_per_op,
            ns_spread,
            ratio_to_native: None,
            instructions_per_call: None,
            allocs_per_op: None,
            metrics: BTreeMap::new(),
            source,
        }
    }

    /// The key of the native measurement this record compares with.
    pub fn native_key(&self) -> (String, String, Option<u64>) {
        (self.op.clone(), self.caller.clone(), self.users)
    }
}

/// What the numbers were measured on.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Machine {
    pub cpu: Option<String>,
    pub cores: Option<u64>,
    pub kernel: Option<String>,
    pub date: Option<String>,
    pub pinning: Option<String>,
    pub cxx: Option<String>,
    pub cxxflags: Option<String>,
    pub rustc: Option<String>,
    pub go: Option<String>,
}

/// Everything the report shows, plus what could not be read.
#[derive(Debug, Default, Serialize)]
pub struct Results {
    pub machine: Machine,
    pub records: Vec<Record>,
    /// The gateway load test's own JSON (go-interop/gateway/cmd/loadtest), as it wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<serde_json::Value>,
    /// The load test's Markdown, included in the report.
    #[serde(skip)]
    pub gateway_markdown: Option<String>,
    /// One line per input that was missing or unreadable, shown in the report.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// Median of a non-empty list.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 0 {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    }
}

/// Half the range, or None for a single value.
pub fn half_range(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let (lo, hi) = values
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    Some((hi - lo) / 2.0)
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

/// Fills ratio_to_native from the native record of the same source, op, caller and users.
pub fn fill_ratios(records: &mut [Record]) {
    let natives: Vec<Record> = records
        .iter()
        .filter(|r| r.path.starts_with("native"))
        .cloned()
        .collect();
    for record in records.iter_mut() {
        record.ratio_to_native = baseline_paths(&record.path).iter().find_map(|path| {
            natives
                .iter()
                .find(|native| {
                    native.path == *path
                        && native.source == record.source
                        && native.native_key() == record.native_key()
                })
                .map(|native| record.ns_per_op / native.ns_per_op)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(path: &str, users: Option<u64>, ns: f64) -> Record {
        let key = ("GetUser".into(), "go".into(), path.into(), users);
        Record::measured(key, ns, None, "go/bench.txt".into())
    }

    #[test]
    fn ratios_compare_within_a_contract() {
        let mut records = vec![
            record("native-shared", Some(4), 10.0),
            record("native-owned", Some(4), 100.0),
            record("cgo-shared", Some(4), 50.0),
            record("cgo-owned", Some(4), 150.0),
            record("cgo-view", Some(4), 40.0),
            record("cgo-view", Some(1000), 40.0),
        ];
        fill_ratios(&mut records);
        let ratios: Vec<Option<f64>> = records.iter().map(|r| r.ratio_to_native).collect();
        assert_eq!(
            ratios,
            [Some(1.0), Some(1.0), Some(5.0), Some(1.5), Some(4.0), None]
        );
    }
}
