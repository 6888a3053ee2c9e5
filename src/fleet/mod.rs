//! `tlscheck connect` over many endpoints: TARGET arguments, `--targets`
//! files and a `--config` inventory ([`inventory`]), checked on one tokio
//! runtime with bounded concurrency ([`run`]), written as a human summary or
//! a CI's own format ([`output`]).
//!
//! One TARGET with none of the fleet options keeps today's path in
//! `main.rs`: the same report, JSON and exit code.

pub mod inventory;
pub mod output;
pub mod run;

use std::io::IsTerminal;
use std::time::Duration;

use crate::cli::{ConnectArgs, OutputFormat};
use crate::report::human::Painter;
use crate::request::ProcessEnv;

/// Exit code for usage errors.
const USAGE: u8 = 2;

/// Run `tlscheck connect` over every target the arguments name; the exit code.
pub fn connect(args: &ConnectArgs) -> u8 {
    let base = |t: String| args.request_for(t);
    if args.save_chain.is_some() || args.save_root.is_some() {
        eprintln!("tlscheck: --save-chain and --save-root save one endpoint's certificates: give one TARGET");
        return USAGE;
    }
    if let Some(d) = args.deadline {
        if !(d > 0.0 && d.is_finite()) {
            eprintln!("tlscheck: --deadline {d}: give a number of seconds above 0");
            return USAGE;
        }
    }
    let mut entries = inventory::from_args(&args.target, &base);
    let files = [
        args.targets
            .as_deref()
            .map(|p| inventory::read_targets(p, &base)),
        args.config
            .as_deref()
            .map(|p| inventory::read_inventory(p, &base)),
    ];
    for read in files.into_iter().flatten() {
        match read {
            Ok(more) => entries.extend(more),
            Err(e) => {
                eprintln!("tlscheck: {e}");
                return USAGE;
            }
        }
    }
    if entries.is_empty() {
        eprintln!("tlscheck: no targets to check");
        return USAGE;
    }
    let (jobs, notes) = match run::prepare(entries, &ProcessEnv) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("tlscheck: {e}");
            return USAGE;
        }
    };
    if !args.quiet {
        for n in &notes {
            eprintln!("tlscheck: {n}");
        }
    }
    let opts = run::Options {
        jobs: args.jobs.into(),
        per_endpoint: args.per_endpoint.into(),
        deadline: args.deadline.map(Duration::from_secs_f64),
    };
    let bar = (!args.quiet && std::io::stderr().is_terminal() && std::io::stdout().is_terminal())
        .then(|| progress_bar(jobs.len()));
    let mut tally = output::Counts::default();
    let results = run::run(jobs, opts, |r| {
        if let Some(bar) = &bar {
            match r.status {
                run::Status::Pass => tally.pass += 1,
                run::Status::Warn => tally.warn += 1,
                run::Status::Fail => tally.fail += 1,
                run::Status::Unreachable => tally.unreachable += 1,
            }
            bar.inc(1);
            bar.set_message(format!(
                "{} pass, {} warn, {} fail, {} unreachable",
                tally.pass, tally.warn, tally.fail, tally.unreachable
            ));
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let results = match results {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tlscheck: cannot start: {e}");
            return 3;
        }
    };
    let painter = Painter {
        color: crate::use_color(args.color),
    };
    let format = args
        .format
        .or(args.json.then_some(OutputFormat::Json))
        .unwrap_or(OutputFormat::Human);
    if format == OutputFormat::Github {
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            if let Err(e) = append(std::path::Path::new(&path), &output::markdown(&results)) {
                eprintln!(
                    "tlscheck: cannot write $GITHUB_STEP_SUMMARY ({}): {e}",
                    path.to_string_lossy()
                );
            }
        }
    }
    let code = run::exit_code(&results) as u8;
    match &args.output {
        Some(path) => {
            let machine = if format == OutputFormat::Human {
                OutputFormat::Json
            } else {
                format
            };
            if let Err(e) = std::fs::write(path, render(machine, &results, painter)) {
                eprintln!("tlscheck: cannot write {}: {e}", path.display());
                return USAGE;
            }
            crate::print_stdout(&output::summary_table(&results, painter));
        }
        None => crate::print_stdout(&render(format, &results, painter)),
    }
    code
}

fn render(format: OutputFormat, results: &[run::EndpointResult], painter: Painter) -> String {
    match format {
        OutputFormat::Human => output::human(results, painter),
        OutputFormat::Json => output::json(results),
        OutputFormat::Jsonl => output::jsonl(results),
        OutputFormat::Junit => output::junit(results),
        OutputFormat::Github => output::github(results),
        OutputFormat::Markdown => output::markdown(results),
    }
}

fn append(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// The bar on standard error: checks done, and the counts so far.
fn progress_bar(len: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {elapsed} {bar:20} {pos}/{len} {msg}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
