use std::process::ExitCode;

use clap::Parser;
use tlscheck::cli::{Cli, Command};
use tlscheck::files;
use tlscheck::report::human::{self, Painter};
use tlscheck::settings::{self, ProcessEnv};
use tlscheck::tools::human::{render_cert, render_roots};
use tlscheck::tools::{cert, export, roots};

/// Exit code for usage errors (clap uses 2 as well).
const USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Clients(args) => {
            let list = tlscheck::report::clients::list();
            if args.json {
                tlscheck::print_stdout(&(to_json(&list) + "\n"));
            } else {
                tlscheck::print_stdout(&tlscheck::report::clients::render_list(&list));
            }
            ExitCode::SUCCESS
        }
        Command::Connect(args) => {
            if !args.single() {
                return ExitCode::from(tlscheck::fleet::connect(&args));
            }
            let plan = match resolve(&args.request()) {
                Ok(p) => p,
                Err(code) => return code,
            };
            let checked = match started(tlscheck::check::run_target_blocking(&plan)) {
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
            let mut code = checked.exit_code() as u8;
            // --save-chain / --save-root save what one host served: with
            // several hosts, the first one's.
            let report = match &checked {
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
            for saved in saves.into_iter().flatten() {
                eprintln!("tlscheck: {}", saved.message);
                if saved.io_error {
                    code = USAGE;
                }
            }
            ExitCode::from(code)
        }
        Command::Scan(args) => {
            let plan = match resolve(&args.request()) {
                Ok(p) => p,
                Err(code) => return code,
            };
            if plan.mongo.as_ref().is_some_and(|m| m.srv.is_some()) {
                eprintln!(
                    "tlscheck scan: scans one host: give one of the SRV targets as host:port"
                );
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
            if args.json {
                tlscheck::print_stdout(&(report.to_json() + "\n"));
            } else {
                let painter = Painter {
                    color: tlscheck::use_color(args.color),
                };
                tlscheck::print_stdout(&tlscheck::report::scan::render(&report, painter));
            }
            ExitCode::from(report.exit_code as u8)
        }
        Command::Roots(args) => {
            let report = roots::run(args.find.as_deref());
            if args.json {
                tlscheck::print_stdout(&(to_json(&report) + "\n"));
            } else {
                let painter = Painter {
                    color: tlscheck::use_color(args.color),
                };
                tlscheck::print_stdout(&render_roots(&report, painter));
            }
            ExitCode::from(report.exit_code as u8)
        }
        Command::Cert(args) => {
            let loaded = match files::password(args.password_file.as_deref())
                .and_then(|pw| files::read_all(&args.files, pw.as_deref()))
            {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("tlscheck cert: {e}");
                    return ExitCode::from(USAGE);
                }
            };
            let opts = cert::CertOptions {
                ca_file: args.ca_file.clone(),
                warn_days: args.warn_days.into(),
                fail_days: args.fail_days.into(),
            };
            let now = tlscheck::observe::now_unix();
            let report = cert::inspect(&loaded, &opts, now);
            if args.json {
                tlscheck::print_stdout(&(to_json(&report) + "\n"));
            } else {
                let painter = Painter {
                    color: tlscheck::use_color(args.color),
                };
                tlscheck::print_stdout(&render_cert(&report, now, painter));
            }
            ExitCode::from(report.exit_code as u8)
        }
        Command::Explain(args) => {
            let explanation = tlscheck::explain::explain(&args.text);
            if args.json {
                let json = serde_json::to_string_pretty(&explanation).unwrap_or_default();
                tlscheck::print_stdout(&(json + "\n"));
            } else {
                tlscheck::print_stdout(&tlscheck::explain::render(&explanation));
            }
            if explanation.causes.is_empty() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
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
