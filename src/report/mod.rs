//! The report: one serde type that feeds both the human and the JSON output.
//!
//! The JSON field names are a contract (documented in README.md): add
//! fields, do not rename them.

pub mod clients;
pub mod human;
pub mod scan;

use serde::Serialize;

use crate::facts::srv::SrvFacts;
use crate::judge::{Judgement, Outcome};
use crate::observe::Facts;
use crate::settings::{Plan, Protocol, SettingReport};

/// Bumped only for incompatible changes to the JSON.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tlscheck_version: &'static str,
    pub target: TargetReport,
    /// Effective settings and where each came from.
    pub settings: Vec<SettingReport>,
    pub notes: Vec<String>,
    pub exit_code: i32,
    /// The verdict in one line.
    pub summary: String,
    /// In a report on several hosts: why this host was checked (`seed`,
    /// `SRV target of NAME`, `member listed by HOST:PORT`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(flatten)]
    pub judgement: Judgement,
    pub facts: Facts,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    /// The target as typed, any password masked.
    pub input: String,
    pub host: String,
    pub port: u16,
    /// Where the connection went when it differs from `host` (libpq hostaddr).
    pub connect_host: Option<String>,
    pub protocol: Protocol,
    pub protocol_reason: String,
    /// The name the certificate was checked against.
    pub verify_name: String,
    /// Whose rules the verdicts follow: the client profile's id (`libpq`,
    /// `pgjdbc`, `pymongo`, …, or `generic` for tlscheck's own rules).
    pub rules: &'static str,
    /// The same in words: "as pgjdbc 42.5 would decide (…)".
    pub rules_applied: String,
    /// The client profile that decides.
    pub client: ClientReport,
}

/// The client whose rules decide, as the report names it.
#[derive(Debug, Clone, Serialize)]
pub struct ClientReport {
    pub id: &'static str,
    pub name: &'static str,
    /// The version its rules describe.
    pub version: &'static str,
    /// Why this client: `--client`, or the connection string's dialect.
    pub chosen_by: String,
    /// Whether the tests check its rules against the real client.
    pub verified: bool,
    /// Where, or "rules from documentation, not verified".
    pub verified_by: String,
}

impl ClientReport {
    pub fn new(plan: &Plan) -> ClientReport {
        let c = plan.client;
        ClientReport {
            id: c.id,
            name: c.name,
            version: c.version,
            chosen_by: plan.client_reason.clone(),
            verified: c.verified.is_some(),
            verified_by: c
                .verified
                .unwrap_or(if c.id == crate::clients::GENERIC.id {
                    "tlscheck's own rules: webpki decides"
                } else {
                    "rules from documentation, not verified"
                })
                .to_string(),
        }
    }
}

impl Report {
    pub fn new(plan: &Plan, facts: Facts, judgement: Judgement) -> Report {
        let v = &judgement.verdict;
        let word = match v.result {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Unreachable => "UNREACHABLE",
            Outcome::NotChecked => "NOT TRIED",
        };
        let summary = format!(
            "{word} {}:{} ({}) under {}: {}",
            plan.host,
            plan.port,
            plan.protocol.name(),
            v.mode,
            v.reason
        );
        Report {
            schema_version: SCHEMA_VERSION,
            tlscheck_version: env!("CARGO_PKG_VERSION"),
            target: TargetReport {
                input: plan.display.clone(),
                host: plan.host.clone(),
                port: plan.port,
                connect_host: plan.connect_host.clone(),
                protocol: plan.protocol,
                protocol_reason: plan.protocol_reason.clone(),
                verify_name: plan.verify_name().to_string(),
                rules: plan.client.id,
                rules_applied: rules_applied(plan),
                client: ClientReport::new(plan),
            },
            settings: plan.settings.clone(),
            notes: plan.notes.clone(),
            exit_code: v.result.exit_code(),
            summary,
            role: None,
            judgement,
            facts,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// A check of several hosts (a MongoDB seed list, `mongodb+srv://`,
/// `--all-members`): each host's own report, and a summary. One host keeps
/// the single [`Report`] shape.
#[derive(Debug, Clone, Serialize)]
pub struct MultiReport {
    pub schema_version: u32,
    pub tlscheck_version: &'static str,
    /// The target as typed, any password masked.
    pub input: String,
    /// Whose rules the verdicts follow (`pymongo`, …).
    pub rules: &'static str,
    /// `mongodb+srv://`: what DNS answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub srv: Option<SrvFacts>,
    pub hosts: Vec<Report>,
    pub summary: MultiSummary,
    /// The worst of the hosts' exit codes (and of the SRV lookup's).
    pub exit_code: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct MultiSummary {
    pub hosts: usize,
    pub pass: usize,
    pub fail: usize,
    pub unreachable: usize,
    /// In one line, starting with `PASS`, `FAIL` or `UNREACHABLE`.
    pub line: String,
}

impl MultiReport {
    pub fn new(
        input: String,
        rules: &'static str,
        srv: Option<SrvFacts>,
        hosts: Vec<Report>,
    ) -> MultiReport {
        let count = |o: Outcome| {
            hosts
                .iter()
                .filter(|r| r.judgement.verdict.result == o)
                .count()
        };
        let (pass, fail, unreachable) = (
            count(Outcome::Pass),
            count(Outcome::Fail),
            count(Outcome::Unreachable),
        );
        let srv_problem = srv.as_ref().is_some_and(|s| !s.problems.is_empty());
        let srv_error = srv.as_ref().and_then(|s| s.error.clone());
        let mut exit_code = hosts.iter().map(|r| r.exit_code).max().unwrap_or(0);
        if srv_problem {
            exit_code = exit_code.max(1);
        }
        if srv_error.is_some() {
            exit_code = 3;
        }
        let word = match exit_code {
            0 => "PASS",
            1 => "FAIL",
            _ => "UNREACHABLE",
        };
        let mut line = match &srv_error {
            Some(e) => format!("{word}: {e}"),
            None => format!(
                "{word}: {} host{} checked: {pass} pass, {fail} fail, {unreachable} unreachable",
                hosts.len(),
                if hosts.len() == 1 { "" } else { "s" }
            ),
        };
        if let Some(bad) = hosts
            .iter()
            .filter(|r| r.exit_code != 0)
            .map(|r| format!("{}:{}", r.target.host, r.target.port))
            .reduce(|a, b| format!("{a}, {b}"))
        {
            line.push_str(&format!(" (not passing: {bad})"));
        }
        if srv_problem {
            line.push_str("; PyMongo refuses the SRV answer: see srv.problems");
        }
        MultiReport {
            schema_version: SCHEMA_VERSION,
            tlscheck_version: env!("CARGO_PKG_VERSION"),
            input,
            rules,
            srv,
            summary: MultiSummary {
                hosts: hosts.len(),
                pass,
                fail,
                unreachable,
                line,
            },
            hosts,
            exit_code,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// What `tlscheck connect` produced: one host's report, or several.
#[derive(Debug, Clone)]
pub enum Checked {
    One(Box<Report>),
    Many(Box<MultiReport>),
}

impl Checked {
    pub fn exit_code(&self) -> i32 {
        match self {
            Checked::One(r) => r.exit_code,
            Checked::Many(m) => m.exit_code,
        }
    }

    pub fn to_json(&self) -> String {
        match self {
            Checked::One(r) => r.to_json(),
            Checked::Many(m) => m.to_json(),
        }
    }
}

/// Whose rules a plan's verdicts follow, in words.
pub fn rules_applied(plan: &Plan) -> String {
    let c = plan.client;
    if c.id == crate::clients::GENERIC.id {
        return c.as_would_decide();
    }
    let trust = match &plan.ca {
        Some(crate::settings::CaChoice::File(_)) => "the CA file given".to_string(),
        Some(crate::settings::CaChoice::System) => "the OS store".to_string(),
        None => c.trust.describe().to_string(),
    };
    let checked = if c.verified.is_some() {
        "checked against the real client"
    } else {
        "rules from documentation, not verified"
    };
    format!(
        "{} ({}; trust: {trust}; host names: {}; {checked})",
        c.as_would_decide(),
        c.name,
        serde_json::to_value(c.names)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    )
}
