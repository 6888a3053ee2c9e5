//! Replay every fuzz corpus file through its target, on the stable
//! toolchain, as `cargo fuzz run` would: `fuzz/corpus/NAME/` (the minimised
//! corpus) and `fuzz/regressions/NAME/` (inputs that once found a bug, kept
//! by name). A target's assertions failing, or a panic, fails the test and
//! names the file.

use std::path::Path;
use std::time::{Duration, Instant};

use tlscheck::fuzzing::TARGETS;

/// Each input must replay quickly, even in a debug build: a regression
/// input that once asked for minutes of key derivation ends at once now,
/// and the corpus keeps no input that costs seconds.
const SLOW: Duration = Duration::from_secs(2);

/// Replay the files of `dir`; failing and slow ones are added to `bad`.
fn replay(dir: &Path, run: fn(&[u8]), bad: &mut Vec<String>) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut count = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let started = Instant::now();
        if std::panic::catch_unwind(|| run(&data)).is_err() {
            bad.push(format!("{} fails its target", path.display()));
        }
        let took = started.elapsed();
        if took > SLOW {
            bad.push(format!("{} took {took:?}", path.display()));
        }
        count += 1;
    }
    count
}

#[test]
fn every_corpus_file_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let (mut total, mut bad) = (0, Vec::new());
    for (name, run) in TARGETS {
        let n = replay(&root.join("corpus").join(name), *run, &mut bad)
            + replay(&root.join("regressions").join(name), *run, &mut bad);
        assert!(n > 0, "no corpus for the fuzz target {name}");
        total += n;
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    eprintln!("replayed {total} fuzz inputs");
}

#[test]
fn every_target_has_a_fuzz_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    for (name, _) in TARGETS {
        let source = std::fs::read_to_string(root.join(format!("fuzz_targets/{name}.rs")))
            .unwrap_or_else(|e| panic!("fuzz_targets/{name}.rs: {e}"));
        assert!(source.contains(&format!("tlscheck::fuzzing::target_{name}(data)")));
        assert!(manifest.contains(&format!("name = \"{name}\"")));
    }
}
