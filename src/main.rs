use std::process::ExitCode;

use clap::Parser;
use tlscheck::cli::{Cli, ColorArg, Command};
use tlscheck::files;
use tlscheck::report::human::{self, Painter};
use tlscheck::settings::{self, ProcessEnv};
use tlscheck::tools::human::{render_cert, render_roots};
use tlscheck::tools::{cert, export, roots};

/// Exit code for usage errors (clap uses 2 as well).
const USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = match parse_cli() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match cli.command {
        Command::Clients(args) => clients(&args),
        Command::Connect(args) if !args.single() => ExitCode::from(tlscheck::fleet::connect(&args)),
        Command::Connect(args) => connect(&args),
        Command::Scan(args) => scan(&args),
        Command::Roots(args) => {
            let report = roots::run(args.find.as_deref());
            let human = |p| render_roots(&report, p);
            print(&report, args.json, args.color, human);
            ExitCode::from(report.exit_code as u8)
        }
        Command::Cert(args) => cert_files(&args),
        Command::Explain(args) => {
            let explanation = tlscheck::explain::explain(&args.text);
            let human = |_| tlscheck::explain::render(&explanation);
            print(&explanation, args.json, ColorArg::Never, human);
            ExitCode::from(u8::from(explanation.causes.is_empty()))
        }
        Command::Demo(args) => {
            match tlscheck::demo::run(args.json, tlscheck::use_color(args.color)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("tlscheck demo: {e:#}");
                    ExitCode::from(3)
                }
            }
        }
    }
}

/// The command line, or exit 2 with clap's answer on one line: the flag,
/// the value and what is allowed (clap puts the allowed values, tips and
/// usage on lines of their own). Help and version print as clap prints them.
fn parse_cli() -> Result<Cli, ExitCode> {
    use clap::error::ErrorKind;
    Cli::try_parse().map_err(|e| {
        if !e.use_stderr() || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            e.exit();
        }
        eprintln!("tlscheck: {}", one_line(&e.render().to_string()));
        ExitCode::from(USAGE)
    })
}

/// clap's error text as one line: its lines joined, without the "error: "
/// prefix and the closing pointer to --help.
fn one_line(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with("For more information") {
            continue;
        }
        if !out.is_empty() {
            out.push_str(if out.ends_with(':') { " " } else { "; " });
        }
        let line = line.strip_prefix("error: ").unwrap_or(line);
        // "[possible values: a, b]" reads as a clause of the sentence.
        let line = line
            .strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .unwrap_or(line);
        out.push_str(line);
    }
    out
}

/// Print a value as JSON, or as `human` renders it.
fn print<T: serde::Serialize>(
    value: &T,
    json: bool,
    color: ColorArg,
    human: impl FnOnce(Painter) -> String,
) {
    if json {
        tlscheck::print_stdout(&(to_json(value) + "\n"));
    } else {
        let painter = Painter {
            color: tlscheck::use_color(color),
        };
        tlscheck::print_stdout(&human(painter));
    }
}

fn clients(args: &tlscheck::cli::ClientsArgs) -> ExitCode {
    let list = tlscheck::report::clients::list();
    let human = |_| tlscheck::report::clients::render_list(&list);
    print(&list, args.json, ColorArg::Never, human);
    ExitCode::SUCCESS
}

/// `tlscheck connect` with one target: check, render, save what was asked.
fn connect(args: &tlscheck::cli::ConnectArgs) -> ExitCode {
    if let Err(why) = tlscheck::fleet::check_deadline(args.deadline) {
        eprintln!("tlscheck: {why}");
        return ExitCode::from(USAGE);
    }
    let plan = match resolve(&args.request()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let deadline = args.deadline.map(std::time::Duration::from_secs_f64);
    let checked = match started(tlscheck::fleet::run::run_one(&plan, deadline)) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if args.json {
        tlscheck::print_stdout(&(checked.to_json() + "\n"));
    } else {
        let painter = Painter {
            color: tlscheck::use_color(args.color),
        };
        tlscheck::print_stdout(&human::render_checked(&checked, painter));
    }
    let code = checked.exit_code() as u8;
    if save(args, &checked) {
        ExitCode::from(USAGE)
    } else {
        ExitCode::from(code)
    }
}

/// `--save-chain` / `--save-root`: what one host served (with several
/// hosts, the first one's). Whether a file could not be written.
fn save(args: &tlscheck::cli::ConnectArgs, checked: &tlscheck::report::Checked) -> bool {
    let report = match checked {
        tlscheck::report::Checked::One(r) => Some(&**r),
        tlscheck::report::Checked::Many(m) => {
            if args.save_chain.is_some() || args.save_root.is_some() {
                if let Some(first) = m.hosts.first() {
                    eprintln!(
                        "tlscheck: several hosts: saving what {}:{} served",
                        first.target.host, first.target.port
                    );
                }
            }
            m.hosts.first()
        }
    };
    let saves = [
        args.save_chain
            .as_deref()
            .zip(report)
            .map(|(p, r)| export::save_chain(r, p)),
        args.save_root
            .as_deref()
            .zip(report)
            .map(|(p, r)| export::save_root(r, p)),
    ];
    let mut failed = false;
    for saved in saves.into_iter().flatten() {
        eprintln!("tlscheck: {}", saved.message);
        failed |= saved.io_error;
    }
    failed
}

fn scan(args: &tlscheck::cli::ScanArgs) -> ExitCode {
    let plan = match resolve(&args.request()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if plan.mongo.as_ref().is_some_and(|m| m.srv.is_some()) {
        eprintln!("tlscheck scan: scans one host: give one of the SRV targets as host:port");
        return ExitCode::from(USAGE);
    }
    let concurrency = args.concurrency.into();
    let report = match started(tlscheck::check::scan_blocking(
        &plan,
        concurrency,
        args.strict,
    )) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let human = |p| tlscheck::report::scan::render(&report, p);
    print(&report, args.json, args.color, human);
    ExitCode::from(report.exit_code as u8)
}

fn cert_files(args: &tlscheck::cli::CertArgs) -> ExitCode {
    let loaded = match files::password(args.password_file.as_deref())
        .and_then(|pw| files::read_all(&args.files, pw.as_deref()))
    {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tlscheck cert: {e}");
            return ExitCode::from(USAGE);
        }
    };
    if let Some(host) = &args.host {
        return cert_for_host(args, host, &loaded);
    }
    let opts = cert::CertOptions {
        ca_file: args
            .ca_file
            .as_deref()
            .filter(|f| *f != "system")
            .map(std::path::PathBuf::from),
        warn_days: args.warn_days.into(),
        fail_days: args.fail_days.into(),
    };
    let now = args.at.unwrap_or_else(tlscheck::observe::now_unix);
    let report = cert::inspect(&loaded, &opts, now);
    let human = |p| render_cert(&report, now, p);
    print(&report, args.json, args.color, human);
    ExitCode::from(report.exit_code as u8)
}

/// `cert --host`: the files' chain judged as `connect` judges a served one.
fn cert_for_host(args: &tlscheck::cli::CertArgs, host: &str, loaded: &files::Loaded) -> ExitCode {
    let plan = match resolve(&args.request(host)) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let report = match cert::judge_for_host(loaded, &plan) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tlscheck cert: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let human = |p| human::render(&report, p);
    print(&report, args.json, args.color, human);
    ExitCode::from(report.exit_code as u8)
}

/// The plan for `connect`'s (or `scan`'s) request, or exit 2 with why not.
fn resolve(request: &settings::Request) -> Result<settings::Plan, ExitCode> {
    settings::resolve(request, &ProcessEnv).map_err(|e| {
        eprintln!("tlscheck: {e}");
        ExitCode::from(USAGE)
    })
}

/// A check's result, or exit 3 when its runtime could not start.
fn started<T>(result: std::io::Result<T>) -> Result<T, ExitCode> {
    result.map_err(|e| {
        eprintln!("tlscheck: cannot start: {e}");
        ExitCode::from(3)
    })
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
