//! `perf script` output -> folded stacks -> SVG flame graph, with the inferno crate (no Perl).

use std::io::{self, BufReader, Read, Write};

use inferno::collapse::perf::{Folder, Options as CollapseOptions};
use inferno::collapse::Collapse;
use inferno::flamegraph::{self, Options};

/// Draws the flame graph of one `perf script` text into `svg`.
pub fn draw(perf_script: impl Read, title: &str, svg: impl Write) -> io::Result<()> {
    let mut folded = Vec::new();
    Folder::from(CollapseOptions::default()).collapse(BufReader::new(perf_script), &mut folded)?;
    if folded.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "perf script held no stack samples",
        ));
    }
    let mut options = Options::default();
    options.title = title.to_owned();
    options.count_name = "samples".to_owned();
    flamegraph::from_reader(&mut options, &folded[..], svg).map_err(io::Error::other)
}
