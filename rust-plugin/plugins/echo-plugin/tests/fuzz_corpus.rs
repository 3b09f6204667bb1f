//! Replays the committed corpus of the fuzz target `http_boundary` (../../fuzz/corpus/http_boundary)
//! through the check the fuzzer runs, so every input it kept stays checked by `make test`.

#[path = "support/boundary.rs"]
mod boundary;

#[test]
fn http_boundary_corpus_replays() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/corpus/http_boundary"
    );
    let mut replayed = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        boundary::check_boundary(&std::fs::read(&path).unwrap());
        replayed += 1;
    }
    assert!(replayed >= 3, "only {replayed} inputs in {dir}");
}
