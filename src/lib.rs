//! tlscheck: is a TLS connection to a database endpoint sound, and if not, why?
//!
//! The pipeline, one module per step (see ARCHITECTURE.md):
//! [`target`] → [`settings`] → [`connect`] → [`protocol`] → [`handshake`] →
//! [`observe`] → [`judge`] (with [`trust`]) → [`report`]. The values the
//! I/O steps hand on are [`facts`]. [`check`] runs them in order; `main.rs` only parses, runs, renders and exits. [`tools`] holds
//! the trust-store and certificate-file subcommands built on the same parts.

pub mod check;
pub mod cli;
pub mod clients;
pub mod connect;
pub mod demo;
pub mod explain;
pub mod facts;
pub mod fetch;
pub mod files;
pub mod fleet;
#[doc(hidden)]
pub mod fuzzing;
pub mod handshake;
pub mod identity;
pub mod judge;
pub mod observe;
pub mod probe;
pub mod protocol;
pub mod report;
pub mod request;
pub mod settings;
pub mod srv;
pub mod target;
pub mod tools;
pub mod trust;

use std::io::{IsTerminal, Write};

use cli::ColorArg;

/// Whether to colour output on stdout: never when NO_COLOR is set or stdout
/// is not a terminal, unless `--color always`.
pub fn use_color(arg: ColorArg) -> bool {
    match arg {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Write to stdout. A closed pipe (`tlscheck … | head`) is not an error
/// worth a panic: the reader has what it wanted, so exit quietly.
pub fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("tlscheck: cannot write the report: {e}");
    }
}
