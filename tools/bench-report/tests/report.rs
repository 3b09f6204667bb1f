//! bench-report on fixture inputs from every harness format: a full set, a corrupt set, and none.

use std::path::{Path, PathBuf};

use bench_report::model::Record;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A scratch copy of a fixture folder (the report is written next to its inputs), one per test.
fn scratch_copy(name: &str, test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("bench-report-{name}-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
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

#[test]
fn reads_every_format_and_computes_medians_and_ratios() {
    let results = bench_report::gather(&fixture("full"));
    let r = &results.records;

    let native = r
        .iter()
        .find(|r| r.path == "native" && r.source.ends_with("bench_static.json"))
        .unwrap();
    assert_eq!(
        native.ns_per_op, 0.9,
        "median of 0.8, 1.0, 0.9; the aggregate row is ignored"
    );
    assert!(
        (native.ns_spread.unwrap() - 0.1).abs() < 1e-9,
        "half the range"
    );
    assert_eq!(
        record(r, "Add", "cpp", "native", None).ns_spread,
        None,
        "bench_lto's native ran once"
    );
    let static_add = record(r, "Add", "cpp", "static", None);
    assert_eq!(static_add.instructions_per_call, Some(10.0));
    assert!((static_add.ratio_to_native.unwrap() - 2.0).abs() < 1e-9);
    let lto = record(r, "Add", "cpp", "lto", None);
    assert!(
        (lto.ratio_to_native.unwrap() - 1.1).abs() < 1e-9,
        "against the lto binary's own native"
    );
    assert_eq!(lto.instructions_per_call, Some(7.0));
    assert_eq!(
        record(r, "FindUsers", "cpp", "static", Some(1_000_000)).ns_per_op,
        3.5e6
    );
    assert_eq!(
        record(r, "GetUser", "cpp", "static", Some(4)).ratio_to_native,
        Some(0.5)
    );

    let go_native = record(r, "Add", "go", "native", None);
    assert!(
        (go_native.ns_per_op - 1.7).abs() < 1e-9,
        "the -2 GOMAXPROCS suffix folds into the same benchmark"
    );
    assert_eq!(
        record(r, "GetUser", "go", "cgo-view", Some(4)).ns_per_op,
        60.0
    );
    let shared = record(r, "GetUser", "go", "cgo-shared", Some(4));
    assert_eq!(shared.allocs_per_op, Some(0.0));
    assert_eq!(shared.metrics.get("cache-B/user"), Some(&262.0));
    assert_eq!(
        shared.ratio_to_native,
        Some(66.0 / 16.0),
        "shared paths compare with native-shared"
    );
    assert_eq!(
        record(r, "GetUser", "go", "cgo-owned", Some(4)).ratio_to_native,
        Some(1.5),
        "owned paths compare with native-owned"
    );
    assert_eq!(
        record(r, "GetUser", "go", "goplugin-shared", Some(1000)).ratio_to_native,
        Some(1.05)
    );
    assert!(
        (record(r, "Add", "go", "cgo", None).ratio_to_native.unwrap() - 31.5 / 1.7).abs() < 1e-9
    );

    let rust = record(r, "Add", "rust", "carchive", None);
    assert_eq!((rust.ns_per_op, rust.ns_spread), (58.0, Some(3.0)));
    assert!(
        (record(r, "Add", "rust", "static", None)
            .ratio_to_native
            .unwrap()
            - 1.45 / 1.5)
            .abs()
            < 1e-9
    );

    assert_eq!(results.machine.go.as_deref(), Some("go1.26.8"));
    assert_eq!(results.machine.cxx.as_deref(), Some("Debian Clang 19.1.7"));
    assert_eq!(results.problems.len(), 1, "{:?}", results.problems);
    assert!(results.problems[0].contains("wrong answer: FindUsers(einstein) found 0"));
}

#[test]
fn writes_json_markdown_html_and_charts() {
    let dir = scratch_copy("full", "write");
    let results = bench_report::gather(&dir);
    let markdown = bench_report::report::write(&results, &dir).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    let first = &json["records"][0];
    for key in [
        "op",
        "caller",
        "path",
        "users",
        "ns_per_op",
        "ns_spread",
        "ratio_to_native",
        "instructions_per_call",
        "source",
    ] {
        assert!(first.get(key).is_some(), "results.json records lack {key}");
    }
    assert!(json["machine"]["cpu"].is_string());
    assert!(
        markdown.contains("| Add | cpp | static | 1.80 |"),
        "{markdown}"
    );
    assert!(markdown.contains("| C++ -> Go c-archive add (Go 1.18) | 1480 ns | not measured |"));
    assert!(
        markdown.contains("C++ -> Rust `Add` through the archive costs 1.80 ns against 1.50 ns")
    );
    assert!(markdown.contains("Go -> Rust `Add` costs 31.50 ns and Go -> C 30.00 ns (1.05x): the cgo transition is the whole cost"));
    assert!(markdown.contains(
        "and the same 10 instructions per call: calling Rust through the C ABI is a plain C call"
    ));
    assert!(markdown.contains("Go -> Rust GetUser, answer as shared Go values: 66.00 ns, 0 allocs/call, 1.10x the bare cgo call (60.00 ns) and 3.30x the Go plugin (20.00 ns, 0 allocs/call)"), "{markdown}");
    assert!(markdown.contains("Go -> Rust GetUser, answer as owned Go values: 165.00 ns, 2 allocs/call, 1.50x Go native's owned answer (110.00 ns, 2 allocs/call)."));
    assert!(markdown.contains("367 bytes per user once every user has been asked for (1000 users)"));
    assert!(markdown.contains("GetUser through Rust (shared) overtakes the Go plugin between 4 and 100 users: 70.00 ns against 210.00 ns at 100 users."), "{markdown}");
    assert!(
        markdown.contains("| GetUser | cgo-shared | 1000 | 84.00 ns | 0.08 | 0 |"),
        "{markdown}"
    );
    assert!(dir.join("charts/users-go.svg").exists());
    assert!(markdown.contains("FindUsers from C++ grows 1166.7x from 1000 to 1000000 users"));
    assert!(markdown.contains("Through the HTTP gateway the Rust echo plugin served 27000 requests/s (median of the rounds): 0.90x the native Go handler (30000) and 0.93x the Go plugin (29000)"), "{markdown}");
    assert!(markdown.contains("60 hot reloads of the Rust plugin under load: 0 of 90000 requests failed, 1 plugin file mapped at the end, resident memory 380 KiB larger"));
    assert!(
        markdown.contains("\n## Gateway load test\n")
            && markdown.contains("\n### Rust plugin hot-reloaded 60 times under load\n")
    );
    assert!(json["gateway"]["reload"]["reloads"] == 60);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<table>") && html.contains("<img src=\"charts/add.svg\""));
    let chart = std::fs::read_to_string(dir.join("charts/add.svg")).unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("cpp static") && chart.contains("1.80 ns"));
    assert!(dir.join("charts/users.svg").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn corrupt_inputs_are_reported_not_fatal() {
    let results = bench_report::gather(&fixture("corrupt"));
    assert!(results.records.is_empty());
    let problems = results.problems.join("\n");
    assert!(
        problems.contains("bench_static.json is not google benchmark JSON"),
        "{problems}"
    );
    assert!(
        problems.contains("instructions.json is not valid JSON"),
        "{problems}"
    );
    assert!(
        problems.contains("Go results: no benchmark lines"),
        "{problems}"
    );
    assert!(problems.contains("Rust results: cannot read"), "{problems}");
    assert!(
        problems.contains("gateway/loadtest.json is not the load test's JSON"),
        "{problems}"
    );
}

#[test]
fn missing_inputs_are_listed_and_the_rest_reported() {
    let dir = scratch_copy("full", "missing");
    std::fs::remove_dir_all(dir.join("go")).unwrap();
    std::fs::remove_dir_all(dir.join("rust")).unwrap();
    let results = bench_report::gather(&dir);
    assert!(results.records.iter().all(|r| r.caller == "cpp"));
    let markdown = bench_report::report::write(&results, &dir).unwrap();
    assert!(markdown.contains("## Not in this report"));
    assert!(markdown.contains("Go results: no ") && markdown.contains("(make bench-go; needs Go)"));
    assert!(markdown.contains("| Go -> Go plugin Add | 2.0 ns | not measured |"));
    let empty = std::env::temp_dir().join(format!("bench-report-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let nothing = bench_report::gather(&empty);
    assert!(
        nothing.records.is_empty() && nothing.problems.len() == 4,
        "{:?}",
        nothing.problems
    );
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&empty).unwrap();
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
