//! Replays the committed corpus of the fuzz target `store_queries` (../fuzz/corpus/store_queries)
//! through the check the fuzzer runs, so every input it kept stays checked by `make test`.

#[path = "support/reva.rs"]
mod reva;

#[test]
fn store_queries_corpus_replays() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/corpus/store_queries");
    let mut replayed = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        reva::check_store(&std::fs::read(&path).unwrap());
        replayed += 1;
    }
    assert!(replayed >= 3, "only {replayed} inputs in {dir}");
}
