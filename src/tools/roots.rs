//! `tlscheck roots`: where this machine's OS store is read from, how many
//! roots it holds, and whether a given root is in it (and in the Mozilla
//! bundle, Java's cacerts and Node.js's store).

use serde::Serialize;

use crate::observe;
use crate::report::SCHEMA_VERSION;
use crate::trust::{self, JavaLocation, NodeLocation, SourceKind, StoreLocation, TrustSource};

/// The result of `tlscheck roots`: one serde type for both outputs.
#[derive(Debug, Clone, Serialize)]
pub struct RootsReport {
    pub schema_version: u32,
    pub tlscheck_version: &'static str,
    pub os_store: OsStoreReport,
    pub mozilla: MozillaReport,
    /// Java's default trust store (the JDK's cacerts).
    pub java_cacerts: JavaCacertsReport,
    /// Node.js's default trust store.
    pub node: NodeReport,
    /// The `--find` text, when given.
    pub find: Option<String>,
    /// Roots matching `--find`: the OS store's first, then the Mozilla
    /// bundle's, Java's cacerts' and Node's.
    pub matches: Vec<RootMatch>,
    pub exit_code: i32,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OsStoreReport {
    #[serde(flatten)]
    pub location: StoreLocation,
    /// Certificates usable as trust anchors.
    pub roots: usize,
    /// Certificates read (some may be unusable as anchors).
    pub certificates: usize,
    /// No usable root at all.
    pub empty: bool,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MozillaReport {
    pub location: Option<String>,
    pub roots: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct JavaCacertsReport {
    #[serde(flatten)]
    pub location: JavaLocation,
    /// "Java cacerts (PATH)".
    pub label: String,
    /// A cacerts file was found (it may still be unreadable: see `errors`).
    pub found: bool,
    /// Certificates usable as trust anchors.
    pub roots: usize,
    /// Trusted certificates read (some may be unusable as anchors).
    pub certificates: usize,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeReport {
    #[serde(flatten)]
    pub location: NodeLocation,
    pub label: String,
    /// Where the roots come from, in words.
    pub read_from: Option<String>,
    pub roots: usize,
    pub errors: Vec<String>,
}

/// The client default stores `tlscheck roots` shows besides the OS store.
pub struct ClientStores {
    pub java: (TrustSource, JavaLocation),
    pub node: (TrustSource, NodeLocation),
}

impl ClientStores {
    /// Read them as this process's environment decides.
    pub fn load() -> ClientStores {
        let env = trust::StoreEnv::current();
        ClientStores {
            java: trust::java_cacerts_located(&env),
            node: trust::node_default_located(&env),
        }
    }
}

/// One root that matches `--find`.
#[derive(Debug, Clone, Serialize)]
pub struct RootMatch {
    /// `os`, `mozilla`, `java-cacerts` or `node-bundled`.
    pub source: SourceKind,
    pub subject: String,
    /// What matched: `subject`, `sha256`, `sha1` or `spki-sha256`.
    pub matched_by: &'static str,
    /// Certificate fingerprints (absent for the Mozilla bundle, which ships
    /// names and keys, not certificates).
    pub sha256: Option<String>,
    pub sha1: Option<String>,
    /// SHA-256 of the SubjectPublicKeyInfo, the same for a root re-issued with the same key.
    pub spki_sha256: String,
    pub not_after: Option<String>,
    pub days_left: Option<i64>,
    /// The same root (name and key) is in the OS store.
    pub in_os_store: bool,
    /// The same root (name and key) is in the Mozilla bundle.
    pub in_mozilla: bool,
    /// The same root (name and key) is in Java's cacerts.
    pub in_java_cacerts: bool,
    /// The same root (name and key) is in Node.js's store.
    pub in_node: bool,
}

/// Read the OS store and answer.
pub fn run(find: Option<&str>) -> RootsReport {
    let (os, location) = trust::os_store_located();
    let clients = ClientStores::load();
    report(
        &os,
        location,
        &trust::mozilla(),
        &clients,
        find,
        observe::now_unix(),
    )
}

/// Build the answer from loaded sources (what the tests call).
pub fn report(
    os: &TrustSource,
    location: StoreLocation,
    mozilla: &TrustSource,
    clients: &ClientStores,
    find: Option<&str>,
    now_unix: i64,
) -> RootsReport {
    let empty = os.anchors.is_empty();
    let (java, java_location) = &clients.java;
    let (node, node_location) = &clients.node;
    let mut matches = Vec::new();
    if let Some(text) = find {
        let query = Query::new(text);
        for source in [os, mozilla, java, node] {
            for (i, anchor) in source.anchors.iter().enumerate() {
                let cert = source
                    .anchor_certs
                    .get(i)
                    .and_then(|&c| source.certs.get(c));
                if let Some(m) = candidate(source.kind, anchor, cert, now_unix, &query) {
                    matches.push(RootMatch {
                        in_os_store: holds(os, anchor),
                        in_mozilla: holds(mozilla, anchor),
                        in_java_cacerts: holds(java, anchor),
                        in_node: holds(node, anchor),
                        ..m
                    });
                }
            }
        }
    }
    let place = os.location.clone().unwrap_or_else(|| location.how.clone());
    let os_matches = matches
        .iter()
        .filter(|m| m.source == SourceKind::Os)
        .count();
    let count = |kind| matches.iter().filter(|m| m.source == kind).count();
    let moz_matches = count(SourceKind::Mozilla);
    let clients_found = format!(
        "; {} in Java cacerts, {} in Node.js's store",
        count(SourceKind::JavaCacerts),
        count(SourceKind::NodeBundled)
    );
    let (exit_code, summary) = match find {
        _ if empty => (
            1,
            format!(
                "EMPTY the OS store has no usable root ({place}): install the ca-certificates package, or set SSL_CERT_FILE to a bundle"
            ),
        ),
        None => (
            0,
            format!("OK the OS store holds {} roots, read from {place}", os.anchors.len()),
        ),
        Some(text) if os_matches > 0 => (
            0,
            format!(
                "FOUND \"{text}\": {os_matches} root(s) in the OS store, {moz_matches} in the Mozilla bundle{clients_found}"
            ),
        ),
        Some(text) if moz_matches > 0 => (
            1,
            format!(
                "NOT FOUND \"{text}\" in the OS store ({place}), but the Mozilla bundle has {moz_matches}: update the ca-certificates package, or give clients the root as a file{clients_found}"
            ),
        ),
        Some(text) => (
            1,
            format!("NOT FOUND \"{text}\" in the OS store ({place}) nor in the Mozilla bundle{clients_found}"),
        ),
    };
    RootsReport {
        schema_version: SCHEMA_VERSION,
        tlscheck_version: env!("CARGO_PKG_VERSION"),
        os_store: OsStoreReport {
            location,
            roots: os.anchors.len(),
            certificates: os.certs.len(),
            empty,
            errors: os.errors.clone(),
        },
        mozilla: MozillaReport {
            location: mozilla.location.clone(),
            roots: mozilla.anchors.len(),
        },
        java_cacerts: JavaCacertsReport {
            location: java_location.clone(),
            label: java.label.clone(),
            found: java_location.path.is_some(),
            roots: java.anchors.len(),
            certificates: java.certs.len(),
            errors: java.errors.clone(),
        },
        node: NodeReport {
            location: node_location.clone(),
            label: node.label.clone(),
            read_from: node.location.clone(),
            roots: node.anchors.len(),
            errors: node.errors.clone(),
        },
        find: find.map(str::to_string),
        matches,
        exit_code,
        summary,
    }
}

fn holds(source: &TrustSource, anchor: &rustls_pki_types::TrustAnchor<'_>) -> bool {
    source.anchors.iter().any(|a| {
        a.subject == anchor.subject && a.subject_public_key_info == anchor.subject_public_key_info
    })
}

/// What the user typed: text for the subject, or a hex fingerprint.
struct Query {
    text: String,
    hex: Option<String>,
}

impl Query {
    fn new(text: &str) -> Query {
        let hex: String = text
            .chars()
            .filter(|c| !matches!(c, ':' | ' ' | '-'))
            .collect::<String>()
            .to_ascii_uppercase();
        let is_hex = hex.len() >= 8 && hex.chars().all(|c| c.is_ascii_hexdigit());
        Query {
            text: text.trim().to_lowercase(),
            hex: is_hex.then_some(hex),
        }
    }

    fn matches(
        &self,
        subject: &str,
        hashes: &[(&'static str, Option<&str>)],
    ) -> Option<&'static str> {
        if let Some(hex) = &self.hex {
            for (name, hash) in hashes {
                if hash.is_some_and(|h| h.replace(':', "").starts_with(hex.as_str())) {
                    return Some(name);
                }
            }
        }
        subject
            .to_lowercase()
            .contains(&self.text)
            .then_some("subject")
    }
}

fn candidate(
    source: SourceKind,
    anchor: &rustls_pki_types::TrustAnchor<'_>,
    cert: Option<&rustls_pki_types::CertificateDer<'_>>,
    now_unix: i64,
    query: &Query,
) -> Option<RootMatch> {
    let subject = observe::name_of(anchor.subject.as_ref());
    let spki = trust::wrap_sequence(anchor.subject_public_key_info.as_ref());
    let spki_sha256 = observe::fingerprint(&spki);
    let facts = cert.map(|c| observe::describe(0, c, now_unix));
    let sha256 = cert.map(|c| observe::fingerprint(c));
    let sha1 = cert.map(|c| observe::fingerprint_sha1(c));
    let matched_by = query.matches(
        &subject,
        &[
            ("sha256", sha256.as_deref()),
            ("sha1", sha1.as_deref()),
            ("spki-sha256", Some(spki_sha256.as_str())),
        ],
    )?;
    Some(RootMatch {
        source,
        subject,
        matched_by,
        sha256,
        sha1,
        spki_sha256,
        not_after: facts.as_ref().map(|f| f.not_after.clone()),
        days_left: facts.as_ref().map(|f| f.days_left),
        in_os_store: false,
        in_mozilla: false,
        in_java_cacerts: false,
        in_node: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_matches_with_or_without_colons() {
        let q = Query::new("ab:cd:ef:01:23");
        assert_eq!(
            q.matches("CN=x", &[("sha256", Some("AB:CD:EF:01:23:45"))]),
            Some("sha256")
        );
        let q = Query::new("abcdef0123");
        assert_eq!(
            q.matches("CN=x", &[("sha256", Some("AB:CD:EF:01:23:45"))]),
            Some("sha256")
        );
        assert_eq!(q.matches("CN=x", &[("sha256", Some("00:CD"))]), None);
    }

    #[test]
    fn a_name_matches_any_part_in_any_case() {
        let q = Query::new("isrg root x1");
        assert_eq!(
            q.matches(
                "C=US, O=Internet Security Research Group, CN=ISRG Root X1",
                &[]
            ),
            Some("subject")
        );
    }

    #[test]
    fn the_mozilla_bundle_knows_isrg_root_x1() {
        let moz = trust::mozilla();
        let q = Query::new("ISRG Root X1");
        let found = moz
            .anchors
            .iter()
            .filter_map(|a| candidate(SourceKind::Mozilla, a, None, 0, &q))
            .count();
        assert_eq!(found, 1);
    }
}
