//! `tlscheck explain "ERROR TEXT"`: map a pasted driver error to its likely
//! causes, and to the `tlscheck connect` run that proves which one.
//!
//! The substrings are the catalogue's quick index
//! (`shared/research/db-tls-failures.md`, section 7): match on the reason
//! text, never on OpenSSL's error codes, which change between versions.
//! Each client profile adds the texts that client prints
//! (`clients::Profile::errors`), so a pasted error also names the client
//! and the fix comes in its option names; the bare tokens people search
//! for (`CERTIFICATE_VERIFY_FAILED`, `PKIX path building failed`, …) get
//! their candidate causes in order, and the one run that tells them apart.

use serde::Serialize;

/// One failure mode of the catalogue.
struct Cause {
    id: &'static str,
    title: &'static str,
    meaning: &'static str,
    prove: &'static str,
    fix: &'static str,
    needles: &'static [&'static str],
}

impl Cause {
    fn explained(&self, matched: &'static str) -> ExplainedCause {
        ExplainedCause {
            id: self.id,
            title: self.title,
            meaning: self.meaning,
            matched,
            prove: self.prove,
            fix: self.fix,
        }
    }
}

const CAUSES: &[Cause] = &[
    Cause {
        id: "F03",
        title: "missing intermediate: the server sends its leaf without the intermediate",
        meaning: "the client could not build a path from the server's certificate to a root it trusts, because the server did not send the intermediate certificate between them",
        prove: "tlscheck connect HOST:PORT --ca-file ROOT.pem (finding missing-intermediate)",
        fix: "append the intermediate after the leaf in the server's certificate file; as a stop-gap add the intermediate to the client's CA file",
        needles: &["unable to verify the first certificate", "unable_to_verify_leaf_signature", "partialchain"],
    },
    Cause {
        id: "F01",
        title: "unknown issuer: the root is not in the store this client uses",
        meaning: "the chain ends at a CA the client's trust store does not hold: a private or cloud CA (RDS, Azure, Cloud SQL), a store that lacks a public root, or a TLS-intercepting proxy",
        prove: "tlscheck connect HOST:PORT (the trust table shows the chain against the OS store, Mozilla's bundle and --ca-file side by side)",
        fix: "give the client the issuing CA: sslrootcert=FILE or sslrootcert=system (libpq), --ssl-ca (MySQL), tlsCAFile (MongoDB), a truststore (Java), NODE_EXTRA_CA_CERTS (Node)",
        needles: &[
            "unable to get local issuer certificate",
            "unable_to_get_issuer_cert_locally",
            "signed by unknown authority",
            "pkix path building failed",
            "unable to find valid certification path",
            "path does not chain with any of the trust anchors",
            "the certificate is not trusted",
            "unknownissuer",
            "untrustedroot",
            "no trusted certificate found",
            "root certificate file",
        ],
    },
    Cause {
        id: "F02",
        title: "self-signed or private-CA server certificate",
        meaning: "the server presents a certificate it signed itself (MySQL's auto-generated certificates, MariaDB 11.4, managed databases' private CAs), and the client verifies by default",
        prove: "tlscheck connect HOST:PORT (finding self-signed, or unknown-issuer with a private root)",
        fix: "give the client the server's CA (MySQL: ca.pem from the data directory); encrypt-only modes connect but do not authenticate the server",
        needles: &["self signed certificate", "self-signed certificate", "self_signed_cert_in_chain", "depth_zero_self_signed_cert"],
    },
    Cause {
        id: "F04",
        title: "host-name mismatch",
        meaning: "the name (or IP address) the client dialled is not among the names the certificate is valid for: an IP literal, an alias or CNAME, a tunnel to localhost, a load balancer",
        prove: "tlscheck connect HOST:PORT --mode verify-full (finding hostname-mismatch lists the certificate's names)",
        fix: "connect by a name the certificate lists (libpq: host=NAME hostaddr=IP), reissue the certificate with the name, or use verify-ca / VERIFY_CA",
        needles: &[
            "does not match host name",
            "doesn't contain any ip sans",
            "certificate is valid for",
            "not valid for any names",
            "err_tls_cert_altname_invalid",
            "hostname/ip does not match",
            "pgjdbchostnameverifier",
            "server identity verification failed",
            "x509 certificate matching functions",
            "cert_e_cn_no_match",
            "remotecertificatenamemismatch",
            "ip address mismatch",
            "hostname mismatch",
        ],
    },
    Cause {
        id: "F05",
        title: "CN-only certificate (no subjectAltName)",
        meaning: "the certificate names the host only in its subject CN; Go ≥ 1.15, Java and rustls ignore the CN",
        prove: "tlscheck connect HOST:PORT (finding cn-only)",
        fix: "reissue the certificate with subjectAltName entries (RDS: rotate to rds-ca-rsa2048-g1)",
        needles: &["legacy common name field", "x509ignorecn", "common name is not a valid hostname", "no subject alternative names present"],
    },
    Cause {
        id: "F06",
        title: "expired or not-yet-valid certificate, or a wrong clock",
        meaning: "a certificate in the chain is past notAfter or before notBefore — or the client's clock is wrong",
        prove: "tlscheck connect HOST:PORT (the chain lists every certificate's dates and days left)",
        fix: "renew the certificate or the CA bundle; check the clock (NTP, a Docker VM's clock)",
        needles: &["certificate has expired", "cert_has_expired", "is not yet valid", "nottimevalid", "validity check failed", "certificate expired"],
    },
    Cause {
        id: "F07",
        title: "the server requires TLS and the client connected without it",
        meaning: "require_secure_transport, hostssl-only pg_hba rules, rds.force_ssl or a TLS-only cloud endpoint refused a plaintext login",
        prove: "tlscheck connect HOST:PORT --mode require (shows the server offers TLS)",
        fix: "turn TLS on in the client: sslmode=require or stricter, --ssl-mode=REQUIRED, tls=true",
        needles: &[
            "insecure transport are prohibited",
            "3159",
            "no encryption",
            "ssl off",
            "ssl connection is required",
            "ssl/tls required",
            "connection is insecure",
            "requires tls connections",
            "error: ssl required",
        ],
    },
    Cause {
        id: "F08",
        title: "the client requires TLS and the server offers none",
        meaning: "the server (or a pooler in front of it) has TLS off, while the client requires it",
        prove: "tlscheck connect HOST:PORT (finding server-refuses-tls: PostgreSQL answers N, a MySQL greeting lacks CLIENT_SSL)",
        fix: "enable TLS on the server or pooler; only on a trusted network, sslmode=prefer/disable or --ssl-mode=PREFERRED",
        needles: &[
            "server does not support ssl",
            "does not support ssl connections",
            "ssl is not enabled on the server",
            "server refused tls connection",
            "no ssl enabled connection from this host",
            "server does not support tls",
            "ssl is required, but the server does not support it",
            "required, but not supported by server",
        ],
    },
    Cause {
        id: "F09",
        title: "TLS version mismatch",
        meaning: "the server speaks only versions the client refuses (TLS 1.0/1.1 on MySQL 5.6/5.7-era servers against Python 3.10+, Java 8u291+, OpenSSL 3, Go 1.18+), or the reverse",
        prove: "tlscheck connect HOST:PORT (finding legacy-tls-only names the versions the server speaks and who refuses them); tlscheck scan HOST:PORT lists every version and suite",
        fix: "upgrade the server or its TLS library; as a last resort re-enable the old version on the client",
        needles: &[
            "no appropriate protocol",
            "unsupported protocol",
            "tlsv1_alert_protocol_version",
            "alert protocol version",
            "protocol version mismatch",
            "unsupported protocol version",
            "protocol version not supported",
            "ssl connection error: unknown error number",
        ],
    },
    Cause {
        id: "F10",
        title: "no shared cipher, or a generic handshake failure",
        meaning: "client and server share no cipher suite, group or signature algorithm; before TLS 1.3 also a required client certificate that was not sent",
        prove: "tlscheck connect HOST:PORT (the handshake alert is named; finding no-shared-cipher says which client stacks share no suite); tlscheck scan HOST:PORT lists the suites the server accepts per version, and its renegotiation support",
        fix: "align the server's cipher list with current clients; check whether it requires a client certificate",
        needles: &["sslv3_alert_handshake_failure", "alert handshake failure", "no shared cipher", "eof occurred in violation of protocol", "unsafe legacy renegotiation"],
    },
    Cause {
        id: "F11",
        title: "weak key, DH group or signature algorithm",
        meaning: "the client's security policy refuses the server's key or signature: RSA under 2048 bits, DH-1024, SHA-1 signatures",
        prove: "tlscheck connect HOST:PORT (the chain lists each key's size and signature algorithm); tlscheck scan HOST:PORT gives the DHE group's size (finding small-dh)",
        fix: "reissue with RSA ≥ 2048 or ECDSA keys and SHA-256 signatures; raise the server's DH parameters",
        needles: &["dh key too small", "ee key too small", "ca md too weak", "legacy sigalg", "insecure algorithm sha1", "algorithm constraints"],
    },
    Cause {
        id: "F12",
        title: "malformed certificate (X.509 v1, CA:FALSE issuer)",
        meaning: "a certificate in the chain is one strict verifiers (rustls, Go, Java) refuse though OpenSSL accepts it",
        prove: "tlscheck connect HOST:PORT (the chain shows each certificate's version and CA flag)",
        fix: "reissue the CA and server certificates as X.509 v3 with basicConstraints and keyUsage",
        needles: &["unsupportedcertversion", "parent certificate cannot sign"],
    },
    Cause {
        id: "F13",
        title: "client certificate or key problem (mutual TLS)",
        meaning: "the server requires a client certificate and did not accept the one sent (or its absence), or the client could not load its key",
        prove: "tlscheck connect HOST:PORT --cert CLIENT.crt --key CLIENT.key [--user NAME] (the key is matched and dated before connecting; the server's CertificateRequest, its accepted CAs and any rejection after the handshake or at login are named)",
        fix: "present a certificate from a CA the server trusts, with clientAuth, unexpired, with the matching key",
        needles: &[
            "alert unknown ca",
            "alert certificate unknown",
            "certificate required",
            "valid client certificate",
            "no ssl certificate provided by peer",
            "unsupported certificate purpose",
            "private key file",
            "could not read ssl key file",
            "pem data in key input",
            "private key does not match",
            "certificate authentication failed",
            "bad certificate",
        ],
    },
    Cause {
        id: "F14",
        title: "OCSP or revocation problem",
        meaning: "an OCSP staple or responder answer is invalid, stale, or says revoked; or a CRL revokes the certificate",
        prove: "tlscheck connect HOST:PORT --ocsp (the staple and the responder's answer are judged)",
        fix: "fix the server's OCSP stapling or renew the certificate; tlsDisableOCSPEndpointCheck only stops the driver asking the responder",
        needles: &["invalid status response", "ocsp", "certificate revoked"],
    },
    Cause {
        id: "F15",
        title: "SNI needed, or PostgreSQL 17 direct TLS without ALPN",
        meaning: "an SNI-routing proxy (Neon, cloud poolers) needs the server name the client did not send, or direct TLS lacked ALPN postgresql",
        prove: "tlscheck connect HOST:PORT --sni NAME, or --pg-negotiation direct",
        fix: "connect by name from a client that sends SNI (libpq ≥ 14), or pass the endpoint option the provider documents",
        needles: &["endpoint id is not specified", "neon.tech/sni", "without alpn", "no application protocol", "unrecognized name"],
    },
    Cause {
        id: "F17",
        title: "wrong protocol or port",
        meaning: "the client spoke TLS or its database protocol to a port that speaks something else (plaintext where TLS was expected, STARTTLS against implicit TLS, HTTP)",
        prove: "tlscheck connect HOST:PORT --protocol auto (the first bytes are named: 'this port speaks MySQL, not PostgreSQL')",
        fix: "point the client at the right port, or use the protocol's own TLS negotiation",
        needles: &[
            "received invalid response to ssl negotiation",
            "wrong version number",
            "wrong_version_number",
            "unsupported frontend protocol 1234.5679",
            "first record does not look like a tls handshake",
            "started without ssl support",
            "reading initial communication packet",
        ],
    },
    Cause {
        id: "F18",
        title: "internal_error alert: IP access list or a failing proxy",
        meaning: "MongoDB Atlas answers a client outside its IP access list with alert 80; proxies do so when their upstream fails",
        prove: "tlscheck connect HOST:PORT (the alert is named)",
        fix: "add the client's public IP to the access list, or check the proxy's upstream",
        needles: &["alert internal error", "alert_internal_error", "ssl alert number 80", "isn't whitelisted"],
    },
    Cause {
        id: "F19",
        title: "a TLS requirement reported as an authentication error",
        meaning: "a user created REQUIRE SSL, or an auth plugin that needs TLS (caching_sha2_password), fails with an access or auth message when TLS is off",
        prove: "tlscheck connect HOST:PORT --mode require (shows whether TLS works at all)",
        fix: "enable TLS in the client; for caching_sha2_password over plaintext allow public-key retrieval or use TLS",
        needles: &["authentication requires secure connection", "public key retrieval is not allowed"],
    },
    Cause {
        id: "F20",
        title: "misspelled, ignored or overridden TLS option",
        meaning: "the client's TLS setting did not take effect: an unknown sslmode, a DSN that overrides an options object, a ServerName left empty",
        prove: "tlscheck connect 'CONNECTION STRING' (the report lists every setting it recognised and where it came from)",
        fix: "use the option names the driver documents; check which source wins (URL over options object in node-postgres)",
        needles: &["either servername or insecureskipverify must be specified", "unsupported sslmode", "invalid sslmode value"],
    },
    Cause {
        id: "F21",
        title: "connection dropped mid-stream (EOF without close_notify)",
        meaning: "a load balancer's idle timeout, a proxy dropping its upstream, or a server crash closed the connection without a TLS close",
        prove: "tlscheck connect HOST:PORT (a clean handshake rules out a TLS configuration problem)",
        fix: "check idle timeouts on load balancers and poolers; use TCP keepalives",
        needles: &["ssl syscall error: eof detected", "unexpected eof while reading"],
    },
];

/// Bare tokens that stand for several causes: the candidates, most
/// frequent first (the catalogue's ranking), which one `tlscheck connect`
/// run tells apart.
const TOKENS: &[(&str, &[&str])] = &[
    (
        "certificate verify failed",
        &["F01", "F03", "F02", "F06", "F04"],
    ),
    ("self signed cert in chain", &["F02", "F01"]),
    (
        "self-signed certificate in certificate chain",
        &["F02", "F01"],
    ),
    ("depth zero self signed cert", &["F02"]),
    ("unable to verify leaf signature", &["F03", "F01"]),
    ("unable to get issuer cert locally", &["F01", "F03"]),
    ("err tls cert altname invalid", &["F04", "F05"]),
    ("pkix path building failed", &["F01", "F03", "F02", "F06"]),
    ("signed by unknown authority", &["F01", "F03", "F02"]),
    (
        "ssl syscall error: eof detected",
        &["F21", "F10", "F18", "F07"],
    ),
    ("unexpected eof while reading", &["F21", "F10"]),
    ("no pg hba.conf entry", &["F07", "F13"]),
    ("access denied for user", &["F19", "F13"]),
    ("ssl connection error", &["F01", "F09", "F02", "F03"]),
];

/// Who printed the error, from its wording, where no profile's own text
/// matched: a family, not a client.
const CLIENTS: &[(&str, &[&str])] = &[
    (
        "psql / libpq",
        &[
            "psql:",
            "sslmode",
            "ssl error:",
            "root certificate file",
            "pg_hba.conf",
            "fatal:",
        ],
    ),
    (
        "a JDBC driver (Java)",
        &[
            "pkix",
            "javax.net.ssl",
            "sun.security",
            "psqlexception",
            "jdbc",
        ],
    ),
    (
        "Python (ssl module: PyMongo, PyMySQL, psycopg, asyncpg)",
        &[
            "[ssl:",
            "_ssl.c",
            "certificate_verify_failed",
            "serverselectiontimeouterror",
        ],
    ),
    ("Go (crypto/tls)", &["x509:", "tls: "]),
    (
        "Node.js",
        &[
            "unable_to_verify_leaf_signature",
            "err_tls",
            "self_signed_cert_in_chain",
            "depth_zero_self_signed_cert",
            "unable_to_get_issuer_cert_locally",
        ],
    ),
    (
        "the MySQL or MariaDB client",
        &["error 2026", "(hy000)", "2026", "3159", "mysql"],
    ),
    (
        ".NET",
        &[
            "remotecertificate",
            "untrustedroot",
            "partialchain",
            "cert_e_",
        ],
    ),
];

/// The endpoint an error names, when its wording says: psql's `server at
/// "HOST" (…), port N`, MySQL's `server on 'HOST'`, Go's `dial tcp HOST:PORT`.
/// The endpoint the text names, when it reads as HOST:PORT: it goes into
/// the suggested command line, so no white space or control characters.
fn endpoint(text: &str) -> Option<String> {
    named_endpoint(text).filter(|e| {
        e.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']' | '%'))
    })
}

fn named_endpoint(text: &str) -> Option<String> {
    let quoted_after = |marker: &str, quote: char| -> Option<String> {
        let start = text.find(marker)? + marker.len();
        let rest = &text[start..];
        let end = rest.find(quote)?;
        Some(rest[..end].to_string()).filter(|h| !h.is_empty() && !h.contains(' '))
    };
    if let Some(host) = quoted_after("server at \"", '"') {
        let port = text
            .find("port ")
            .map(|i| &text[i + 5..])
            .map(|r| {
                r.chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect::<String>()
            })
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "5432".into());
        return Some(format!("{host}:{port}"));
    }
    if let Some(host) = quoted_after("server on '", '\'') {
        return Some(format!("{host}:3306"));
    }
    if let Some(i) = text.find("dial tcp ") {
        let addr: String = text[i + 9..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        let addr = addr.trim_end_matches(':').to_string();
        if addr.contains(':') {
            return Some(addr);
        }
    }
    None
}

#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub input: String,
    /// The endpoint the error names, when it names one (HOST:PORT).
    pub endpoint: Option<String>,
    /// The client (or client family) the wording points to, if any.
    pub client: Option<&'static str>,
    /// The client profiles whose own error texts match, best first.
    pub clients: Vec<ClientMatch>,
    /// Likely causes, most specific first.
    pub causes: Vec<ExplainedCause>,
    /// The one `tlscheck connect` run that tells the candidates apart.
    pub distinguish: Option<String>,
}

/// A client profile whose error text matched.
#[derive(Debug, Clone, Serialize)]
pub struct ClientMatch {
    /// `--client` name.
    pub id: &'static str,
    pub name: &'static str,
    pub matched: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExplainedCause {
    /// The catalogue's failure-mode id (F01…F21).
    pub id: &'static str,
    pub title: &'static str,
    pub meaning: &'static str,
    /// The part of the input that matched.
    pub matched: &'static str,
    /// The tlscheck run that proves or rules it out.
    pub prove: &'static str,
    pub fix: &'static str,
}

pub fn explain(text: &str) -> Explanation {
    // Node's and OpenSSL's codes spell words with `_`: read them as words too.
    let lower = text.to_lowercase();
    let spaced = lower.replace('_', " ");
    let has = |needle: &str| lower.contains(needle) || spaced.contains(needle);
    let mut causes: Vec<ExplainedCause> = Vec::new();
    let add = |id: &str, matched: &'static str, causes: &mut Vec<ExplainedCause>| {
        if !causes.iter().any(|c| c.id == id) {
            if let Some(c) = CAUSES.iter().find(|c| c.id == id) {
                causes.push(c.explained(matched));
            }
        }
    };
    for c in CAUSES {
        // The longest matching needle is the most specific evidence.
        if let Some(needle) = c.needles.iter().filter(|n| has(n)).max_by_key(|n| n.len()) {
            add(c.id, needle, &mut causes);
        }
    }
    let clients = client_matches(&has);
    for m in &clients {
        let profile = crate::clients::find(m.id).expect("a matched profile exists");
        for e in profile.errors.iter().filter(|e| e.needle == m.matched) {
            add(e.cause, e.needle, &mut causes);
        }
    }
    // More specific matches first: a longer matched phrase says more.
    causes.sort_by_key(|c| std::cmp::Reverse(c.matched.len()));
    // A bare token stands for several causes: list every candidate, in the
    // order they are met in practice, after what matched more precisely.
    let mut ranked = false;
    for (token, ids) in TOKENS.iter().filter(|(t, _)| has(t)) {
        for id in *ids {
            add(id, token, &mut causes);
        }
        ranked |= ids.len() > 1;
    }
    // One client whose own words match names it; several with the same
    // words (every JDBC driver prints PKIX…) name their family.
    let family = CLIENTS
        .iter()
        .find(|(_, needles)| needles.iter().any(|n| has(n)))
        .map(|(name, _)| *name);
    let unique = match clients.as_slice() {
        [one] => Some(one),
        [a, b, ..] if a.matched.len() > b.matched.len() => Some(a),
        _ => None,
    };
    let client = unique.map(|m| m.name).or(family);
    let endpoint = endpoint(text);
    let distinguish = (ranked || causes.len() > 1).then(|| {
        let mut run = format!(
            "tlscheck connect {}",
            endpoint.as_deref().unwrap_or("HOST:PORT")
        );
        match (unique, clients.as_slice()) {
            (Some(m), _) => run.push_str(&format!(" --client {}", m.id)),
            (None, []) => {}
            (None, several) => {
                let ids: Vec<&str> = several.iter().map(|m| m.id).collect();
                run.push_str(&format!(
                    " --client YOUR-CLIENT (one of {})",
                    ids.join(", ")
                ));
            }
        }
        if causes.iter().any(|c| ["F01", "F02", "F03"].contains(&c.id)) {
            run.push_str(" --ca-file THE-CA-FILE-YOUR-CLIENT-USES");
        }
        run
    });
    Explanation {
        input: text.to_string(),
        endpoint,
        client,
        clients,
        causes,
        distinguish,
    }
}

/// The profiles whose own error texts appear in the input, longest match first.
fn client_matches(has: &dyn Fn(&str) -> bool) -> Vec<ClientMatch> {
    let mut out: Vec<ClientMatch> = crate::clients::ALL
        .iter()
        .filter_map(|p| {
            p.errors
                .iter()
                .filter(|e| has(e.needle))
                .max_by_key(|e| e.needle.len())
                .map(|e| ClientMatch {
                    id: p.id,
                    name: p.name,
                    matched: e.needle,
                })
        })
        .collect();
    out.sort_by_key(|m| std::cmp::Reverse(m.matched.len()));
    out
}

pub fn render(e: &Explanation) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if e.causes.is_empty() {
        let _ = writeln!(out, "No known TLS failure matches this text.");
        let _ = writeln!(out, "Run `tlscheck connect HOST:PORT` against the endpoint: it names the cause from what the server does.");
        return out;
    }
    match e.clients.as_slice() {
        [] => {
            if let Some(c) = e.client {
                let _ = writeln!(out, "This reads like an error from {c}.\n");
            }
        }
        [one] => {
            let _ = writeln!(
                out,
                "This reads like an error from {} (--client {}).\n",
                one.name, one.id
            );
        }
        many => {
            let names: Vec<String> = many
                .iter()
                .map(|m| format!("{} (--client {})", m.name, m.id))
                .collect();
            let _ = writeln!(
                out,
                "This reads like an error from one of: {}.\n",
                names.join(", ")
            );
        }
    }
    let _ = writeln!(
        out,
        "Likely cause{}:",
        if e.causes.len() > 1 {
            "s, most specific first"
        } else {
            ""
        }
    );
    for c in &e.causes {
        let _ = writeln!(
            out,
            "\n{} — {}  [matched: \"{}\"]",
            c.id, c.title, c.matched
        );
        let _ = writeln!(out, "  what it means: {}", c.meaning);
        let prove = match &e.endpoint {
            Some(ep) => c.prove.replace("HOST:PORT", ep),
            None => c.prove.to_string(),
        };
        let _ = writeln!(out, "  prove it:      {prove}");
        let _ = writeln!(out, "  fix:           {}", c.fix);
    }
    if let Some(run) = &e.distinguish {
        let _ = writeln!(out, "\nOne run tells them apart: {run}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<&'static str> {
        explain(text).causes.iter().map(|c| c.id).collect()
    }

    #[test]
    fn common_errors_map_to_their_causes() {
        assert_eq!(ids("psql: error: connection to server at \"db\" failed: SSL error: certificate verify failed")[0], "F01");
        assert_eq!(ids("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)")[0], "F01");
        assert_eq!(
            ids("x509: certificate signed by unknown authority"),
            vec!["F01", "F03", "F02"]
        );
        assert_eq!(
            ids("Error: unable to verify the first certificate")[0],
            "F03"
        );
        assert_eq!(ids("UNABLE_TO_VERIFY_LEAF_SIGNATURE")[0], "F03");
        assert_eq!(
            ids("server certificate for \"localhost\" does not match host name \"10.0.0.5\"")[0],
            "F04"
        );
        assert_eq!(
            ids("x509: certificate relies on legacy Common Name field, use SANs")[0],
            "F05"
        );
        assert_eq!(ids("ERROR 2026 (HY000): SSL connection error: error:0A000102:SSL routines::unsupported protocol")[0], "F09");
        assert_eq!(ids("(3159, 'Connections using insecure transport are prohibited while --require_secure_transport=ON.')")[0], "F07");
        assert_eq!(
            ids("server does not support SSL, but SSL was required")[0],
            "F08"
        );
        assert_eq!(ids("SSL alert number 80")[0], "F18");
        assert_eq!(
            ids("received invalid response to SSL negotiation: J")[0],
            "F17"
        );
        assert_eq!(ids("tlsv13 alert certificate required")[0], "F13");
    }

    #[test]
    fn the_client_is_recognised() {
        assert_eq!(
            explain("x509: certificate has expired").client,
            Some("Go (crypto/tls)")
        );
        assert!(
            explain("javax.net.ssl.SSLHandshakeException: PKIX path building failed")
                .client
                .unwrap()
                .contains("JDBC")
        );
        assert!(explain("[SSL: CERTIFICATE_VERIFY_FAILED]")
            .client
            .unwrap()
            .contains("Python"));
    }

    #[test]
    fn the_endpoint_is_picked_out() {
        let e = explain("psql: error: connection to server at \"db.example.com\" (10.0.0.5), port 6432 failed: SSL error: certificate verify failed");
        assert_eq!(e.endpoint.as_deref(), Some("db.example.com:6432"));
        assert!(render(&e).contains("tlscheck connect db.example.com:6432"));
        let e = explain("(2003, \"Can't connect to MySQL server on 'db.internal' ([SSL: CERTIFICATE_VERIFY_FAILED]\")");
        assert_eq!(e.endpoint.as_deref(), Some("db.internal:3306"));
        let e = explain("dial tcp 10.1.2.3:5432: x509: certificate signed by unknown authority");
        assert_eq!(e.endpoint.as_deref(), Some("10.1.2.3:5432"));
    }

    /// Found by the `explain` fuzz target: control characters after
    /// `dial tcp ` (or inside the quoted host) became the endpoint of the
    /// suggested `tlscheck connect` line.
    #[test]
    fn an_endpoint_with_control_characters_is_not_suggested() {
        let e = explain(
            "dial tcp \u{7}\u{7}db.example.com:5432: x509: certificate signed by unknown authority",
        );
        assert_eq!(e.endpoint, None);
        assert!(
            render(&e).contains("tlscheck connect HOST:PORT"),
            "{}",
            render(&e)
        );
        let e = explain("connection to server at \"db\tx\" (10.0.0.5), port 6432 failed");
        assert_eq!(e.endpoint, None);
    }

    #[test]
    fn bare_tokens_get_ranked_candidates_and_the_run_that_decides() {
        for token in [
            "CERTIFICATE_VERIFY_FAILED",
            "SELF_SIGNED_CERT_IN_CHAIN",
            "DEPTH_ZERO_SELF_SIGNED_CERT",
            "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
            "ERR_TLS_CERT_ALTNAME_INVALID",
            "PKIX path building failed",
            "x509: certificate signed by unknown authority",
            "SSL SYSCALL error: EOF detected",
        ] {
            let e = explain(token);
            assert!(!e.causes.is_empty(), "{token}");
            assert!(
                e.distinguish.is_some() || e.causes.len() == 1,
                "{token}: {e:?}"
            );
        }
        assert_eq!(
            ids("CERTIFICATE_VERIFY_FAILED"),
            vec!["F01", "F03", "F02", "F06", "F04"]
        );
        assert_eq!(ids("PKIX path building failed")[0], "F01");
        assert_eq!(ids("SSL SYSCALL error: EOF detected")[0], "F21");
    }

    #[test]
    fn a_clients_own_text_names_it() {
        let e = explain("Error: Hostname/IP does not match certificate's altnames: ERR_TLS_CERT_ALTNAME_INVALID");
        assert!(
            e.clients
                .iter()
                .any(|m| m.id == "node-postgres" || m.id == "mysql2"),
            "{e:?}"
        );
        assert_eq!(e.causes[0].id, "F04");
        let e = explain("org.postgresql.util.PSQLException: Could not open SSL root certificate file /root/.postgresql/root.crt.");
        assert_eq!(e.clients[0].id, "pgjdbc");
        assert!(
            e.distinguish
                .as_deref()
                .is_some_and(|d| d.contains("--client pgjdbc"))
                || e.causes.len() == 1
        );
    }

    #[test]
    fn non_tls_messages_with_a_tls_cause() {
        assert!(ids("FATAL: no pg_hba.conf entry for host \"10.0.0.1\", user \"app\", database \"app\", no encryption").contains(&"F07"));
        assert!(ids(
            "ERROR 1045 (28000): Access denied for user 'app'@'10.0.0.1' (using password: YES)"
        )
        .contains(&"F19"));
        assert!(ids("invalid sslmode value: \"verify\"").contains(&"F20"));
    }

    #[test]
    fn unknown_text_matches_nothing() {
        assert!(explain("the printer is on fire").causes.is_empty());
    }
}
