//! The fault matrix of the report: faults down, ways of serving a plugin across, from the
//! gateway's TestFaultMatrix.

use std::fmt::Write as _;

use crate::model::FaultCell;

/// What a cell the matrix did not run means: the hostile rows run only where an attack can be
/// contained; elsewhere the plugin is the host, or the attack has no way in.
pub(super) fn missing_cell(column: &str, fault: &str) -> &'static str {
    if !fault.starts_with("hostile: ") {
        return "not measured";
    }
    match column {
        "goplugin" | "cgo" => "not isolated: the plugin runs as the host",
        "hashicorp" => "not measured (no sandbox: the plugin process has the host's rights)",
        _ if fault.contains("bomb") => "n/a: native code, nothing to compile",
        _ => "n/a: a Wasm guest has no import that reaches the host",
    }
}

/// The fault matrix as a table: faults down, ways of serving a plugin across.
pub(super) fn fault_matrix(cells: &[FaultCell]) -> String {
    let mut columns: Vec<&FaultCell> = Vec::new();
    let mut faults: Vec<&str> = Vec::new();
    for cell in cells {
        if !columns.iter().any(|c| c.column == cell.column) {
            columns.push(cell);
        }
        if !faults.contains(&cell.fault.as_str()) {
            faults.push(&cell.fault);
        }
    }
    let mut md = String::from("\n## The fault matrix {#faults}\n\nEach cell from the gateway's TestFaultMatrix: the faulty plugin (rust-plugin/plugins/faulty-plugin; the Go plugin's and hashicorp's from go-interop/faults) served one way, in a child process playing the host; one request asks for the fault, then plain requests follow until one succeeds. A cell says whether the host survived, the faulty request's answer, the requests that failed, and the time from the faulty request's end to the first success. hashicorp go-plugin serves the user manager over gRPC (GetUser, with a deadline), not the gateway's HTTP plugins. The hostile rows attack the host on purpose: out of process, rust-plugin/plugins/hostile-plugin inside the real server (each attack's status and first word: blocked or ALLOWED); in Wasm, the route reloaded with a hostile module (refused, and how long it took).\n\n| fault |");
    for column in &columns {
        let _ = write!(md, " {} |", column.column_title());
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(columns.len()));
    for fault in faults {
        let _ = write!(md, "\n| {fault} |");
        for column in &columns {
            let text = match cells
                .iter()
                .find(|c| c.fault == fault && c.column == column.column)
            {
                None => missing_cell(&column.column, fault).to_owned(),
                Some(c) if !c.host_alive => {
                    format!("**host died**: {}", c.detail.replace('|', "/"))
                }
                Some(c) => format!(
                    "alive; {} ({} failed); next success after {:.1} ms",
                    c.fault_answer.replace('|', "/"),
                    c.failed,
                    c.recovery_millis
                ),
            };
            let _ = write!(md, " {text} |");
        }
    }
    md.push('\n');
    md
}
