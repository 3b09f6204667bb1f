//! `bench-report compare OLD NEW`: two runs (results folders or their results.json), row by row.
//!
//! A row's change is significant when the Mann-Whitney U test on the two runs' samples gives
//! p < 0.05, as benchstat decides. The change is shown with the 95% interval of new/old (bootstrap),
//! so a significant 0.3% can be told from a significant 30%. A significant slowdown whose interval
//! lies wholly beyond the threshold is a regression, and makes the exit status non-zero.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::charts::format_ns;
use crate::model::{Record, Results};
use crate::stats::{self, Interval};

/// p-value under which a change is significant.
pub const ALPHA: f64 = 0.05;

/// What one row's two runs say.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// p < ALPHA, new slower (a regression when beyond the threshold).
    Slower,
    /// p < ALPHA, new faster.
    Faster,
    /// p >= ALPHA.
    NoChange,
    /// Too few samples for the test ever to reach ALPHA (3 and 3 reach only p = 0.1).
    Untestable,
}

/// One row present in both runs.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub old_ns: f64,
    pub new_ns: f64,
    /// new / old.
    pub ratio: f64,
    pub ratio_interval: Option<Interval>,
    pub p: Option<f64>,
    pub verdict: Verdict,
    pub instructions: (Option<f64>, Option<f64>),
}

/// Everything `compare` found.
#[derive(Debug, Default)]
pub struct Comparison {
    pub rows: Vec<Row>,
    pub only_old: Vec<String>,
    pub only_new: Vec<String>,
    /// One line per harness that ran on a busy machine, in either run.
    pub busy: Vec<String>,
}

impl Comparison {
    pub fn count(&self, verdict: &Verdict) -> usize {
        self.rows.iter().filter(|r| r.verdict == *verdict).count()
    }

    /// Significant slowdowns whose whole 95% interval lies beyond `threshold` (0.05 = 5%): with a
    /// few hundred rows tested at p < 0.05, a dozen significant small shifts are expected between
    /// two runs of the same tree, and a gate must not fail on them.
    pub fn regressions(&self, threshold: f64) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| r.is_regression(threshold))
            .collect()
    }
}

impl Row {
    /// Significantly slower, and slower by more than `threshold` across the change's interval.
    pub fn is_regression(&self, threshold: f64) -> bool {
        self.verdict == Verdict::Slower
            && self
                .ratio_interval
                .is_some_and(|interval| interval.lo > 1.0 + threshold)
    }
}

/// Reads `path` as a results folder (its results.json) or a results.json file.
pub fn load(path: &Path) -> Result<Results, String> {
    let file: PathBuf = if path.is_dir() {
        path.join("results.json")
    } else {
        path.to_owned()
    };
    crate::read_json(&file).map_err(|e| {
        format!(
            "{e} (make bench writes a results.json; make report rebuilds it from the raw results)"
        )
    })
}

/// Pairs the rows of two runs by name and source, and tests each.
pub fn compare(old: &Results, new: &Results) -> Comparison {
    let index = |results: &Results| -> BTreeMap<String, Record> {
        results
            .records
            .iter()
            .map(|r| (r.id(), r.clone()))
            .collect()
    };
    let (old_records, new_records) = (index(old), index(new));
    let mut comparison = Comparison::default();
    for (id, before) in &old_records {
        let Some(after) = new_records.get(id) else {
            comparison.only_old.push(id.clone());
            continue;
        };
        let p = stats::mann_whitney(&before.samples, &after.samples);
        let ratio = after.ns_per_op / before.ns_per_op;
        let verdict = if stats::smallest_p(before.samples.len(), after.samples.len()) >= ALPHA {
            Verdict::Untestable
        } else if p.is_some_and(|p| p < ALPHA) {
            if ratio > 1.0 {
                Verdict::Slower
            } else {
                Verdict::Faster
            }
        } else {
            Verdict::NoChange
        };
        comparison.rows.push(Row {
            id: id.clone(),
            old_ns: before.ns_per_op,
            new_ns: after.ns_per_op,
            ratio,
            ratio_interval: stats::ratio_interval(
                &format!("compare {id}"),
                &after.samples,
                &before.samples,
                false,
            ),
            p,
            verdict,
            instructions: (before.instructions_per_call, after.instructions_per_call),
        });
    }
    comparison.only_new = new_records
        .keys()
        .filter(|id| !old_records.contains_key(*id))
        .cloned()
        .collect();
    for (which, results) in [("old", old), ("new", new)] {
        for run in results.runs.iter().filter(|r| r.busy()) {
            comparison.busy.push(format!(
                "{which} run, {}: other processes used {:.2} cores on average, {:.1}% stolen",
                run.harness,
                run.other_cores,
                run.steal * 100.0
            ));
        }
    }
    comparison
}

/// The table and the summary, as `compare` prints them.
pub fn render(comparison: &Comparison, threshold: f64) -> String {
    let mut out = format!(
        "{:<44} {:<26} {:>11} {:>11} {:>24} {:>7}  {}\n",
        "benchmark", "source", "old", "new", "change [95% interval]", "p", "verdict"
    );
    for row in &comparison.rows {
        let (name, source) = row.id.split_once(" @ ").unwrap_or((&row.id, ""));
        let change = |r: f64| format!("{:+.1}%", (r - 1.0) * 100.0);
        let interval = row.ratio_interval.map_or(String::new(), |i| {
            format!(" [{}, {}]", change(i.lo), change(i.hi))
        });
        let verdict = match row.verdict {
            Verdict::Slower if row.is_regression(threshold) => "SLOWER (regression)",
            Verdict::Slower => "slower",
            Verdict::Faster => "faster",
            Verdict::NoChange => "~",
            Verdict::Untestable => "too few samples",
        };
        let instructions = match row.instructions {
            (Some(a), Some(b)) if a != b => format!(", instructions {a} -> {b}"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{name:<44} {source:<26} {:>11} {:>11} {:>24} {:>7}  {verdict}{instructions}",
            format_ns(row.old_ns),
            format_ns(row.new_ns),
            change(row.ratio) + &interval,
            row.p.map_or("-".to_owned(), |p| format!("{p:.3}")),
        );
    }
    let tested = comparison.rows.len() - comparison.count(&Verdict::Untestable);
    let unchanged = comparison.count(&Verdict::NoChange);
    let _ = writeln!(
        out,
        "\n{} rows in both runs; {tested} with enough samples to test (at least 4 a side), of which {unchanged} ({:.1}%) show no significant change (Mann-Whitney U, p >= {ALPHA}), {} are faster and {} slower; {} with too few samples.",
        comparison.rows.len(),
        if tested > 0 { unchanged as f64 * 100.0 / tested as f64 } else { 0.0 },
        comparison.count(&Verdict::Faster),
        comparison.count(&Verdict::Slower),
        comparison.count(&Verdict::Untestable),
    );
    if !comparison.rows.is_empty() {
        let log_mean = comparison.rows.iter().map(|r| r.ratio.ln()).sum::<f64>()
            / comparison.rows.len() as f64;
        let _ = writeln!(
            out,
            "Geometric mean of new/old over all rows: {:+.2}%.",
            (log_mean.exp() - 1.0) * 100.0
        );
    }
    for (what, ids) in [
        ("only in the old run", &comparison.only_old),
        ("only in the new run", &comparison.only_new),
    ] {
        if !ids.is_empty() {
            let _ = writeln!(out, "{} rows {what}: {}", ids.len(), ids.join(", "));
        }
    }
    for line in &comparison.busy {
        let _ = writeln!(out, "warning: busy machine: {line}");
    }
    let regressions = comparison.regressions(threshold);
    if regressions.is_empty() {
        let _ = writeln!(
            out,
            "No regression: no significant slowdown whose interval lies beyond +{:.0}%.",
            threshold * 100.0
        );
    } else {
        let _ = writeln!(
            out,
            "{} regression(s), significantly slower by more than {:.0}% across the interval: {}",
            regressions.len(),
            threshold * 100.0,
            regressions
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results(rows: &[(&str, &[f64])]) -> Results {
        let mut results = Results::default();
        for (path, samples) in rows {
            let key = ("GetUser".into(), "go".into(), (*path).into(), Some(4));
            results.records.push(Record::measured(
                key,
                samples.to_vec(),
                true,
                "go/bench.txt".into(),
            ));
        }
        results
    }

    #[test]
    fn a_clear_slowdown_is_a_regression_and_noise_is_not() {
        let old = results(&[
            ("cgo-shared", &[60.0, 61.0, 59.5, 60.5, 60.2]),
            ("cgo-view", &[58.0, 57.0, 59.0, 58.5, 57.5]),
            ("goplugin-shared", &[20.0, 21.0, 20.5]),
            ("native-shared", &[10.0, 10.1, 9.9, 10.05, 9.95]),
        ]);
        let new = results(&[
            ("cgo-shared", &[80.0, 81.0, 79.5, 80.5, 80.2]), // +33%
            ("cgo-view", &[58.2, 56.9, 59.1, 58.4, 57.6]),   // the same
            ("goplugin-shared", &[30.0, 31.0, 30.5]),        // 3 samples: untestable
            ("native-owned", &[11.0, 11.1, 10.9, 11.05, 10.95]),
        ]);
        let comparison = compare(&old, &new);
        let verdicts: Vec<(&str, &Verdict)> = comparison
            .rows
            .iter()
            .map(|r| (r.id.split(" @ ").next().unwrap(), &r.verdict))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("GetUser/go/cgo-shared/4", &Verdict::Slower),
                ("GetUser/go/cgo-view/4", &Verdict::NoChange),
                ("GetUser/go/goplugin-shared/4", &Verdict::Untestable),
            ]
        );
        let regressions = comparison.regressions(0.05);
        assert_eq!(regressions.len(), 1);
        assert!(regressions[0].ratio_interval.unwrap().lo > 1.2);
        assert!(comparison.regressions(0.5).is_empty());
        assert_eq!(
            comparison.only_old,
            ["GetUser/go/native-shared/4 @ go/bench.txt"]
        );
        assert_eq!(
            comparison.only_new,
            ["GetUser/go/native-owned/4 @ go/bench.txt"]
        );
        let text = render(&comparison, 0.05);
        assert!(text.contains("SLOWER (regression)"), "{text}");
        assert!(text.contains("2 with enough samples to test"), "{text}");
    }

    #[test]
    fn results_json_round_trips() {
        let mut original = results(&[("cgo-shared", &[60.0, 61.0, 59.5])]);
        crate::model::fill_statistics(&mut original.records);
        let text = serde_json::to_string(&original).unwrap();
        let back: Results = serde_json::from_str(&text).unwrap();
        assert_eq!(back.records, original.records);
    }
}
