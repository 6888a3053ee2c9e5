//! `tlscheck connect --client list`: every client profile, what it reads,
//! its defaults and whether the tests check it against the real client.

use serde::Serialize;

use crate::clients::{self, Profile};
use crate::settings::Protocol;

#[derive(Debug, Clone, Serialize)]
pub struct ClientList {
    pub schema_version: u32,
    pub tlscheck_version: &'static str,
    pub clients: Vec<ClientEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientEntry {
    pub id: &'static str,
    pub aliases: &'static [&'static str],
    pub name: &'static str,
    pub version: &'static str,
    pub protocol: Protocol,
    pub verified: bool,
    /// Where the tests check it, or "rules from documentation, not verified".
    pub verified_by: &'static str,
    /// The dialects, options and environment it reads.
    pub reads: &'static str,
    /// Its mode when nothing says, in its own words.
    pub default_mode: String,
    /// The store it reads when given no CA.
    pub default_trust: &'static str,
    pub host_names: clients::NameRules,
    /// Its usual verifying configuration.
    pub usual_configuration: &'static str,
}

impl ClientEntry {
    fn new(p: &'static Profile) -> ClientEntry {
        ClientEntry {
            id: p.id,
            aliases: p.aliases,
            name: p.name,
            version: p.version,
            protocol: p.protocol,
            verified: p.verified.is_some(),
            verified_by: p.verified.unwrap_or(if p.id == clients::GENERIC.id {
                "tlscheck's own rules: webpki decides"
            } else {
                "rules from documentation, not verified"
            }),
            reads: p.reads,
            default_mode: p.say_mode(p.modes.default),
            default_trust: p.trust.describe(),
            host_names: p.names,
            usual_configuration: p.usual.config,
        }
    }
}

pub fn list() -> ClientList {
    ClientList {
        schema_version: super::SCHEMA_VERSION,
        tlscheck_version: env!("CARGO_PKG_VERSION"),
        clients: clients::ALL.iter().map(|p| ClientEntry::new(p)).collect(),
    }
}

pub fn render_list(list: &ClientList) -> String {
    let mut out = String::from(
        "Clients tlscheck can judge as (--client ID); ✓ = checked against the real client in the tests\n",
    );
    let mut last = None;
    for c in &list.clients {
        if last != Some(c.protocol) {
            out.push_str(&format!("\n{}\n", c.protocol.name()));
            last = Some(c.protocol);
        }
        let mark = if c.verified { "✓" } else { " " };
        let aliases = if c.aliases.is_empty() {
            String::new()
        } else {
            format!(" (also {})", c.aliases.join(", "))
        };
        out.push_str(&format!(
            "  {mark} {:<20} {}{aliases}\n      default {}; trusts {}; reads {}\n",
            c.id, c.version, c.default_mode, c.default_trust, c.reads
        ));
    }
    out
}

/// The clients table of README.md (kept in step by `tests/docs.rs`).
pub fn markdown_table(list: &ClientList) -> String {
    let mut out = String::from(
        "| protocol | `--client` (aliases) | rules describe | default mode | trust without a CA | host names | checked against the real client |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for c in &list.clients {
        let aliases = if c.aliases.is_empty() {
            String::new()
        } else {
            format!(" ({})", c.aliases.join(", "))
        };
        let names = serde_json::to_value(c.host_names)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!(
            "| {} | `{}`{aliases} | {} | `{}` | {} | {names} | {} |\n",
            c.protocol.name(),
            c.id,
            c.version,
            c.default_mode,
            c.default_trust,
            c.verified_by
        ));
    }
    out
}
