//! The report: results.json, report.md, report.html, charts/*.svg, and the terminal summary.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

use crate::charts::{self, format_ns};
use crate::model::{Record, Results};

const OPS: [&str; 5] = [
    "Add",
    "GetUser",
    "GetUserByClaim",
    "GetUserGroups",
    "FindUsers",
];
const CALLERS: [&str; 3] = ["cpp", "go", "rust"];

/// The seeds' published figures: measured on other machines, shown for comparison only, each with
/// the record here that measures the same thing.
const PUBLISHED: [(&str, &str, (&str, &str, &str)); 8] = [
    ("Go native Add", "0.36 ns", ("Add", "go", "native")),
    ("Go -> Go plugin Add", "2.0 ns", ("Add", "go", "goplugin")),
    ("C++ native add", "0 ns", ("Add", "cpp", "native")),
    (
        "C++ -> Go c-archive add (Go 1.18)",
        "1480 ns",
        ("Add", "cpp", "carchive"),
    ),
    (
        "reva GetUser through a Go plugin (the seed's, stored *User)",
        "69 ns",
        ("GetUser", "go", "goplugin-shared"),
    ),
    (
        "reva GetUserByClaim through a Go plugin",
        "11 ns",
        ("GetUserByClaim", "go", "goplugin-shared"),
    ),
    (
        "reva GetUserGroups through a Go plugin",
        "73 ns",
        ("GetUserGroups", "go", "goplugin-shared"),
    ),
    (
        "reva FindUsers through a Go plugin",
        "678 ns",
        ("FindUsers", "go", "goplugin-shared"),
    ),
];

fn order(record: &Record) -> (usize, usize, Option<u64>, String) {
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
fn matrix(results: &Results) -> Vec<&Record> {
    let mut rows: Vec<&Record> = Vec::new();
    for record in results
        .records
        .iter()
        .filter(|r| r.users.is_none() || r.users == Some(4))
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

fn find<'a>(
    results: &'a Results,
    op: &str,
    caller: &str,
    path: &str,
    users: Option<u64>,
) -> Option<&'a Record> {
    results
        .records
        .iter()
        .find(|r| r.op == op && r.caller == caller && r.path == path && r.users == users)
}

/// The record of `path` measured in the same run (same source) as `of`, for the same op and data.
fn sibling<'a>(results: &'a Results, of: &Record, path: &str) -> Option<&'a Record> {
    results.records.iter().find(|r| {
        r.source == of.source
            && r.op == of.op
            && r.caller == of.caller
            && r.users == of.users
            && r.path == path
    })
}

fn cell(value: Option<f64>, format: impl Fn(f64) -> String) -> String {
    value.map(format).unwrap_or_else(|| "".to_owned())
}

/// Sentences computed from the numbers; each only when its numbers exist.
pub fn meaning(results: &Results) -> Vec<String> {
    let mut lines = Vec::new();
    let add = |caller: &str, path: &str| find(results, "Add", caller, path, None);
    if let Some((rust, c)) =
        add("cpp", "static").and_then(|r| Some((r, sibling(results, r, "native_noinline")?)))
    {
        let mut line = format!(
            "C++ -> Rust `Add` through the archive costs {} against {} for a non-inlined C function in the same run ({:.2}x)",
            format_ns(rust.ns_per_op),
            format_ns(c.ns_per_op),
            rust.ns_per_op / c.ns_per_op
        );
        match (rust.instructions_per_call, c.instructions_per_call) {
            (Some(a), Some(b)) if a == b => {
                let _ = write!(line, ", and the same {a} instructions per call: calling Rust through the C ABI is a plain C call, and the time difference is this run's noise.");
            }
            (Some(a), Some(b)) => {
                let _ = write!(line, ", {a} against {b} instructions per call.");
            }
            _ => line.push('.'),
        }
        lines.push(line);
    }
    if let (Some(dynamic), Some(rust)) = (add("cpp", "dynamic"), add("cpp", "static")) {
        if let (Some(a), Some(b)) = (dynamic.instructions_per_call, rust.instructions_per_call) {
            lines.push(format!("Through the shared library's PLT the call takes {} more instruction(s) ({a} against {b}).", a - b));
        }
    }
    if let Some((lto, inline)) =
        add("cpp", "lto").and_then(|r| Some((r, sibling(results, r, "native")?)))
    {
        let verdict = match (lto.instructions_per_call, inline.instructions_per_call) {
            (Some(a), Some(b)) if a == b => {
                format!("inlined into C++ (the same {a} instructions as inline C++)")
            }
            (Some(a), Some(b)) => {
                format!("not inlined ({a} instructions against {b} for inline C++)")
            }
            _ => "measured without instruction counts".to_owned(),
        };
        lines.push(format!(
            "With cross-language LTO the Rust `Add` is {verdict}: {} against {} ({:.2}x).",
            format_ns(lto.ns_per_op),
            format_ns(inline.ns_per_op),
            lto.ns_per_op / inline.ns_per_op
        ));
    }
    if let (Some(rust), Some(c)) = (add("go", "cgo"), add("go", "cgo-c")) {
        let ratio = rust.ns_per_op / c.ns_per_op;
        let verdict = if ratio <= 1.1 {
            "the cgo transition is the whole cost; the Rust side adds nothing measurable".to_owned()
        } else {
            format!(
                "the two calls differ only in the callee (Rust's and C's `Add` compile to the same two instructions), so check a gap this size (spreads {} and {}) against another run before reading it as Rust's",
                cell(rust.ns_spread, format_ns),
                cell(c.ns_spread, format_ns)
            )
        };
        lines.push(format!(
            "Go -> Rust `Add` costs {} and Go -> C {} ({ratio:.2}x): {verdict}.",
            format_ns(rust.ns_per_op),
            format_ns(c.ns_per_op),
        ));
    }
    if let (Some(plugin), Some(native)) = (add("go", "goplugin"), add("go", "native")) {
        lines.push(format!(
            "A Go plugin's `Add` costs {} against {} native: cheaper per call than cgo, but a Go plugin cannot be unloaded.",
            format_ns(plugin.ns_per_op),
            format_ns(native.ns_per_op)
        ));
    }
    lines.extend(go_meaning(results));
    if let Some(carchive) = add("cpp", "carchive") {
        lines.push(format!(
            "C++ -> Go c-archive add: {} here ({}), against 1480 ns published for Go 1.18, before Go 1.21 kept the M on C threads.",
            format_ns(carchive.ns_per_op),
            results.machine.go.as_deref().unwrap_or("Go version not recorded")
        ));
    }
    if let (Some(go), Some(c)) = (add("rust", "carchive"), add("rust", "c")) {
        lines.push(format!(
            "Rust -> Go add costs {} against {} for Rust -> C: the Go runtime's callback entry (stack switch, taking and giving back a P) is nearly all of it.",
            format_ns(go.ns_per_op),
            format_ns(c.ns_per_op)
        ));
    }
    for (op, path) in [("GetUser", "static"), ("FindUsers", "static")] {
        let small = find(results, op, "cpp", path, Some(1000));
        let large = find(results, op, "cpp", path, Some(1_000_000)).or(find(
            results,
            op,
            "cpp",
            path,
            Some(10_000),
        ));
        if let (Some(small), Some(large)) = (small, large) {
            let users = large.users.unwrap_or(0) as f64 / 1000.0;
            lines.push(format!(
                "{op} from C++ grows {:.1}x from 1000 to {} users ({users:.0}x the data).",
                large.ns_per_op / small.ns_per_op,
                large.users.unwrap_or(0)
            ));
        }
    }
    if let Some(gateway) = &results.gateway {
        lines.extend(gateway_meaning(gateway));
    }
    lines
}

/// The Go host's sentences: each contract against its baseline at 4 users, what the shared
/// answers cost in memory, and where Rust overtakes the Go plugin as the users grow.
fn go_meaning(results: &Results) -> Vec<String> {
    let mut lines = Vec::new();
    let go = |op: &str, path: &str, users: u64| find(results, op, "go", path, Some(users));
    let allocs = |r: &Record| cell(r.allocs_per_op, |a| format!(", {a} allocs/call"));
    for op in &OPS[1..] {
        if let (Some(shared), Some(view), Some(plugin)) = (
            go(op, "cgo-shared", 4),
            go(op, "cgo-view", 4),
            go(op, "goplugin-shared", 4),
        ) {
            lines.push(format!(
                "Go -> Rust {op}, answer as shared Go values: {}{}, {:.2}x the bare cgo call ({}) and {:.2}x the Go plugin ({}{}), 4 users, keys drawn at random.",
                format_ns(shared.ns_per_op),
                allocs(shared),
                shared.ns_per_op / view.ns_per_op,
                format_ns(view.ns_per_op),
                shared.ns_per_op / plugin.ns_per_op,
                format_ns(plugin.ns_per_op),
                allocs(plugin),
            ));
        }
        if let (Some(owned), Some(native)) = (go(op, "cgo-owned", 4), go(op, "native-owned", 4)) {
            lines.push(format!(
                "Go -> Rust {op}, answer as owned Go values: {}{}, {:.2}x Go native's owned answer ({}{}).",
                format_ns(owned.ns_per_op),
                allocs(owned),
                owned.ns_per_op / native.ns_per_op,
                format_ns(native.ns_per_op),
                allocs(native),
            ));
        }
    }
    let cache = results
        .records
        .iter()
        .filter(|r| r.caller == "go" && r.op == "GetUser" && r.path == "cgo-shared")
        .filter_map(|r| Some((r.users?, *r.metrics.get("cache-B/user")?)))
        .max_by_key(|(users, _)| *users);
    if let Some((users, bytes)) = cache {
        lines.push(format!(
            "The shared answers cost Go memory: {bytes:.0} bytes per user once every user has been asked for ({users} users)."
        ));
    }
    for op in ["GetUser", "FindUsers"] {
        let mut sizes: Vec<u64> = results
            .records
            .iter()
            .filter(|r| r.caller == "go" && r.op == op && r.path == "cgo-shared")
            .filter_map(|r| r.users)
            .collect();
        sizes.sort_unstable();
        let faster = |users: u64| match (
            go(op, "cgo-shared", users),
            go(op, "goplugin-shared", users),
        ) {
            (Some(rust), Some(plugin)) => Some((rust.ns_per_op < plugin.ns_per_op, rust, plugin)),
            _ => None,
        };
        let mut previous: Option<u64> = None;
        for &users in &sizes {
            let Some((true, rust, plugin)) = faster(users) else {
                previous = Some(users);
                continue;
            };
            let before = previous.map_or("at the smallest size measured".to_owned(), |p| {
                format!("between {p} and {users} users")
            });
            lines.push(format!(
                "{op} through Rust (shared) overtakes the Go plugin {before}: {} against {} at {users} users.",
                format_ns(rust.ns_per_op),
                format_ns(plugin.ns_per_op)
            ));
            if let Some(&largest) = sizes.last().filter(|&&largest| largest != users) {
                if let Some((_, rust, plugin)) = faster(largest) {
                    lines.push(format!(
                        "At {largest} users: {} against {} ({:.0}x).",
                        format_ns(rust.ns_per_op),
                        format_ns(plugin.ns_per_op),
                        plugin.ns_per_op / rust.ns_per_op
                    ));
                }
            }
            break;
        }
    }
    lines
}

/// What the gateway load test's JSON says, in two sentences.
fn gateway_meaning(gateway: &serde_json::Value) -> Vec<String> {
    let mut lines = Vec::new();
    let rps = |route: &str| {
        gateway["handlers"]
            .as_array()?
            .iter()
            .find(|h| h["route"] == route)?["median_rps"]
            .as_f64()
    };
    if let (Some(native), Some(goplugin), Some(rust)) =
        (rps("/native-echo"), rps("/go-echo"), rps("/echo"))
    {
        lines.push(format!(
            "Through the HTTP gateway the Rust echo plugin served {rust:.0} requests/s (median of the rounds): {:.2}x the native Go handler ({native:.0}) and {:.2}x the Go plugin ({goplugin:.0}), in the same run.",
            rust / native,
            rust / goplugin
        ));
    }
    let reload = &gateway["reload"];
    if let (Some(reloads), Some(requests), Some(failures), Some(mapped)) = (
        reload["reloads"].as_u64(),
        reload["requests"].as_u64(),
        reload["failures"].as_u64(),
        reload["mapped_plugin_files_at_end"].as_u64(),
    ) {
        lines.push(format!(
            "{reloads} hot reloads of the Rust plugin under load: {failures} of {requests} requests failed, {mapped} plugin file mapped at the end, resident memory {} KiB larger after the last reload than after the 10th.",
            reload["rss_growth_kib"].as_i64().unwrap_or(0)
        ));
    }
    lines
}

/// Writes results.json, report.md, report.html and charts/ into `dir`; returns the Markdown.
pub fn write(results: &Results, dir: &Path) -> io::Result<String> {
    fs::create_dir_all(dir.join("charts"))?;
    fs::write(
        dir.join("results.json"),
        serde_json::to_string_pretty(results).map_err(io::Error::other)? + "\n",
    )?;

    let mut charts = Vec::new();
    for op in OPS {
        let rows: Vec<(String, f64)> = matrix(results)
            .into_iter()
            .filter(|r| r.op == op)
            .map(|r| (format!("{} {}", r.caller, r.path), r.ns_per_op))
            .collect();
        if !rows.is_empty() {
            let file = format!("charts/{}.svg", op.to_lowercase());
            fs::write(
                dir.join(&file),
                charts::bars(&format!("{op}: ns per call (median)"), &rows),
            )?;
            charts.push((op, file));
        }
    }
    let mut sweeps = Vec::new();
    for (caller, paths, first_size, file) in [
        ("cpp", &["native", "static"][..], 1000, "charts/users.svg"),
        (
            "go",
            &[
                "native-shared",
                "goplugin-shared",
                "cgo-shared",
                "cgo-owned",
            ][..],
            4,
            "charts/users-go.svg",
        ),
    ] {
        let series = sweep_series(results, caller, paths, first_size);
        if !series.is_empty() {
            let title = format!("Cost against the number of users ({caller}), log-log");
            fs::write(dir.join(file), charts::lines(&title, &series))?;
            sweeps.push((caller, file));
        }
    }
    let flamegraphs: Vec<String> = fs::read_dir(dir.join("flamegraphs"))
        .map(|entries| {
            let mut names: Vec<String> = entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".svg"))
                .collect();
            names.sort();
            names
        })
        .unwrap_or_default();

    let markdown = markdown(results, &charts, &sweeps, &flamegraphs);
    fs::write(dir.join("report.md"), &markdown)?;
    fs::write(dir.join("report.html"), html(&markdown))?;
    Ok(markdown)
}

/// One line per op and path: ns per call against users, from `first_size` users up.
fn sweep_series(
    results: &Results,
    caller: &str,
    paths: &[&str],
    first_size: u64,
) -> Vec<(String, Vec<(f64, f64)>)> {
    let mut series = Vec::new();
    for op in ["GetUser", "FindUsers"] {
        for path in paths {
            let mut points: Vec<(f64, f64)> = results
                .records
                .iter()
                .filter(|r| {
                    r.op == op
                        && r.caller == caller
                        && r.path == *path
                        && r.users.is_some_and(|u| u >= first_size)
                })
                .map(|r| (r.users.unwrap_or(0) as f64, r.ns_per_op))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            if points.len() > 1 {
                series.push((format!("{op} {caller} {path}"), points));
            }
        }
    }
    series
}

fn markdown(
    results: &Results,
    charts: &[(&str, String)],
    sweeps: &[(&str, &str)],
    flamegraphs: &[String],
) -> String {
    let m = &results.machine;
    let mut md =
        String::from("# Benchmark report: what the C ABI boundary into the Rust plugin costs\n\n");
    let _ = writeln!(md, "Generated by `make bench` (bench-report). Every ratio compares with the native call of the same caller and operation, measured in the same binary and run. Medians of repetitions; spread is half the range (google benchmark, go test) or the median absolute deviation (criterion). This is a shared, noisy 2-core VM: differences under ~0.5 ns are noise.\n");
    md.push_str("## Machine\n\n| | |\n|---|---|\n");
    for (key, value) in [
        (
            "CPU",
            m.cpu.clone().map(|c| {
                format!(
                    "{c} ({} cores)",
                    m.cores.map_or("?".into(), |n| n.to_string())
                )
            }),
        ),
        ("kernel", m.kernel.clone()),
        ("date", m.date.clone()),
        ("pinning", m.pinning.clone()),
        (
            "C++",
            m.cxx
                .clone()
                .map(|c| format!("{c}, {}", m.cxxflags.clone().unwrap_or_default())),
        ),
        ("Rust", m.rustc.clone()),
        ("Go", m.go.clone()),
    ] {
        let _ = writeln!(
            md,
            "| {key} | {} |",
            value.unwrap_or_else(|| "not recorded".into())
        );
    }
    md.push_str("\n## The matrix (Add; the four methods on the 4 demo users)\n\n| op | caller | path | ns per call | spread | x native | instructions | source |\n|---|---|---|---:|---:|---:|---:|---|\n");
    for r in matrix(results) {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.2} | {} | {} | {} | {} |",
            r.op,
            r.caller,
            r.path,
            r.ns_per_op,
            cell(r.ns_spread, |v| format!("{v:.2}")),
            cell(r.ratio_to_native, |v| format!("{v:.2}")),
            cell(r.instructions_per_call, |v| format!("{v:.0}")),
            Path::new(&r.source)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(&r.source)
        );
    }
    md.push_str("\nPaths: `native` the caller's own language (inline for C++ Add), `native_noinline` a C function in its own file, `static`/`dynamic`/`dlopen`/`lto` the Rust plugin linked as an archive, as a shared library, loaded at run time, or with cross-language LTO; `native-shared`/`native-owned` Go's own code (reva's) returning its stored user or a copy, `goplugin-shared`/`-owned` the same code as a Go plugin, `cgo-shared`/`cgo-owned` Rust through cgo answering Go values (built once per user) or copies of them, `cgo-view` the bare cgo call leaving the answer in Rust, `cgo-c` a C function through cgo; `goplugin` a Go plugin; `carchive` a Go c-archive; `c` a C function.\n");

    md.push_str("\n## Published figures, measured on other machines\n\n| what | published (other machine) | here |\n|---|---|---|\n");
    for (what, published, (op, caller, path)) in PUBLISHED {
        let here = find(results, op, caller, path, (op != "Add").then_some(4))
            .map_or("not measured".to_owned(), |r| format_ns(r.ns_per_op));
        let _ = writeln!(md, "| {what} | {published} | {here} |");
    }

    for (caller, chart) in sweeps {
        let (title, first_size) = match *caller {
            "cpp" => ("C++ -> Rust archive, and native C++", 1000),
            _ => ("Go: native, Go plugin, Rust through cgo", 4),
        };
        let _ = write!(md, "\n## Cost against the number of users ({title})\n\n| op | path | users | ns per call | x native | allocs |\n|---|---|---:|---:|---:|---:|\n");
        let mut rows: Vec<&Record> = results
            .records
            .iter()
            .filter(|r| r.caller == *caller && r.users.is_some_and(|u| u >= first_size))
            .filter(|r| {
                *caller != "go"
                    || results.records.iter().any(|o| {
                        o.caller == "go"
                            && o.op == r.op
                            && o.path == r.path
                            && o.users.is_some_and(|u| u > 4)
                    })
            })
            .collect();
        rows.sort_by_key(|r| (order(r).0, r.path.clone(), r.users));
        for r in rows {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} |",
                r.op,
                r.path,
                r.users.unwrap_or(0),
                format_ns(r.ns_per_op),
                cell(r.ratio_to_native, |v| format!("{v:.2}")),
                cell(r.allocs_per_op, |v| format!("{v}"))
            );
        }
        let _ = writeln!(md, "\n![cost against users, {caller}]({chart})");
    }
    if !charts.is_empty() {
        md.push_str("\n## Charts\n\n");
        for (op, file) in charts {
            let _ = writeln!(md, "![{op}]({file})\n");
        }
    }
    md.push_str("## What this means\n\n");
    let lines = meaning(results);
    if lines.is_empty() {
        md.push_str("Not enough results for a conclusion: run `make bench`.\n");
    }
    for line in lines {
        let _ = writeln!(md, "- {line}");
    }
    if let Some(gateway) = &results.gateway_markdown {
        // The load test's own report, one heading level down.
        md.push('\n');
        for line in gateway.lines() {
            if line.starts_with('#') {
                md.push('#');
            }
            md.push_str(line);
            md.push('\n');
        }
    }
    md.push_str("\n## Flame graphs\n\n");
    if flamegraphs.is_empty() {
        md.push_str("None yet: `make flamegraph` draws them into results/flamegraphs/.\n");
    }
    for name in flamegraphs {
        let _ = writeln!(
            md,
            "- [{}](flamegraphs/{name})",
            name.trim_end_matches(".svg")
        );
    }
    if !results.problems.is_empty() {
        md.push_str("\n## Not in this report\n\n");
        for problem in &results.problems {
            let _ = writeln!(md, "- {problem}");
        }
    }
    md
}

/// The Markdown above as a standalone HTML page: headings, tables, lists, images and links.
fn html(markdown: &str) -> String {
    let mut out = String::from("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Benchmark report</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}td{text-align:right}td:first-child,td:nth-child(2),td:nth-child(3){text-align:left}code{background:#f3f3f3}</style></head><body>\n");
    let mut in_table = false;
    let mut in_list = false;
    for line in markdown.lines() {
        if in_table && !line.starts_with('|') {
            out.push_str("</table>\n");
            in_table = false;
        }
        if in_list && !line.starts_with("- ") {
            out.push_str("</ul>\n");
            in_list = false;
        }
        if let Some(text) = line.strip_prefix("## ") {
            let _ = writeln!(out, "<h2>{}</h2>", inline(text));
        } else if let Some(text) = line.strip_prefix("# ") {
            let _ = writeln!(out, "<h1>{}</h1>", inline(text));
        } else if line.starts_with('|') {
            if line.starts_with("|---") || line.starts_with("|:") {
                continue;
            }
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let tag = if in_table { "td" } else { "th" };
            if !in_table {
                out.push_str("<table>\n");
                in_table = true;
            }
            out.push_str("<tr>");
            for c in cells {
                let _ = write!(out, "<{tag}>{}</{tag}>", inline(c));
            }
            out.push_str("</tr>\n");
        } else if let Some(text) = line.strip_prefix("- ") {
            if !in_list {
                out.push_str("<ul>\n");
                in_list = true;
            }
            let _ = writeln!(out, "<li>{}</li>", inline(text));
        } else if !line.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", inline(line));
        }
    }
    if in_table {
        out.push_str("</table>\n");
    }
    if in_list {
        out.push_str("</ul>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// Escapes HTML, then renders `code`, ![alt](src) and [text](href).
fn inline(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let mut out = String::new();
    let mut rest = escaped.as_str();
    while !rest.is_empty() {
        let image = rest.starts_with("![");
        if image || rest.starts_with('[') {
            let open = if image { 2 } else { 1 };
            if let Some((label, after)) = rest[open..].split_once("](") {
                if let Some((href, tail)) = after.split_once(')') {
                    if image {
                        let _ = write!(out, "<img src=\"{href}\" alt=\"{label}\">");
                    } else {
                        let _ = write!(out, "<a href=\"{href}\">{label}</a>");
                    }
                    rest = tail;
                    continue;
                }
            }
        }
        if let Some(after) = rest.strip_prefix('`') {
            if let Some((code, tail)) = after.split_once('`') {
                let _ = write!(out, "<code>{code}</code>");
                rest = tail;
                continue;
            }
        }
        let next = rest.char_indices().nth(1).map_or(rest.len(), |(i, _)| i);
        out.push_str(&rest[..next]);
        rest = &rest[next..];
    }
    out
}

/// The table the terminal shows at the end of `make bench`.
pub fn summary(results: &Results) -> String {
    let mut out = format!(
        "{:<16} {:<6} {:<18} {:>12} {:>9}\n",
        "op", "caller", "path", "ns/call", "x native"
    );
    for r in matrix(results) {
        let _ = writeln!(
            out,
            "{:<16} {:<6} {:<18} {:>12.2} {:>9}",
            r.op,
            r.caller,
            r.path,
            r.ns_per_op,
            cell(r.ratio_to_native, |v| format!("{v:.2}"))
        );
    }
    for problem in &results.problems {
        let _ = writeln!(out, "not in the report: {problem}");
    }
    out
}
