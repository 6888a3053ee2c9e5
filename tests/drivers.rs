//! The conformance suite in which the real drivers decide every cell
//! (`tests/drivers/README.md`): for each certificate scenario, served by a
//! real PostgreSQL, MariaDB and MongoDB-wire server, every driver in
//! [`DRIVERS`] connects twice (its usual verifying configuration and its
//! usual encrypting-only one), and `tlscheck connect --client ID …` must
//! decide as it did, cell by cell.
//!
//! Layout: two pipelines run side by side. PostgreSQL and MariaDB: one
//! server each for the whole suite, their certificate swapped per scenario
//! (PostgreSQL `pg_ctl reload`, MariaDB `FLUSH SSL`; the suite waits until
//! `openssl s_client` sees the new leaf), each language's runner started
//! once and asked one scenario after another. MongoDB: SecantusDB cannot
//! reload, so one server per distinct certificate, all alive at once, and
//! every scenario's cases in one batch, shared out among
//! [`MONGO_SHARDS`] instances of each runner (a MongoDB driver waits its
//! whole server-selection timeout on a failed handshake). The servers run
//! at OpenSSL security level 0 so that they serve the weak leaves. Each
//! answer's `tlscheck` arguments run as soon as it arrives, so at most one
//! tlscheck per runner at a time. Names resolve through the suite's own
//! hosts file (see `support/drivers.rs`).
//!
//! The agreement is printed and written to `target/drivers-agreement.md`.
//! For development, `DRIVERS_ONLY=node,go` and `DRIVERS_SCENARIOS=good,expired`
//! narrow a run, and `DRIVERS_WITHOUT_CLIENT=1` asks tlscheck without
//! `--client` (its default rules); such a run always fails, so it is never
//! mistaken for the suite passing.

#[path = "support/drivers.rs"]
mod drivers_support;
mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use drivers_support::{
    same_pem, served_leaf_pem, tlscheck_verdict, write_seclevel0_conf, Answer, Case, Driver, Hosts,
    Lang, Proto, Runner, Verdict, DRIVERS, LANGS,
};
use support::mariadb::{MariaOptions, MariaServer};
use support::mongo::{MongoOptions, MongoServer};
use support::pki::{self, openssl_issue, Ca, Issued, LeafSpec, OpensslSpec};
use support::postgres::{PgOptions, PgServer};

/// Seconds a driver may take for one connection (its connect timeout). A
/// PostgreSQL or MySQL driver fails a bad certificate at once, so this only
/// bounds a hang.
const CASE_TIMEOUT_S: u64 = 10;
/// The same for MongoDB drivers: their server selection waits this long
/// after a failed handshake (all but Node's runner), so it is the price of
/// every failing cell.
const MONGO_CASE_TIMEOUT_S: u64 = 5;
/// SecantusDB servers per pipeline are shared out among this many
/// instances of each runner, so that the MongoDB drivers' waits overlap.
const MONGO_SHARDS: usize = 2;
/// How long past that an answer may take before the runner counts as hung
/// (a JVM's first connection loads many classes).
const RUNNER_SLACK: Duration = Duration::from_secs(30);

/// Names of the wildcard scenarios, resolved to 127.0.0.1 by the suite's
/// hosts file.
const WILDCARD_HIT: &str = "pg1.db.test";
const WILDCARD_MISS: &str = "a.pg1.db.test";

/// One certificate scenario: what the servers serve, and the name the
/// clients use. Every client trusts [`Pki::root`] only.
#[derive(Clone)]
struct Scenario {
    name: &'static str,
    what: &'static str,
    host: &'static str,
    /// Served chain (leaf first) and the leaf's key.
    chain: String,
    key: String,
    leaf: String,
}

struct Pki {
    root_file: PathBuf,
    scenarios: Vec<Scenario>,
}

fn scenario(
    name: &'static str,
    what: &'static str,
    host: &'static str,
    leaf: &Issued,
    chain_rest: &[&str],
) -> Scenario {
    let mut chain = leaf.cert_pem.clone();
    for pem in chain_rest {
        if !chain.ends_with('\n') {
            chain.push('\n');
        }
        chain.push_str(pem);
    }
    Scenario {
        name,
        what,
        host,
        chain,
        key: leaf.key_pem.clone(),
        leaf: leaf.cert_pem.clone(),
    }
}

fn build_pki(dir: &Path) -> Pki {
    let root = Ca::root("tlscheck drivers root");
    let inter = root.intermediate("tlscheck drivers intermediate");
    let inter_pem = inter.cert_pem();
    let root_file = pki::write(dir, "root.pem", &[&root.cert_pem()]);
    let both = ["localhost", "127.0.0.1"];
    let spec = || LeafSpec::for_names(&both);

    let good = inter.leaf_rsa_shared_key(&spec());
    let other_root = Ca::root("tlscheck drivers other root");
    let other_inter = other_root.intermediate("tlscheck drivers other intermediate");
    let unknown = other_inter.leaf_rsa_shared_key(&spec());
    let rsa_inter = openssl_issue(
        &root.cert_pem(),
        &root.key_pem(),
        "tlscheck drivers RSA intermediate",
        &[],
        OpensslSpec {
            rsa_bits: 2048,
            digest: "sha256",
            ca: true,
        },
    );
    let sha1 = openssl_issue(
        &rsa_inter.cert_pem,
        &rsa_inter.key_pem,
        "localhost",
        &both,
        OpensslSpec {
            rsa_bits: 2048,
            digest: "sha1",
            ca: false,
        },
    );
    let rsa1024 = openssl_issue(
        &inter_pem,
        &inter.key_pem(),
        "localhost",
        &both,
        OpensslSpec {
            rsa_bits: 1024,
            digest: "sha256",
            ca: false,
        },
    );
    let i = [inter_pem.as_str()];
    let scenarios = vec![
        scenario(
            "good",
            "root → intermediate → RSA-2048 leaf (localhost, 127.0.0.1), reached as localhost",
            "localhost",
            &good,
            &i,
        ),
        scenario(
            "good-ip",
            "the good chain, reached as 127.0.0.1 (IP SAN)",
            "127.0.0.1",
            &good,
            &i,
        ),
        scenario(
            "wrong-host",
            "leaf for other.example.net only, reached as localhost",
            "localhost",
            &inter.leaf_rsa_shared_key(&LeafSpec::for_names(&["other.example.net"])),
            &i,
        ),
        scenario(
            "expired",
            "leaf expired a day ago",
            "localhost",
            &inter.leaf_rsa_shared_key(&spec().expired()),
            &i,
        ),
        scenario(
            "not-yet-valid",
            "leaf valid from in 30 days",
            "localhost",
            &inter.leaf_rsa_shared_key(&spec().not_yet_valid()),
            &i,
        ),
        scenario(
            "self-signed",
            "self-signed ECDSA leaf (localhost, 127.0.0.1); the client trusts the root only",
            "localhost",
            &Ca::self_signed_leaf(&spec()),
            &[],
        ),
        scenario(
            "unknown-ca",
            "leaf + intermediate from another root",
            "localhost",
            &unknown,
            &[&other_inter.cert_pem()],
        ),
        scenario(
            "missing-intermediate",
            "the good leaf served alone",
            "localhost",
            &good,
            &[],
        ),
        scenario(
            "cn-only-name",
            "CN=localhost, no subjectAltName, reached as localhost",
            "localhost",
            &inter.leaf_rsa_shared_key(&LeafSpec::for_names(&[]).cn_only("localhost")),
            &i,
        ),
        scenario(
            "cn-only-ip",
            "CN=127.0.0.1, no subjectAltName, reached as 127.0.0.1",
            "127.0.0.1",
            &inter.leaf_rsa_shared_key(&LeafSpec::for_names(&[]).cn_only("127.0.0.1")),
            &i,
        ),
        scenario(
            "wildcard",
            "*.db.test reached as pg1.db.test",
            WILDCARD_HIT,
            &inter.leaf_rsa_shared_key(&LeafSpec::for_names(&["*.db.test"])),
            &i,
        ),
        scenario(
            "wildcard-two-labels",
            "*.db.test reached as a.pg1.db.test",
            WILDCARD_MISS,
            &inter.leaf_rsa_shared_key(&LeafSpec::for_names(&["*.db.test"])),
            &i,
        ),
        scenario(
            "rsa-1024",
            "RSA-1024 leaf (openssl), SHA-256 by the intermediate",
            "localhost",
            &rsa1024,
            &i,
        ),
        scenario(
            "sha1",
            "RSA-2048 leaf signed sha1WithRSAEncryption by an RSA intermediate (openssl)",
            "localhost",
            &sha1,
            &[&rsa_inter.cert_pem],
        ),
        scenario(
            "ecdsa",
            "ECDSA P-256 leaf (localhost, 127.0.0.1)",
            "localhost",
            &inter.leaf(&spec()),
            &i,
        ),
    ];
    Pki {
        root_file,
        scenarios,
    }
}

/// A comma-separated development filter from the environment.
fn filter(var: &str) -> Option<Vec<String>> {
    std::env::var(var)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
}

/// One cell: one driver, one scenario, one configuration.
struct Cell {
    scenario: &'static str,
    driver: &'static Driver,
    verify: bool,
    answer: Option<Answer>,
    verdict: Option<Verdict>,
    /// A harness error: the cell could not be decided.
    problem: Option<String>,
}

impl Cell {
    fn agrees(&self) -> Option<bool> {
        match (&self.answer, &self.verdict, &self.problem) {
            (Some(a), Some(v), None) => Some(a.ok == (v.code == 0)),
            _ => None,
        }
    }

    fn config_word(&self) -> &'static str {
        if self.verify {
            "verify"
        } else {
            "no-verify"
        }
    }
}

/// Decide one answer: check it is the driver's and its version, then ask
/// tlscheck the same question.
fn decide(
    hosts: &Hosts,
    driver: &'static Driver,
    case: &Case,
    got: Result<Answer, String>,
) -> Cell {
    let scenario = case.id.split('/').next().unwrap_or_default();
    let scenario: &'static str = Box::leak(scenario.to_string().into_boxed_str());
    let mut cell = Cell {
        scenario,
        driver,
        verify: case.verify,
        answer: None,
        verdict: None,
        problem: None,
    };
    let answer = match got {
        Ok(a) => a,
        Err(e) => {
            cell.problem = Some(e);
            return cell;
        }
    };
    let check = || -> Result<Vec<String>, String> {
        if answer.driver != driver.name {
            return Err(format!("answer names driver {:?}", answer.driver));
        }
        let Some(args) = answer.tlscheck.clone() else {
            return Err(format!(
                "no tlscheck arguments (driver error: {})",
                answer.error.as_deref().unwrap_or("none")
            ));
        };
        let client = args
            .iter()
            .position(|a| a == "--client")
            .and_then(|i| args.get(i + 1));
        if client.map(String::as_str) != Some(driver.client) {
            return Err(format!(
                "tlscheck arguments name client {client:?}, DRIVERS says {:?}: {args:?}",
                driver.client
            ));
        }
        Ok(args)
    };
    match check() {
        Ok(args) => match tlscheck_verdict(hosts, &without_client(args)) {
            Ok(v) => cell.verdict = Some(v),
            Err(e) => cell.problem = Some(e),
        },
        Err(e) => cell.problem = Some(e),
    }
    cell.answer = Some(answer);
    cell
}

/// Development only (`DRIVERS_WITHOUT_CLIENT=1`): drop `--client ID`, to
/// see how tlscheck's default rules fare against each driver. Such a run
/// always fails.
fn without_client(mut args: Vec<String>) -> Vec<String> {
    if std::env::var_os(WITHOUT_CLIENT).is_some() {
        if let Some(i) = args.iter().position(|a| a == "--client") {
            args.drain(i..(i + 2).min(args.len()));
        }
    }
    args
}

const WITHOUT_CLIENT: &str = "DRIVERS_WITHOUT_CLIENT";

fn wait_served(proto: Proto, port: u16, leaf: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if served_leaf_pem(proto, port).is_some_and(|p| same_pem(&p, leaf)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what} on port {port} did not start serving the scenario's certificate within 20 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

#[test]
fn real_drivers_agree_with_tlscheck() {
    let t0 = Instant::now();
    let only_langs = filter("DRIVERS_ONLY");
    let only_scenarios = filter("DRIVERS_SCENARIOS");
    let narrowed = only_langs.is_some()
        || only_scenarios.is_some()
        || std::env::var_os(WITHOUT_CLIENT).is_some();

    let work_dir = tempfile::Builder::new()
        .prefix("tlscheck-drivers-")
        .tempdir()
        .expect("temp dir");
    let work = work_dir.path();
    let hosts = Hosts::new(work, &[WILDCARD_HIT, WILDCARD_MISS]);
    let seclevel0 = write_seclevel0_conf(work);
    let server_env = vec![("OPENSSL_CONF".to_string(), seclevel0.display().to_string())];
    let wanted = |name: &str| {
        only_scenarios
            .as_ref()
            .is_none_or(|o| o.iter().any(|n| n == name))
    };

    let langs: Vec<&'static Lang> = LANGS
        .iter()
        .filter(|l| {
            only_langs
                .as_ref()
                .is_none_or(|o| o.iter().any(|n| n == l.name))
        })
        .collect();

    // Two pipelines at once. SQL: PostgreSQL and MariaDB start with a
    // placeholder certificate while the PKI is made, then each scenario
    // installs its own in turn. MongoDB: one SecantusDB per certificate, all
    // alive together, so every scenario's cases go in one batch.
    let placeholder = Ca::self_signed_leaf(&LeafSpec::for_names(&["localhost"]));
    let (scenarios, cells, notes, timings, t_pki, t_sql_up) = std::thread::scope(|s| {
        let pg = s.spawn(|| {
            let pg = PgServer::start(PgOptions {
                hba: vec!["hostssl all tlscheck 127.0.0.1/32 trust".into()],
                env: server_env.clone(),
                ..PgOptions::tls(placeholder.cert_pem.clone(), placeholder.key_pem.clone())
            });
            pg.admin_sql("CREATE ROLE tlscheck LOGIN");
            pg
        });
        let maria = s.spawn(|| {
            let m = MariaServer::start(MariaOptions {
                env: server_env.clone(),
                ..MariaOptions::tls(placeholder.cert_pem.clone(), placeholder.key_pem.clone())
            });
            m.admin_sql(
                "CREATE USER tlscheck@'%'; CREATE DATABASE tlscheck; \
                 GRANT ALL ON tlscheck.* TO tlscheck@'%'",
            );
            m
        });
        let pki = build_pki(work);
        let t_pki = t0.elapsed();
        let scenarios: Vec<Scenario> = pki
            .scenarios
            .into_iter()
            .filter(|sc| wanted(sc.name))
            .collect();
        assert!(
            !scenarios.is_empty(),
            "DRIVERS_SCENARIOS matches no scenario"
        );
        let root_file = pki.root_file;
        let mongo = {
            let (scenarios, root_file, hosts, langs) =
                (scenarios.clone(), root_file.clone(), &hosts, &langs);
            s.spawn(move || mongo_pipeline(&scenarios, &root_file, hosts, langs, work))
        };
        let pg = pg.join().expect("PostgreSQL");
        let maria = maria.join().expect("MariaDB");
        let t_sql_up = t0.elapsed();
        let (mut cells, mut notes, timings) =
            sql_pipeline(&pg, &maria, &scenarios, &root_file, &hosts, &langs, work);
        let (mongo_cells, mongo_notes) = mongo.join().expect("MongoDB pipeline");
        cells.extend(mongo_cells);
        notes.extend(mongo_notes);
        (scenarios, cells, notes, timings, t_pki, t_sql_up)
    });
    let scenarios: Vec<&Scenario> = scenarios.iter().collect();

    let report = report(
        &cells,
        &scenarios,
        &notes,
        &timings,
        [t_pki, t_sql_up, t0.elapsed()],
        narrowed,
    );
    println!("{report}");
    let path = target_dir().join("drivers-agreement.md");
    if let Err(e) = std::fs::write(&path, &report) {
        eprintln!("could not write {}: {e}", path.display());
    } else {
        println!("(written to {})", path.display());
    }

    let disagree = cells.iter().filter(|c| c.agrees() == Some(false)).count();
    let broken = cells.iter().filter(|c| c.agrees().is_none()).count();
    let versions = version_mismatches(&cells);
    assert!(
        disagree == 0 && broken == 0 && versions.is_empty() && !narrowed,
        "the real drivers and tlscheck disagree on {disagree} cell(s); {broken} cell(s) could not be decided; \
         {} version mismatch(es){}; see the report above (target/drivers-agreement.md)",
        versions.len(),
        if narrowed {
            "; and a development run (DRIVERS_ONLY / DRIVERS_SCENARIOS / DRIVERS_WITHOUT_CLIENT) never passes"
        } else {
            ""
        }
    );
}

fn make_case(sc: &Scenario, d: &'static Driver, verify: bool, port: u16, root_file: &Path) -> Case {
    Case {
        id: format!(
            "{}/{}/{}",
            sc.name,
            d.name,
            if verify { "verify" } else { "no-verify" }
        ),
        driver: d.name,
        host: sc.host.to_string(),
        port,
        ca: Some(root_file.to_path_buf()),
        verify,
        user: "tlscheck".into(),
        database: match d.proto {
            Proto::Postgres => Some("postgres".into()),
            Proto::Mysql => Some("tlscheck".into()),
            Proto::Mongo => None,
        },
        timeout_s: if d.proto == Proto::Mongo {
            MONGO_CASE_TIMEOUT_S
        } else {
            CASE_TIMEOUT_S
        },
    }
}

/// The cases for one runner: (language, shard) → (driver, case) in order.
type CasesFor<'a> = dyn Fn(&str, usize) -> Vec<(&'static Driver, Case)> + Sync + 'a;

/// Running runners: (language, shard, runner or why it is not running).
type Runners = Vec<(&'static str, usize, Result<Runner, String>)>;

fn start_runners(
    langs: &[&'static Lang],
    shards: usize,
    hosts: &Hosts,
    work: &Path,
    tag: &str,
) -> Runners {
    let mut out = Vec::new();
    for shard in 0..shards {
        for l in langs {
            let tag = format!("{tag}{shard}");
            out.push((l.name, shard, Runner::start(l, hosts, work, &tag)));
        }
    }
    out
}

/// One connection per driver before the first real case, answers
/// discarded: a runner's first connection pays for its start-up (a JVM
/// loading classes), which is not what a cell measures.
fn warm_up(runners: &mut Runners, cases_for: &CasesFor) {
    std::thread::scope(|s| {
        for (lang, shard, runner) in runners.iter_mut() {
            let Ok(r) = runner else { continue };
            let mut seen = Vec::new();
            let cases: Vec<Case> = cases_for(lang, *shard)
                .into_iter()
                .filter(|(d, c)| {
                    !c.verify && !seen.contains(&d.name) && {
                        seen.push(d.name);
                        true
                    }
                })
                .map(|(_, mut c)| {
                    c.id = format!("warm-up:{}", c.id);
                    c
                })
                .collect();
            s.spawn(move || {
                let per_case = Duration::from_secs(CASE_TIMEOUT_S) + RUNNER_SLACK;
                r.ask(&cases, per_case, |_, _| {});
            });
        }
    });
}

/// Close the runners; their stderr tails (or why they never ran) as notes.
fn finish_runners(runners: Runners, tag: &str) -> Vec<String> {
    let mut notes = Vec::new();
    for (lang, _, r) in runners {
        match r {
            Ok(r) => {
                let tail = r.stderr_tail();
                if !tail.trim().is_empty() {
                    notes.push(format!("{lang} runner ({tag}) stderr, last lines:\n{tail}"));
                }
                r.finish();
            }
            Err(why) => notes.push(why),
        }
    }
    notes
}

/// Ask every runner its cases (`cases_for(lang)`), all runners at once,
/// and decide each answer as it arrives.
fn ask_all(runners: &mut Runners, hosts: &Hosts, cases_for: &CasesFor) -> Vec<Cell> {
    std::thread::scope(|s| {
        let handles: Vec<_> = runners
            .iter_mut()
            .map(|(lang, shard, runner)| {
                let cases = cases_for(lang, *shard);
                s.spawn(move || {
                    let mut out = Vec::new();
                    match runner {
                        Err(why) => {
                            for (d, c) in &cases {
                                out.push(decide(hosts, d, c, Err(why.clone())));
                            }
                        }
                        Ok(r) => {
                            let only: Vec<Case> = cases.iter().map(|(_, c)| c.clone()).collect();
                            let per_case = Duration::from_secs(CASE_TIMEOUT_S) + RUNNER_SLACK;
                            r.ask(&only, per_case, |c, got| {
                                let d = cases
                                    .iter()
                                    .find(|(_, k)| k.id == c.id)
                                    .map(|(d, _)| *d)
                                    .expect("case of ours");
                                out.push(decide(hosts, d, c, got));
                            });
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("runner thread"))
            .collect()
    })
}

/// PostgreSQL and MariaDB drivers: scenario after scenario, the servers'
/// certificate swapped in between.
fn sql_pipeline(
    pg: &PgServer,
    maria: &MariaServer,
    scenarios: &[Scenario],
    root_file: &Path,
    hosts: &Hosts,
    langs: &[&'static Lang],
    work: &Path,
) -> (Vec<Cell>, Vec<String>, Vec<(String, Duration)>) {
    let mut runners = start_runners(langs, 1, hosts, work, "sql");
    let mut cells = Vec::new();
    let mut timings = Vec::new();
    for (i, sc) in scenarios.iter().enumerate() {
        let ts = Instant::now();
        std::thread::scope(|s| {
            s.spawn(|| {
                pg.replace_tls(&sc.chain, &sc.key);
                wait_served(Proto::Postgres, pg.port, &sc.leaf, "PostgreSQL");
            });
            s.spawn(|| {
                maria.replace_tls(&sc.chain, &sc.key);
                wait_served(Proto::Mysql, maria.port, &sc.leaf, "MariaDB");
            });
        });
        let cases_for = |lang: &str, _: usize| -> Vec<(&'static Driver, Case)> {
            DRIVERS
                .iter()
                .filter(|d| d.lang == lang && d.proto != Proto::Mongo)
                .flat_map(|d| {
                    let port = if d.proto == Proto::Postgres {
                        pg.port
                    } else {
                        maria.port
                    };
                    [true, false].map(|v| (d, make_case(sc, d, v, port, root_file)))
                })
                .collect()
        };
        if i == 0 {
            warm_up(&mut runners, &cases_for);
        }
        cells.extend(ask_all(&mut runners, hosts, &cases_for));
        timings.push((sc.name.to_string(), ts.elapsed()));
        eprintln!(
            "drivers: scenario {} (PostgreSQL, MariaDB) done in {:.1?}",
            sc.name,
            ts.elapsed()
        );
    }
    (cells, finish_runners(runners, "sql"), timings)
}

/// MongoDB drivers: one SecantusDB per distinct certificate, every
/// scenario's cases in one batch per runner.
fn mongo_pipeline(
    scenarios: &[Scenario],
    root_file: &Path,
    hosts: &Hosts,
    langs: &[&'static Lang],
    work: &Path,
) -> (Vec<Cell>, Vec<String>) {
    let t = Instant::now();
    let mut runners = start_runners(langs, MONGO_SHARDS, hosts, work, "mongodb");
    let mut chains: Vec<(&str, &str)> = Vec::new();
    for sc in scenarios {
        if !chains.contains(&(sc.chain.as_str(), sc.key.as_str())) {
            chains.push((&sc.chain, &sc.key));
        }
    }
    let servers: Vec<MongoServer> = std::thread::scope(|s| {
        let handles: Vec<_> = chains
            .iter()
            .map(|(chain, key)| {
                let tls = Some((chain.to_string(), key.to_string()));
                s.spawn(move || {
                    MongoServer::start_weak_ok(MongoOptions {
                        tls,
                        standalone: true,
                        client_ca: None,
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("SecantusDB"))
            .collect()
    });
    eprintln!(
        "drivers: {} SecantusDB servers up in {:.1?}",
        servers.len(),
        t.elapsed()
    );
    let port_of = |sc: &Scenario| {
        let i = chains
            .iter()
            .position(|(c, k)| *c == sc.chain && *k == sc.key)
            .expect("a server per chain");
        servers[i].port
    };
    let cases_for = |lang: &str, shard: usize| -> Vec<(&'static Driver, Case)> {
        scenarios
            .iter()
            .enumerate()
            .filter(|(i, _)| i % MONGO_SHARDS == shard)
            .flat_map(|(_, sc)| {
                DRIVERS
                    .iter()
                    .filter(move |d| d.lang == lang && d.proto == Proto::Mongo)
                    .flat_map(move |d| {
                        [true, false].map(|v| (d, make_case(sc, d, v, port_of(sc), root_file)))
                    })
            })
            .collect()
    };
    warm_up(&mut runners, &cases_for);
    let cells = ask_all(&mut runners, hosts, &cases_for);
    eprintln!("drivers: MongoDB done in {:.1?}", t.elapsed());
    (cells, finish_runners(runners, "mongodb"))
}

/// Drivers whose runner reported another version than [`DRIVERS`] holds.
fn version_mismatches(cells: &[Cell]) -> BTreeMap<&'static str, (String, &'static str)> {
    let mut out = BTreeMap::new();
    for c in cells {
        if let Some(a) = &c.answer {
            let got = a.version.clone().unwrap_or_else(|| "(none)".into());
            if got != c.driver.version {
                out.insert(c.driver.name, (got, c.driver.version));
            }
        }
    }
    out
}

fn one_line(s: &str) -> String {
    let s = s.lines().next().unwrap_or("").replace('|', "\\|");
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s
    }
}

fn report(
    cells: &[Cell],
    scenarios: &[&Scenario],
    notes: &[String],
    timings: &[(String, Duration)],
    [t_pki, t_servers, t_all]: [Duration; 3],
    narrowed: bool,
) -> String {
    let mut r = String::new();
    let _ = writeln!(r, "# Real drivers vs tlscheck --client\n");
    if narrowed {
        let _ = writeln!(
            r,
            "**Development run (DRIVERS_ONLY / DRIVERS_SCENARIOS / DRIVERS_WITHOUT_CLIENT): not the suite.**\n"
        );
    }
    let _ = writeln!(
        r,
        "{} scenarios, {} cells; {:.0?} in all (PKI {:.1?}, servers up at {:.1?}).\n",
        scenarios.len(),
        cells.len(),
        t_all,
        t_pki,
        t_servers
    );
    let versions = version_mismatches(cells);
    let _ = writeln!(
        r,
        "| driver | runner | --client | version | agree / cells | undecided |"
    );
    let _ = writeln!(r, "| --- | --- | --- | --- | --- | --- |");
    for d in DRIVERS {
        let mine: Vec<&Cell> = cells.iter().filter(|c| c.driver.name == d.name).collect();
        if mine.is_empty() {
            continue;
        }
        let agree = mine.iter().filter(|c| c.agrees() == Some(true)).count();
        let undecided = mine.iter().filter(|c| c.agrees().is_none()).count();
        let version = match versions.get(d.name) {
            Some((got, want)) => format!("**{got}** (DRIVERS says {want})"),
            None => d.version.to_string(),
        };
        let _ = writeln!(
            r,
            "| {} | {} | {} | {} | {agree} / {} | {undecided} |",
            d.name,
            d.lang,
            d.client,
            version,
            mine.len()
        );
    }

    let _ = writeln!(r, "\n## What each driver did\n");
    let _ = writeln!(
        r,
        "Each cell: verify / no-verify, `ok` = connected (or refused the login after TLS), \
         `no` = failed; `!` = tlscheck decided otherwise, `?` = undecided.\n"
    );
    let drivers: Vec<&Driver> = DRIVERS
        .iter()
        .filter(|d| cells.iter().any(|c| c.driver.name == d.name))
        .collect();
    let _ = write!(r, "| scenario |");
    for d in &drivers {
        let _ = write!(r, " {} |", d.name);
    }
    let _ = write!(r, "\n| --- |");
    for _ in &drivers {
        let _ = write!(r, " --- |");
    }
    let _ = writeln!(r);
    for sc in scenarios {
        let _ = write!(r, "| {} |", sc.name);
        for d in &drivers {
            let mut parts = Vec::new();
            for verify in [true, false] {
                let cell = cells.iter().find(|c| {
                    c.scenario == sc.name && c.driver.name == d.name && c.verify == verify
                });
                parts.push(match cell {
                    None => "-".to_string(),
                    Some(c) => {
                        let word = match &c.answer {
                            Some(a) if a.ok => "ok",
                            Some(_) => "no",
                            None => "",
                        };
                        match c.agrees() {
                            Some(true) => word.to_string(),
                            Some(false) => format!("{word}!"),
                            None => format!("{word}?"),
                        }
                    }
                });
            }
            let _ = write!(r, " {} |", parts.join(" / "));
        }
        let _ = writeln!(r);
    }

    let _ = writeln!(r, "\n## Scenarios\n");
    for sc in scenarios {
        let t = timings
            .iter()
            .find(|(n, _)| n == sc.name)
            .map(|(_, t)| format!("{t:.1?}"))
            .unwrap_or_default();
        let _ = writeln!(r, "- `{}` ({}, {t}): {}", sc.name, sc.host, sc.what);
    }

    let disagreements: Vec<&Cell> = cells.iter().filter(|c| c.agrees() == Some(false)).collect();
    let _ = writeln!(r, "\n## Disagreements ({})\n", disagreements.len());
    for c in &disagreements {
        let a = c.answer.as_ref().expect("answer");
        let v = c.verdict.as_ref().expect("verdict");
        let _ = writeln!(
            r,
            "- **{} / {} / {}**: the driver {} ({}); tlscheck exit {}: {}\n  - config: {}\n  - tlscheck connect {}",
            c.scenario,
            c.driver.name,
            c.config_word(),
            if a.ok { "connected" } else { "failed" },
            one_line(a.error.as_deref().unwrap_or(if a.auth_refused { "login refused after TLS" } else { "no error" })),
            v.code,
            one_line(&v.summary),
            one_line(a.config.as_deref().unwrap_or("?")),
            a.tlscheck.as_ref().map(|t| t.join(" ")).unwrap_or_default()
        );
    }

    let _ = writeln!(r, "\n## Every failure a driver reported\n");
    for sc in scenarios {
        for c in cells.iter().filter(|c| c.scenario == sc.name) {
            if let Some(a) = c.answer.as_ref().filter(|a| !a.ok) {
                let _ = writeln!(
                    r,
                    "- {} / {} / {}: {}",
                    c.scenario,
                    c.driver.name,
                    c.config_word(),
                    one_line(a.error.as_deref().unwrap_or("(no error text)"))
                );
            }
        }
    }

    let mut problems: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in cells {
        if let Some(p) = &c.problem {
            problems.entry(p.clone()).or_default().push(format!(
                "{}/{}/{}",
                c.scenario,
                c.driver.name,
                c.config_word()
            ));
        }
    }
    let undecided = cells.iter().filter(|c| c.agrees().is_none()).count();
    let _ = writeln!(
        r,
        "\n## Undecided cells ({undecided}): harness errors, not disagreements\n"
    );
    for (p, ids) in &problems {
        let shown: Vec<&str> = ids.iter().take(4).map(String::as_str).collect();
        let _ = writeln!(
            r,
            "- {} cell(s), e.g. {}{}:\n  ```\n  {}\n  ```",
            ids.len(),
            shown.join(", "),
            if ids.len() > shown.len() { ", …" } else { "" },
            p.trim().replace('\n', "\n  ")
        );
    }
    if !notes.is_empty() {
        let _ = writeln!(r, "\n## Runners\n");
        for n in notes {
            let _ = writeln!(r, "```\n{}\n```", n.trim());
        }
    }
    r
}

/// A profile says "checked against the real client" exactly when a test
/// drives that client: this suite's drivers, psql and the mariadb client
/// (`tests/conformance.rs`), PyMongo (`tests/mongo.rs`).
#[test]
fn verified_profiles_are_the_ones_a_test_drives() {
    let mut driven: std::collections::BTreeSet<&str> = drivers_support::covered()
        .iter()
        .map(|(id, _, _)| *id)
        .collect();
    driven.extend(["libpq", "mariadb", "pymongo"]);
    let verified: std::collections::BTreeSet<&str> = tlscheck::clients::ALL
        .iter()
        .filter(|p| p.verified.is_some())
        .map(|p| p.id)
        .collect();
    assert_eq!(
        verified, driven,
        "profiles marked verified vs clients the tests drive"
    );
    for id in &driven {
        assert!(
            tlscheck::clients::find(id).is_some(),
            "{id}: no such profile"
        );
    }
}
