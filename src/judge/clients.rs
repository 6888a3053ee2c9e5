//! What each client family would decide for the same endpoint, in its
//! strictest usual configuration (the server's certificate and name
//! checked): the answer to "works in psql, fails in my Go service".
//!
//! Each family differs in three ways that the facts already hold: which
//! trust store it reads when no CA file is given, how it matches host
//! names, and whether it is OpenSSL (lenient about X.509 v1) or a strict
//! verifier. Everything else — the TLS session, the chain against each
//! store — comes from the one handshake.

use serde::Serialize;

use super::compat::PolicyNote;
use super::hostname::{self, NameRules};
use super::legacy::StackId;
use super::{TlsState, TrustVerdict};
use crate::observe::Facts;
use crate::settings::Plan;
use crate::trust::SourceKind;

#[derive(Debug, Clone, Copy)]
enum Stack {
    OpenSsl,
    Strict,
}

struct Family {
    name: &'static str,
    /// The option that makes it verify the certificate and the name.
    config: &'static str,
    /// The store it reads when no CA file is given.
    default_store: SourceKind,
    names: NameRules,
    stack: Stack,
    /// Its TLS stack's versions and suites, for a server rustls cannot
    /// handshake with (`facts.legacy_probe`).
    tls: StackId,
}

const FAMILIES: &[Family] = &[
    Family {
        name: "psql / libpq 16+",
        config: "sslmode=verify-full, sslrootcert=<CA file> or system",
        default_store: SourceKind::Os,
        names: NameRules::Libpq,
        stack: Stack::OpenSsl,
        tls: StackId::OpenSsl3,
    },
    Family {
        name: "mysql / mariadb client",
        config: "--ssl-mode=VERIFY_IDENTITY / --ssl-verify-server-cert",
        default_store: SourceKind::Os,
        names: NameRules::OpenSsl,
        stack: Stack::OpenSsl,
        tls: StackId::OpenSsl3,
    },
    Family {
        name: "Python (PyMongo, PyMySQL, psycopg)",
        config: "tls=true / ssl_verify_identity / verify-full",
        default_store: SourceKind::Os,
        names: NameRules::OpenSsl,
        stack: Stack::OpenSsl,
        tls: StackId::Python,
    },
    Family {
        name: "Go (pgx, go-sql-driver, mongo-go)",
        config: "tls=true / sslmode=verify-full",
        default_store: SourceKind::Os,
        names: NameRules::Strict,
        stack: Stack::Strict,
        tls: StackId::Go,
    },
    Family {
        name: "Java (JDBC, MongoDB Java)",
        config: "sslMode=VERIFY_IDENTITY / sslmode=verify-full",
        default_store: SourceKind::Mozilla,
        names: NameRules::Strict,
        stack: Stack::Strict,
        tls: StackId::Java,
    },
    Family {
        name: "Node.js (pg, mysql2, mongodb)",
        config: "ssl: { rejectUnauthorized: true } / tls=true",
        default_store: SourceKind::Mozilla,
        names: NameRules::Strict,
        stack: Stack::Strict,
        tls: StackId::OpenSsl3,
    },
    Family {
        name: "rustls (sqlx, tokio-postgres-rustls)",
        config: "verify-full with webpki-roots",
        default_store: SourceKind::Mozilla,
        names: NameRules::Strict,
        stack: Stack::Strict,
        tls: StackId::Rustls,
    },
];

#[derive(Debug, Clone, Serialize)]
pub struct ClientVerdict {
    pub client: &'static str,
    pub configuration: &'static str,
    /// `os`, `mozilla` or `ca-file`: the store this family reads here.
    pub trust: SourceKind,
    pub accepts: bool,
    pub reason: String,
}

/// Whether the family's TLS stack completes a handshake: as rustls did, or,
/// where rustls could not, as the probes say its versions and suites allow.
fn handshakes(f: &Family, facts: &Facts, state: &TlsState) -> Result<(), String> {
    match (state, &facts.legacy_probe) {
        (TlsState::Established, _) if facts.tls.as_ref().is_some_and(|t| t.session.is_some()) => {
            Ok(())
        }
        (TlsState::Established | TlsState::HandshakeFailed(_), Some(scan)) => {
            let v = f.tls.stack().verdict(scan);
            if v.connects {
                Ok(())
            } else {
                Err(format!("no TLS connection: {}", v.detail))
            }
        }
        (TlsState::Established, None) => Ok(()),
        _ => Err("no TLS connection could be made".into()),
    }
}

pub(crate) fn verdicts(
    facts: &Facts,
    plan: &Plan,
    state: &TlsState,
    trust: &[TrustVerdict],
    notes: &[PolicyNote],
) -> Vec<ClientVerdict> {
    let Some(leaf) = facts.chain.first().filter(|l| l.parse_error.is_none()) else {
        return Vec::new();
    };
    let has_ca_file = trust.iter().any(|t| t.source == SourceKind::CaFile);
    FAMILIES
        .iter()
        .map(|f| {
            // Java approximates Mozilla's list with its own cacerts, Node
            // ships Mozilla's; both take a CA file when given one.
            let store = if has_ca_file {
                SourceKind::CaFile
            } else {
                f.default_store
            };
            let chain = trust.iter().find(|t| t.source == store);
            let verdict = |accepts, reason: String| ClientVerdict {
                client: f.name,
                configuration: f.config,
                trust: store,
                accepts,
                reason,
            };
            if let Err(why) = handshakes(f, facts, state) {
                return verdict(false, why);
            }
            let openssl_refuses = notes.iter().find(|n| !n.openssl3_accepts);
            let strict_refuses = notes.iter().find(|n| !n.webpki_accepts);
            match (f.stack, openssl_refuses, strict_refuses) {
                (Stack::OpenSsl, Some(n), _) | (Stack::Strict, _, Some(n)) => {
                    return verdict(
                        false,
                        format!(
                            "refuses {} ({})",
                            n.id,
                            super::findings::short_name(&n.subject)
                        ),
                    );
                }
                _ => {}
            }
            let Some(chain) = chain else {
                return verdict(false, "no certificate was served".into());
            };
            // OpenSSL accepts X.509 v1 certificates that webpki refuses; the
            // chain verdict is webpki's, so only that refusal is set aside.
            let v1_only = matches!(f.stack, Stack::OpenSsl)
                && chain.verdict.problem == Some(super::chain::ChainProblem::UnsupportedVersion)
                && notes.iter().all(|n| n.id == "x509-v1");
            if !chain.verdict.valid && !v1_only {
                return verdict(
                    false,
                    chain
                        .verdict
                        .detail
                        .clone()
                        .unwrap_or_else(|| "the chain is not valid".into()),
                );
            }
            let name = hostname::check(&plan.verify_name(), leaf, f.names);
            if !name.matched {
                let why = if leaf.common_name.is_some() && name.other_rules_decide == Some(true) {
                    "the name is only in the subject CN, which it ignores".to_string()
                } else {
                    format!("the certificate is not valid for {}", name.name)
                };
                return verdict(false, why);
            }
            let how = name.matched_by.unwrap_or_default();
            verdict(
                true,
                if v1_only {
                    format!("X.509 v1 allowed; name matched by {how}")
                } else {
                    format!("name matched by {how}")
                },
            )
        })
        .collect()
}

/// One line naming who accepts and who refuses, when the families split.
pub fn split_summary(verdicts: &[ClientVerdict]) -> Option<String> {
    let (yes, no): (Vec<_>, Vec<_>) = verdicts.iter().partition(|v| v.accepts);
    if yes.is_empty() || no.is_empty() {
        return None;
    }
    let names = |v: &[&ClientVerdict]| v.iter().map(|c| c.client).collect::<Vec<_>>().join(", ");
    Some(format!(
        "{} accept; {} refuse: {}",
        names(&yes),
        names(&no),
        no[0].reason
    ))
}
