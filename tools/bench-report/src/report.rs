//! The report: results.json, report.md, report.html, charts/*.svg, and the terminal summary.
//! It opens with the findings and the ratio chart; the detail follows.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

mod faults;
mod matrix;

use crate::charts;
use crate::findings;
use crate::model::{self, Record, Results};
use faults::fault_matrix;
use matrix::{matrix, matrix_table, order, ratio_cell};

const OPS: [&str; 8] = [
    "Add",
    "GetUser",
    "GetUserByClaim",
    "GetUserGroups",
    "FindUsers",
    "GetUsers",
    "GetJsonRow",
    "Handler",
];
const CALLERS: [&str; 3] = ["cpp", "go", "rust"];

/// The seeds' published figures: measured on other machines, shown for comparison only, each with
/// the record here that measures the same thing.
const PUBLISHED: [(&str, &str, (&str, &str, &str)); 10] = [
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
    (
        "reva GetUser over hashicorp go-plugin net/rpc (the seed's harness, re-run on this kind of machine)",
        "~145 us",
        ("GetUser", "go", "hashicorp-netrpc"),
    ),
    (
        "reva GetUser over hashicorp go-plugin gRPC (the seed's harness, re-run on this kind of machine)",
        "~187 us",
        ("GetUser", "go", "hashicorp-grpc"),
    ),
];

/// The harnesses' sweeps: caller, paths drawn, smallest size drawn, chart file, title.
const SWEEPS: [(&str, &[&str], u64, &str, &str); 3] = [
    (
        "cpp",
        &["native", "static"],
        1000,
        "charts/users-cpp.svg",
        "C++: native C++ and the Rust archive",
    ),
    (
        "go",
        &[
            "native-shared",
            "goplugin-shared",
            "cgo-shared",
            "cgo-owned",
        ],
        4,
        "charts/users-go.svg",
        "Go: native, Go plugin, Rust through cgo",
    ),
    (
        "rust",
        &["native", "static"],
        1000,
        "charts/users-rust.svg",
        "Rust: the plugin's Rust code and its C ABI",
    ),
];

/// How to read each flame graph, by the file name flamegraph.sh gives it.
const FLAMEGRAPH_HINTS: [(&str, &str); 8] = [
    ("cpp-static", "Width is the share of samples, not time order: the wide `rp_user_manager_get_user` tower is the Rust lookup itself; the C ABI wrapper around it is a sliver."),
    ("cpp-dynamic", "As the static graph, plus a `@plt` frame: the one extra jump of a shared library."),
    ("cpp-dlopen", "As the static graph: a call through a function pointer costs the same as a direct one."),
    ("go-rust", "The `runtime.cgocall` / `entersyscall` / `exitsyscall` frames are cgo's transition; compare their width with the Rust frames under `_cgo_`."),
    ("go-wasm", "No cgo frames: wazero's `callWithStack` enters the compiled guest directly; the guest's own frames show as `[unknown]` / JIT code under it (perf has no symbols for wazero's code), beside the pool, the copy into guest memory and the Go side's cache of shared users."),
    ("cpp-go", "Almost all of it is the Go runtime's callback entry (`crosscall2`, `cgocallback`, `needm`), not `GoAdd`."),
    ("rust-go", "The same Go callback entry as C++ -> Go, seen from Rust: the add itself does not show."),
    ("gateway-rust", "The gateway serving the Rust echo plugin: `net/http` dominates; `_Cfunc_gw_serve` (the one cgo call) is a thin slice, `cgocallback` should be absent."),
];

/// The batch sweep: GetUser for N keys in one call from Go, per answer, beside one call per key.
fn batch_sweep(results: &Results) -> String {
    let rows = findings::batches(results);
    if rows.is_empty() {
        return String::new();
    }
    let mut md = String::from("\n## GetUser for many keys in one call {#batch}\n\nGo -> Rust `GetUsers` (`rp_user_manager_get_users`): the keys packed into one buffer, one cgo call for all of them, each answer the shared Go values `GetUser` returns. Time per answer, against one call per key: the Go plugin's (reva's scan, in Go) and Rust's through cgo (`cgo-shared`), measured in the same rounds: every size of batch on the demo users, 256 keys a call over the size sweep.\n\n| users | keys per call | ns per answer [95%] | x Go plugin per call [95%] | x cgo per call [95%] | allocs per answer |\n|---:|---:|---:|---:|---:|---:|\n");
    let go = |op: &str, path: &str, users| findings::find(results, op, "go", path, users);
    for batch in rows {
        let versus = |other: Option<&Record>| {
            other.map_or(String::new(), |o| {
                findings::ratio_text(
                    batch.ns_per_op / o.ns_per_op,
                    model::ratio_between(batch, o),
                )
            })
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            batch.users.unwrap_or(0),
            findings::batch_size(batch).unwrap_or(0),
            findings::time_text(batch),
            versus(go("GetUser", "goplugin-shared", batch.users)),
            versus(go("GetUser", "cgo-shared", batch.users)),
            batch.allocs_per_op.map_or(String::new(), |a| a.to_string())
        );
    }
    md
}

/// Writes results.json, report.md, report.html and charts/ into `dir`; returns the Markdown.
pub fn write(results: &Results, dir: &Path) -> io::Result<String> {
    fs::create_dir_all(dir.join("charts"))?;
    fs::write(
        dir.join("results.json"),
        serde_json::to_string_pretty(results).map_err(io::Error::other)? + "\n",
    )?;
    let rows = ratio_rows(results);
    if !rows.is_empty() {
        fs::write(
            dir.join("charts/ratios.svg"),
            charts::ratios(
                "Ratio to the native call (median, 95% interval); 4 users for the methods",
                &rows,
            ),
        )?;
    }
    let mut sweeps = Vec::new();
    for (caller, paths, first_size, file, title) in SWEEPS {
        let series = sweep_series(results, caller, paths, first_size);
        if !series.is_empty() {
            let title = format!("{title}: ns per call against users, log-log");
            fs::write(dir.join(file), charts::lines(&title, &series))?;
            sweeps.push((caller, file));
        }
    }
    let flamegraphs: Vec<String> = fs::read_dir(dir.join("flamegraphs"))
        .map(|entries| {
            let mut names: Vec<String> = entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter_map(|n| n.strip_suffix(".svg").map(str::to_owned))
                .collect();
            names.sort();
            names
        })
        .unwrap_or_default();

    let markdown = markdown(results, !rows.is_empty(), &sweeps, &flamegraphs);
    fs::write(dir.join("report.md"), &markdown)?;
    fs::write(dir.join("report.html"), html(&markdown))?;
    Ok(markdown)
}

/// The ratio chart's rows: every path of the matrix that has a ratio, natives left out (1.0).
fn ratio_rows(results: &Results) -> Vec<charts::RatioRow> {
    matrix(results)
        .into_iter()
        .filter(|r| !r.path.starts_with("native"))
        .filter_map(|r| {
            Some(charts::RatioRow {
                group: match r.users {
                    Some(users) => format!("{} ({users} users)", r.op),
                    None => r.op.clone(),
                },
                label: format!("{} {}", r.caller, r.path),
                series: r.caller.clone(),
                ratio: r.ratio_to_native?,
                interval: r.ratio_interval,
            })
        })
        .collect()
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
    ratio_chart: bool,
    sweeps: &[(&str, &str)],
    flamegraphs: &[String],
) -> String {
    let m = &results.machine;
    let mut md = String::from("# What the C ABI boundary into the Rust plugin costs {#top}\n\n");
    let _ = writeln!(
        md,
        "Measured by `make bench` on {}, {} cores, {}. Every ratio is to the native call of the same caller and operation, measured in the same binary and run. `[lo, hi]` is a 95% interval (bootstrap of the median over the repetitions or rounds; paired rounds for Go); a ratio whose interval holds 1.0 is reported as *no measurable difference*, whatever its median.\n",
        m.cpu.as_deref().unwrap_or("an unrecorded CPU"),
        m.cores.map_or("?".to_owned(), |n| n.to_string()),
        m.date.as_deref().unwrap_or("an unrecorded date"),
    );
    for run in results.runs.iter().filter(|r| r.busy()) {
        let _ = writeln!(
            md,
            "> **The machine was busy** during the {} harness: other processes used {:.2} cores on average and {:.1}% of CPU time was stolen. Its figures are noisier than usual; see [how the numbers were taken](#method).\n",
            run.harness,
            run.other_cores,
            run.steal * 100.0
        );
    }
    let all = findings::findings(results);
    md.push_str("## What this run found {#findings}\n\n");
    if all.is_empty() {
        md.push_str("Not enough results for a conclusion: run `make bench`.\n");
    }
    for finding in all.iter().filter(|f| f.headline) {
        let _ = writeln!(md, "- {}", finding.text);
    }
    if ratio_chart {
        md.push_str(
            "\n![Ratio to native per caller and path, with 95% intervals](charts/ratios.svg)\n",
        );
    }

    md.push_str("\n## The matrix {#matrix}\n\nOperations down, paths across; each cell is the ratio to the native call with its 95% interval, and below it the median time per call with its interval. Green: no slower than native, or no measurable difference; yellow: up to 2x; orange: up to 10x; red: more. The native columns are the baselines (cpp-bench measures them in every binary; shown here from bench_static, while each path's ratio uses its own binary's).\n\n");
    let records = matrix(results);
    for (caller, title) in [
        ("cpp", "C++ (cpp-bench, google benchmark)"),
        ("go", "Go (go-interop, go test -bench)"),
        ("rust", "Rust (rust-host, criterion)"),
    ] {
        if let Some(table) = matrix_table(&records, caller) {
            let _ = write!(md, "### {title} {{#matrix-{caller}}}\n\n{table}\n");
        }
    }
    md.push_str("Paths: `native` the caller's own language (inline for C++ `Add`), `native_noinline` a C function in its own file, `static`/`dynamic`/`dlopen`/`lto` the Rust plugin linked as an archive, as a shared library, loaded at run time, or with cross-language LTO; `native-shared`/`native-owned` Go's own code (reva's) returning its stored user or a copy, `goplugin-shared`/`-owned` the same code as a Go plugin, `cgo-shared`/`cgo-owned` Rust through cgo answering Go values (built once per user) or copies of them, `cgo-view` the bare cgo call leaving the answer in Rust, `cgo-c` a C function through cgo; `wasm-shared`/`wasm-owned`/`wasm` the same Rust built for Wasm, from Go in wazero (`wasm-deadline`: with a deadline on each call), from Rust in wasmtime; `process-shared`/`process-owned` the same Rust out of process (rp-plugin-server, shared memory and futex wake-ups), `process` from Rust (the user's index back); `hashicorp-netrpc`/`hashicorp-grpc` Go's own user manager in a hashicorp go-plugin process, over net/rpc or gRPC (owned answers: decoded off the wire); `goplugin` a Go plugin; `carchive` a Go c-archive; `c` a C function.\n");

    let more: Vec<_> = all.iter().filter(|f| !f.headline).collect();
    if !more.is_empty() {
        md.push_str("\n## More findings {#more-findings}\n\n");
        for finding in more {
            let _ = writeln!(md, "- {}", finding.text);
        }
    }

    if !sweeps.is_empty() {
        md.push_str("\n## Cost against the number of users {#sweeps}\n");
        md.push_str(&footprint(results));
    }
    for (caller, chart) in sweeps {
        let (_, _, first_size, _, title) = SWEEPS
            .iter()
            .find(|s| s.0 == *caller)
            .copied()
            .expect("a sweep of SWEEPS");
        let _ = write!(md, "\n### {title} {{#sweep-{caller}}}\n\n![cost against users, {caller}]({chart})\n\n| op | path | users | ns per call [95%] | x native [95%] | allocs/call |\n|---|---|---:|---:|---:|---:|\n");
        let mut rows: Vec<&Record> = results
            .records
            .iter()
            .filter(|r| r.caller == *caller && r.users.is_some_and(|u| u >= first_size))
            .filter(|r| {
                // Go measures every path on the demo data; only those swept belong here.
                results.records.iter().any(|o| {
                    o.caller == r.caller
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
                findings::time_text(r),
                ratio_cell(r),
                r.allocs_per_op.map_or(String::new(), |a| a.to_string())
            );
        }
    }

    md.push_str(&batch_sweep(results));

    if let Some(gateway) = &results.gateway_markdown {
        md.push_str("\n## The HTTP gateway under load {#gateway}\n\n");
        // The load test's own report, its headings one level down, its title dropped.
        for line in gateway.lines() {
            if line.starts_with("# ") {
                continue;
            }
            if line.starts_with('#') {
                md.push('#');
            }
            md.push_str(line);
            md.push('\n');
        }
    }

    if !results.fault_matrix.is_empty() {
        md.push_str(&fault_matrix(&results.fault_matrix));
    }

    md.push_str("\n## Flame graphs {#flame-graphs}\n\n");
    if flamegraphs.is_empty() {
        md.push_str("None yet: `make flamegraph` draws them into results/flamegraphs/.\n");
    } else {
        md.push_str("perf (cpu-clock) with DWARF call graphs, drawn by inferno. Each graph is interactive when opened on its own (click to zoom, Ctrl-F to search).\n");
    }
    for name in flamegraphs {
        let hint = FLAMEGRAPH_HINTS
            .iter()
            .find(|(n, _)| n == name)
            .map_or("Width is the share of samples, not time order.", |(_, h)| h);
        let _ = write!(
            md,
            "\n### {name} {{#flame-{name}}}\n\n{hint} [Open it on its own](flamegraphs/{name}.svg).\n\n![flame graph {name}](flamegraphs/{name}.svg)\n"
        );
    }

    md.push_str("\n## Published figures, measured on other machines {#published}\n\n| what | published (other machine) | here |\n|---|---|---|\n");
    for (what, published, (op, caller, path)) in PUBLISHED {
        let here = results
            .records
            .iter()
            .find(|r| {
                (r.op.as_str(), r.caller.as_str(), r.path.as_str()) == (op, caller, path)
                    && r.users == (op != "Add").then_some(4)
            })
            .map_or("not measured".to_owned(), findings::time_text);
        let _ = writeln!(md, "| {what} | {published} | {here} |");
    }

    md.push_str("\n## How the numbers were taken {#method}\n\n| | |\n|---|---|\n");
    for (key, value) in [
        ("CPU", m.cpu.clone()),
        ("cores", m.cores.map(|n| n.to_string())),
        ("OS", m.os.clone()),
        ("kernel", m.kernel.clone()),
        ("started", m.date.clone()),
        ("pinning", m.pinning.clone()),
        (
            "C++",
            m.cxx
                .clone()
                .map(|c| format!("{c}, {}", m.cxxflags.clone().unwrap_or_default())),
        ),
        ("C", m.cc.clone()),
        ("Rust", m.rustc.clone()),
        ("Go", m.go.clone()),
    ] {
        let _ = writeln!(
            md,
            "| {key} | {} |",
            value.unwrap_or_else(|| "not recorded".into())
        );
    }
    md.push_str("\nSamples: google benchmark repetitions in random interleaved order; rounds of the Go test binary, each running every benchmark once (ratios within Go pair the rounds); criterion's samples. Intervals: percentile bootstrap of the median, 10000 resamples, seeded from the record's name (so the same samples give the same interval). Instruction counts: callgrind, (Ir(2N) - Ir(N)) / N, exact.\n\n");
    if results.runs.is_empty() {
        md.push_str(
            "The machine's load was not recorded (the harnesses ran outside `make bench`).\n",
        );
    } else {
        md.push_str("| harness | started | seconds | load average before | after | CPU used by others (cores) | stolen | |\n|---|---|---:|---|---|---:|---:|---|\n");
        for run in &results.runs {
            let load = |l: [f64; 3]| format!("{:.2} {:.2} {:.2}", l[0], l[1], l[2]);
            let _ = writeln!(
                md,
                "| {} | {} | {:.0} | {} | {} | {:.2} | {:.1}% | {} |",
                run.harness,
                run.started,
                run.seconds,
                load(run.load_before),
                load(run.load_after),
                run.other_cores,
                run.steal * 100.0,
                if run.busy() { "**busy**" } else { "" }
            );
        }
        md.push_str("\nThe load average includes the previous harness (one-minute decay); *CPU used by others* is the machine's busy time minus the harness's own, from /proc/stat.\n");
    }

    md.push_str("\n## All records {#records}\n\n| op | caller | path | users | ns per call [95%] | x native [95%] | n | instructions | allocs/call | source |\n|---|---|---|---:|---:|---:|---:|---:|---:|---|\n");
    let mut all_records: Vec<&Record> = results.records.iter().collect();
    all_records.sort_by_key(|r| (order(r), r.source.clone()));
    for r in all_records {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.op,
            r.caller,
            r.path,
            r.users.map_or(String::new(), |u| u.to_string()),
            findings::time_text(r),
            ratio_cell(r),
            r.samples.len(),
            r.instructions_per_call
                .map_or(String::new(), |v| format!("{v:.0}")),
            r.allocs_per_op.map_or(String::new(), |a| a.to_string()),
            r.source
        );
    }
    if !results.problems.is_empty() {
        md.push_str("\n## Not in this report {#problems}\n\n");
        for problem in &results.problems {
            let _ = writeln!(md, "- {problem}");
        }
    }
    md
}

/// The report as a standalone page, through pulldown-cmark.
pub fn html(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser};
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_HEADING_ATTRIBUTES | Options::ENABLE_STRIKETHROUGH;
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, Parser::new_ext(markdown, options));
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Benchmark report</title><style>{STYLE}</style></head><body>\n{body}</body></html>\n"
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;line-height:1.45}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}th{background:#f4f4f4;text-align:left}td{text-align:right}table.matrix td{text-align:center}code{background:#f3f3f3;padding:0 2px}img{max-width:100%}blockquote{border-left:4px solid #e15759;margin:1em 0;padding:0 1em;background:#fff0f0}li{margin:.3em 0}";

/// The table the terminal shows at the end of `make bench`.
pub fn summary(results: &Results) -> String {
    let mut out = format!(
        "{:<16} {:<6} {:<18} {:>26} {}\n",
        "op", "caller", "path", "ns/call [95%]", "x native [95%]"
    );
    for r in matrix(results) {
        let _ = writeln!(
            out,
            "{:<16} {:<6} {:<18} {:>26} {}",
            r.op,
            r.caller,
            r.path,
            findings::time_text(r),
            ratio_cell(r)
        );
    }
    for run in results.runs.iter().filter(|r| r.busy()) {
        let _ = writeln!(
            out,
            "warning: the machine was busy during {} ({:.2} cores used by others)",
            run.harness, run.other_cores
        );
    }
    for problem in &results.problems {
        let _ = writeln!(out, "not in the report: {problem}");
    }
    out
}

/// What the data sets weigh against the machine's caches: every caller asks for the same 1024
/// users drawn at random from each set (gen-users' key schedule), so from the size whose data
/// outgrows the last-level cache, lookups pay for memory in every harness alike.
fn footprint(results: &Results) -> String {
    if results.data_files.is_empty() {
        return String::new();
    }
    let sizes: Vec<String> = results
        .data_files
        .iter()
        .map(|&(users, bytes)| format!("{users} users {}", bytes_text(bytes)))
        .collect();
    format!(
        "\nEvery caller (C++, Go, Rust) asks for the same keys: 1024 users drawn at random from each data set by gen-users (`users-N.keys`), in the same order. The data sets as JSON: {}. This machine's caches: {}. The stores hold less than the JSON, but once a set outgrows the last-level cache, a random key's lookup pays for memory in every harness.\n",
        sizes.join(", "),
        results.machine.caches.as_deref().unwrap_or("not recorded")
    )
}

fn bytes_text(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.0} MiB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.0} KiB", b as f64 / f64::from(1 << 10)),
        b => format!("{b} B"),
    }
}
