//! The report's sentences, computed from the numbers: each with its figure and 95% interval, each
//! only when its numbers exist. A ratio whose interval holds 1.0 is said to show no measurable
//! difference, whatever its median.

use crate::charts::format_ns;
use crate::model::{ratio_between, Difference, FaultCell, Record, Results};
use crate::stats::{median, ratio_interval, ratio_number, Interval};

/// One sentence. Headlines open the report; the rest follow the matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub headline: bool,
    pub text: String,
}

const METHODS: [&str; 4] = ["GetUser", "GetUserByClaim", "GetUserGroups", "FindUsers"];

/// "12.30 ns [12.10, 12.61]".
pub fn time_text(record: &Record) -> String {
    match record.ns_interval {
        Some(i) if i.lo != i.hi => format!(
            "{} [{}, {}]",
            format_ns(record.ns_per_op),
            format_ns(i.lo),
            format_ns(i.hi)
        ),
        _ => format_ns(record.ns_per_op),
    }
}

/// "1.36x [1.30, 1.41]", or "1.02x [0.98, 1.05], no measurable difference".
pub fn ratio_text(ratio: f64, interval: Option<Interval>) -> String {
    let r = ratio_number;
    match interval {
        None => format!("{}x (one sample: no interval)", r(ratio)),
        Some(i) if Difference::of(i) == Difference::NotMeasurable => {
            format!(
                "{}x [{}, {}], no measurable difference",
                r(ratio),
                r(i.lo),
                r(i.hi)
            )
        }
        Some(i) => format!("{}x [{}, {}]", r(ratio), r(i.lo), r(i.hi)),
    }
}

/// a against b, measured in the same run: the ratio of their medians and its interval.
fn versus(a: &Record, b: &Record) -> String {
    ratio_text(a.ns_per_op / b.ns_per_op, ratio_between(a, b))
}

/// The record of `op` by `caller` through `path` on `users` users, if measured.
pub fn find<'a>(
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

/// The record of `path` measured in the same source as `of`, for the same op and data.
fn sibling<'a>(results: &'a Results, of: &Record, path: &str) -> Option<&'a Record> {
    results
        .records
        .iter()
        .find(|r| r.path == path && r.same_measurement_as(of))
}

fn allocs(record: &Record) -> String {
    record
        .allocs_per_op
        .map_or(String::new(), |a| format!(", {a} allocs/call"))
}

/// Every finding, headlines first.
pub fn findings(results: &Results) -> Vec<Finding> {
    let mut all = Vec::new();
    let mut say = |headline: bool, text: String| all.push(Finding { headline, text });
    let add = |caller: &str, path: &str| find(results, "Add", caller, path, None);

    if let Some((rust, c)) =
        add("cpp", "static").and_then(|r| Some((r, sibling(results, r, "native_noinline")?)))
    {
        let same_time =
            ratio_between(rust, c).map(Difference::of) == Some(Difference::NotMeasurable);
        let instructions = match (rust.instructions_per_call, c.instructions_per_call) {
            (Some(a), Some(b)) if a == b && same_time => format!("; both execute {a} instructions per call (callgrind): through the C ABI, Rust is a plain C call"),
            (Some(a), Some(b)) if a == b => format!("; both execute {a} instructions per call (callgrind), so the difference in time is where the code landed or the machine, not the boundary"),
            (Some(a), Some(b)) => format!("; {a} against {b} instructions per call"),
            _ => String::new(),
        };
        say(true, format!(
            "C++ -> Rust `Add` through the static archive: {} against {} for a non-inlined C function in the same binary, {}{instructions}.",
            time_text(rust), time_text(c), versus(rust, c)
        ));
    }
    if let Some((lto, inline)) =
        add("cpp", "lto").and_then(|r| Some((r, sibling(results, r, "native")?)))
    {
        let verdict = match (lto.instructions_per_call, inline.instructions_per_call) {
            (Some(a), Some(b)) if a == b => {
                format!("inlined into the C++ loop (the same {a} instructions as inline C++)")
            }
            (Some(a), Some(b)) => {
                format!("not inlined ({a} instructions against {b} for inline C++)")
            }
            _ => "measured without instruction counts".to_owned(),
        };
        say(
            true,
            format!(
                "With cross-language LTO the Rust `Add` is {verdict}: {} against {}, {}.",
                time_text(lto),
                time_text(inline),
                versus(lto, inline)
            ),
        );
    }
    if let (Some(rust), Some(c)) = (add("go", "cgo"), add("go", "cgo-c")) {
        say(true, format!(
            "Go -> Rust `Add` through cgo: {} against {} for Go -> C, {}: the cgo transition is the cost, whichever language answers.",
            time_text(rust), time_text(c), versus(rust, c)
        ));
    }
    go_findings(results, &mut say);
    if let Some(gateway) = &results.gateway {
        gateway_findings(gateway, &mut say);
    }
    fault_findings(&results.fault_matrix, &mut say);
    let handler = |path: &str| find(results, "Handler", "go", path, None);
    if let (Some(wasm), Some(cgo)) = (add("go", "wasm"), add("go", "cgo")) {
        say(false, format!(
            "Go -> Rust `Add` in the Wasm sandbox: {} against {} through cgo, {}; with a deadline on the call (wazero watches its context) {}.",
            time_text(wasm), time_text(cgo), versus(wasm, cgo),
            add("go", "wasm-deadline").map_or_else(|| "not measured".to_owned(), |d| format!("{}, {}", time_text(d), versus(d, cgo)))
        ));
    }
    if let (Some(wasm), Some(dlopen)) = (add("rust", "wasm"), add("rust", "dlopen")) {
        let get_user = |path: &str| find(results, "GetUser", "rust", path, Some(4));
        let users = match (get_user("wasm"), get_user("dlopen")) {
            (Some(w), Some(d)) => format!(
                "; GetUser {} against {}, {}",
                time_text(w),
                time_text(d),
                versus(w, d)
            ),
            _ => String::new(),
        };
        say(false, format!(
            "Rust -> Rust in the Wasm sandbox (wasmtime, an epoch deadline on every call): `Add` {} against {} through libloading, {}{users}.",
            time_text(wasm), time_text(dlopen), versus(wasm, dlopen)
        ));
    }
    if let (Some(wasm), Some(native)) = (handler("rust-wasm"), handler("native")) {
        say(false, format!(
            "One gateway request in process through the Rust echo plugin in Wasm: {} against {} for the native handler, {}.",
            time_text(wasm), time_text(native), versus(wasm, native)
        ));
    }
    if let (Some(rust), Some(plugin), Some(native)) =
        (handler("rust-cgo"), handler("goplugin"), handler("native"))
    {
        say(false, format!(
            "One gateway request in process, without the network: the Rust echo plugin {} against {} for the native handler, {}; the Go plugin {}, {}.",
            time_text(rust), time_text(native), versus(rust, native), time_text(plugin), versus(plugin, native)
        ));
    }
    if let (Some(dynamic), Some(rust)) = (add("cpp", "dynamic"), add("cpp", "static")) {
        if let (Some(a), Some(b)) = (dynamic.instructions_per_call, rust.instructions_per_call) {
            say(false, format!("Through the shared library's PLT the call takes {} more instruction(s) ({a} against {b}).", a - b));
        }
    }
    if let (Some(plugin), Some(native)) = (add("go", "goplugin"), add("go", "native")) {
        say(false, format!(
            "A Go plugin's `Add` costs {} against {} native ({}): cheaper per call than cgo, but a Go plugin cannot be unloaded.",
            time_text(plugin), time_text(native), versus(plugin, native)
        ));
    }
    if let Some(carchive) = add("cpp", "carchive") {
        say(false, format!(
            "C++ -> Go c-archive add: {} here ({}), against 1480 ns published for Go 1.18, before Go 1.21 kept the M on C threads.",
            time_text(carchive),
            results.machine.go.as_deref().unwrap_or("Go version not recorded")
        ));
    }
    if let (Some(go), Some(c)) = (add("rust", "carchive"), add("rust", "c")) {
        say(false, format!(
            "Rust -> Go add costs {} against {} for Rust -> C ({}): the Go runtime's callback entry (stack switch, taking and giving back a P) is nearly all of it.",
            time_text(go), time_text(c), versus(go, c)
        ));
    }
    for op in ["GetUser", "FindUsers"] {
        let at = |users| find(results, op, "cpp", "static", Some(users));
        if let (Some(small), Some(large)) = (at(1000), at(1_000_000).or(at(10_000))) {
            let users = large.users.unwrap_or(0);
            say(false, format!(
                "{op} from C++ through the archive: {} at 1000 users, {} at {users} ({:.0}x the data).",
                time_text(small), time_text(large), users as f64 / 1000.0
            ));
        }
    }
    all.sort_by_key(|f| !f.headline);
    all
}

/// The Go host: each contract against its baseline on the demo data, the memory the shared
/// answers cost, and, as the users grow, what the index buys apart from what the boundary costs.
fn go_findings(results: &Results, say: &mut impl FnMut(bool, String)) {
    let go = |op: &str, path: &str, users: u64| find(results, op, "go", path, Some(users));
    for op in METHODS {
        let headline = op == "GetUser";
        if let (Some(shared), Some(view), Some(plugin)) = (
            go(op, "cgo-shared", 4),
            go(op, "cgo-view", 4),
            go(op, "goplugin-shared", 4),
        ) {
            say(headline, format!(
                "Go -> Rust {op}, the answer as shared Go values: {}{}; against the bare cgo call ({}) {}; against the Go plugin ({}{}) {}. 4 users, keys drawn at random.",
                time_text(shared), allocs(shared), time_text(view), versus(shared, view),
                time_text(plugin), allocs(plugin), versus(shared, plugin)
            ));
        }
        if let (Some(wasm), Some(cgo)) = (go(op, "wasm-shared", 4), go(op, "cgo-shared", 4)) {
            say(headline, format!(
                "Go -> Rust {op} in the Wasm sandbox (wazero, no cgo), the answer as shared Go values: {}{}; against the same call through cgo ({}) {}.",
                time_text(wasm), allocs(wasm), time_text(cgo), versus(wasm, cgo)
            ));
        }
        if let (Some(process), Some(grpc), Some(netrpc)) = (
            go(op, "process-shared", 4),
            go(op, "hashicorp-grpc", 4),
            go(op, "hashicorp-netrpc", 4),
        ) {
            say(headline, format!(
                "Go -> Rust {op} out of process (rp-plugin-server, shared memory), the answer as shared Go values: {}{}; hashicorp go-plugin serving Go's own {op} takes {}{} over gRPC, {} as long (target: at least 20x), and {}{} over net/rpc, {}.",
                time_text(process), allocs(process), time_text(grpc), allocs(grpc), versus(grpc, process),
                time_text(netrpc), allocs(netrpc), versus(netrpc, process)
            ));
        }
        if let (Some(owned), Some(native)) = (go(op, "cgo-owned", 4), go(op, "native-owned", 4)) {
            say(false, format!(
                "Go -> Rust {op}, the answer as owned Go values: {}{}, against Go native's owned answer ({}{}) {}.",
                time_text(owned), allocs(owned), time_text(native), allocs(native), versus(owned, native)
            ));
        }
    }
    if let (Some(process), Some(floor)) = (
        go("GetUser", "process-shared", 4),
        find(results, "PingPong", "go", "threads", None),
    ) {
        let from_rust =
            find(results, "GetUser", "rust", "process", Some(4)).map_or(String::new(), |rust| {
                format!(
                    "; from Rust, without Go's runtime and cgo, {} ({} the floor)",
                    time_text(rust),
                    versus(rust, floor)
                )
            });
        say(true, format!(
            "Go -> Rust GetUser out of process: {} against this machine's floor for it, a cache line handed to a thread on the server's CPUs and back ({}): {} the floor{from_rust}.",
            time_text(process), time_text(floor), versus(process, floor)
        ));
    }
    if let (Some(batch), Some(plugin), Some(shared)) = (
        largest_batch(results),
        go("GetUser", "goplugin-shared", 4),
        go("GetUser", "cgo-shared", 4),
    ) {
        say(true, format!(
            "Go -> Rust GetUser for many keys in one call ({} keys a call): {} per answer{}; against the Go plugin's one call per key ({}) {}; against one cgo call per key ({}) {}. 4 users.",
            batch_size(batch).unwrap_or(0), time_text(batch), allocs(batch),
            time_text(plugin), versus(batch, plugin), time_text(shared), versus(batch, shared)
        ));
    }
    if let Some(batch) = swept_batches(results).last() {
        let users = batch.users.unwrap_or(0);
        if let Some(plugin) = go("GetUser", "goplugin-shared", users) {
            say(false, format!(
                "GetUser for many keys in one call at {users} users ({} keys a call): {} per answer, against the Go plugin's one call per key ({}) {}.",
                batch_size(batch).unwrap_or(0), time_text(batch), time_text(plugin), versus(batch, plugin)
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
        say(false, format!(
            "The shared answers cost Go memory: {bytes:.0} bytes per user once every user has been asked for ({users} users)."
        ));
    }
    // What the index buys and what the boundary costs, apart, at the smallest and the largest
    // size: Go with the Rust store's indexes against reva's scan in Go, then Rust through cgo
    // against the same indexes in Go; then reva's own driver against the Rust drop-in for it.
    for op in ["GetUser", "GetUserByClaim", "FindUsers"] {
        let mut sizes: Vec<u64> = results
            .records
            .iter()
            .filter(|r| r.caller == "go" && r.op == op && r.path == "native-indexed-shared")
            .filter_map(|r| r.users)
            .collect();
        sizes.sort_unstable();
        sizes.dedup();
        let ends = match (sizes.first(), sizes.last()) {
            (Some(&first), Some(&last)) if first != last => vec![first, last],
            (Some(&first), _) => vec![first],
            _ => vec![],
        };
        for users in ends {
            let largest = Some(&users) == sizes.last();
            if let (Some(scan), Some(indexed), Some(rust)) = (
                go(op, "native-shared", users),
                go(op, "native-indexed-shared", users),
                go(op, "cgo-shared", users),
            ) {
                say(op == "GetUser" && largest, format!(
                    "{op} at {users} users, the index and the boundary apart: the index (Go with the Rust store's indexes, {}, against reva's scan in Go, {}) {}; the boundary (Rust through cgo, {}, against the same indexes in Go) {}.",
                    time_text(indexed), time_text(scan), versus(indexed, scan),
                    time_text(rust), versus(rust, indexed)
                ));
            }
            if let (Some(reva), Some(rust)) =
                (go(op, "reva-native", users), go(op, "reva-rust", users))
            {
                // The Go plugin is loaded up to 10^4 users (its scan is reva-native's code).
                let plugin = go(op, "reva-goplugin", users).map_or(String::new(), |plugin| {
                    format!(
                        ", and {} as a Go plugin, {}",
                        time_text(plugin),
                        versus(rust, plugin)
                    )
                });
                say(op == "GetUser" && largest, format!(
                    "{op} at {users} users in reva's own types (userpb): the Rust drop-in {}{} against reva v1.7's json driver {} in process, {}{plugin}.",
                    time_text(rust), allocs(rust), time_text(reva), versus(rust, reva)
                ));
            }
        }
    }
}

/// The batch rows (Go's `GetUsers/batch-N`, ns per answer) in order of batch size.
pub fn batches(results: &Results) -> Vec<&Record> {
    let mut rows: Vec<&Record> = results
        .records
        .iter()
        .filter(|r| r.caller == "go" && r.op == "GetUsers" && batch_size(r).is_some())
        .collect();
    rows.sort_by_key(|r| (r.users, batch_size(r)));
    rows
}

/// The keys per call of a batch row: its path is `batch-N`.
pub fn batch_size(record: &Record) -> Option<u64> {
    record.path.strip_prefix("batch-")?.parse().ok()
}

/// The batch rows of the size sweep (256 keys a call), the largest data set last.
fn swept_batches(results: &Results) -> Vec<&Record> {
    batches(results)
        .into_iter()
        .filter(|r| r.users.is_some_and(|u| u > 4))
        .collect()
}

/// The batch row with the most keys a call, on the demo data.
fn largest_batch(results: &Results) -> Option<&Record> {
    batches(results)
        .into_iter()
        .filter(|r| r.users == Some(4))
        .max_by_key(|r| batch_size(r))
}

/// What the fault matrix says: host deaths by column kind, and the slowest recovery out of process.
fn fault_findings(cells: &[FaultCell], say: &mut impl FnMut(bool, String)) {
    if cells.is_empty() {
        return;
    }
    let (isolated, in_process): (Vec<&FaultCell>, Vec<&FaultCell>) =
        cells.iter().partition(|c| c.isolated());
    let deaths = |cells: &[&FaultCell]| cells.iter().filter(|c| !c.host_alive).count();
    let mut text = format!(
        "Fault matrix: the host died in {} of {} cells with the plugin in process (Go plugin, cgo) and in {} of {} isolated ones (Wasm, out of process, hashicorp go-plugin)",
        deaths(&in_process), in_process.len(), deaths(&isolated), isolated.len()
    );
    let slowest = cells
        .iter()
        .filter(|c| c.column == "process" && c.host_alive)
        .max_by(|a, b| a.recovery_millis.total_cmp(&b.recovery_millis));
    if let Some(slowest) = slowest {
        text += &format!(
            "; out of process, the next request succeeded at most {:.1} ms after the faulty one ({}; target 100 ms)",
            slowest.recovery_millis, slowest.fault
        );
    }
    say(true, text + ".");
}

/// What the gateway load test's JSON says: requests per second and the hot reloads.
fn gateway_findings(gateway: &serde_json::Value, say: &mut impl FnMut(bool, String)) {
    let rounds = |route: &str| -> Option<Vec<f64>> {
        let handler = gateway["handlers"]
            .as_array()?
            .iter()
            .find(|h| h["route"] == route)?;
        Some(
            handler["round_rps"]
                .as_array()?
                .iter()
                .filter_map(serde_json::Value::as_f64)
                .collect(),
        )
    };
    if let (Some(native), Some(goplugin), Some(rust)) =
        (rounds("/native-echo"), rounds("/go-echo"), rounds("/echo"))
    {
        if !native.is_empty() && !goplugin.is_empty() && !rust.is_empty() {
            // The handlers take turns within each round: the rounds pair.
            let against = |other: &[f64], name: &str| {
                let ratio = median(&rust) / median(other);
                let label = format!("gateway /echo / {name}");
                ratio_text(ratio, ratio_interval(&label, &rust, other, true))
            };
            say(true, format!(
                "Through the HTTP gateway the Rust echo plugin served {:.0} requests/s (median of {} interleaved rounds): against the native Go handler ({:.0}) {}; against the Go plugin ({:.0}) {}.",
                median(&rust), rust.len(), median(&native), against(&native, "/native-echo"),
                median(&goplugin), against(&goplugin, "/go-echo")
            ));
        }
    }
    for (route, way) in [
        ("/wasm-echo", "in the Wasm sandbox"),
        ("/process-echo", "out of process (rp-plugin-server)"),
    ] {
        if let (Some(native), Some(isolated)) = (rounds("/native-echo"), rounds(route)) {
            if !native.is_empty() && !isolated.is_empty() {
                let ratio = median(&isolated) / median(&native);
                say(true, format!(
                    "Through the HTTP gateway the Rust echo plugin {way} served {:.0} requests/s against {:.0} for the native Go handler: {}.",
                    median(&isolated), median(&native),
                    ratio_text(ratio, ratio_interval(&format!("gateway {route} / /native-echo"), &isolated, &native, true))
                ));
            }
        }
    }
    let reload = &gateway["reload"];
    if let (Some(reloads), Some(requests), Some(failures), Some(mapped)) = (
        reload["reloads"].as_u64(),
        reload["requests"].as_u64(),
        reload["failures"].as_u64(),
        reload["mapped_plugin_files_at_end"].as_u64(),
    ) {
        say(true, format!(
            "{reloads} hot reloads of the Rust plugin under load: {failures} of {requests} requests failed, {mapped} plugin file mapped at the end, resident memory {} KiB larger after the last reload than after the 10th.",
            reload["rss_growth_kib"].as_i64().unwrap_or(0)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fill_statistics;

    fn record(op: &str, path: &str, users: u64, samples: &[f64]) -> Record {
        let key = (op.into(), "go".into(), path.into(), Some(users));
        Record::measured(key, samples.to_vec(), true, "go/bench.txt".into())
    }

    #[test]
    fn the_index_and_the_boundary_are_told_apart() {
        // At 10^6 users reva's scan takes milliseconds, an index nanoseconds: a ratio of 1e-4
        // must keep its digits.
        let mut results = Results {
            records: vec![
                record(
                    "GetUser",
                    "native-shared",
                    1_000_000,
                    &[2.1e6, 2.0e6, 2.2e6, 2.05e6, 2.15e6],
                ),
                record(
                    "GetUser",
                    "native-indexed-shared",
                    1_000_000,
                    &[400.0, 410.0, 395.0, 405.0, 402.0],
                ),
                record(
                    "GetUser",
                    "cgo-shared",
                    1_000_000,
                    &[450.0, 460.0, 455.0, 452.0, 458.0],
                ),
                record(
                    "GetUser",
                    "native-shared",
                    4,
                    &[10.0, 10.1, 9.9, 10.05, 9.95],
                ),
                record(
                    "GetUser",
                    "native-indexed-shared",
                    4,
                    &[12.0, 12.1, 11.9, 12.05, 11.95],
                ),
                record("GetUser", "cgo-shared", 4, &[60.0, 61.0, 59.5, 60.5, 60.2]),
            ],
            ..Results::default()
        };
        fill_statistics(&mut results.records);
        let text: Vec<String> = findings(&results).into_iter().map(|f| f.text).collect();
        let at = |users: &str| {
            text.iter()
                .find(|t| {
                    t.starts_with(&format!(
                        "GetUser at {users} users, the index and the boundary apart"
                    ))
                })
                .unwrap_or_else(|| panic!("no finding at {users} users in {text:#?}"))
        };
        let large = at("1000000");
        assert!(
            large.contains("the index (Go with the Rust store's indexes, 402.00 ns"),
            "{large}"
        );
        assert!(large.contains("1.9e-4x ["), "{large}");
        assert!(!large.contains("0.00x"), "{large}");
        assert!(
            large.contains("the boundary (Rust through cgo, 455.00 ns"),
            "{large}"
        );
        assert!(at("4").contains("1.20x ["), "{}", at("4"));
    }

    #[test]
    fn ratios_keep_their_significant_digits() {
        assert_eq!(ratio_number(1.3612), "1.36");
        assert_eq!(ratio_number(0.000193), "1.9e-4");
        assert_eq!(ratio_number(5200.0), "5.2e3");
        assert_eq!(ratio_number(0.0123), "0.01");
    }

    #[test]
    fn ratio_text_says_when_the_interval_holds_one() {
        let within = Interval { lo: 0.97, hi: 1.04 };
        assert_eq!(
            ratio_text(1.01, Some(within)),
            "1.01x [0.97, 1.04], no measurable difference"
        );
        assert_eq!(
            ratio_text(1.36, Some(Interval { lo: 1.3, hi: 1.41 })),
            "1.36x [1.30, 1.41]"
        );
        assert!(ratio_text(1.5, None).contains("no interval"));
    }
}
