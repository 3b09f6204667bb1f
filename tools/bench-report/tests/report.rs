//! bench-report on fixture inputs in every harness format: a full set, a corrupt set, and none.

use std::path::{Path, PathBuf};
use std::process::Command;

use bench_report::model::{Difference, Record};
use bench_report::stats;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// An empty scratch folder of this process, named by `label`.
fn scratch_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bench-report-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A scratch copy of a fixture folder (the report is written next to its inputs), one per test.
fn scratch_copy(name: &str, test: &str) -> PathBuf {
    let dir = scratch_dir(&format!("{name}-{test}"));
    copy_dir(&fixture(name), &dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn record<'a>(
    records: &'a [Record],
    op: &str,
    caller: &str,
    path: &str,
    users: Option<u64>,
) -> &'a Record {
    records
        .iter()
        .find(|r| r.op == op && r.caller == caller && r.path == path && r.users == users)
        .unwrap_or_else(|| panic!("no record {op}/{caller}/{path}/{users:?}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn reads_every_format_keeps_the_samples_and_computes_intervals() {
    let results = bench_report::gather(&fixture("full"));
    let r = &results.records;

    let native = r
        .iter()
        .find(|r| r.path == "native" && r.source == "cpp/bench_static")
        .unwrap();
    assert!(
        close(native.samples[0], 0.9) && close(native.samples[1], 0.99),
        "one sample per round, the median of its repetitions (0.8, 1.0, 0.9), aggregates ignored: {:?}",
        native.samples
    );
    assert!(native.paired && close(native.ns_per_op, 0.945));
    let interval = native.ns_interval.unwrap();
    assert!(close(interval.lo, 0.9) && close(interval.hi, 0.99));
    let lto_native = r
        .iter()
        .find(|r| r.path == "native" && r.source == "cpp/bench_lto")
        .unwrap();
    assert_eq!(lto_native.ns_interval, None, "bench_lto ran one round");
    let static_add = record(r, "Add", "cpp", "static", None);
    assert_eq!(static_add.instructions_per_call, Some(10.0));
    assert_eq!(
        record(r, "GetUser", "cpp", "static", Some(4)).instructions_per_call,
        Some(227.0),
        "the third name's loops of one run (parts 7-9; its warm-up, the costlier first calls, unused)"
    );
    assert!(close(static_add.ratio_to_native.unwrap(), 2.0));
    let paired = static_add.ratio_interval.unwrap();
    assert!(
        close(paired.lo, 2.0) && close(paired.hi, 2.0),
        "both rounds 2.0: {paired:?}"
    );
    assert_eq!(static_add.baseline.as_deref(), Some("native"));
    let lto = record(r, "Add", "cpp", "lto", None);
    assert!(
        close(lto.ratio_to_native.unwrap(), 1.1),
        "against the lto binary's own native"
    );
    assert_eq!(
        lto.instructions_per_call,
        Some(7.0),
        "(Ir(40000) - Ir(20000)) / 20000"
    );
    assert!(close(
        record(r, "FindUsers", "cpp", "static", Some(1_000_000)).ns_per_op,
        3.5e6 * 1.05
    ));

    // Go: five rounds, every value of a round scaled alike, so the paired ratio has no spread.
    let add = record(r, "Add", "go", "native", None);
    assert_eq!(
        add.samples.len(),
        5,
        "the -2 GOMAXPROCS suffix of round 2 folds into the same benchmark"
    );
    assert!(add.paired && close(add.ns_per_op, 1.7));
    let shared = record(r, "GetUser", "go", "cgo-shared", Some(4));
    assert_eq!(shared.allocs_per_op, Some(0.0));
    assert_eq!(shared.metrics.get("cache-B/user"), Some(&262.0));
    assert!(close(shared.ratio_to_native.unwrap(), 66.0 / 16.0));
    assert_eq!(shared.baseline.as_deref(), Some("native-shared"));
    let paired = shared.ratio_interval.unwrap();
    assert!(
        (paired.lo - 66.0 / 16.0).abs() < 0.01 && (paired.hi - 66.0 / 16.0).abs() < 0.01,
        "{paired:?}"
    );
    assert_eq!(
        record(r, "GetUser", "go", "cgo-owned", Some(4))
            .baseline
            .as_deref(),
        Some("native-owned")
    );
    assert!(close(
        record(r, "GetUser", "go", "goplugin-shared", Some(1000))
            .ratio_to_native
            .unwrap(),
        1.05
    ));
    let handler = record(r, "Handler", "go", "rust-cgo", None);
    assert_eq!(handler.source, "gateway/handler-bench.txt");
    assert!(close(handler.ratio_to_native.unwrap(), 3100.0 / 2700.0));

    // criterion: five rounds, each the median of its samples' time / iterations.
    let rust = record(r, "Add", "rust", "carchive", None);
    assert_eq!(rust.samples.len(), 5);
    assert!(close(rust.ns_per_op, 58.0) && rust.paired);
    assert!(close(
        record(r, "Add", "rust", "static", None)
            .ratio_to_native
            .unwrap(),
        1.45 / 1.5
    ));

    assert_eq!(
        results.machine.go.as_deref(),
        Some("go version go1.26.8 linux/amd64")
    );
    assert_eq!(results.machine.cxx.as_deref(), Some("Debian Clang 19.1.7"));
    assert_eq!(results.machine.pinning.as_deref(), Some("cpu 1 (taskset)"));
    assert_eq!(results.runs.len(), 2);
    assert!(!results.runs[0].busy() && results.runs[1].busy());
    assert_eq!(results.problems.len(), 1, "{:?}", results.problems);
    assert!(results.problems[0].contains("wrong answer: FindUsers(einstein) found 0"));
    assert_eq!(results.fault_matrix.len(), 5);
    let dir = scratch_copy("full", "faults");
    let markdown = bench_report::report::write(&results, &dir).unwrap();
    assert!(markdown.contains(
        "| fault | Rust in process (cgo) | Rust out of process | hashicorp go-plugin (gRPC) |"
    ));
    assert!(markdown.contains("| segfault | **host died**: exit status 2: SIGSEGV: segmentation violation | alive; 502 (1 failed); next success after 3.7 ms | alive; unavailable (the process died) (1 failed); next success after 4.7 ms |"));
    assert!(markdown.contains("| loop | alive; no answer in time (1 failed); next success after 0.4 ms | alive; 504 (1 failed); next success after 0.5 ms | not measured |"));
    assert!(markdown.contains("Fault matrix: the host died in 1 of 2 cells with the plugin in process (Go plugin, cgo) and in 0 of 3 isolated ones (Wasm, out of process, hashicorp go-plugin); out of process, the next request succeeded at most 3.7 ms after the faulty one (segfault; target 100 ms)."));
}

#[test]
fn intervals_can_be_recomputed_from_the_stored_samples() {
    let dir = scratch_copy("full", "recompute");
    bench_report::report::write(&bench_report::gather(&dir), &dir).unwrap();
    let stored = bench_report::compare::load(&dir).unwrap();
    for r in &stored.records {
        assert_eq!(r.ns_per_op, stats::median(&r.samples), "{}", r.id());
        assert_eq!(
            r.ns_interval,
            stats::median_interval(&r.id(), &r.samples),
            "{}",
            r.id()
        );
        if let Some(baseline) = r.baseline.as_ref().filter(|b| **b != r.path) {
            let native = stored
                .records
                .iter()
                .find(|n| n.path == *baseline && n.same_measurement_as(r))
                .unwrap();
            assert_eq!(
                r.ratio_interval,
                bench_report::model::ratio_between(r, native)
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_report_leads_with_findings_and_says_what_is_not_measurable() {
    let dir = scratch_copy("full", "write");
    let results = bench_report::gather(&dir);
    let markdown = bench_report::report::write(&results, &dir).unwrap();
    let findings = markdown.find("## What this run found").unwrap();
    let matrix = markdown.find("## The matrix").unwrap();
    assert!(findings < matrix && findings < 1500, "findings first");
    let first_screen = &markdown[findings..matrix];
    assert!(first_screen
        .contains("![Ratio to native per caller and path, with 95% intervals](charts/ratios.svg)"));
    assert!(first_screen.contains("C++ -> Rust `Add` through the static archive: 1.89 ns [1.80 ns, 1.98 ns] against 1.58 ns [1.50 ns, 1.65 ns] for a non-inlined C function in the same binary, 1.20x [1.20, 1.20]; both execute 10 instructions per call (callgrind), so the difference in time is where the code landed"), "{first_screen}");
    assert!(
        first_screen.contains("Go -> Rust `Add` through cgo: 31.50 ns [")
            && first_screen.contains("1.05x [1.05, 1.05]"),
        "{first_screen}"
    );
    assert!(
        first_screen.contains("Go -> Rust GetUser, the answer as shared Go values: 66.00 ns ["),
        "{first_screen}"
    );
    assert!(
        first_screen.contains("GetUser at 1000 users, the index and the boundary apart: the index (Go with the Rust store's indexes, 30.00 ns [")
            && first_screen.contains("against reva's scan in Go, 1.00 us ["),
        "{first_screen}"
    );
    assert!(
        first_screen.contains(
            "GetUser at 1000 users in reva's own types (userpb): the Rust drop-in 80.00 ns ["
        ),
        "{first_screen}"
    );
    assert!(
        first_screen.contains("median of 2 interleaved rounds"),
        "{first_screen}"
    );
    assert!(first_screen
        .contains("60 hot reloads of the Rust plugin under load: 0 of 90000 requests failed"));
    assert!(markdown.contains("The machine was busy** during the go harness"));
    assert!(markdown.contains("| C++ -> Go c-archive add (Go 1.18) | 1480 ns | not measured |"));
    assert!(markdown.contains("367 bytes per user once every user has been asked for (1000 users)"));
    assert!(
        markdown.contains("The data sets as JSON: 100 users 3 B, 1000 users 3 KiB. This machine's caches: L1d 32 KiB, L2 512 KiB, L3 32 MiB."),
        "{markdown}"
    );
    assert!(
        markdown.contains("| GetUser | cgo-shared | 1000 | 84.00 ns ["),
        "{markdown}"
    );
    assert!(
        first_screen.contains(
            "Go -> Rust GetUser for many keys in one call (1024 keys a call): 18.00 ns ["
        ) && first_screen.contains("against the Go plugin's one call per key (20.00 ns ["),
        "{first_screen}"
    );
    let batch = &markdown[markdown
        .find("## GetUser for many keys in one call")
        .unwrap()..];
    assert!(
        batch.contains("| 4 | 16 | 30.00 ns [") && batch.contains("| 4 | 1024 | 18.00 ns ["),
        "{batch}"
    );
    assert!(
        !markdown[matrix..].contains(">PingPong<"),
        "the floor stays out of the matrix"
    );
    assert!(
        markdown.contains(
            "GetUser for many keys in one call at 1000 users (256 keys a call): 40.00 ns ["
        ) && markdown.contains("against the Go plugin's one call per key (1.05 us ["),
        "{markdown}"
    );
    assert!(batch.contains("| 1000 | 256 | 40.00 ns ["), "{batch}");
    assert!(
        !markdown[matrix..].contains(">batch-16<"),
        "the batch rows stay out of the matrix"
    );
    assert!(markdown.contains("<table class=\"matrix\">"));
    assert!(dir.join("charts/users-go.svg").exists() && dir.join("charts/users-cpp.svg").exists());
    let chart = std::fs::read_to_string(dir.join("charts/ratios.svg")).unwrap();
    assert!(
        chart.starts_with("<svg")
            && chart.contains("go cgo-shared")
            && chart.contains("4.12x [4.12, 4.13]")
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    for key in [
        "samples",
        "paired",
        "ns_interval",
        "ratio_to_native",
        "ratio_interval",
        "baseline",
        "instructions_per_call",
        "source",
    ] {
        assert!(
            json["records"][0].get(key).is_some(),
            "results.json records lack {key}"
        );
    }
    assert_eq!(json["runs"].as_array().unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_ratio_whose_interval_holds_one_is_no_measurable_difference() {
    let results = bench_report::gather(&fixture("full"));
    // criterion's rust/c add: 1.5 in every round against native's 1.455 .. 1.545.
    let c = record(&results.records, "Add", "rust", "c", None);
    assert_eq!(c.difference(), Some(Difference::NotMeasurable));
    let markdown = bench_report::report::write(&results, &scratch_copy("full", "verdict")).unwrap();
    assert!(
        markdown.contains("| Add | rust | c |  | 1.50 ns | ≈ 1, no measurable difference ["),
        "{markdown}"
    );
}

#[test]
fn the_html_has_every_section_and_no_markdown_left() {
    let dir = scratch_copy("full", "html");
    bench_report::report::write(&bench_report::gather(&dir), &dir).unwrap();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.starts_with("<!doctype html>") && html.trim_end().ends_with("</html>"));
    for id in [
        "findings",
        "matrix",
        "matrix-cpp",
        "matrix-go",
        "matrix-rust",
        "more-findings",
        "sweeps",
        "gateway",
        "flame-graphs",
        "published",
        "method",
        "records",
        "problems",
    ] {
        assert!(html.contains(&format!(" id=\"{id}\"")), "no section {id}");
    }
    // Outside code, nothing of the Markdown syntax survives.
    let text_outside_code: String = html
        .split("<code>")
        .map(|part| part.split_once("</code>").map_or(part, |(_, after)| after))
        .collect();
    for line in text_outside_code.lines() {
        for leftover in ["## ", "|---", "![", "](", "**", "{#"] {
            assert!(
                !line.contains(leftover),
                "Markdown {leftover:?} left in: {line}"
            );
        }
        assert!(!line.starts_with("| "), "a table left as text: {line}");
    }
    assert!(html.contains("<img src=\"charts/ratios.svg\""));
    assert!(html.contains("<h3 id=\"sweep-go\">") || html.contains("id=\"sweep-go\""));
    assert!(
        html.contains("<h3>Rust plugin hot-reloaded 60 times under load</h3>"),
        "the load test's headings become HTML"
    );
    assert!(html.matches("<table").count() >= 8);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn corrupt_inputs_are_reported_not_fatal() {
    let results = bench_report::gather(&fixture("corrupt"));
    assert!(results.records.is_empty());
    let problems = results.problems.join("\n");
    for expected in [
        "bench_static/round-1.json is not google benchmark JSON",
        "bench_static.1.out is not a cpp-bench callgrind file",
        "Go results: no benchmark lines",
        "Rust results: cannot read",
        "gateway/loadtest.json is not the load test's JSON",
        "Machine: cannot read",
    ] {
        assert!(problems.contains(expected), "{expected}: {problems}");
    }
}

#[test]
fn missing_inputs_are_listed_and_the_rest_reported() {
    let dir = scratch_copy("full", "missing");
    std::fs::remove_dir_all(dir.join("go")).unwrap();
    std::fs::remove_dir_all(dir.join("rust")).unwrap();
    let results = bench_report::gather(&dir);
    assert!(results
        .records
        .iter()
        .all(|r| r.caller == "cpp" || r.op == "Handler"));
    let markdown = bench_report::report::write(&results, &dir).unwrap();
    assert!(markdown.contains("## Not in this report"));
    assert!(markdown.contains("Go results: no ") && markdown.contains("(make bench-go; needs Go)"));
    assert!(markdown.contains("| Go -> Go plugin Add | 2.0 ns | not measured |"));
    let empty = scratch_dir("empty");
    let nothing = bench_report::gather(&empty);
    assert!(
        nothing.records.is_empty() && nothing.problems.len() == 6,
        "{:?}",
        nothing.problems
    );
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn compare_flags_a_slowdown_and_passes_a_rerun() {
    let binary = env!("CARGO_BIN_EXE_bench-report");
    let old = scratch_copy("full", "compare-old");
    let new = scratch_copy("full", "compare-new");
    // The new run: the Go rounds again, cgo-shared 30% slower.
    let go = std::fs::read_to_string(old.join("go/bench.txt")).unwrap();
    let slower: String = go
        .lines()
        .map(|line| {
            let mut fields: Vec<String> = line.split('\t').map(str::to_owned).collect();
            if line.starts_with("BenchmarkGetUser/cgo-shared/4") {
                let ns: f64 = fields[2].trim().trim_end_matches(" ns/op").parse().unwrap();
                fields[2] = format!("{:.2} ns/op", ns * 1.3);
            }
            fields.join("\t") + "\n"
        })
        .collect();
    std::fs::write(new.join("go/bench.txt"), slower).unwrap();
    for dir in [&old, &new] {
        bench_report::report::write(&bench_report::gather(dir), dir).unwrap();
    }
    let run = |a: &Path, b: &Path, extra: &[&str]| {
        let output = Command::new(binary)
            .arg("compare")
            .args(extra)
            .args([a, b])
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (code, text) = run(&old, &old.join("results.json"), &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("No regression"), "{text}");
    let (code, text) = run(&old, &new, &[]);
    assert_eq!(code, Some(1), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("GetUser/go/cgo-shared/4 "))
        .unwrap();
    assert!(
        line.contains("+30.0%") && line.contains("SLOWER (regression)"),
        "{line}"
    );
    let (code, _) = run(&old, &new, &["--threshold", "50"]);
    assert_eq!(code, Some(0), "a 30% slowdown is within a 50% threshold");
    let (code, text) = run(&old, &old.join("nothing.json"), &[]);
    assert_eq!(code, Some(2), "{text}");
    for dir in [old, new] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn draws_a_flame_graph_from_perf_script() {
    let perf_script = "\
bench 1234 1000.000001: 1001001 cpu-clock:
\t    55d0 rp_user_manager_get_user+0x10 (/lib/librustplugin.so)
\t    44c0 main+0x20 (/bin/bench)

bench 1234 1000.002001: 1001001 cpu-clock:
\t    66e0 rustplugin::store::UserStore::get_user_index+0x5 (/lib/librustplugin.so)
\t    55d0 rp_user_manager_get_user+0x10 (/lib/librustplugin.so)
\t    44c0 main+0x20 (/bin/bench)

";
    let mut svg = Vec::new();
    bench_report::flamegraph::draw(perf_script.as_bytes(), "a test", &mut svg).unwrap();
    let svg = String::from_utf8(svg).unwrap();
    assert!(
        svg.contains("rp_user_manager_get_user")
            && svg.contains("get_user_index")
            && svg.contains("a test")
    );
    assert!(bench_report::flamegraph::draw("".as_bytes(), "empty", Vec::new()).is_err());
}

/// One run's callgrind parts: `--dump-after` parts are the loops in order, name by name.
fn callgrind_part(dir: &Path, file: &str, command: &str, part: usize, trigger: &str, total: u64) {
    std::fs::write(
        dir.join(file),
        format!(
            "# callgrind format\nversion: 1\ncmd:  {command}\npart: {part}\n\
             desc: Trigger: {trigger}\nevents: Ir\nsummary: {total}\ntotals: {total}\n"
        ),
    )
    .unwrap();
}

#[test]
fn instruction_counts_pair_each_name_s_latest_loops_of_n_and_2n() {
    let dir = scratch_dir("parts");
    let command = "/b/rust_count --count_instructions=A,B --iterations=100,100,200";
    let dump = "--dump-after=rust_count::count_loop";
    // A: a first loop with a one-time cost, then the same length warm; B: 7 a call.
    for (part, total) in [
        (1, 5_000),
        (2, 1_000),
        (3, 2_000),
        (4, 700),
        (5, 700),
        (6, 1_400),
    ] {
        callgrind_part(
            &dir,
            &format!("rust_count.out.{part}"),
            command,
            part,
            dump,
            total,
        );
    }
    callgrind_part(&dir, "rust_count.out", command, 7, "Program termination", 0);
    let mut problems = Vec::new();
    let counts = bench_report::parse::instruction_counts(&dir, &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    let count = |name: &str| counts[&("rust_count".to_owned(), name.to_owned())];
    assert_eq!(
        count("A"),
        10.0,
        "the warm loop of 100 (part 2), not the first"
    );
    assert_eq!(count("B"), 7.0);

    // A part past the run's loops, and a name without a loop twice as long: said, not counted.
    callgrind_part(&dir, "rust_count.out.8", command, 8, dump, 1);
    let command = "/b/other --count_instructions=C --iterations=100,300";
    for part in [1, 2] {
        callgrind_part(&dir, &format!("other.out.{part}"), command, part, dump, 100);
    }
    let mut problems = Vec::new();
    bench_report::parse::instruction_counts(&dir, &mut problems);
    let problems = problems.join("\n");
    assert!(
        problems.contains("rust_count.out.8 is not a cpp-bench callgrind file"),
        "{problems}"
    );
    assert!(
        problems.contains("other C needs loops of N and 2N iterations (has [100, 300])"),
        "{problems}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn instruction_counts_refuse_what_no_pair_of_loops_explains() {
    let dir = scratch_dir("refused");
    let dump = "--dump-after=rust_count::count_loop";
    // Loops of 0 (no N to divide by), a 2N loop that counted fewer than its N, and a run whose
    // end counted instructions (the toggle was not on count_loop).
    let command = "/b/zero --count_instructions=Z --iterations=0,0";
    for part in [1, 2] {
        callgrind_part(&dir, &format!("zero.out.{part}"), command, part, dump, 0);
    }
    let command = "/b/shrinks --count_instructions=S --iterations=10,20";
    callgrind_part(&dir, "shrinks.out.1", command, 1, dump, 500);
    callgrind_part(&dir, "shrinks.out.2", command, 2, dump, 400);
    callgrind_part(&dir, "shrinks.out", command, 3, "Program termination", 7);
    let mut problems = Vec::new();
    let counts = bench_report::parse::instruction_counts(&dir, &mut problems);
    assert!(counts.is_empty(), "{counts:?}");
    let problems = problems.join("\n");
    for expected in [
        "zero Z needs loops of N and 2N iterations (has [0])",
        "shrinks S: 400 instructions in 20 iterations, fewer than 500 in 10",
        "shrinks.out counted 7 instructions after its last loop",
    ] {
        assert!(problems.contains(expected), "{expected}: {problems}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
