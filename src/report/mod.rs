//! The report: one serde type that feeds both the human and the JSON output.
//!
//! The JSON field names are a contract (documented in README.md): add
//! fields, do not rename them.

pub mod human;
pub mod tools;

use serde::Serialize;

use crate::judge::{Judgement, Outcome};
use crate::observe::Facts;
use crate::settings::{ClientRules, Plan, Protocol, SettingReport};

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
    /// Whose rules the verdicts follow: `libpq` or `generic`.
    pub rules: ClientRules,
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
                rules: plan.rules,
            },
            settings: plan.settings.clone(),
            notes: plan.notes.clone(),
            exit_code: v.result.exit_code(),
            summary,
            judgement,
            facts,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
