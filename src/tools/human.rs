//! `tlscheck roots` and `tlscheck cert` for people, in the report's style:
//! the answer in one line first, then the facts.

use std::fmt::Write;

use super::cert::CertReport;
use super::roots::RootsReport;
use crate::report::human::{cert, trust_sources, Painter};
use crate::trust::SourceKind;

fn headline(out: &mut String, ok: bool, summary: &str, p: Painter) {
    let (mark, rest) = match summary.split_once(' ') {
        Some((word, rest)) => (word, rest),
        None => (summary, ""),
    };
    let (sign, word) = if ok {
        (p.green("✓"), p.green(mark))
    } else {
        (p.red("✗"), p.red(mark))
    };
    let _ = writeln!(out, "{sign} {word}  {rest}");
}

pub fn render_roots(r: &RootsReport, p: Painter) -> String {
    let mut out = String::new();
    headline(&mut out, r.exit_code == 0, &r.summary, p);

    let s = &r.os_store;
    let _ = writeln!(out, "\n{}", p.bold("OS store"));
    let _ = writeln!(
        out,
        "  roots       {} ({} certificates read)",
        s.roots, s.certificates
    );
    let used = if s.location.used.is_empty() {
        "-".to_string()
    } else {
        s.location.used.join(", ")
    };
    let _ = writeln!(out, "  read from   {used}");
    let _ = writeln!(out, "  found by    {}", s.location.how);
    let _ = writeln!(out, "  platform    {}", s.location.platform);
    for (var, value) in [
        ("SSL_CERT_FILE", &s.location.ssl_cert_file),
        ("SSL_CERT_DIR", &s.location.ssl_cert_dir),
    ] {
        let v = value.as_deref().unwrap_or("not set");
        let _ = writeln!(out, "  {var:<13} {v}");
    }
    if !s.location.tried.is_empty() {
        let _ = writeln!(out, "  well-known places, in the order clients look:");
        for t in &s.location.tried {
            let mark = if t.used {
                p.green("✓")
            } else if t.exists {
                p.dim("·")
            } else {
                p.dim("-")
            };
            let state = match (t.used, t.exists) {
                (true, _) => p.bold("← used"),
                (false, true) => p.dim("exists"),
                (false, false) => p.dim("missing"),
            };
            let systems = if t.systems.is_empty() {
                String::new()
            } else {
                p.dim(&format!(" ({})", t.systems))
            };
            let _ = writeln!(out, "    {mark} {} {}{systems} {state}", t.kind, t.path);
        }
    }
    for e in &s.errors {
        let _ = writeln!(out, "  {} {e}", p.yellow("!"));
    }

    let _ = writeln!(out, "\n{}", p.bold("Mozilla bundle"));
    let _ = writeln!(
        out,
        "  roots       {} ({})",
        r.mozilla.roots,
        r.mozilla.location.as_deref().unwrap_or("")
    );

    let j = &r.java_cacerts;
    let _ = writeln!(
        out,
        "\n{}",
        p.bold("Java cacerts (Java's default trust store)")
    );
    if j.found {
        let _ = writeln!(
            out,
            "  roots       {} ({} certificates read{})",
            j.roots,
            j.certificates,
            j.location
                .format
                .map(|f| format!(", {}", f.to_uppercase()))
                .unwrap_or_default()
        );
        let path = j.location.path.as_deref().unwrap_or("-");
        let _ = match &j.location.resolves_to {
            Some(real) => writeln!(out, "  read from   {path} → {real}"),
            None => writeln!(out, "  read from   {path}"),
        };
    } else {
        let _ = writeln!(out, "  roots       none (no Java found)");
        if !j.location.tried.is_empty() {
            let _ = writeln!(out, "  tried       {}", j.location.tried.join(", "));
        }
    }
    let _ = writeln!(out, "  found by    {}", j.location.how);
    for e in &j.errors {
        let _ = writeln!(out, "  {} {e}", p.yellow("!"));
    }

    let n = &r.node;
    let _ = writeln!(
        out,
        "\n{}",
        p.bold("Node.js store (Node's default trust store)")
    );
    let _ = writeln!(out, "  roots       {} ({})", n.roots, n.label);
    let _ = writeln!(
        out,
        "  read from   {}",
        n.read_from.as_deref().unwrap_or("-")
    );
    let _ = writeln!(out, "  found by    {}", n.location.how);
    for (var, value) in [
        ("NODE_OPTIONS", &n.location.node_options),
        ("NODE_EXTRA_CA_CERTS", &n.location.extra_ca_certs),
    ] {
        let v = value.as_deref().unwrap_or("not set");
        let _ = writeln!(out, "  {var:<19} {v}");
    }
    for e in &n.errors {
        let _ = writeln!(out, "  {} {e}", p.yellow("!"));
    }

    if let Some(find) = &r.find {
        let _ = writeln!(out, "\n{}", p.bold(&format!("Roots matching \"{find}\"")));
        if r.matches.is_empty() {
            let _ = writeln!(out, "  none");
        }
        for m in &r.matches {
            let label = store_name(m.source).trim_start_matches("the ");
            let mut also = Vec::new();
            let mut not = Vec::new();
            for (kind, held) in [
                (SourceKind::Os, m.in_os_store),
                (SourceKind::Mozilla, m.in_mozilla),
                (SourceKind::JavaCacerts, m.in_java_cacerts),
                (SourceKind::NodeBundled, m.in_node),
            ] {
                if kind == m.source {
                    continue;
                }
                if held {
                    also.push(store_name(kind));
                } else {
                    not.push(store_name(kind));
                }
            }
            let mut other = Vec::new();
            if !also.is_empty() {
                other.push(format!("also in {}", also.join(", ")));
            }
            if !not.is_empty() {
                let not = not.join(", ");
                other.push(if m.source == SourceKind::Os {
                    format!("not in {not}")
                } else {
                    format!("NOT in {not}")
                });
            }
            let other = other.join("; ");
            let _ = writeln!(
                out,
                "  {} {:<18} {}",
                p.green("✓"),
                label,
                p.bold(&m.subject)
            );
            let _ = writeln!(out, "      matched by  {}; {other}", m.matched_by);
            if let (Some(na), Some(d)) = (&m.not_after, m.days_left) {
                let _ = writeln!(out, "      expires     {na} ({d} days)");
            }
            if let Some(h) = &m.sha256 {
                let _ = writeln!(out, "      sha256      {}", p.dim(h));
            }
            if let Some(h) = &m.sha1 {
                let _ = writeln!(out, "      sha1        {}", p.dim(h));
            }
            let _ = writeln!(out, "      spki sha256 {}", p.dim(&m.spki_sha256));
        }
    }
    out
}

fn store_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Os => "the OS store",
        SourceKind::Mozilla => "the Mozilla bundle",
        SourceKind::JavaCacerts => "Java cacerts",
        SourceKind::NodeBundled => "Node.js's store",
        SourceKind::CaFile => "the CA file",
    }
}

pub fn render_cert(r: &CertReport, now_unix: i64, p: Painter) -> String {
    let mut out = String::new();
    headline(&mut out, r.exit_code == 0, &r.summary, p);
    if r.problems.len() > 1 {
        for pr in &r.problems {
            let _ = writeln!(out, "  {} {pr}", p.red("✗"));
        }
    }

    let _ = writeln!(out, "\n{}", p.bold("Files"));
    for f in &r.files {
        let _ = writeln!(
            out,
            "  {}  {}: {} certificate(s), {} key(s), {} CRL(s)",
            f.path,
            f.format.to_uppercase(),
            f.certificates,
            f.keys,
            f.crls
        );
        for s in &f.skipped {
            let _ = writeln!(out, "    {} skipped {s}", p.yellow("!"));
        }
    }

    if !r.certificates.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.bold(&if r.fail_days == 0 {
                format!(
                    "Certificates (warn within {} days, fail when expired)",
                    r.warn_days
                )
            } else {
                format!(
                    "Certificates (warn within {} days, fail within {})",
                    r.warn_days, r.fail_days
                )
            })
        );
        for c in &r.certificates {
            cert(&mut out, &c.facts, 0, now_unix, p);
            let expiry = match c.expiry {
                "ok" => "ok".to_string(),
                "warn" => p.yellow("expires soon (within --warn-days)"),
                "fail" => p.red("expires within --fail-days"),
                "expired" => p.red("expired"),
                "not-yet-valid" => p.red("not valid yet"),
                other => p.red(other),
            };
            let _ = writeln!(out, "     from    {} — expiry: {expiry}", c.file);
        }
    }

    if let Some(ch) = &r.chain {
        let _ = writeln!(
            out,
            "\n{}",
            p.bold(&format!(
                "Chain: [{}] as the leaf{} against each trust source",
                ch.leaf,
                if ch.intermediates.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", with {}",
                        ch.intermediates
                            .iter()
                            .map(|i| format!("[{i}]"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    )
                }
            ))
        );
        trust_sources(&mut out, &ch.trust, "decides", p);
        let _ = writeln!(out, "  verdict uses: {}", ch.verdict_trust);
    } else if !r.certificates.is_empty() {
        let _ = writeln!(
            out,
            "\n{}\n  no end-entity certificate given (all are CAs): no chain to verify",
            p.bold("Chain")
        );
    }

    if !r.keys.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Keys"));
        for k in &r.keys {
            let kind = match (&k.key_type, k.key_bits) {
                (Some(t), Some(b)) => format!("{t} {b} bits"),
                (Some(t), None) => t.clone(),
                _ => "unknown type".into(),
            };
            if let Some(e) = &k.error {
                let _ = writeln!(out, "  {} {} ({}): {e}", p.red("✗"), k.file, k.format);
            } else if k.matches.is_empty() {
                let _ = writeln!(
                    out,
                    "  {} {} ({} {kind}): matches none of the certificates",
                    p.red("✗"),
                    k.file,
                    k.format
                );
            } else {
                let which: Vec<String> = k
                    .matches
                    .iter()
                    .map(|&i| {
                        let subject = r
                            .certificates
                            .get(i)
                            .map(|c| c.facts.subject.as_str())
                            .unwrap_or("");
                        format!("[{i}] {subject}")
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "  {} {} ({} {kind}): matches {}",
                    p.green("✓"),
                    k.file,
                    k.format,
                    which.join(", ")
                );
            }
        }
    }

    if !r.crls.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("CRLs"));
        for c in &r.crls {
            if let Some(e) = &c.parse_error {
                let _ = writeln!(out, "  {} {}: unreadable CRL: {e}", p.red("✗"), c.file);
                continue;
            }
            let _ = writeln!(out, "  {} issued by {}", c.file, p.bold(&c.issuer));
            let next = c.next_update.as_deref().unwrap_or("none");
            let stale = if c.stale {
                p.red(" (stale)")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "      updated {}, next update {next}{stale}, {} serial(s) revoked",
                c.this_update, c.revoked
            );
            if !c.revokes.is_empty() {
                let list: Vec<String> = c.revokes.iter().map(|i| format!("[{i}]")).collect();
                let _ = writeln!(out, "      {} {}", p.red("revokes"), list.join(" "));
            }
        }
    }
    out
}
