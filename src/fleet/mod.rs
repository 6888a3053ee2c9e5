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
    if let Err(why) = check_fleet_flags(args) {
        eprintln!("tlscheck: {why}");
        return USAGE;
    }
    let jobs = match endpoints(args) {
        Ok(jobs) => jobs,
        Err(why) => {
            eprintln!("tlscheck: {why}");
            return USAGE;
        }
    };
    let results = match check_all(args, jobs) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tlscheck: cannot start: {e}");
            return 3;
        }
    };
    write_results(args, &results)
}

/// Flags that make no sense over many endpoints, or bad values of them.
fn check_fleet_flags(args: &ConnectArgs) -> Result<(), String> {
    if args.save_chain.is_some() || args.save_root.is_some() {
        return Err(
            "--save-chain and --save-root save one endpoint's certificates: give one TARGET".into(),
        );
    }
    check_deadline(args.deadline)
}

/// A `--deadline` that is not a number of seconds above 0, in words; one
/// target or many, the same answer.
pub fn check_deadline(deadline: Option<f64>) -> Result<(), String> {
    match deadline {
        Some(d) if !(d > 0.0 && d.is_finite()) => {
            Err(format!("--deadline {d}: give a number of seconds above 0"))
        }
        _ => Ok(()),
    }
}

/// Every endpoint the TARGET arguments, `--targets` and `--config` name,
/// resolved into plans (duplicates once), or why not (exit 2).
fn endpoints(args: &ConnectArgs) -> Result<Vec<run::Job>, String> {
    let base = |t: String| args.request_for(t);
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
        entries.extend(read.map_err(|e| e.to_string())?);
    }
    if entries.is_empty() {
        return Err("no targets to check".into());
    }
    if entries.len() > inventory::MAX_ENDPOINTS {
        return Err(inventory::too_many(entries.len()));
    }
    let (jobs, notes) = run::prepare(entries, &ProcessEnv).map_err(|e| e.to_string())?;
    if !args.quiet {
        for n in &notes {
            eprintln!("tlscheck: {n}");
        }
    }
    Ok(jobs)
}

/// Run every check, with the progress bar on a terminal.
fn check_all(args: &ConnectArgs, jobs: Vec<run::Job>) -> std::io::Result<Vec<run::EndpointResult>> {
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
    results
}

/// Write the results in the format asked (to `--output` and the summary to
/// the terminal, or all to the terminal); the run's exit code.
fn write_results(args: &ConnectArgs, results: &[run::EndpointResult]) -> u8 {
    let painter = Painter {
        color: crate::use_color(args.color),
    };
    let format = args
        .format
        .or(args.json.then_some(OutputFormat::Json))
        .unwrap_or(OutputFormat::Human);
    if format == OutputFormat::Github {
        write_step_summary(results);
    }
    let code = run::exit_code(results) as u8;
    match &args.output {
        Some(path) => {
            let machine = if format == OutputFormat::Human {
                OutputFormat::Json
            } else {
                format
            };
            if let Err(e) = std::fs::write(path, render(machine, results, painter)) {
                eprintln!("tlscheck: cannot write {}: {e}", path.display());
                return USAGE;
            }
            crate::print_stdout(&output::summary_table(results, painter));
        }
        None => crate::print_stdout(&render(format, results, painter)),
    }
    code
}

/// GitHub's job summary, when `$GITHUB_STEP_SUMMARY` names its file.
fn write_step_summary(results: &[run::EndpointResult]) {
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        if let Err(e) = append(std::path::Path::new(&path), &output::markdown(results)) {
            eprintln!(
                "tlscheck: cannot write $GITHUB_STEP_SUMMARY ({}): {e}",
                path.to_string_lossy()
            );
        }
    }
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
