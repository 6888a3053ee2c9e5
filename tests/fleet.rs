//! `tlscheck connect` over many endpoints in one run: an inventory against
//! real servers (a good PostgreSQL, a MariaDB whose certificate names
//! another host, the MongoDB-wire server, a closed port, a silent port),
//! every output format parsed, the aggregate exit code, expectations, the
//! per-endpoint connection limit, and bad input refused before any
//! connection.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use quick_xml::events::Event;
use serde_json::Value;
use support::mariadb::{MariaOptions, MariaServer};
use support::mongo::{MongoOptions, MongoServer};
use support::pki::{self, Ca, LeafSpec};
use support::postgres::{PgOptions, PgServer};
use support::tlscheck;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], env: &[(&str, &Path)]) -> Out {
    let mut cmd = tlscheck();
    cmd.arg("connect")
        .args(args)
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("run tlscheck");
    Out {
        code: o.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

impl Out {
    fn context(&self) -> String {
        format!(
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The mixed fleet: servers kept alive while `Fleet` lives.
struct Fleet {
    dir: tempfile::TempDir,
    _pg: PgServer,
    _maria: MariaServer,
    _mongo: MongoServer,
    _silent: TcpListener,
    pg: String,
    maria: String,
    mongo: String,
    closed: String,
    silent: String,
    root: String,
}

fn fleet() -> Fleet {
    let dir = tempfile::tempdir().unwrap();
    let root = Ca::root("tlscheck fleet root");
    let root_file = pki::write(dir.path(), "root.pem", &[&root.cert_pem()]);
    let good = root.leaf(&LeafSpec::for_names(&["localhost", "127.0.0.1"]));
    let pg = PgServer::start(PgOptions::tls(good.cert_pem.clone(), good.key_pem.clone()));
    let wrong = root.leaf(&LeafSpec::for_names(&["db.example.com"]));
    let maria = MariaServer::start(MariaOptions::tls(wrong.cert_pem, wrong.key_pem));
    let mongo = MongoServer::start(MongoOptions {
        tls: Some((good.cert_pem, good.key_pem)),
        standalone: true,
        client_ca: None,
    });
    // Accepts (the kernel does) and never says a word.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    Fleet {
        pg: pg.addr(),
        maria: maria.addr(),
        mongo: mongo.addr(),
        closed: format!("127.0.0.1:{}", closed_port()),
        silent: silent.local_addr().unwrap().to_string(),
        root: root_file.display().to_string(),
        dir,
        _pg: pg,
        _maria: maria,
        _mongo: mongo,
        _silent: silent,
    }
}

impl Fleet {
    /// The inventory; `extra` adds keys to each endpoint by name.
    fn inventory(&self, file: &str, extra: &[(&str, &str)]) -> PathBuf {
        let more = |name: &str| {
            extra
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, kv)| format!("{kv}\n"))
                .collect::<String>()
        };
        let text = format!(
            "# a mixed fleet\n[defaults]\nca_file = \"{root}\"\ntimeout = 2\n\n\
             [[endpoint]]\nname = \"pg-good\"\ntarget = \"{pg}\"\nprotocol = \"postgres\"\nmode = \"verify-full\"\n{}\n\
             [[endpoint]]\nname = \"maria-wrong-host\"\ntarget = \"{maria}\"\nprotocol = \"mysql\"\nmode = \"VERIFY_IDENTITY\"\n{}\n\
             [[endpoint]]\nname = \"mongo\"\ntarget = \"mongodb://{mongo}/?tls=true\"\n{}\n\
             [[endpoint]]\nname = \"closed\"\ntarget = \"{closed}\"\nprotocol = \"postgres\"\n{}\n\
             [[endpoint]]\nname = \"silent\"\ntarget = \"{silent}\"\nprotocol = \"postgres\"\ntimeout = 1\n{}",
            more("pg-good"),
            more("maria-wrong-host"),
            more("mongo"),
            more("closed"),
            more("silent"),
            root = self.root,
            pg = self.pg,
            maria = self.maria,
            mongo = self.mongo,
            closed = self.closed,
            silent = self.silent,
        );
        let path = self.dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// A `<testcase>`: its name, and its failure or error child's tag and message.
type Case = (String, Option<(String, String)>);

/// Every `<testcase>`, and the testsuite's `tests` attribute.
fn junit_cases(xml: &str) -> (Vec<Case>, String) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut cases: Vec<Case> = Vec::new();
    let mut tests_attr = String::new();
    let attr = |e: &quick_xml::events::BytesStart, name: &[u8]| -> String {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .map(|a| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .unwrap()
                    .into_owned()
            })
            .unwrap_or_default()
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"testsuite" => tests_attr = attr(&e, b"tests"),
                b"testcase" => cases.push((attr(&e, b"name"), None)),
                tag @ (b"failure" | b"error") => {
                    let tag = String::from_utf8_lossy(tag).into_owned();
                    cases.last_mut().expect("inside a testcase").1 =
                        Some((tag, attr(&e, b"message")));
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    (cases, tests_attr)
}

#[test]
fn a_mixed_inventory_in_every_format_and_the_worst_exit_code() {
    let f = fleet();
    let inv = f.inventory("fleet.toml", &[]);
    let inv = inv.to_str().unwrap();

    // human: the table worst first, then the full report of failures only.
    let h = run(&["--config", inv], &[]);
    assert_eq!(h.code, 3, "{}", h.context());
    let lines: Vec<&str> = h.stdout.lines().collect();
    assert!(lines[0].starts_with("RESULT"), "{}", h.context());
    let order: Vec<&str> = lines[1..6]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        order,
        ["UNREACHABLE", "UNREACHABLE", "FAIL", "PASS", "PASS"],
        "{}",
        h.context()
    );
    assert!(lines[3].contains("maria-wrong-host"), "{}", h.context());
    assert!(
        h.stdout
            .contains("5 endpoints: 2 pass, 0 warn, 1 fail, 2 unreachable (exit 3)"),
        "{}",
        h.context()
    );
    assert!(h.stdout.contains("── maria-wrong-host"), "{}", h.context());
    assert!(h.stdout.contains("── closed"), "{}", h.context());
    assert!(!h.stdout.contains("── pg-good"), "{}", h.context());
    assert!(!h.stdout.contains("── mongo"), "{}", h.context());
    // No progress bar when the output is not a terminal.
    assert_eq!(h.stderr, "", "{}", h.context());

    // json: one document.
    let j = run(&["--config", inv, "--format", "json"], &[]);
    assert_eq!(j.code, 3, "{}", j.context());
    let doc: Value = serde_json::from_str(&j.stdout).expect("JSON");
    assert_eq!(doc["summary"]["endpoints"], 5);
    assert_eq!(doc["summary"]["pass"], 2);
    assert_eq!(doc["summary"]["fail"], 1);
    assert_eq!(doc["summary"]["unreachable"], 2);
    assert_eq!(doc["summary"]["exit_code"], 3);
    let by_name = |n: &str| {
        doc["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == n)
            .unwrap_or_else(|| panic!("{n} in {doc:#}"))
            .clone()
    };
    assert_eq!(by_name("pg-good")["status"], "pass");
    assert_eq!(by_name("mongo")["report"]["target"]["rules"], "pymongo");
    let maria = by_name("maria-wrong-host");
    assert_eq!(maria["status"], "fail");
    assert!(maria["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == "hostname-mismatch"));
    assert_eq!(by_name("silent")["status"], "unreachable");
    assert_eq!(by_name("closed")["report"]["exit_code"], 3);

    // jsonl: one valid object a line, the report's own fields unchanged.
    let l = run(&["--config", inv, "--format", "jsonl"], &[]);
    assert_eq!(l.code, 3);
    let objs: Vec<Value> = l
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert_eq!(objs.len(), 5, "{}", l.context());
    for o in &objs {
        assert_eq!(o["schema_version"], 1);
        assert!(o["verdict"].is_object() || o["hosts"].is_array(), "{o}");
        assert!(o["endpoint"]["name"].is_string());
    }
    let names: Vec<&str> = objs
        .iter()
        .map(|o| o["endpoint"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["pg-good", "maria-wrong-host", "mongo", "closed", "silent"]
    );
    // The same object a one-target `--json` run prints, plus `endpoint`.
    let single = run(
        &[
            &f.pg,
            "--protocol",
            "postgres",
            "--ca-file",
            &f.root,
            "--json",
        ],
        &[],
    );
    let single: Value = serde_json::from_str(&single.stdout).unwrap();
    let mut keys_one: Vec<&String> = single.as_object().unwrap().keys().collect();
    let mut keys_l: Vec<&String> = objs[0]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "endpoint")
        .collect();
    keys_one.sort();
    keys_l.sort();
    assert_eq!(keys_one, keys_l);

    // junit, parsed by a real XML parser.
    let x = run(&["--config", inv, "--format", "junit"], &[]);
    assert_eq!(x.code, 3);
    let (cases, tests) = junit_cases(&x.stdout);
    assert_eq!(tests, "5");
    assert_eq!(cases.len(), 5, "{}", x.stdout);
    let case = |n: &str| cases.iter().find(|c| c.0 == n).unwrap().1.clone();
    assert_eq!(case("pg-good"), None);
    assert_eq!(case("mongo"), None);
    let (tag, msg) = case("maria-wrong-host").unwrap();
    assert_eq!(tag, "failure");
    assert!(
        msg.contains("db.example.com") || msg.to_lowercase().contains("name"),
        "{msg}"
    );
    assert_eq!(case("closed").unwrap().0, "error");
    assert_eq!(case("silent").unwrap().0, "error");

    // github: annotations pointing at the inventory lines, and the summary file.
    let summary = f.dir.path().join("step-summary.md");
    let g = run(
        &["--config", inv, "--format", "github"],
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    assert_eq!(g.code, 3);
    let errors: Vec<&str> = g
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), 3, "{}", g.context());
    for e in &errors {
        assert!(
            e.contains(&format!("file={}", inv.replace(':', "%3A"))),
            "{e}"
        );
        assert!(e.contains(",line="), "{e}");
        assert!(e.contains(",title=tlscheck "), "{e}");
        let (_, message) = e.split_once("::").unwrap().1.split_once("::").unwrap();
        assert!(!message.is_empty() && !message.contains('\n'));
    }
    assert!(g
        .stdout
        .lines()
        .any(|l| l.starts_with("::error") && l.contains("maria-wrong-host")));
    let md = std::fs::read_to_string(&summary).expect("summary written");
    assert!(md.starts_with("### tlscheck: 5 endpoints"), "{md}");
    assert!(md.contains("| ❌ fail | maria-wrong-host |"), "{md}");
    assert_eq!(
        md.lines().filter(|l| l.starts_with("| ")).count(),
        6,
        "{md}"
    );

    // markdown alone.
    let m = run(&["--config", inv, "--format", "markdown"], &[]);
    assert_eq!(m.code, 3);
    assert_eq!(m.stdout, md);

    // --output: the file gets the machine format, the terminal the summary.
    let file = f.dir.path().join("report.xml");
    let o = run(
        &[
            "--config",
            inv,
            "--format",
            "junit",
            "--output",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.code, 3);
    assert!(o.stdout.starts_with("RESULT"), "{}", o.context());
    assert!(!o.stdout.contains("── "), "{}", o.context());
    assert_eq!(
        junit_cases(&std::fs::read_to_string(&file).unwrap())
            .0
            .len(),
        5
    );
}

#[test]
fn expectations_turn_a_met_expectation_into_a_pass() {
    let f = fleet();
    // Every endpoint as it should be: the wrong host must fail, the closed
    // and silent ports must not answer, TLS 1.3 at least on PostgreSQL.
    let met = f.inventory(
        "met.toml",
        &[
            ("pg-good", "min_tls = \"1.3\""),
            ("maria-wrong-host", "expect = \"fail\""),
            ("closed", "expect = \"unreachable\""),
            ("silent", "expect = \"unreachable\""),
        ],
    );
    let r = run(
        &["--config", met.to_str().unwrap(), "--format", "json"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.context());
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let maria = doc["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "maria-wrong-host")
        .unwrap();
    assert_eq!(maria["status"], "pass");
    assert_eq!(maria["check_exit_code"], 1);
    assert!(maria["reason"]
        .as_str()
        .unwrap()
        .starts_with("fails, as expected"));

    // An expectation not met is a failure: mongo passes but must fail;
    // PostgreSQL capped at TLS 1.2 does not meet min_tls 1.3.
    let unmet = f.inventory(
        "unmet.toml",
        &[
            ("pg-good", "min_tls = \"1.3\"\ntls_max = \"1.2\""),
            ("mongo", "expect = \"fail\""),
            ("closed", "expect = \"unreachable\""),
            ("silent", "expect = \"unreachable\""),
            ("maria-wrong-host", "expect = \"fail\""),
        ],
    );
    let r = run(
        &["--config", unmet.to_str().unwrap(), "--format", "json"],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.context());
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let get = |n: &str| {
        doc["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(get("mongo")["status"], "fail");
    assert!(get("mongo")["reason"]
        .as_str()
        .unwrap()
        .starts_with("expected to fail, but passes"));
    let pg = get("pg-good");
    assert_eq!(pg["status"], "fail", "{pg:#}");
    assert!(
        pg["reason"]
            .as_str()
            .unwrap()
            .contains("negotiated TLSv1.2"),
        "{pg:#}"
    );
}

#[test]
fn targets_from_arguments_and_a_file_duplicates_once_unreachable_is_a_result() {
    let dir = tempfile::tempdir().unwrap();
    let a = closed_port();
    let list = dir.path().join("targets.txt");
    std::fs::write(
        &list,
        format!("# closed ports\n\n127.0.0.1:{a}\n127.0.0.1:{a}\n"),
    )
    .unwrap();
    let r = run(
        &[
            &format!("127.0.0.1:{a}"),
            "--targets",
            list.to_str().unwrap(),
            "--protocol",
            "postgres",
            "--format",
            "jsonl",
        ],
        &[],
    );
    assert_eq!(r.code, 3, "{}", r.context());
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.context());
    assert!(
        r.stderr
            .contains("targets.txt:3: same target and options as argument 1: checked once"),
        "{}",
        r.context()
    );

    // stdin as the file.
    let mut child = tlscheck()
        .args([
            "connect",
            "--targets",
            "-",
            "--protocol",
            "postgres",
            "--format",
            "jsonl",
            "--quiet",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("127.0.0.1:{a}\n127.0.0.1:{}\n", closed_port()).as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 2);
}

#[test]
fn the_deadline_reports_unfinished_checks_unreachable() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let start = Instant::now();
    let r = run(
        &[
            &addr,
            "postgres://127.0.0.1:1/",
            "--protocol",
            "postgres",
            "--timeout",
            "30",
            "--deadline",
            "1",
            "--format",
            "json",
        ],
        &[],
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(r.code, 3, "{}", r.context());
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let reason = doc["endpoints"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("--deadline of 1 s"), "{reason}");
}

/// One TARGET takes `--deadline` too, as the whole run's limit: a check
/// still waiting then is reported unreachable, as in a run over many.
#[test]
fn the_deadline_bounds_a_single_target() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let start = Instant::now();
    let r = run(
        &[
            &addr,
            "--protocol",
            "postgres",
            "--timeout",
            "30",
            "--deadline",
            "1",
            "--json",
        ],
        &[],
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(r.code, 3, "{}", r.context());
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let reason = doc["verdict"]["reason"].as_str().unwrap();
    assert!(reason.contains("--deadline of 1 s"), "{reason}");
}

/// A PostgreSQL-protocol stand-in that refuses TLS ('N') after `hold`,
/// counting connections: being served now, most at once, in all.
struct Counter {
    port: u16,
    most: Arc<AtomicUsize>,
    total: Arc<AtomicUsize>,
}

fn counting_server(hold: Duration) -> Counter {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let total = Arc::new(AtomicUsize::new(0));
    let (n, m, t) = (now.clone(), most.clone(), total.clone());
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let (n, m) = (n.clone(), m.clone());
            t.fetch_add(1, Ordering::SeqCst);
            let open = n.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(open, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut req = [0u8; 8];
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = s.read_exact(&mut req);
                std::thread::sleep(hold);
                // Counted as closed before the answer goes out: the client
                // cannot start its next check before reading it, so the
                // count never includes a connection on its way out.
                n.fetch_sub(1, Ordering::SeqCst);
                let _ = s.write_all(b"N");
                let _ = s.shutdown(std::net::Shutdown::Write);
                let mut rest = Vec::new();
                let _ = s.read_to_end(&mut rest);
                drop::<TcpStream>(s);
            });
        }
    });
    Counter { port, most, total }
}

#[test]
fn at_most_per_endpoint_checks_at_once_against_one_host() {
    for limit in [2usize, 4] {
        let c = counting_server(Duration::from_millis(300));
        let dir = tempfile::tempdir().unwrap();
        let inv = dir.path().join("same-host.toml");
        let mut text = String::new();
        // Ten checks of one host:port, each with other options.
        for i in 0..10 {
            text.push_str(&format!(
                "[[endpoint]]\nname = \"e{i}\"\ntarget = \"127.0.0.1:{}\"\nprotocol = \"postgres\"\nmode = \"require\"\nwarn_days = {}\n",
                c.port,
                i + 1
            ));
        }
        std::fs::write(&inv, text).unwrap();
        let r = run(
            &[
                "--config",
                inv.to_str().unwrap(),
                "--jobs",
                "16",
                "--per-endpoint",
                &limit.to_string(),
                "--format",
                "json",
            ],
            &[],
        );
        assert_eq!(r.code, 1, "{}", r.context());
        assert_eq!(c.total.load(Ordering::SeqCst), 10, "one connection a check");
        let most = c.most.load(Ordering::SeqCst);
        assert!(most <= limit, "{most} connections at once, limit {limit}");
        assert!(most >= 2, "checks ran one at a time ({most})");
    }
}

#[test]
fn bad_input_is_a_usage_error_naming_file_line_and_key_before_any_connection() {
    let c = counting_server(Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let good = format!(
        "[[endpoint]]\nname = \"a\"\ntarget = \"127.0.0.1:{}\"\nprotocol = \"postgres\"\n",
        c.port
    );
    let cases = [
        (
            format!("{good}modee = \"require\"\n"),
            "bad.toml:5: modee: unknown field",
        ),
        (
            format!("{good}mode = \"sometimes\"\n"),
            "bad.toml:5: mode: `sometimes` is not a mode",
        ),
        (format!("{good}warn_days = -3\n"), "bad.toml:5: warn_days:"),
        (format!("{good}expect = \"maybe\"\n"), "bad.toml:5: expect:"),
        (
            format!("{good}{good}"),
            "bad.toml:6: name: duplicate name `a` (first at line 2)",
        ),
        (
            format!("{good}[[endpoint]]\nname = \"b\"\n"),
            "bad.toml:5: target: this [[endpoint]] has no target",
        ),
        (
            format!("[defaults]\ncolour = 1\n{good}"),
            "bad.toml:2: colour: unknown field",
        ),
    ];
    for (text, want) in cases {
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, &text).unwrap();
        let r = run(&["--config", path.to_str().unwrap()], &[]);
        assert_eq!(r.code, 2, "{text}\n{}", r.context());
        assert!(
            r.stderr.contains(want),
            "want {want:?}\n{text}\n{}",
            r.context()
        );
    }
    // A target file's bad line is named too.
    let list = dir.path().join("targets.txt");
    std::fs::write(&list, format!("127.0.0.1:{}\npostgres://[::1/\n", c.port)).unwrap();
    let r = run(&["--targets", list.to_str().unwrap()], &[]);
    assert_eq!(r.code, 2, "{}", r.context());
    assert!(
        r.stderr.contains("targets.txt:2: bad target"),
        "{}",
        r.context()
    );
    assert_eq!(
        c.total.load(Ordering::SeqCst),
        0,
        "no connection before the input is good"
    );
}
