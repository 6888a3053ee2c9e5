//! Shared integration-test support: a test PKI ([`pki`]), real PostgreSQL,
//! MariaDB and MongoDB-wire servers ([`postgres`], [`mariadb`], [`mongo`]),
//! peers restricted to chosen TLS versions and cipher suites ([`legacy`]),
//! a loopback DNS responder ([`dns`]) and helpers to run the `tlscheck`
//! binary and `psql` in a clean environment.
#![allow(dead_code)]

pub mod dns;
pub mod legacy;
pub mod mariadb;
pub mod mongo;
pub mod pki;
pub mod postgres;
pub mod tls_server;

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// libpq environment variables that must not leak into the command under test.
/// (Every other `PG*` variable is removed as well, see [`clear_pg_env`].)
pub const PG_ENV_VARS: &[&str] = &[
    "PGHOST",
    "PGPORT",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGSSLCRL",
    "PGSSLCERT",
    "PGSSLKEY",
    "PGSSLNEGOTIATION",
];

/// An empty directory, alive for the whole test process, to use as `HOME`
/// so that no `~/.postgresql/root.crt` etc. is picked up.
pub fn empty_home() -> &'static Path {
    static HOME: OnceLock<tempfile::TempDir> = OnceLock::new();
    HOME.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("tlscheck-test-home-")
            .tempdir()
            .expect("create empty HOME dir")
    })
    .path()
}

/// Remove `PG*` variables (the [`PG_ENV_VARS`] and any other one set in
/// this process's environment) from `cmd`'s environment.
pub fn clear_pg_env(cmd: &mut Command) -> &mut Command {
    for var in PG_ENV_VARS {
        cmd.env_remove(var);
    }
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PG") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// The `tlscheck` binary with `NO_COLOR=1`, no `PG*` variables and `HOME`
/// set to an empty directory.
pub fn tlscheck() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tlscheck"));
    clear_pg_env(&mut cmd);
    cmd.env("NO_COLOR", "1").env("HOME", empty_home());
    cmd
}

/// `psql` with no `PG*` variables, `HOME` set to an empty directory,
/// `LC_ALL=C` (untranslated messages) and no `~/.psqlrc`.
pub fn psql() -> Command {
    let mut cmd = Command::new("psql");
    clear_pg_env(&mut cmd);
    cmd.env("HOME", empty_home())
        .env("LC_ALL", "C")
        .env("PGCONNECT_TIMEOUT", "10")
        .arg("--no-psqlrc");
    cmd
}

/// Run `tlscheck connect ARGS --json`: the exit code and the parsed report.
pub fn connect_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut cmd = tlscheck();
    cmd.arg("connect").args(args);
    let run = json_run(cmd);
    (run.code, run.json)
}

/// What a `--json` run gave: the exit code, the parsed output, stderr.
pub struct JsonRun {
    pub code: i32,
    pub json: serde_json::Value,
    pub stderr: String,
}

/// Run `cmd --json` (any subcommand, any environment) and parse stdout.
pub fn json_run(mut cmd: Command) -> JsonRun {
    let out = cmd.arg("--json").output().expect("run tlscheck");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): stdout {} stderr {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    JsonRun {
        code: out.status.code().expect("exit code"),
        json,
        stderr,
    }
}
