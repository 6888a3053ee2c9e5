//! The soak test behind `bench/soak.sh`: one long-lived process runs many
//! checks through the library, as `tlscheck connect` does, and samples its
//! open file descriptors, threads and memory from /proc as it goes. A leak
//! can only show in a process that lives on, hence a program and not a
//! loop of `tlscheck` processes.
//!
//! Usage: soak SEQ_FILE FLEET_FILE [--checks N] [--every N] [--runs R]
//!             [--ca-file FILE] [--timeout S]
//!
//! Phase 1 makes N checks one after the other, cycling through SEQ_FILE's
//! lines, each resolved and run exactly as main.rs runs one TARGET
//! (`settings::resolve`, `check::run_target_blocking`, both renderings).
//! Phase 2 runs every target of FLEET_FILE R times through the fleet runner
//! (`fleet::run`, as `connect --targets FILE`). A line is a target, then
//! optional `timeout=S`, `user=NAME`, `mode=MODE` and `expect=CODE` (the
//! exit code the check must give; a check giving another is counted as a
//! surprise, which fails the soak as a panic does).
//!
//! It prints one sample a line (`phase check fds threads rss_kib hwm_kib`),
//! then the verdict; exit 1 on a panic, a surprise or a clear leak.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clap::ValueEnum;
use tlscheck::fleet::{inventory, run};
use tlscheck::report::human::{render_checked, Painter};
use tlscheck::request::{Mode, ProcessEnv, Request};

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Leak thresholds: "clear" leaks, well above what the allocator's
/// fragmentation does to RSS over a run (measured: see README).
const MAX_FD_GROWTH: i64 = 4;
const MAX_THREAD_GROWTH: i64 = 4;
const MAX_KIB_PER_1000: f64 = 512.0;

struct Args {
    seq: PathBuf,
    fleet: PathBuf,
    checks: usize,
    every: usize,
    runs: usize,
    ca_file: Option<String>,
    timeout: f64,
}

/// One line of a targets file.
#[derive(Clone)]
struct Line {
    request: Request,
    expect: Option<i32>,
}

/// One reading of /proc/self.
#[derive(Clone, Copy)]
struct Sample {
    check: usize,
    fds: i64,
    threads: i64,
    rss_kib: i64,
    hwm_kib: i64,
}

fn main() {
    let args = match parse_args(std::env::args().skip(1).collect()) {
        Ok(a) => a,
        Err(why) => {
            eprintln!("soak: {why}");
            std::process::exit(2);
        }
    };
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    let seq = read_lines(&args.seq, &args);
    let fleet = read_lines(&args.fleet, &args);
    println!(
        "{:<6} {:>7} {:>5} {:>7} {:>9} {:>9} {:>8}",
        "phase", "check", "fds", "threads", "rss_MiB", "hwm_MiB", "secs"
    );
    let start = Instant::now();
    let (seq_samples, seq_surprises) = sequential(&seq, &args, start);
    let (fleet_samples, fleet_surprises) = fleet_runs(&fleet, &args, start);
    let ok = verdict("sequential", &seq_samples, args.checks / 10, seq_surprises)
        & verdict("fleet", &fleet_samples, 2 * fleet.len(), fleet_surprises);
    let panics = PANICS.load(Ordering::SeqCst);
    println!("panics: {panics}");
    std::process::exit(if ok && panics == 0 { 0 } else { 1 });
}

fn parse_args(argv: Vec<String>) -> Result<Args, String> {
    let mut files = Vec::new();
    let mut a = Args {
        seq: PathBuf::new(),
        fleet: PathBuf::new(),
        checks: 10_000,
        every: 500,
        runs: 10,
        ca_file: None,
        timeout: 2.0,
    };
    let mut it = argv.into_iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        let number = |v: String| v.parse::<usize>().map_err(|e| format!("{arg} {v}: {e}"));
        match arg.as_str() {
            "--checks" => a.checks = number(value()?)?,
            "--every" => a.every = number(value()?)?.max(1),
            "--runs" => a.runs = number(value()?)?,
            "--ca-file" => a.ca_file = Some(value()?),
            "--timeout" => a.timeout = value()?.parse().map_err(|e| format!("--timeout: {e}"))?,
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg}")),
            _ => files.push(PathBuf::from(arg)),
        }
    }
    let [seq, fleet] =
        <[PathBuf; 2]>::try_from(files).map_err(|_| "give SEQ_FILE and FLEET_FILE".to_string())?;
    (a.seq, a.fleet) = (seq, fleet);
    Ok(a)
}

/// The lines of a targets file as requests with the soak's options.
fn read_lines(path: &PathBuf, args: &Args) -> Vec<Line> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let lines: Vec<Line> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| parse_line(l, args))
        .collect();
    assert!(!lines.is_empty(), "{} holds no target", path.display());
    lines
}

fn parse_line(line: &str, args: &Args) -> Line {
    let mut words = line.split_whitespace();
    let mut request = Request::new(words.next().unwrap_or_default());
    request.ca_file = args.ca_file.clone();
    request.timeout = Some(args.timeout);
    let mut expect = None;
    for word in words {
        match word.split_once('=') {
            Some(("timeout", v)) => request.timeout = v.parse().ok(),
            Some(("user", v)) => request.user = Some(v.to_string()),
            Some(("mode", v)) => request.mode = Mode::from_str(v, true).ok(),
            Some(("expect", v)) => expect = v.parse().ok(),
            _ => panic!("{line}: cannot read `{word}`"),
        }
    }
    Line { request, expect }
}

/// /proc/self now: open descriptors, threads, VmRSS and VmHWM.
fn sample(check: usize) -> Sample {
    // read_dir holds one descriptor of its own while it lists.
    let fds = std::fs::read_dir("/proc/self/fd").map_or(-1, |d| d.count() as i64 - 1);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(-1)
    };
    Sample {
        check,
        fds,
        threads: field("Threads:"),
        rss_kib: field("VmRSS:"),
        hwm_kib: field("VmHWM:"),
    }
}

fn print_sample(phase: &str, s: &Sample, start: Instant) {
    let mib = |k: i64| k as f64 / 1024.0;
    println!(
        "{phase:<6} {:>7} {:>5} {:>7} {:>9.1} {:>9.1} {:>8.1}",
        s.check,
        s.fds,
        s.threads,
        mib(s.rss_kib),
        mib(s.hwm_kib),
        start.elapsed().as_secs_f64()
    );
}

/// One check the way main.rs makes it; its exit code.
fn one_check(line: &Line) -> i32 {
    let plan = match tlscheck::settings::resolve(&line.request, &ProcessEnv) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("soak: {}: {e}", line.request.target);
            return 2;
        }
    };
    let checked = match tlscheck::check::run_target_blocking(&plan) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("soak: cannot start a runtime: {e}");
            return -1;
        }
    };
    // Both renderings, as a run would print one of them.
    std::hint::black_box(checked.to_json());
    std::hint::black_box(render_checked(&checked, Painter { color: false }));
    checked.exit_code()
}

/// Phase 1: `args.checks` checks one after the other; the samples and the
/// number of checks whose exit code was not the expected one.
fn sequential(lines: &[Line], args: &Args, start: Instant) -> (Vec<Sample>, usize) {
    let mut samples = vec![sample(0)];
    print_sample("seq", &samples[0], start);
    let mut surprises = 0;
    for i in 0..args.checks {
        let line = &lines[i % lines.len()];
        let code = one_check(line);
        if line.expect.is_some_and(|e| e != code) {
            surprises += 1;
            eprintln!(
                "soak: check {}: {} exits {code}, not {}",
                i + 1,
                line.request.target,
                line.expect.unwrap_or_default()
            );
        }
        if (i + 1) % args.every == 0 || i + 1 == args.checks {
            let s = sample(i + 1);
            print_sample("seq", &s, start);
            samples.push(s);
        }
    }
    (samples, surprises)
}

/// Phase 2: the fleet runner over every line, `args.runs` times.
fn fleet_runs(lines: &[Line], args: &Args, start: Instant) -> (Vec<Sample>, usize) {
    let mut samples = vec![sample(0)];
    print_sample("fleet", &samples[0], start);
    let mut surprises = 0;
    for r in 0..args.runs {
        let entries: Vec<inventory::Entry> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| inventory::Entry {
                name: None,
                origin: format!("line {}", i + 1),
                request: l.request.clone(),
                expect: inventory::Expect::Pass,
                min_tls: None,
            })
            .collect();
        let (jobs, _) = run::prepare(entries, &ProcessEnv).expect("the fleet's plans resolve");
        let n = jobs.len();
        let results = run::run(jobs, run::Options::default(), |_| {}).expect("a runtime");
        // A task that panicked leaves no result.
        surprises += n - results.len();
        for res in &results {
            let want = lines[res.index].expect;
            if want.is_some_and(|e| e != res.check_code) {
                surprises += 1;
                eprintln!("soak: run {}: {} exits {}", r + 1, res.name, res.check_code);
            }
        }
        let s = sample((r + 1) * lines.len());
        print_sample("fleet", &s, start);
        samples.push(s);
    }
    (samples, surprises)
}

/// Print the phase's verdict; whether it holds no leak and no surprise.
fn verdict(phase: &str, samples: &[Sample], warm_up: usize, surprises: usize) -> bool {
    let first = samples[0];
    let last = *samples.last().unwrap_or(&first);
    // The first sample at or after the warm-up (caches filled, the
    // allocator's arenas grown to their working size).
    let warm = *samples
        .iter()
        .find(|s| s.check >= warm_up && s.check > 0)
        .unwrap_or(&last);
    let checks = last.check.saturating_sub(warm.check);
    let per_1000 = if checks > 0 {
        (last.rss_kib - warm.rss_kib) as f64 * 1000.0 / checks as f64
    } else {
        0.0
    };
    let fd_growth = last.fds - warm.fds;
    let thread_growth = last.threads - warm.threads;
    let leak = fd_growth > MAX_FD_GROWTH
        || thread_growth > MAX_THREAD_GROWTH
        || per_1000 > MAX_KIB_PER_1000;
    println!(
        "{phase}: {} checks; FDs {} at start, {} after warm-up ({} checks), {} at the end; threads {} / {} / {}; \
         RSS {:.1} MiB after warm-up, {:.1} MiB at the end: {per_1000:+.1} KiB per 1,000 checks; \
         {surprises} unexpected exit codes: {}",
        last.check,
        first.fds,
        warm.fds,
        warm.check,
        last.fds,
        first.threads,
        warm.threads,
        last.threads,
        warm.rss_kib as f64 / 1024.0,
        last.rss_kib as f64 / 1024.0,
        if leak || surprises > 0 { "FAIL" } else { "ok" }
    );
    !leak && surprises == 0
}
