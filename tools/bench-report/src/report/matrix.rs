//! The matrix of the report: which records it shows, in what order, and each caller's table of
//! ratios to the native call (operations down, paths across, cells coloured by ratio).

use std::fmt::Write as _;

use super::{CALLERS, OPS};
use crate::charts;
use crate::findings;
use crate::model::{Difference, Record, Results};
use crate::stats::ratio_number;

pub(super) fn order(record: &Record) -> (usize, usize, Option<u64>, String) {
    let op = OPS
        .iter()
        .position(|o| *o == record.op)
        .unwrap_or(OPS.len());
    let caller = CALLERS
        .iter()
        .position(|c| *c == record.caller)
        .unwrap_or(CALLERS.len());
    // native first, then the rest by name
    let path = if record.path == "native" {
        String::new()
    } else {
        record.path.clone()
    };
    (op, caller, record.users, path)
}

/// The records of the main matrix: Add, and the four methods on the demo data. cpp-bench measures
/// its native baselines in every binary (each path's ratio uses its own binary's); the matrix shows
/// them once, from bench_static, the binary that ran first.
pub(super) fn matrix(results: &Results) -> Vec<&Record> {
    let mut rows: Vec<&Record> = Vec::new();
    for record in results
        .records
        .iter()
        .filter(|r| r.users.is_none() || r.users == Some(4))
        .filter(|r| findings::batch_size(r).is_none())
    // the batch sweep has a table of its own
    {
        let same = |r: &&Record| {
            (&r.op, &r.caller, &r.path, r.users)
                == (&record.op, &record.caller, &record.path, record.users)
        };
        match rows.iter().position(same) {
            Some(i) if record.source.contains("bench_static") => rows[i] = record,
            Some(_) => {}
            None => rows.push(record),
        }
    }
    rows.sort_by_key(|r| order(r));
    rows
}

/// A ratio as a table cell: "1.36x [1.30, 1.41]", or "≈ 1 (no measurable difference)".
pub(super) fn ratio_cell(record: &Record) -> String {
    if record.baseline.as_deref() == Some(record.path.as_str()) {
        return "baseline".to_owned();
    }
    match (record.ratio_to_native, record.ratio_interval) {
        (Some(_), Some(i)) if Difference::of(i) == Difference::NotMeasurable => {
            format!("≈ 1, no measurable difference [{:.2}, {:.2}]", i.lo, i.hi)
        }
        (Some(ratio), Some(i)) => format!(
            "{}x [{}, {}]",
            ratio_number(ratio),
            ratio_number(i.lo),
            ratio_number(i.hi)
        ),
        (Some(ratio), None) => format!("{}x", ratio_number(ratio)),
        (None, _) => String::new(),
    }
}

/// The matrix cell's background: green when no slower than native (or not measurably), then
/// yellow, orange and red as the ratio grows.
pub(super) fn ratio_colour(record: &Record) -> &'static str {
    let Some(ratio) = record.ratio_to_native else {
        return "#f4f4f4";
    };
    if record.difference() == Some(Difference::NotMeasurable) || ratio <= 1.1 {
        "#d9f2d9"
    } else if ratio <= 2.0 {
        "#fff3c4"
    } else if ratio <= 10.0 {
        "#ffd8a8"
    } else {
        "#ffb3b3"
    }
}

/// One caller's matrix as an HTML table (Markdown tables cannot colour cells): operations down,
/// paths across, each cell the ratio with its interval over the median time.
pub(super) fn matrix_table(records: &[&Record], caller: &str) -> Option<String> {
    let rows: Vec<&&Record> = records.iter().filter(|r| r.caller == caller).collect();
    let mut paths: Vec<&str> = Vec::new();
    for r in &rows {
        if !paths.contains(&r.path.as_str()) {
            paths.push(&r.path);
        }
    }
    if paths.is_empty() {
        return None;
    }
    paths.sort_by_key(|p| (!p.starts_with("native"), *p));
    let mut html = String::from("<table class=\"matrix\">\n<tr><th>operation</th>");
    for path in &paths {
        let _ = write!(html, "<th>{path}</th>");
    }
    html.push_str("</tr>\n");
    for op in OPS {
        let cells: Vec<Option<&&Record>> = paths
            .iter()
            .map(|p| rows.iter().copied().find(|r| r.op == op && r.path == *p))
            .collect();
        if cells.iter().all(Option::is_none) {
            continue;
        }
        let _ = write!(html, "<tr><th>{op}</th>");
        for cell in cells {
            match cell {
                None => html.push_str("<td></td>"),
                Some(r) => {
                    let _ = write!(
                        html,
                        "<td style=\"background:{}\">{}<br><small>{}</small></td>",
                        ratio_colour(r),
                        charts::escape(&ratio_cell(r)),
                        charts::escape(&findings::time_text(r))
                    );
                }
            }
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    Some(html)
}
