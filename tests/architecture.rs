//! The import rules of ARCHITECTURE.md, checked on the sources.
//!
//! - `judge`, `report` and `explain` decide and format from facts: they
//!   never use the modules that do I/O or run the program (`connect`,
//!   `protocol`, `handshake`, `probe`, `fetch`, `srv`, `check`, `demo`,
//!   `tools`). Fact types live in `crate::facts`.
//! - `facts` is plain data with pure helpers: it imports no I/O module, no
//!   module downstream of it, and no I/O crate (tokio, …).
//! - `observe` and `settings` use none of those modules either (the login
//!   request `--user` sends is `settings::Login`).
//! - `identity` reads files through `crate::files`, never `crate::tools`.
//!
//! Paths are found in the code with comments and string literals blanked:
//! `crate::x`, `use crate::{x, …}` groups (any line layout), and
//! `super::super::x` chains that climb to the crate root.

use std::path::{Path, PathBuf};

/// Modules that do I/O or drive the program.
const IO_AND_DRIVERS: &[&str] = &[
    "connect",
    "protocol",
    "handshake",
    "probe",
    "fetch",
    "srv",
    "check",
    "demo",
    "tools",
];

/// What `facts` may not import: the above, the other modules that read
/// files, and everything downstream of the facts.
const NOT_FOR_FACTS: &[&str] = &[
    "connect",
    "protocol",
    "handshake",
    "probe",
    "fetch",
    "srv",
    "check",
    "demo",
    "tools",
    "files",
    "identity",
    "trust",
    "settings",
    "judge",
    "report",
    "explain",
];

/// Crates that do I/O.
const IO_CRATES: &[&str] = &["tokio", "tokio_rustls", "ureq", "hickory_resolver"];

#[derive(Debug, PartialEq, Eq)]
struct Violation {
    line: usize,
    path: String,
}

/// The source with comments and the contents of string and char literals
/// replaced by spaces; newlines are kept, so offsets give line numbers.
fn blank(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let keep = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(keep(b[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0
                || !is_ident(b[i - 1])
                || (b[i - 1] == 'b' && (i == 1 || !is_ident(b[i - 2]))))
        {
            // A raw string: r"…", r#"…"#, br"…".
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            for _ in i..=j {
                out.push(' ');
            }
            i = j + 1;
            while i < b.len() {
                if b[i] == '"' && (1..=hashes).all(|k| b.get(i + k) == Some(&'#')) {
                    for _ in 0..=hashes {
                        out.push(' ');
                    }
                    i += hashes + 1;
                    break;
                }
                out.push(keep(b[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() {
                if b[i] == '\\' {
                    out.push(' ');
                    if let Some(&e) = b.get(i + 1) {
                        out.push(keep(e));
                    }
                    i += 2;
                } else if b[i] == '"' {
                    out.push(' ');
                    i += 1;
                    break;
                } else {
                    out.push(keep(b[i]));
                    i += 1;
                }
            }
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}'), or a lifetime ('a).
            let end = if next == Some('\\') {
                (i + 2..b.len()).find(|&k| b[k] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    out.extend(b[i..=e].iter().map(|&k| keep(k)));
                    i = e + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn ident_at(b: &[char], at: usize) -> String {
    b[at..].iter().take_while(|c| is_ident(**c)).collect()
}

fn skip_space(b: &[char], mut at: usize) -> usize {
    while at < b.len() && b[at].is_whitespace() {
        at += 1;
    }
    at
}

/// The first segment of every path a `{…}` group starting at `open` names.
fn group_heads(b: &[char], open: usize) -> Vec<(usize, String)> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut want = true;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            '{' => {
                depth += 1;
                want = depth == 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => want = true,
            c if want && is_ident(c) => {
                heads.push((i, ident_at(b, i)));
                want = false;
            }
            _ => {}
        }
        i += 1;
    }
    heads
}

/// The crate-root modules `code` refers to, each with its offset: after
/// `crate::`, and after `super::` chains of at least `depth` steps (the
/// file's depth below the crate root: those reach the root).
fn root_paths(code: &str, depth: usize) -> Vec<(usize, String)> {
    let b: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let boundary = i == 0 || !(is_ident(b[i - 1]) || b[i - 1] == '$' || b[i - 1] == ':');
        if !boundary || !is_ident(b[i]) {
            i += 1;
            continue;
        }
        let word = ident_at(&b, i);
        let mut at = i + word.len();
        let reaches_root = if word == "crate" {
            true
        } else if word == "super" {
            let mut steps = 1;
            loop {
                let j = skip_space(&b, at);
                if b.get(j) == Some(&':') && b.get(j + 1) == Some(&':') {
                    let k = skip_space(&b, j + 2);
                    if ident_at(&b, k) == "super" {
                        steps += 1;
                        at = k + "super".len();
                        continue;
                    }
                }
                break;
            }
            steps >= depth
        } else {
            false
        };
        if reaches_root {
            let j = skip_space(&b, at);
            if b.get(j) == Some(&':') && b.get(j + 1) == Some(&':') {
                let k = skip_space(&b, j + 2);
                if b.get(k) == Some(&'{') {
                    found.extend(group_heads(&b, k));
                } else if k < b.len() && is_ident(b[k]) {
                    found.push((k, ident_at(&b, k)));
                }
            }
        }
        i = at.max(i + 1);
    }
    found
}

/// Paths of external crates `code` uses, among `crates`.
fn crate_paths(code: &str, crates: &[&str]) -> Vec<(usize, String)> {
    let b: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let boundary = i == 0 || !(is_ident(b[i - 1]) || b[i - 1] == '$');
        if boundary && is_ident(b[i]) {
            let word = ident_at(&b, i);
            // `x::tokio` is some module's item, not the crate; `::tokio` is.
            let after_path = i >= 2 && b[i - 1] == ':' && b[i - 2] == ':';
            let leading = after_path && (i < 3 || !is_ident(b[i - 3]));
            let j = skip_space(&b, i + word.len());
            let is_path = b.get(j) == Some(&':') && b.get(j + 1) == Some(&':');
            if crates.contains(&word.as_str()) && is_path && (!after_path || leading) {
                found.push((i, word.clone()));
            }
            i += word.len();
        } else {
            i += 1;
        }
    }
    found
}

fn line_of(code: &str, offset_chars: usize) -> usize {
    1 + code
        .chars()
        .take(offset_chars)
        .filter(|&c| c == '\n')
        .count()
}

/// Every use of a forbidden crate-root module (or crate) in `src`.
fn violations(src: &str, depth: usize, modules: &[&str], crates: &[&str]) -> Vec<Violation> {
    let code = blank(src);
    let mut out: Vec<Violation> = root_paths(&code, depth)
        .into_iter()
        .filter(|(_, m)| modules.contains(&m.as_str()))
        .map(|(at, m)| Violation {
            line: line_of(&code, at),
            path: format!("crate::{m}"),
        })
        .collect();
    out.extend(
        crate_paths(&code, crates)
            .into_iter()
            .map(|(at, c)| Violation {
                line: line_of(&code, at),
                path: c,
            }),
    );
    out.sort_by_key(|v| v.line);
    out
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `.rs` files under `rel` (a file or a directory), sorted.
fn rust_files(rel: &str) -> Vec<PathBuf> {
    let path = root().join(rel);
    let mut files = Vec::new();
    let mut stack = vec![path.clone()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        } else if p.extension().is_some_and(|e| e == "rs") {
            files.push(p);
        }
    }
    assert!(!files.is_empty(), "no Rust source at {}", path.display());
    files.sort();
    files
}

/// How many modules below the crate root a file's code is.
fn module_depth(file: &Path) -> usize {
    let rel = file.strip_prefix(root().join("src")).unwrap();
    let parts: Vec<_> = rel.components().collect();
    if rel.file_name().is_some_and(|n| n == "mod.rs") {
        parts.len() - 1
    } else {
        parts.len()
    }
}

fn check(rels: &[&str], modules: &[&str], crates: &[&str], rule: &str) {
    let mut problems = Vec::new();
    for rel in rels {
        for file in rust_files(rel) {
            let src = std::fs::read_to_string(&file).unwrap();
            let shown = file.strip_prefix(root()).unwrap().display().to_string();
            for v in violations(&src, module_depth(&file), modules, crates) {
                problems.push(format!("{shown}:{}: uses `{}`", v.line, v.path));
            }
        }
    }
    assert!(problems.is_empty(), "{rule}\n{}", problems.join("\n"));
}

#[test]
fn judge_report_and_explain_use_facts_not_io() {
    check(
        &["src/judge", "src/report", "src/explain.rs"],
        IO_AND_DRIVERS,
        &[],
        "judge, report and explain read facts (crate::facts, crate::observe), never the modules that \
         do I/O or drive the program; move the type or the pure function to src/facts/:",
    );
}

#[test]
fn facts_do_no_io() {
    check(
        &["src/facts"],
        NOT_FOR_FACTS,
        IO_CRATES,
        "src/facts/ is plain data with pure helpers: no I/O module, nothing downstream, no I/O crate:",
    );
}

#[test]
fn observe_and_settings_use_no_io_step() {
    check(
        &["src/observe", "src/settings.rs", "src/settings"],
        IO_AND_DRIVERS,
        &[],
        "observe (parsing) and settings (the plan) sit beside the I/O steps, not above them:",
    );
}

#[test]
fn identity_reads_through_files_not_tools() {
    check(
        &["src/identity.rs"],
        &["tools"],
        &[],
        "identity reads files through crate::files, not crate::tools:",
    );
}

// The checker itself.

fn paths(src: &str, depth: usize) -> Vec<(usize, String)> {
    violations(src, depth, IO_AND_DRIVERS, IO_CRATES)
        .into_iter()
        .map(|v| (v.line, v.path))
        .collect()
}

#[test]
fn finds_plain_grouped_and_super_paths() {
    assert_eq!(
        paths("use crate::protocol::UpgradeError;\n", 2),
        vec![(1, "crate::protocol".into())]
    );
    assert_eq!(
        paths(
            "use crate::{\n    judge::Outcome,\n    probe::{scan::ScanFacts, hello},\n};\n",
            2
        ),
        vec![(3, "crate::probe".into())]
    );
    assert_eq!(
        paths("fn f(e: &crate :: handshake :: HandshakeError) {}\n", 1),
        vec![(1, "crate::handshake".into())]
    );
    // From src/judge/findings.rs (depth 2), in its tests module.
    assert_eq!(
        paths("use super::super::super::check;\n", 2),
        vec![(1, "crate::check".into())]
    );
    assert_eq!(
        paths("use super::super::{judge, tools::cert};\n", 2),
        vec![(1, "crate::tools".into())]
    );
    assert_eq!(
        paths(
            "#[tokio::test]\nasync fn t() { ::tokio::time::sleep(d).await }\n",
            1
        ),
        vec![(1, "tokio".into()), (2, "tokio".into())]
    );
}

#[test]
fn ignores_what_is_not_a_path_to_those_modules() {
    let src = r##"
use crate::facts::tls::TlsFacts;
use super::chain; // crate::probe in a comment
/* crate::connect, /* nested */ crate::srv */
const A: &str = "crate::protocol::login";
const B: &str = r#"use crate::fetch;"#;
const C: char = '"';
fn f<'a>(x: &'a str) -> &'a str { x }
use super::probe_notes;
let checked = my::check::x;
let t = crate::facts::scan::ProbeVersion::Tls12;
fn g() { super::check(); }
"##;
    assert_eq!(paths(src, 2), vec![]);
    // One super from a depth-1 file reaches the root.
    assert_eq!(
        paths("fn g() { super::check(); }\n", 1),
        vec![(1, "crate::check".into())]
    );
}
