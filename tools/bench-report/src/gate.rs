//! The instruction-count gate of `make test`: instructions per call of the deterministic paths
//! (cpp-bench's callgrind counts: C++ into Rust through each linkage, and the native baselines),
//! held against a committed baseline that names the toolchain it was taken with. A count that
//! grows by more than the baseline's threshold (a percentage, and at most a number of
//! instructions: on a row of 4000, 1% would let 39 instructions through) fails, naming the row
//! with its old and new count;
//! `UPDATE_INSTRUCTIONS=1` (make instructions) takes a new baseline.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::parse;

/// The committed baseline (cpp-bench/instructions.json).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// What the counts were taken with: the compilers' versions (`rustc --version`,
    /// `c++ --version`'s first line).
    pub toolchain: BTreeMap<String, String>,
    /// How much a count may grow, in percent, before the gate fails...
    pub threshold_percent: f64,
    /// ...and at most this many instructions per call, whatever the percentage allows. Counts are
    /// exact (two runs, two machines of this kind: the same numbers), so a small bound holds.
    #[serde(default = "default_max_growth")]
    pub max_growth_instructions: f64,
    /// Instructions per call, by "binary name" ("bench_static GetUser/cpp/static/4").
    pub counts: BTreeMap<String, f64>,
}

fn default_max_growth() -> f64 {
    8.0
}

/// The gate's verdict: every line to print, and whether it passed.
#[derive(Debug, Default)]
pub struct Verdict {
    pub passed: bool,
    pub text: String,
}

/// The binaries whose counts are not gated: calls into Go count the whole program (Go switches
/// stacks, which hides the loop from callgrind's toggle), and Go's runtime threads move them by
/// about 1%, half the threshold.
const UNGATED: &[&str] = &["bench_carchive"];

/// The counts of a callgrind folder, keyed as the baseline keys them, without [`UNGATED`] binaries.
pub fn counts(dir: &Path) -> Result<BTreeMap<String, f64>, String> {
    let mut problems = Vec::new();
    let counts = parse::instruction_counts(dir, &mut problems);
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    Ok(counts
        .into_iter()
        .filter(|((binary, _), _)| !UNGATED.contains(&binary.as_str()))
        .map(|((binary, name), count)| (format!("{binary} {name}"), count))
        .collect())
}

/// Holds `now` (counts taken with `toolchain`) against `baseline`.
pub fn check(
    baseline: &Baseline,
    now: &BTreeMap<String, f64>,
    toolchain: &BTreeMap<String, String>,
) -> Verdict {
    let mut verdict = Verdict {
        passed: true,
        text: String::new(),
    };
    let fraction = baseline.threshold_percent / 100.0;
    for (row, &old) in &baseline.counts {
        let allowed = (old * fraction).min(baseline.max_growth_instructions);
        let Some(&new) = now.get(row) else {
            verdict.passed = false;
            let _ = writeln!(verdict.text, "FAIL {row}: not counted (baseline {old})");
            continue;
        };
        let change = if old > 0.0 {
            (new - old) / old * 100.0
        } else {
            0.0
        };
        if new > old + allowed {
            verdict.passed = false;
            let _ = writeln!(
                verdict.text,
                "FAIL {row}: {new} instructions per call, baseline {old} ({change:+.1}%, limit +{}% and +{} instructions)",
                baseline.threshold_percent, baseline.max_growth_instructions
            );
        } else if new < old - allowed {
            let _ = writeln!(
                verdict.text,
                "lower {row}: {new} instructions per call, baseline {old} ({change:+.1}%): make instructions keeps the gain"
            );
        } else {
            let _ = writeln!(verdict.text, "ok   {row}: {new} (baseline {old})");
        }
    }
    for row in now.keys().filter(|row| !baseline.counts.contains_key(*row)) {
        let _ = writeln!(
            verdict.text,
            "new  {row}: {} instructions per call, not in the baseline (make instructions adds it)",
            now[row]
        );
    }
    if &baseline.toolchain != toolchain {
        let _ = writeln!(
            verdict.text,
            "note: the baseline was taken with {:?}, these counts with {:?}: a difference may be the toolchain's (make instructions takes a new baseline)",
            baseline.toolchain, toolchain
        );
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline() -> Baseline {
        Baseline {
            toolchain: BTreeMap::from([("rustc".into(), "rustc 1.95.0".into())]),
            threshold_percent: 2.0,
            max_growth_instructions: 8.0,
            counts: BTreeMap::from([
                ("bench_static GetUser/cpp/static/4".into(), 262.0),
                ("bench_static Add/cpp/static".into(), 10.0),
            ]),
        }
    }

    #[test]
    fn a_count_that_grows_past_the_threshold_fails_and_is_named() {
        let now = BTreeMap::from([
            ("bench_static GetUser/cpp/static/4".into(), 270.0),
            ("bench_static Add/cpp/static".into(), 10.0),
        ]);
        let verdict = check(&baseline(), &now, &baseline().toolchain);
        assert!(!verdict.passed);
        assert!(verdict.text.contains(
            "FAIL bench_static GetUser/cpp/static/4: 270 instructions per call, baseline 262 (+3.1%, limit +2% and +8 instructions)"
        ), "{}", verdict.text);
    }

    /// On a large row the bound in instructions holds where the percentage would not: 4 calls of
    /// `black_box` added to the batch export (+23 instructions on 3958, +0.6%) passed a 1% gate.
    #[test]
    fn a_few_instructions_on_a_large_row_fail() {
        let mut baseline = baseline();
        baseline
            .counts
            .insert("bench_static GetUsers/cpp/static/4".into(), 3958.0);
        let mut now = baseline.counts.clone();
        now.insert("bench_static GetUsers/cpp/static/4".into(), 3981.0);
        let verdict = check(&baseline, &now, &baseline.toolchain);
        assert!(!verdict.passed);
        assert!(
            verdict
                .text
                .contains("FAIL bench_static GetUsers/cpp/static/4: 3981"),
            "{}",
            verdict.text
        );
        now.insert("bench_static GetUsers/cpp/static/4".into(), 3966.0);
        assert!(check(&baseline, &now, &baseline.toolchain).passed);
    }

    #[test]
    fn growth_within_the_threshold_passes_and_a_missing_row_fails() {
        let mut now = BTreeMap::from([("bench_static GetUser/cpp/static/4".into(), 267.0)]);
        let verdict = check(&baseline(), &now, &baseline().toolchain);
        assert!(!verdict.passed, "Add was not counted");
        assert!(verdict
            .text
            .contains("FAIL bench_static Add/cpp/static: not counted"));
        now.insert("bench_static Add/cpp/static".into(), 9.0);
        let verdict = check(&baseline(), &now, &BTreeMap::new());
        assert!(verdict.passed, "{}", verdict.text);
        assert!(verdict.text.contains("lower bench_static Add/cpp/static"));
        assert!(verdict.text.contains("note: the baseline was taken with"));
    }
}
