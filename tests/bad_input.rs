//! Bad values on the command line and hostile files: each answer is exit 2
//! and one line naming the flag (or file), the value and what is allowed
//! (clap's answers too: main.rs puts them on one line).
//! Nothing here connects anywhere: every case is refused before a socket
//! is opened (the target is 127.0.0.1:1, which nothing listens on).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Run tlscheck with `args`; a watchdog kills it after 20 s and fails the
/// test (a FIFO that is opened for reading would block forever).
fn run(args: &[&str]) -> (i32, String) {
    run_with_input(args, None)
}

/// [`run`], with `input` written to standard input (from a thread, so that
/// a child that stops reading cannot block the test).
fn run_with_input(args: &[&str], input: Option<Vec<u8>>) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlscheck"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("TLSCHECK_KEY_PASSWORD")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        // The child may stop reading at its limit: a broken pipe is expected.
        std::thread::spawn(move || {
            let _ = std::io::Write::write_all(&mut stdin, &bytes);
        });
    }
    let pid = child.id();
    let (tx, rx) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if rx.recv_timeout(Duration::from_secs(20)).is_err() {
            // Still running after 20 s: kill it so the test fails instead of hanging.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            return true;
        }
        false
    });
    let out = child.wait_with_output().unwrap();
    let _ = tx.send(());
    let killed = watchdog.join().unwrap();
    assert!(!killed, "tlscheck {args:?} did not end within 20 s");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    (out.status.code().unwrap_or(-1), text)
}

struct Files {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Files {
    fn p(&self, name: &str) -> String {
        self.root.join(name).display().to_string()
    }
}

fn der_header(len: usize) -> Vec<u8> {
    let mut v = vec![0x30];
    if len < 0x80 {
        v.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|&b| b == 0)
            .collect();
        v.push(0x80 | bytes.len() as u8);
        v.extend(bytes);
    }
    v
}

fn files() -> Files {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let w = |name: &str, bytes: &[u8]| std::fs::write(root.join(name), bytes).unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert_pem = ck.cert.pem();
    let der = ck.cert.der().to_vec();
    w("good.pem", cert_pem.as_bytes());
    w("key.pem", ck.signing_key.serialize_pem().as_bytes());
    // A binary: no PEM block, not DER.
    let mut binary = b"\x7fELF\x02\x01\x01\0".to_vec();
    binary.extend((0..4000u32).map(|i| (i * 7 % 251) as u8));
    w("binary.bin", &binary);
    w("empty.pem", b"");
    w("text.txt", b"hello, not a certificate\n");
    // Truncated DER: the first half of a real certificate.
    w("truncated.der", &der[..der.len() / 2]);
    // Lengths that claim gigabytes: an outer SEQUENCE of 3 GB holding a
    // SEQUENCE of 2 GB, in a 40-byte file.
    let mut lying = der_header(3 << 30);
    lying.extend(der_header(2 << 30));
    lying.extend([0u8; 30]);
    w("lying.der", &lying);
    // PEM with a good certificate between a broken one and a key block.
    let broken = "-----BEGIN CERTIFICATE-----\nnot base64 at all !!!\n-----END CERTIFICATE-----\n";
    w(
        "mixed.pem",
        format!("{broken}{cert_pem}{}", ck.signing_key.serialize_pem()).as_bytes(),
    );
    w("only-broken.pem", broken.as_bytes());
    // A 20 MiB sparse file: past the 16 MiB limit, no real disk or memory.
    let big = std::fs::File::create(root.join("big.pem")).unwrap();
    big.set_len(20 << 20).unwrap();
    std::fs::create_dir(root.join("dir")).unwrap();
    // One target more than a run checks (--targets), and as an inventory.
    let many: String = (0..20_001).map(|i| format!("h{i}:5432\n")).collect();
    w("many.txt", many.as_bytes());
    let many_toml: String = (0..20_001)
        .map(|i| format!("[[endpoint]]\ntarget = \"h{i}:5432\"\n"))
        .collect();
    w("many.toml", many_toml.as_bytes());
    let fifo = std::ffi::CString::new(root.join("fifo").display().to_string()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    Files { _dir: dir, root }
}

/// (arguments, parts the one-line answer must hold)
type Case = (Vec<String>, Vec<&'static str>);

fn connect(extra: &[&str]) -> Vec<String> {
    let mut v = vec!["connect".to_string(), "127.0.0.1:1".into()];
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn cases(f: &Files) -> Vec<Case> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let mut c: Vec<Case> = vec![
        // Numbers.
        (
            connect(&["--timeout", "0"]),
            vec!["--timeout 0", "above 0", "at most 3600"],
        ),
        (
            connect(&["--timeout", "99999"]),
            vec!["--timeout 99999", "at most 3600"],
        ),
        (
            connect(&["--timeout", "nan"]),
            vec!["--timeout NaN", "above 0"],
        ),
        (connect(&["--timeout", "abc"]), vec!["'abc'", "--timeout"]),
        (
            s(&["scan", "127.0.0.1:1", "--timeout", "0"]),
            vec!["--timeout 0", "above 0"],
        ),
        (
            connect(&["--timeout", "-1"]),
            vec!["--timeout -1", "above 0"],
        ),
        (
            connect(&["--warn-days", "-1"]),
            vec!["'-1'", "--warn-days", "0..="],
        ),
        (
            s(&["cert", "x.pem", "--fail-days", "-3"]),
            vec!["'-3'", "--fail-days"],
        ),
        (connect(&["--jobs", "0"]), vec!["'0'", "--jobs", "1..=1024"]),
        // --deadline: one target or several, the same answer.
        (
            connect(&["--deadline", "0"]),
            vec!["--deadline 0", "above 0"],
        ),
        (
            connect(&["--deadline", "-2"]),
            vec!["--deadline -2", "above 0"],
        ),
        (
            connect(&["--deadline", "inf"]),
            vec!["--deadline inf", "above 0"],
        ),
        (
            connect(&["127.0.0.1:2", "--deadline", "0"]),
            vec!["--deadline 0", "above 0"],
        ),
        (
            connect(&["--deadline", "soon"]),
            vec!["'soon'", "--deadline"],
        ),
        (
            s(&["scan", "127.0.0.1:1", "--concurrency", "0"]),
            vec!["'0'", "--concurrency", "1..=256"],
        ),
        (
            connect(&["--warn-days", "soon"]),
            vec!["'soon'", "--warn-days"],
        ),
        // Names from a fixed list.
        (
            connect(&["--mode", "bogus"]),
            vec!["'bogus'", "--mode", "verify-full"],
        ),
        (
            connect(&["--client", "bogus"]),
            vec!["--client bogus", "no such client", "libpq"],
        ),
        (
            connect(&["--protocol", "oracle"]),
            vec!["'oracle'", "--protocol"],
        ),
        (connect(&["--tls-min", "1.9"]), vec!["'1.9'", "--tls-min"]),
        (
            connect(&["--dns-server", "foo"]),
            vec!["'foo'", "--dns-server"],
        ),
        (connect(&["--sni", ""]), vec!["--sni", "needs a name"]),
        (
            s(&["connect", "127.0.0.1:99999"]),
            vec!["99999", "1 to 65535"],
        ),
        (s(&["clients", "--bogus"]), vec!["'--bogus'"]),
        // --ca-file.
        (
            connect(&["--ca-file", "/nonexistent/ca.pem"]),
            vec!["--ca-file /nonexistent/ca.pem", "no such file"],
        ),
        (
            connect(&["--crl-file", "/nonexistent/x.crl"]),
            vec!["--crl-file /nonexistent/x.crl", "no such file"],
        ),
    ];
    let hostile = [
        ("binary.bin", vec!["holds no", "ELF"]),
        ("empty.pem", vec!["holds no", "empty"]),
        ("text.txt", vec!["holds no"]),
        ("truncated.der", vec!["holds no"]),
        ("lying.der", vec!["holds no"]),
        ("only-broken.pem", vec!["holds no"]),
        ("big.pem", vec!["larger than 16 MiB"]),
        ("dir", vec!["is a directory", "not a regular file"]),
        ("fifo", vec!["is a FIFO", "not a regular file"]),
    ];
    for (name, parts) in hostile {
        let p = f.p(name);
        let with = |head: &'static str, parts: &[&'static str]| {
            let mut v = vec![head];
            v.extend(parts.iter().copied());
            v
        };
        c.push((connect(&["--ca-file", &p]), with("--ca-file", &parts)));
        // The CRL reader says "holds no CRL"; the file-type answers are the same.
        let crl_part = if parts[0] == "holds no" {
            "holds no CRL"
        } else {
            parts[0]
        };
        c.push((connect(&["--crl-file", &p]), vec!["--crl-file", crl_part]));
        c.push((s(&["cert", &p]), with("tlscheck cert", &parts[..1])));
        c.push((connect(&["--cert", &p]), with("--cert", &parts[..1])));
        c.push((
            connect(&["--cert", &f.p("good.pem"), "--key", &p]),
            with("--key", &parts[..1]),
        ));
    }
    // Files of targets and inventories: the same answers for the kinds of
    // file; a binary file is not text.
    let inventories = [
        ("binary.bin", "holds binary data"),
        ("truncated.der", "holds binary data"),
        ("lying.der", "holds binary data"),
        ("big.pem", "larger than 4 MiB"),
        ("dir", "is a directory"),
        ("fifo", "is a FIFO"),
        ("missing.txt", "No such file"),
        ("many.txt", "at most 20000"),
    ];
    for (name, part) in inventories {
        for flag in ["--targets", "--config"] {
            let name = match (flag, name) {
                ("--config", "many.txt") => "many.toml",
                _ => name,
            };
            let p = f.p(name);
            // The answer names the file: a 'static for the case list.
            let path: &'static str = Box::leak(p.clone().into_boxed_str());
            c.push((s(&["connect", flag, &p]), vec![flag, path, part]));
        }
    }
    for name in ["dir", "fifo", "big.pem"] {
        let p = f.p(name);
        let part = match name {
            "dir" => "is a directory",
            "fifo" => "is a FIFO",
            _ => "larger than",
        };
        c.push((
            connect(&[
                "--cert",
                &f.p("good.pem"),
                "--key",
                &f.p("key.pem"),
                "--key-password-file",
                &p,
            ]),
            vec!["--key-password-file", part],
        ));
        c.push((
            s(&["cert", &f.p("good.pem"), "--password-file", &p]),
            vec![part],
        ));
    }
    c
}

#[test]
fn every_bad_input_is_exit_2_with_words() {
    let f = files();
    let mut failures = Vec::new();
    for (args, parts) in cases(&f) {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out) = run(&argv);
        let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
        let first = lines.first().copied().unwrap_or("");
        let shown = first.replace(&f.root.display().to_string(), "DIR");
        // One line, clap's answers too (main.rs joins clap's lines).
        let mut missing: Vec<_> = parts.iter().filter(|p| !first.contains(*p)).collect();
        let one_line = "(one line)";
        if lines.len() != 1 {
            missing.push(&one_line);
        }
        if std::env::var_os("BAD_INPUT_TABLE").is_some() {
            println!(
                "| `tlscheck {}` | {code} | {shown} |",
                args.join(" ").replace(&f.root.display().to_string(), "DIR")
            );
        }
        if code != 2 || !missing.is_empty() {
            failures.push(format!(
                "tlscheck {}: exit {code}, first line {shown:?}, missing {missing:?}",
                args.join(" ").replace(&f.root.display().to_string(), "DIR")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// `--targets -` reads standard input up to the same limit as a file, and
/// refuses binary data there too.
#[test]
fn targets_on_standard_input_are_bounded() {
    let cases = [
        (vec![b'#'; 5 << 20], "standard input holds more than 4 MiB"),
        (b"127.0.0.1:1\n\0\x01\x02".to_vec(), "holds binary data"),
    ];
    for (input, part) in cases {
        let (code, out) = run_with_input(&["connect", "--targets", "-"], Some(input));
        assert_eq!(code, 2, "{out}");
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.contains("--targets -") && out.contains(part), "{out}");
    }
}

/// A CA file with unparsable blocks among good ones is used, and the
/// skipped blocks are named (a note, not an error: exit 3, the port is
/// closed).
#[test]
fn skipped_pem_blocks_in_a_ca_file_are_named() {
    let f = files();
    let (code, out) = run(&[
        "connect",
        "127.0.0.1:1",
        "--timeout",
        "2",
        "--ca-file",
        &f.p("mixed.pem"),
    ]);
    assert_ne!(code, 2, "{out}");
    assert!(
        out.contains("skipped block 1 (line 1, CERTIFICATE)"),
        "{out}"
    );
    assert!(
        out.contains("block 3") && out.contains("PRIVATE KEY"),
        "{out}"
    );
}

/// Without read permission. Tests run as root, which reads any file
/// whatever its mode, so the case only means something for another user.
#[test]
fn unreadable_file_is_exit_2() {
    if unsafe { libc::geteuid() } == 0 {
        eprintln!("skipped: running as root, which can read a mode-000 file");
        return;
    }
    let f = files();
    let p = f.p("good.pem");
    std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let (code, out) = run(&["cert", &p]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("Permission denied"), "{out}");
}
