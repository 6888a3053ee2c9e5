use std::process::ExitCode;

use clap::Parser;
use tlscheck::cli::{Cli, Command};
use tlscheck::report::human::{self, Painter};
use tlscheck::settings::{self, ProcessEnv};

/// Exit code for usage errors (clap uses 2 as well).
const USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Connect(args) => {
            let plan = match settings::resolve(&args, &ProcessEnv) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("tlscheck: {e}");
                    return ExitCode::from(USAGE);
                }
            };
            let report = match tlscheck::check::run_blocking(&plan) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("tlscheck: cannot start: {e}");
                    return ExitCode::from(3);
                }
            };
            if args.json {
                tlscheck::print_stdout(&(report.to_json() + "\n"));
            } else {
                let painter = Painter {
                    color: tlscheck::use_color(args.color),
                };
                tlscheck::print_stdout(&human::render(&report, painter));
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
