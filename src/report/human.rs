//! The report for people: the verdict in one line first, then why, then the
//! facts, with the chain drawn as a tree from issuer to leaf.

use std::fmt::Write;

use owo_colors::OwoColorize;

use super::Report;
use crate::facts::connect::ConnectFacts;
use crate::facts::scan::ScanFacts;
use crate::facts::srv::SrvFacts;
use crate::facts::tls::{AfterHandshake, Session, TlsFacts};
use crate::facts::upgrade::{Greeting, UpgradeFacts};
use crate::identity::IdentityFacts;
use crate::judge::hostname::NameCheck;
use crate::judge::policy::{ExpiringCertificate, ExpiryReport};
use crate::judge::revocation::OcspVerdict;
use crate::judge::{Finding, Judgement, ModeVerdict, Outcome, Severity, TrustVerdict};
use crate::observe::{CertFacts, ChainSource};

/// Whether to colour, decided once by the caller.
#[derive(Debug, Clone, Copy)]
pub struct Painter {
    pub color: bool,
}

impl Painter {
    pub(crate) fn red(&self, s: &str) -> String {
        if self.color {
            s.red().bold().to_string()
        } else {
            s.to_string()
        }
    }
    pub(crate) fn green(&self, s: &str) -> String {
        if self.color {
            s.green().bold().to_string()
        } else {
            s.to_string()
        }
    }
    pub(crate) fn yellow(&self, s: &str) -> String {
        if self.color {
            s.yellow().to_string()
        } else {
            s.to_string()
        }
    }
    pub(crate) fn bold(&self, s: &str) -> String {
        if self.color {
            s.bold().to_string()
        } else {
            s.to_string()
        }
    }
    pub(crate) fn dim(&self, s: &str) -> String {
        if self.color {
            s.dimmed().to_string()
        } else {
            s.to_string()
        }
    }
    /// ✓ in green when `ok`, else ✗ in red.
    pub(crate) fn mark(&self, ok: bool) -> String {
        if ok {
            self.green("✓")
        } else {
            self.red("✗")
        }
    }
    /// `s` in the colour of outcome `o`.
    fn like(&self, o: Outcome, s: &str) -> String {
        match o {
            Outcome::Pass => self.green(s),
            Outcome::Fail | Outcome::Unreachable => self.red(s),
            Outcome::NotChecked => self.dim(s),
        }
    }
    fn outcome(&self, o: Outcome) -> String {
        self.like(o, outcome_word(o))
    }
}

/// An outcome in a word, as the modes table writes it.
fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "FAIL",
        Outcome::Unreachable => "UNREACHABLE",
        Outcome::NotChecked => "not tried",
    }
}

/// The report for people, section by section: the verdict, why, every
/// mode, every client, the trust sources, the connection's facts, the chain
/// and the notes.
pub fn render(r: &Report, p: Painter) -> String {
    let mut out = String::new();
    let j = &r.judgement;
    verdict(&mut out, r, p);
    if !j.findings.is_empty() {
        finding_list(&mut out, "Why", &j.findings, p);
    }
    modes_table(&mut out, r, p);
    if !j.clients.is_empty() {
        clients_table(&mut out, &j.clients, p);
    }
    if !j.trust.is_empty() {
        trust_section(&mut out, j, p);
    }
    connection(&mut out, r, p);
    if !r.facts.chain.is_empty() {
        chain(&mut out, r, p);
    }
    if !r.notes.is_empty() {
        heading(&mut out, "Notes", p);
        for n in &r.notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    out
}

/// A section's title, after a blank line.
pub(crate) fn heading(out: &mut String, title: &str, p: Painter) {
    let _ = writeln!(out, "\n{}", p.bold(title));
}

/// The findings under a heading, one entry each.
pub(crate) fn finding_list(out: &mut String, title: &str, findings: &[Finding], p: Painter) {
    heading(out, title, p);
    for f in findings {
        finding(out, f, p);
    }
}

/// The verdict in one line, then its reason and the rules applied.
fn verdict(out: &mut String, r: &Report, p: Painter) {
    let v = &r.judgement.verdict;
    let mark = match v.result {
        Outcome::Pass => "✓",
        Outcome::Fail | Outcome::Unreachable => "✗",
        Outcome::NotChecked => "-",
    };
    let mark = p.like(v.result, mark);
    let word = p.like(v.result, &outcome_word(v.result).to_uppercase());
    let what = match &r.facts.chain_source {
        ChainSource::Files { files } => {
            format!("{} (chain from {})", r.target.verify_name, files.join(", "))
        }
        ChainSource::Handshake => format!(
            "{}:{} ({})",
            r.target.host,
            r.target.port,
            r.target.protocol.name()
        ),
    };
    let _ = writeln!(
        out,
        "{mark} {word}  {} under {}",
        p.bold(&what),
        p.bold(v.mode.name())
    );
    if r.facts.judged_unix != r.facts.observed_unix {
        let _ = writeln!(out, "  judged as of {} (--at)", r.facts.judged_at);
    }
    let _ = writeln!(out, "  {}", v.reason);
    let _ = writeln!(out, "  {}", p.dim(&r.target.rules_applied));
}

/// Every mode's verdict from the one handshake, the chosen one marked.
fn modes_table(out: &mut String, r: &Report, p: Painter) {
    let j = &r.judgement;
    let title = match r.facts.chain_source {
        ChainSource::Handshake => "Every mode, from this one handshake",
        ChainSource::Files { .. } => "Every mode, for this chain",
    };
    heading(out, title, p);
    if j.modes.iter().all(|m| m.result == Outcome::Unreachable) {
        let _ = writeln!(
            out,
            "  none can be judged: the check never reached a TLS decision"
        );
    }
    let from_files = r.facts.chain_source != ChainSource::Handshake;
    let shown = |m: &&ModeVerdict| {
        m.result != Outcome::Unreachable && !(from_files && m.result == Outcome::NotChecked)
    };
    for m in j.modes.iter().filter(shown) {
        let chosen = if m.mode == j.verdict.mode {
            p.bold(" ← chosen")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {:<12} {:<6} {}{}",
            m.mode.name(),
            pad(&p.outcome(m.result), m.result),
            m.reason,
            chosen
        );
    }
}

/// The chain against each trust source, and which one the verdicts use.
fn trust_section(out: &mut String, j: &Judgement, p: Painter) {
    heading(out, "Trust sources (the chain against each)", p);
    trust_sources(out, &j.trust, "decides verify-ca/verify-full", p);
    let _ = writeln!(out, "  verdicts use: {}", j.verdict_trust);
}

/// What happened on the way, from the address to the host name check.
fn connection(out: &mut String, r: &Report, p: Painter) {
    let (f, j) = (&r.facts, &r.judgement);
    if let ChainSource::Files { files } = &f.chain_source {
        heading(out, "Chain judged", p);
        let _ = writeln!(
            out,
            "  files       {} (no connection was made)",
            files.join(", ")
        );
        setting_lines(out, r, p);
    } else {
        target_lines(out, r, p);
    }
    if let Some(c) = &f.connect {
        connect_lines(out, c);
    }
    if let Some(u) = &f.upgrade {
        upgrade_lines(out, u);
    }
    if let Some(t) = f
        .tls
        .as_ref()
        .filter(|_| f.chain_source == ChainSource::Handshake)
    {
        tls_lines(out, r, t);
    }
    if let Some(m) = &f.mongo {
        mongo_section(out, m);
    }
    for q in f.ocsp_queries.iter().filter(|q| q.response.is_none()) {
        let _ = writeln!(
            out,
            "  OCSP        [{}] {}",
            q.position,
            q.error.as_deref().unwrap_or("no answer")
        );
    }
    if !j.crl_sources.is_empty() {
        let _ = writeln!(out, "  CRLs        {}", j.crl_sources.join(", "));
    }
    if let Some(first) = &j.expiry.first_to_expire {
        expiry_line(out, &j.expiry, first);
    }
    if let Some(h) = &j.hostname {
        hostname_line(out, h);
    }
}

/// The target as typed, the protocol and why, and the effective settings.
fn target_lines(out: &mut String, r: &Report, p: Painter) {
    heading(out, "Connection", p);
    let _ = writeln!(out, "  target      {}", r.target.input);
    let _ = writeln!(
        out,
        "  protocol    {} ({})",
        r.target.protocol.name(),
        r.target.protocol_reason
    );
    setting_lines(out, r, p);
}

/// The client whose rules decide, and the effective settings.
fn setting_lines(out: &mut String, r: &Report, p: Painter) {
    let c = &r.target.client;
    let checked = if c.verified {
        format!("checked against {}", c.verified_by)
    } else {
        c.verified_by.clone()
    };
    let _ = writeln!(
        out,
        "  client      {} {}",
        c.version,
        p.dim(&format!("({}; {checked})", c.chosen_by))
    );
    for s in &r.settings {
        let _ = writeln!(
            out,
            "  {:<11} {} {}",
            s.name,
            s.value,
            p.dim(&format!("({})", s.source))
        );
    }
}

/// The address connected to, and the ones that failed before it.
fn connect_lines(out: &mut String, c: &ConnectFacts) {
    let _ = writeln!(
        out,
        "  address     {} (TCP connect {:.1} ms)",
        c.peer, c.connect_ms
    );
    for a in &c.failed_attempts {
        let _ = writeln!(out, "              {} failed first: {}", a.address, a.error);
    }
}

/// How the connection got to TLS, after the MySQL greeting if there was one.
fn upgrade_lines(out: &mut String, u: &UpgradeFacts) {
    if let Some(g) = &u.mysql {
        greeting_lines(out, g);
    }
    let how = match u.method {
        "sslrequest" => format!("SSLRequest → {}", u.server_answer.as_deref().unwrap_or("?")),
        "direct" => format!("direct TLS, ALPN {}", u.alpn.join(",")),
        "mysql-sslrequest" => "CLIENT_SSL in the greeting → SSLRequest sent, then TLS".into(),
        "mysql-greeting" => u.server_answer.clone().unwrap_or_default(),
        _ => "TLS from the first byte".into(),
    };
    let _ = writeln!(out, "  upgrade     {how}");
}

/// The MySQL server's greeting: who it is and what it offered.
fn greeting_lines(out: &mut String, g: &Greeting) {
    let _ = writeln!(
        out,
        "  server      {} (version string {}, protocol {})",
        g.describe(),
        g.server_version,
        g.protocol_version
    );
    let mut parts = Vec::new();
    if let Some(id) = g.connection_id {
        parts.push(format!("connection id {id}"));
    }
    if let Some(a) = &g.auth_plugin {
        parts.push(format!("auth plugin {a}"));
    }
    if let Some(c) = g.charset {
        parts.push(format!("charset {c} ({})", g.charset_name.unwrap_or("?")));
    }
    if let Some(st) = g.status {
        parts.push(format!("status 0x{st:04x}"));
    }
    if let Some(caps) = &g.capabilities {
        parts.push(format!(
            "capabilities {caps} ({} CLIENT_SSL)",
            if g.client_ssl { "with" } else { "without" }
        ));
    }
    if !parts.is_empty() {
        let _ = writeln!(out, "  greeting    {}", parts.join(", "));
    }
}

/// The handshake: its session or failure, the version probes, OCSP, and
/// the client certificate.
fn tls_lines(out: &mut String, r: &Report, t: &TlsFacts) {
    let sni = t.sni_sent.clone().unwrap_or_else(|| "none".into());
    if let Some(s) = &t.session {
        session_lines(out, t, s, &sni);
    } else if let Some(e) = &t.failure {
        let _ = writeln!(
            out,
            "  TLS         failed: {e} (offered {}, SNI {sni})",
            t.versions_offered.join(", ")
        );
    }
    if let Some(scan) = &r.facts.legacy_probe {
        probes_line(out, scan);
    }
    if t.ocsp_stapled_bytes == 0 {
        let _ = writeln!(out, "  OCSP        not stapled");
    }
    for o in &r.judgement.ocsp {
        ocsp_line(out, o);
    }
    client_cert_lines(out, t, r.facts.client_identity.as_ref());
}

/// The session agreed, what the server did after the handshake, and how
/// the connection closed.
fn session_lines(out: &mut String, t: &TlsFacts, s: &Session, sni: &str) {
    let _ = writeln!(
        out,
        "  TLS         {}, {}, {}, ALPN {}, SNI {}, {} handshake in {:.1} ms",
        s.version,
        s.cipher_suite,
        s.key_exchange_group.as_deref().unwrap_or("?"),
        s.alpn.as_deref().unwrap_or("none"),
        sni,
        s.handshake_kind,
        t.handshake_ms
    );
    let after = match &s.after_handshake {
        AfterHandshake::Quiet { waited_ms } => format!("nothing within {waited_ms:.0} ms"),
        AfterHandshake::Alert { alert } => format!("alert {alert}"),
        AfterHandshake::Closed => "the server closed the connection".into(),
        AfterHandshake::Data { bytes } => format!("{bytes} bytes of data"),
        AfterHandshake::Error { error } => error.clone(),
    };
    let close = if s.closed_cleanly {
        "closed with close_notify"
    } else {
        "close_notify could not be sent"
    };
    let _ = writeln!(out, "  after       {after}; {close}");
}

/// What the version probes found, in one line.
fn probes_line(out: &mut String, scan: &ScanFacts) {
    let accepted: Vec<String> = scan
        .accepted()
        .map(|v| format!("{} ({} suites)", v.version.name(), v.ciphers.len()))
        .collect();
    let chain = match scan.certificates.first() {
        Some(c) if !c.chain.is_empty() => format!("; chain read from a {}", c.how),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "  probes      the server accepts {}{chain}; {} probe connections (tlscheck scan for more)",
        joined_or(&accepted, ", ", "no version"),
        scan.connections
    );
}

/// One OCSP answer: where from, the status, its dates, whether to trust it.
fn ocsp_line(out: &mut String, o: &OcspVerdict) {
    let label = match o.source {
        "stapled" => "stapled".to_string(),
        _ => format!(
            "[{}] {}",
            o.position,
            o.url.as_deref().unwrap_or("responder")
        ),
    };
    let status = o.status.unwrap_or("no answer for this certificate");
    let trust = if o.trustworthy {
        format!("signed by {}, fresh", o.signer.as_deref().unwrap_or("?"))
    } else {
        format!("not reliable: {}", o.problems.join("; "))
    };
    let dates = match (&o.this_update, &o.next_update) {
        (Some(a), Some(b)) => format!(" ({a} → {b})"),
        (Some(a), None) => format!(" ({a})"),
        _ => String::new(),
    };
    let _ = writeln!(out, "  OCSP        {label}: {status}{dates}; {trust}");
}

/// Whether the server asked for a client certificate, and whether ours went.
fn client_cert_lines(out: &mut String, t: &TlsFacts, identity: Option<&IdentityFacts>) {
    let sent = if t.client_certificate_presented {
        "; presented"
    } else if identity.is_some() && t.client_certificate_request.is_some() {
        "; not presented"
    } else {
        ""
    };
    let cr = match &t.client_certificate_request {
        Some(req) if req.acceptable_cas.is_empty() => format!("requested (any issuer){sent}"),
        Some(req) => format!("requested, from: {}{sent}", req.acceptable_cas.join("; ")),
        None => "not requested".into(),
    };
    let _ = writeln!(out, "  client cert {cr}");
    if let Some(id) = identity {
        let _ = writeln!(
            out,
            "  identity    {} (issuer {}; {} key in {}, until {})",
            id.subject, id.issuer, id.key_format, id.key_file, id.not_after
        );
    }
}

/// The certificate that expires first, against the warning thresholds.
fn expiry_line(out: &mut String, expiry: &ExpiryReport, first: &ExpiringCertificate) {
    let fail = expiry
        .fail_days
        .map(|d| format!(", fail within {d}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  expiry      first to expire: {} in {} days, {} (warn within {}{fail})",
        crate::judge::findings::short_name(&first.subject),
        first.days_left,
        first.not_after,
        expiry.warn_days
    );
}

/// The host name against the certificate's names.
fn hostname_line(out: &mut String, h: &NameCheck) {
    let m = if h.matched {
        format!(
            "{} matches {}",
            h.name,
            h.matched_by.as_deref().unwrap_or("")
        )
    } else {
        format!(
            "{} not among {}",
            h.name,
            crate::judge::list_or_nothing(&h.certificate_names)
        )
    };
    let _ = writeln!(out, "  host name   {m} ({:?} rules)", h.rules);
}

/// The chain as served, drawn from issuer to leaf, under the anchor that
/// completed it when the server did not send that.
fn chain(out: &mut String, r: &Report, p: Painter) {
    let f = &r.facts;
    heading(out, "Chain as served (issuer → leaf)", p);
    let anchor = r
        .judgement
        .trust
        .iter()
        .find(|t| t.used_for_verdict && t.verdict.valid)
        .and_then(|t| t.verdict.path.last().cloned());
    let mut depth = 0;
    if let Some(a) = anchor {
        if !f.chain.last().is_some_and(|c| c.self_issued) {
            let _ = writeln!(out, "  {}", p.dim(&format!("{a}, not served")));
            depth = 1;
        }
    }
    for c in f.chain.iter().rev() {
        cert(out, c, depth, f.judged_unix, p);
        depth += 1;
    }
}

/// `items` joined by `sep`, or `empty` when there are none.
fn joined_or(items: &[String], sep: &str, empty: &str) -> String {
    if items.is_empty() {
        empty.to_string()
    } else {
        items.join(sep)
    }
}

/// The chain against each trust source, one entry each; `decides` names
/// what the source marked `used_for_verdict` decides.
pub(crate) fn trust_sources(out: &mut String, trust: &[TrustVerdict], decides: &str, p: Painter) {
    for t in trust {
        let mark = p.mark(t.verdict.valid);
        let used = if t.used_for_verdict {
            p.bold(&format!("  ← {decides}"))
        } else {
            String::new()
        };
        let place = t
            .location
            .as_deref()
            .map(|l| format!(" {l}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {mark} {}{} ({} roots){used}",
            t.label,
            p.dim(&place),
            t.roots
        );
        if t.verdict.valid {
            let _ = writeln!(out, "      valid: {}", t.verdict.path.join(" ← "));
        } else if let Some(d) = &t.verdict.detail {
            let _ = writeln!(out, "      {d}");
        }
    }
}

/// What the server said to `hello`.
fn mongo_section(out: &mut String, m: &crate::facts::upgrade::MongoFacts) {
    let how = if m.over_tls { "over TLS" } else { "in clear" };
    if !m.answered {
        let what = match &m.looks_like {
            Some(l) => format!("; it looks like {l}"),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "  hello       {how}: {}{what}",
            m.problem.as_deref().unwrap_or("no MongoDB answer")
        );
        return;
    }
    let version = match (&m.version, &m.version_range) {
        (Some(v), _) => format!("MongoDB {v}"),
        (None, Some(r)) => r.clone(),
        (None, None) => "version not said".into(),
    };
    let _ = writeln!(
        out,
        "  hello       {how} in {:.1} ms: {version}, {}{}",
        m.hello_ms,
        m.server_type.unwrap_or("?"),
        if m.ok == Some(false) {
            format!(" (ok: 0, {})", m.errmsg.as_deref().unwrap_or(""))
        } else {
            String::new()
        }
    );
    if let Some(set) = &m.set_name {
        let _ = writeln!(
            out,
            "  replica set {set}: writable primary {}, secondary {}",
            m.is_writable_primary.unwrap_or(false),
            m.secondary.unwrap_or(false)
        );
    }
    for (label, list) in [
        ("hosts", &m.hosts),
        ("passives", &m.passives),
        ("arbiters", &m.arbiters),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "  {label:<11} {}", list.join(", "));
        }
    }
    if let Some(me) = &m.me {
        let _ = writeln!(out, "  me          {me}");
    }
    if m.mongos {
        let _ = writeln!(
            out,
            "  router      mongos (msg: isdbgrid): a sharded cluster's router"
        );
    }
    let _ = writeln!(
        out,
        "  compression {}",
        joined_or(&m.compression, ", ", "none agreed")
    );
}

/// Render what `tlscheck connect` produced: one report, or each host's
/// report and a summary.
pub fn render_checked(c: &crate::report::Checked, p: Painter) -> String {
    use crate::report::Checked;
    let m = match c {
        Checked::One(r) => return render(r, p),
        Checked::Many(m) => m,
    };
    let mut out = String::new();
    if let Some(s) = &m.srv {
        srv_section(&mut out, s, p);
        out.push('\n');
    }
    for (i, r) in m.hosts.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}",
            p.bold(&format!(
                "── host {} of {}: {}:{} ({}) ──",
                i + 1,
                m.hosts.len(),
                r.target.host,
                r.target.port,
                r.role.as_deref().unwrap_or("host")
            ))
        );
        out.push_str(&render(r, p));
        out.push('\n');
    }
    let line = &m.summary.line;
    let painted = if m.exit_code == 0 {
        p.green(line)
    } else {
        p.red(line)
    };
    let _ = writeln!(out, "{} {painted}", p.bold("Summary:"));
    out
}

/// What DNS said for a `mongodb+srv` name: the SRV records, the TXT
/// record, and what is wrong with them.
fn srv_section(out: &mut String, s: &SrvFacts, p: Painter) {
    let _ = writeln!(
        out,
        "{}",
        p.bold(&format!("DNS for {} (resolver {})", s.name, s.dns_server))
    );
    for r in &s.records {
        let mark = p.mark(r.within_parent_domain);
        let _ = writeln!(
            out,
            "  {mark} SRV {} → {}:{} (priority {}, weight {})",
            s.query, r.target, r.port, r.priority, r.weight
        );
    }
    match &s.txt {
        Some(t) => {
            let _ = writeln!(out, "  TXT {}: {t}", s.name);
        }
        None => {
            let _ = writeln!(out, "  TXT {}: none", s.name);
        }
    }
    if let Some(e) = &s.error {
        let _ = writeln!(out, "  {} {e}", p.red("✗"));
    }
    for pr in &s.problems {
        let _ = writeln!(out, "  {} {pr}", p.red("✗"));
    }
}

/// Pad a possibly coloured outcome word to the width of its plain text.
fn pad(painted: &str, o: Outcome) -> String {
    let plain = outcome_word(o).chars().count();
    format!("{painted}{}", " ".repeat(6usize.saturating_sub(plain)))
}

pub(crate) fn finding(out: &mut String, f: &Finding, p: Painter) {
    let mark = match f.severity {
        Severity::Error => p.red("✗"),
        Severity::Warning => p.yellow("!"),
        Severity::Info => p.dim("i"),
    };
    let _ = writeln!(
        out,
        "  {mark} {} {}",
        p.bold(&f.title),
        p.dim(&format!("[{}]", f.id))
    );
    let _ = writeln!(out, "    {}", f.detail);
    if let Some(fix) = &f.fix {
        let _ = writeln!(out, "    {} {fix}", p.bold("fix:"));
    }
}

pub(crate) fn cert(out: &mut String, c: &CertFacts, depth: usize, now: i64, p: Painter) {
    let indent = "   ".repeat(depth.saturating_sub(1));
    let branch = if depth == 0 { "" } else { "└─ " };
    let pad = "   ".repeat(depth) + "   ";
    if let Some(e) = &c.parse_error {
        let _ = writeln!(
            out,
            "  {indent}{branch}[{}] (unparsable: {e}) sha256 {}",
            c.position, c.sha256
        );
        return;
    }
    let _ = writeln!(
        out,
        "  {indent}{branch}[{}] {}",
        c.position,
        p.bold(&c.subject)
    );
    let _ = writeln!(out, "  {pad}issuer  {}", c.issuer);
    let days = if c.not_after_unix < now {
        p.red(&format!("expired {} days ago", -c.days_left))
    } else if c.not_before_unix > now {
        p.red("not valid yet")
    } else if c.days_left <= 30 {
        p.yellow(&format!("{} days left", c.days_left))
    } else {
        format!("{} days left", c.days_left)
    };
    let _ = writeln!(
        out,
        "  {pad}valid   {} → {} ({days})",
        c.not_before, c.not_after
    );
    let key = match c.key_bits {
        Some(b) => format!("{} {b} bits", c.key_type),
        None => c.key_type.clone(),
    };
    let role = match c.is_ca {
        Some(true) => "CA",
        Some(false) => "not a CA",
        None => "no basicConstraints",
    };
    let _ = writeln!(
        out,
        "  {pad}key     {key}, signed {}, {role}, X.509 v{}",
        c.signature_algorithm, c.version
    );
    if c.has_san || c.position == 0 {
        let names: Vec<String> = c
            .san_dns
            .iter()
            .map(|d| format!("DNS:{d}"))
            .chain(c.san_ip.iter().map(|i| format!("IP:{i}")))
            .collect();
        let _ = writeln!(out, "  {pad}SAN     {}", joined_or(&names, " ", "none"));
    }
    if !c.aia_ca_issuers.is_empty() {
        let _ = writeln!(out, "  {pad}issuer URL {}", c.aia_ca_issuers.join(" "));
    }
    let _ = writeln!(out, "  {pad}sha256  {}", p.dim(&c.sha256));
}

/// Each client's verdict, grouped by protocol; ✓ marks the rows whose
/// rules the tests check against the real client.
fn clients_table(out: &mut String, clients: &[crate::judge::clients::ClientVerdict], p: Painter) {
    heading(
        out,
        "Clients, each in its usual verifying configuration (✓ = checked against the real client)",
        p,
    );
    let width = clients
        .iter()
        .map(|c| c.client.chars().count())
        .max()
        .unwrap_or(0);
    let grouped = clients.iter().any(|c| c.protocol != clients[0].protocol);
    let word_width = if clients.iter().any(|c| !c.modelled) {
        12
    } else {
        7
    };
    let mut last = None;
    for c in clients {
        if grouped && last != Some(c.protocol) {
            let _ = writeln!(out, "  {}", p.dim(c.protocol.name()));
            last = Some(c.protocol);
        }
        // A row without a verdict says so in place of accepts/refuses.
        let (word, reason) = if !c.modelled {
            let why = c.reason.strip_prefix("not modelled: ").unwrap_or(&c.reason);
            (p.yellow("not modelled"), why)
        } else if c.accepts {
            (
                p.green(&format!("{:<word_width$}", "accepts")),
                c.reason.as_str(),
            )
        } else {
            (
                p.red(&format!("{:<word_width$}", "refuses")),
                c.reason.as_str(),
            )
        };
        let mark = if c.verified { "✓" } else { " " };
        let pad = " ".repeat(width - c.client.chars().count());
        let _ = writeln!(out, "  {mark} {}{pad}  {word}  {reason}", c.client);
    }
}
