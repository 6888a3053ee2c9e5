//! The forms a run over several endpoints is written in: a human summary,
//! one JSON document, JSON Lines, JUnit XML, GitHub workflow annotations
//! and Markdown. Each reads the results; none does I/O.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::run::{EndpointResult, Status};
use crate::report::human::{self, Painter};
use crate::report::Checked;

/// Counts of each status.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub unreachable: usize,
}

pub fn counts(results: &[EndpointResult]) -> Counts {
    let mut c = Counts::default();
    for r in results {
        match r.status {
            Status::Pass => c.pass += 1,
            Status::Warn => c.warn += 1,
            Status::Fail => c.fail += 1,
            Status::Unreachable => c.unreachable += 1,
        }
    }
    c
}

/// The one-line total: `5 endpoints: 1 pass, 0 warn, 2 fail, 2 unreachable (exit 3)`.
pub fn total_line(results: &[EndpointResult]) -> String {
    let c = counts(results);
    format!(
        "{} endpoint{}: {} pass, {} warn, {} fail, {} unreachable (exit {})",
        results.len(),
        if results.len() == 1 { "" } else { "s" },
        c.pass,
        c.warn,
        c.fail,
        c.unreachable,
        super::run::exit_code(results)
    )
}

/// Worst first (unreachable, fail, warn, pass), then in input order.
pub fn worst_first(results: &[EndpointResult]) -> Vec<&EndpointResult> {
    let mut v: Vec<&EndpointResult> = results.iter().collect();
    v.sort_by_key(|r| (std::cmp::Reverse(r.status.rank()), r.index));
    v
}

fn checked_value(c: &Checked) -> Value {
    match c {
        Checked::One(r) => serde_json::to_value(r),
        Checked::Many(m) => serde_json::to_value(m),
    }
    .unwrap_or(Value::Null)
}

fn endpoint_value(r: &EndpointResult) -> Value {
    json!({
        "name": r.name,
        "origin": r.origin,
        "expect": r.expect.name(),
        "min_tls": r.min_tls.map(|v| v.name()),
        "status": r.status.name(),
        "exit_code": r.exit_code,
        "check_exit_code": r.check_code,
        "reason": r.reason,
        "seconds": (r.seconds * 1000.0).round() / 1000.0,
    })
}

/// The human form: a summary table, worst first, one line an endpoint;
/// then the full report of each endpoint that does not pass.
pub fn human(results: &[EndpointResult], p: Painter) -> String {
    let mut out = summary_table(results, p);
    for r in worst_first(results)
        .into_iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Unreachable))
    {
        let _ = writeln!(
            out,
            "\n{}",
            p.bold(&format!("── {} ({}) ──", r.name, r.origin))
        );
        if r.exit_code != r.check_code {
            let _ = writeln!(out, "{}", r.reason);
        }
        out.push_str(&human::render_checked(&r.checked, p));
    }
    out
}

/// The summary table alone, with the total line.
pub fn summary_table(results: &[EndpointResult], p: Painter) -> String {
    let sorted = worst_first(results);
    let wname = sorted
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 40);
    let waddr = sorted
        .iter()
        .map(|r| r.address().len())
        .max()
        .unwrap_or(7)
        .clamp(7, 40);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        p.bold(&format!(
            "{:<11}  {:<wname$}  {:<waddr$}  {:<8}  REASON",
            "RESULT", "ENDPOINT", "ADDRESS", "PROTOCOL"
        ))
    );
    for r in &sorted {
        let word = format!("{:<11}", r.status.name().to_uppercase());
        let word = match r.status {
            Status::Pass => p.green(&word),
            Status::Warn => p.yellow(&word),
            Status::Fail | Status::Unreachable => p.red(&word),
        };
        let name: String = r.name.chars().take(40).collect();
        let _ = writeln!(
            out,
            "{word}  {name:<wname$}  {:<waddr$}  {:<8}  {}",
            r.address(),
            r.protocol(),
            one_line(&r.reason)
        );
    }
    let _ = writeln!(out, "{}", p.bold(&total_line(results)));
    out
}

/// One JSON document: a summary and every endpoint with its report.
pub fn json(results: &[EndpointResult]) -> String {
    let c = counts(results);
    let v = json!({
        "schema_version": crate::report::SCHEMA_VERSION,
        "tlscheck_version": env!("CARGO_PKG_VERSION"),
        "summary": {
            "endpoints": results.len(),
            "pass": c.pass,
            "warn": c.warn,
            "fail": c.fail,
            "unreachable": c.unreachable,
            "exit_code": super::run::exit_code(results),
            "line": total_line(results),
        },
        "endpoints": results.iter().map(|r| {
            let mut e = endpoint_value(r);
            e["report"] = checked_value(&r.checked);
            e
        }).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// JSON Lines: one report a line, the object `connect --json` prints, with
/// one more field, `endpoint` (name, expectation, status, exit code).
pub fn jsonl(results: &[EndpointResult]) -> String {
    let mut out = String::new();
    for r in results {
        let mut v = checked_value(&r.checked);
        if let Value::Object(m) = &mut v {
            m.insert("endpoint".into(), endpoint_value(r));
        }
        out.push_str(&serde_json::to_string(&v).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// JUnit XML: one testcase an endpoint; a failure carries the reason, an
/// unreachable endpoint is an error.
pub fn junit(results: &[EndpointResult]) -> String {
    let c = counts(results);
    let time: f64 = results.iter().map(|r| r.seconds).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"tlscheck\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{time:.3}\">",
        results.len(),
        c.fail,
        c.unreachable
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"tlscheck connect\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{time:.3}\">",
        results.len(),
        c.fail,
        c.unreachable
    );
    for r in results {
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"tlscheck.{}\" time=\"{:.3}\"",
            xml(&r.name),
            r.protocol(),
            r.seconds
        );
        let body = details(r);
        match r.status {
            Status::Pass => out.push_str("/>\n"),
            Status::Warn => {
                let _ = writeln!(
                    out,
                    ">\n      <system-out>{}</system-out>\n    </testcase>",
                    xml(&body)
                );
            }
            Status::Fail | Status::Unreachable => {
                let tag = if r.status == Status::Fail {
                    "failure"
                } else {
                    "error"
                };
                let _ = writeln!(
                    out,
                    ">\n      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>\n    </testcase>",
                    xml(&one_line(&r.reason)),
                    r.status.name(),
                    xml(&body)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// The summary lines and findings of an endpoint, as plain text.
fn details(r: &EndpointResult) -> String {
    let mut s = format!("{} ({})\n{}\n", r.name, r.origin, r.reason);
    for rep in r.reports() {
        let _ = writeln!(s, "{}", rep.summary);
        for f in &rep.judgement.findings {
            let sev = serde_json::to_value(f.severity)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let _ = writeln!(s, "  [{sev}] {}", f.title);
            if let Some(fix) = &f.fix {
                let _ = writeln!(s, "    fix: {fix}");
            }
        }
    }
    s
}

/// GitHub Actions workflow commands: one annotation for each endpoint that
/// fails, is unreachable or warns, then the total.
pub fn github(results: &[EndpointResult]) -> String {
    let mut out = String::new();
    for r in worst_first(results) {
        let level = match r.status {
            Status::Pass => continue,
            Status::Warn => "warning",
            Status::Fail | Status::Unreachable => "error",
        };
        let mut props = Vec::new();
        // An inventory or targets file: point at the endpoint's line.
        if let Some((file, line)) = r.origin.rsplit_once(':') {
            if line.parse::<u32>().is_ok() && file != "-" {
                props.push(format!("file={}", gh_property(file)));
                props.push(format!("line={line}"));
            }
        }
        props.push(format!(
            "title={}",
            gh_property(&format!(
                "tlscheck {}: {} {}",
                r.status.name(),
                r.name,
                r.address()
            ))
        ));
        let _ = writeln!(out, "::{level} {}::{}", props.join(","), gh_data(&r.reason));
    }
    let _ = writeln!(out, "tlscheck: {}", total_line(results));
    out
}

/// The Markdown summary (for `$GITHUB_STEP_SUMMARY`, or `--format markdown`).
pub fn markdown(results: &[EndpointResult]) -> String {
    let c = counts(results);
    let mut out = format!(
        "### tlscheck: {} endpoint{}: {} pass, {} warn, {} fail, {} unreachable\n\n",
        results.len(),
        if results.len() == 1 { "" } else { "s" },
        c.pass,
        c.warn,
        c.fail,
        c.unreachable
    );
    out.push_str("| result | endpoint | address | protocol | reason |\n|---|---|---|---|---|\n");
    for r in worst_first(results) {
        let mark = match r.status {
            Status::Pass => "✅ pass",
            Status::Warn => "⚠️ warn",
            Status::Fail => "❌ fail",
            Status::Unreachable => "⛔ unreachable",
        };
        let _ = writeln!(
            out,
            "| {mark} | {} | `{}` | {} | {} |",
            md(&r.name),
            r.address(),
            r.protocol(),
            md(&r.reason)
        );
    }
    let _ = writeln!(out, "\nExit code {}.", super::run::exit_code(results));
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // XML 1.0 forbids most control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => o.push('?'),
            c => o.push(c),
        }
    }
    o
}

/// A workflow command's message: `%`, CR and LF escaped.
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property: also `:` and `,`.
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn md(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(xml("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(gh_data("50%\nx"), "50%25%0Ax");
        assert_eq!(gh_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(md("a|b\nc"), "a\\|b c");
    }
}
