//! Where a run's endpoints come from: TARGET arguments, a file of targets
//! (`--targets`, one a line), and an inventory (`--config`, TOML) whose
//! endpoints carry their own options and expectations.
//!
//! Everything is read and checked here, before any connection: a bad line,
//! an unknown key, a bad value or a duplicate name is a [`InputError`]
//! naming the file, the line and the key.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::request::{Mode, ProtocolChoice, Request, TlsVersion};

/// What an endpoint is expected to come to. An endpoint that meets its
/// expectation counts as a pass (exit 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// The check passes (the default): the endpoint's own exit code.
    #[default]
    Pass,
    /// The check fails (exit 1): for example an endpoint that must refuse
    /// plaintext (`mode = "disable"`), or a certificate that must not verify.
    Fail,
    /// Nothing answers (exit 3): a port that must stay closed.
    Unreachable,
}

impl Expect {
    pub fn name(self) -> &'static str {
        match self {
            Expect::Pass => "pass",
            Expect::Fail => "fail",
            Expect::Unreachable => "unreachable",
        }
    }
}

/// One endpoint to check, before its plan is resolved.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The inventory's `name`, else the target as typed (password masked once resolved).
    pub name: Option<String>,
    /// Where it was written: `FILE:LINE`, or `argument N`.
    pub origin: String,
    pub request: Request,
    pub expect: Expect,
    /// The lowest TLS version the session may have.
    pub min_tls: Option<TlsVersion>,
}

/// Bad input, found before any connection: exit 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// `FILE:LINE`, or `argument N`.
    pub origin: String,
    /// The key at fault, in an inventory.
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(k) => write!(f, "{}: {k}: {}", self.origin, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

/// The TARGET arguments, each with the flags' options.
pub fn from_args(targets: &[String], base: &dyn Fn(String) -> Request) -> Vec<Entry> {
    targets
        .iter()
        .enumerate()
        .map(|(i, t)| Entry {
            name: None,
            origin: format!("argument {}", i + 1),
            request: base(t.clone()),
            expect: Expect::Pass,
            min_tls: None,
        })
        .collect()
}

/// A file of targets: one a line; blank lines and lines starting with `#`
/// are skipped. `display` names the file in messages (`-` is stdin).
pub fn from_lines(display: &str, text: &str, base: &dyn Fn(String) -> Request) -> Vec<Entry> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let t = line.trim();
            (!t.is_empty() && !t.starts_with('#')).then(|| Entry {
                name: None,
                origin: format!("{display}:{}", i + 1),
                request: base(t.to_string()),
                expect: Expect::Pass,
                min_tls: None,
            })
        })
        .collect()
}

/// The most read from `--targets` or `--config` (the file or standard
/// input): room for [`MAX_ENDPOINTS`] endpoints of some 200 bytes each, and
/// a wrong path (a disk image, a log) ends at once with bounded memory.
pub const MAX_INVENTORY_BYTES: u64 = 4 << 20;

/// The most endpoints one run checks. Each keeps its plan and its report
/// until the output is written, some 10 KiB (measured: 100,000 endpoints
/// took 1 GB), so a run stays within some 200 MiB; a larger fleet is
/// checked in several runs.
pub const MAX_ENDPOINTS: usize = 20_000;

/// Too many endpoints for one run, in words.
pub fn too_many(count: usize) -> String {
    format!(
        "{count} endpoints: one run checks at most {MAX_ENDPOINTS} (each report is kept until the output is written); split them over several runs"
    )
}

/// Read `--targets FILE` (`-`: standard input).
pub fn read_targets(
    path: &Path,
    base: &dyn Fn(String) -> Request,
) -> Result<Vec<Entry>, InputError> {
    let text = read_text("--targets", path, "a file of targets")?;
    let display = path.display().to_string();
    // Counted before anything is built for them.
    let count = text
        .lines()
        .map(str::trim)
        .filter(|t| !t.is_empty() && !t.starts_with('#'))
        .count();
    if count > MAX_ENDPOINTS {
        return Err(InputError {
            origin: format!("--targets {display}"),
            key: None,
            message: too_many(count),
        });
    }
    Ok(from_lines(&display, &text, base))
}

/// Read `--config FILE`.
pub fn read_inventory(
    path: &Path,
    base: &dyn Fn(String) -> Request,
) -> Result<Vec<Entry>, InputError> {
    let text = read_text("--config", path, "an inventory")?;
    parse_inventory(&path.display().to_string(), &text, base)
}

/// The text of the file `flag` names, bounded (regular files only, so a
/// FIFO or a directory is refused unopened; `-` for `--targets` is standard
/// input, read up to the same limit); a binary file is refused too. Errors
/// name the flag and the file.
fn read_text(flag: &'static str, path: &Path, what: &'static str) -> Result<String, InputError> {
    let display = path.display().to_string();
    let fail = |message: String| InputError {
        origin: format!("{flag} {display}"),
        key: None,
        message,
    };
    let bytes = if display == "-" && flag == "--targets" {
        read_stdin(MAX_INVENTORY_BYTES).map_err(fail)?
    } else {
        crate::files::read_bounded(path, MAX_INVENTORY_BYTES, what)
            .map_err(|e| fail(e.to_string()))?
    };
    let wanted = if flag == "--targets" {
        "a text file, one target a line"
    } else {
        "a TOML file"
    };
    text_of(bytes, wanted).map_err(fail)
}

/// Standard input, at most `limit` bytes.
fn read_stdin(limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "standard input holds more than {} MiB: not read",
            limit >> 20
        ));
    }
    Ok(bytes)
}

/// The bytes as text, or what makes them not text: invalid UTF-8, or a
/// control character no text file holds (NUL, and the like).
fn text_of(bytes: Vec<u8>, wanted: &str) -> Result<String, String> {
    let binary = |at: usize, len: usize| {
        format!("holds binary data (byte {at} of {len}), not text: give {wanted}")
    };
    if let Some(at) = bytes
        .iter()
        .position(|&b| b == 0x7f || (b < 0x20 && !b"\t\n\r".contains(&b)))
    {
        return Err(binary(at, bytes.len()));
    }
    String::from_utf8(bytes).map_err(|e| binary(e.utf8_error().valid_up_to(), e.as_bytes().len()))
}

/// The inventory file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryToml {
    /// Options for every endpoint (over the flags, under each endpoint's own).
    defaults: Option<Spanned<EndpointToml>>,
    #[serde(default)]
    endpoint: Vec<Spanned<EndpointToml>>,
}

/// One `[[endpoint]]` table (or `[defaults]`). Enumerated values are read
/// as text and checked here, so that the error names the key and line.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EndpointToml {
    name: Option<Spanned<String>>,
    target: Option<Spanned<String>>,
    protocol: Option<Spanned<String>>,
    client: Option<Spanned<String>>,
    mode: Option<Spanned<String>>,
    ca_file: Option<String>,
    crl_file: Option<Vec<PathBuf>>,
    sni: Option<String>,
    no_sni: Option<bool>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    key_password_file: Option<PathBuf>,
    user: Option<String>,
    warn_days: Option<u32>,
    fail_days: Option<u32>,
    strict: Option<bool>,
    timeout: Option<Spanned<f64>>,
    tls_min: Option<Spanned<String>>,
    tls_max: Option<Spanned<String>>,
    expect: Option<Spanned<String>>,
    min_tls: Option<Spanned<String>>,
}

/// Parse an inventory's text. `display` names the file in messages.
pub fn parse_inventory(
    display: &str,
    text: &str,
    base: &dyn Fn(String) -> Request,
) -> Result<Vec<Entry>, InputError> {
    let err = |span: std::ops::Range<usize>, key: Option<String>, message: String| InputError {
        origin: format!("{display}:{}", line_of(text, span.start)),
        key: key.or_else(|| key_at(text, span.start)),
        message,
    };
    let inv: InventoryToml = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        err(span, None, e.message().trim().to_string())
    })?;
    let defaults = defaults_of(&inv, &err)?;
    if inv.endpoint.len() > MAX_ENDPOINTS {
        return Err(InputError {
            origin: format!("--config {display}"),
            key: None,
            message: too_many(inv.endpoint.len()),
        });
    }
    if inv.endpoint.is_empty() {
        return Err(InputError {
            origin: display.to_string(),
            key: None,
            message: "no [[endpoint]] table".into(),
        });
    }
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for e in &inv.endpoint {
        let table_line = line_of(text, e.span().start);
        let e = e.get_ref();
        let Some(target) = &e.target else {
            return Err(InputError {
                origin: format!("{display}:{table_line}"),
                key: Some("target".into()),
                message: "this [[endpoint]] has no target".into(),
            });
        };
        if let Some(n) = &e.name {
            let line = line_of(text, n.span().start);
            if let Some(first) = names.insert(n.get_ref().clone(), line) {
                return Err(err(
                    n.span(),
                    Some("name".into()),
                    format!("duplicate name `{}` (first at line {first})", n.get_ref()),
                ));
            }
        }
        let mut request = base(target.get_ref().clone());
        let mut expect = Expect::Pass;
        let mut min_tls = None;
        for layer in [&defaults, e] {
            apply(layer, &mut request, &mut expect, &mut min_tls, &err)?;
        }
        out.push(Entry {
            name: e.name.as_ref().map(|n| n.get_ref().clone()),
            origin: format!("{display}:{}", line_of(text, target.span().start)),
            request,
            expect,
            min_tls,
        });
    }
    Ok(out)
}

/// The inventory's `[defaults]` (none: every option as the flags set it);
/// `name` and `target` belong to endpoints only.
fn defaults_of(inv: &InventoryToml, err: &ErrFn<'_>) -> Result<EndpointToml, InputError> {
    let Some(d) = &inv.defaults else {
        return Ok(EndpointToml::default());
    };
    for (key, s) in [
        ("name", d.get_ref().name.as_ref()),
        ("target", d.get_ref().target.as_ref()),
    ] {
        if let Some(s) = s {
            return Err(err(
                s.span(),
                Some(key.into()),
                "belongs in an [[endpoint]], not in [defaults]".to_string(),
            ));
        }
    }
    Ok(d.get_ref().clone())
}

type ErrFn<'a> = dyn Fn(std::ops::Range<usize>, Option<String>, String) -> InputError + 'a;

/// Lay one table's options over the request.
fn apply(
    t: &EndpointToml,
    r: &mut Request,
    expect: &mut Expect,
    min_tls: &mut Option<TlsVersion>,
    err: &ErrFn<'_>,
) -> Result<(), InputError> {
    apply_named_choices(t, r, err)?;
    apply_values(t, r);
    apply_checked_values(t, r, expect, min_tls, err)
}

/// A value that must be one of a clap value enum's names, or an error naming the key.
fn choice<T: ValueEnum>(v: &Spanned<String>, key: &str, err: &ErrFn<'_>) -> Result<T, InputError> {
    T::from_str(v.get_ref(), true).map_err(|_| {
        let allowed: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|x| x.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        err(
            v.span(),
            Some(key.into()),
            format!("`{}` is not one of {}", v.get_ref(), allowed.join(", ")),
        )
    })
}

/// The keys whose values name something: protocol, client, mode, TLS versions.
fn apply_named_choices(
    t: &EndpointToml,
    r: &mut Request,
    err: &ErrFn<'_>,
) -> Result<(), InputError> {
    if let Some(v) = &t.protocol {
        r.protocol = Some(choice::<ProtocolChoice>(v, "protocol", err)?);
    }
    if let Some(v) = &t.client {
        if crate::clients::find(v.get_ref()).is_none() {
            return Err(err(
                v.span(),
                Some("client".into()),
                format!(
                    "unknown client `{}` (`tlscheck clients` lists them)",
                    v.get_ref()
                ),
            ));
        }
        r.client = Some(v.get_ref().clone());
    }
    if let Some(v) = &t.mode {
        let m = Mode::from_mysql_ssl_mode(v.get_ref())
            .or_else(|| Mode::from_str(v.get_ref(), true).ok());
        r.mode = Some(m.ok_or_else(|| {
            err(
                v.span(),
                Some("mode".into()),
                format!(
                    "`{}` is not a mode (disable, allow, prefer, require, verify-ca, verify-full, insecure)",
                    v.get_ref()
                ),
            )
        })?);
    }
    if let Some(v) = &t.tls_min {
        r.tls_min = Some(choice::<TlsVersion>(v, "tls_min", err)?);
    }
    if let Some(v) = &t.tls_max {
        r.tls_max = Some(choice::<TlsVersion>(v, "tls_max", err)?);
    }
    Ok(())
}

/// The keys taken as they are: files, names, numbers serde already checked.
fn apply_values(t: &EndpointToml, r: &mut Request) {
    if let Some(v) = &t.ca_file {
        r.ca_file = Some(v.clone());
    }
    if let Some(v) = &t.crl_file {
        r.crl_file = v.clone();
    }
    if let Some(v) = &t.sni {
        r.sni = Some(v.clone());
    }
    if let Some(v) = t.no_sni {
        r.no_sni = v;
    }
    if let Some(v) = &t.cert {
        r.cert = Some(v.clone());
    }
    if let Some(v) = &t.key {
        r.key = Some(v.clone());
    }
    if let Some(v) = &t.key_password_file {
        r.key_password_file = Some(v.clone());
    }
    if let Some(v) = &t.user {
        r.user = Some(v.clone());
    }
    if let Some(v) = t.warn_days {
        r.warn_days = v;
    }
    if let Some(v) = t.fail_days {
        r.fail_days = Some(v);
    }
    if let Some(v) = t.strict {
        r.strict = v;
    }
}

/// The keys checked here: the timeout, the expectation and `min_tls`.
fn apply_checked_values(
    t: &EndpointToml,
    r: &mut Request,
    expect: &mut Expect,
    min_tls: &mut Option<TlsVersion>,
    err: &ErrFn<'_>,
) -> Result<(), InputError> {
    if let Some(v) = &t.timeout {
        let s = *v.get_ref();
        if !(s > 0.0 && s.is_finite()) {
            return Err(err(
                v.span(),
                Some("timeout".into()),
                format!("{s} is not a number of seconds above 0"),
            ));
        }
        r.timeout = Some(s);
    }
    if let Some(v) = &t.min_tls {
        *min_tls = Some(choice::<TlsVersion>(v, "min_tls", err)?);
    }
    if let Some(v) = &t.expect {
        *expect = match v.get_ref().as_str() {
            "pass" => Expect::Pass,
            "fail" => Expect::Fail,
            "unreachable" => Expect::Unreachable,
            other => {
                return Err(err(
                    v.span(),
                    Some("expect".into()),
                    format!("`{other}` is not one of pass, fail, unreachable"),
                ))
            }
        };
    }
    Ok(())
}

/// The 1-based line of byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The key written on the line of byte `offset` (`key = value`), if any.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let (key, _) = text[start..end].split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(t: String) -> Request {
        Request::new(t)
    }

    fn parse(text: &str) -> Result<Vec<Entry>, InputError> {
        parse_inventory("inv.toml", text, &base)
    }

    #[test]
    fn endpoints_override_defaults_which_override_flags() {
        let e = parse(
            "[defaults]\nmode = \"verify-ca\"\nwarn_days = 10\n\n[[endpoint]]\nname = \"a\"\ntarget = \"db:5432\"\n\n[[endpoint]]\ntarget = \"db:3306\"\nmode = \"REQUIRED\"\nexpect = \"fail\"\nmin_tls = \"1.3\"\nclient = \"mysql2\"\n",
        )
        .unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].name.as_deref(), Some("a"));
        assert_eq!(e[0].request.mode, Some(Mode::VerifyCa));
        assert_eq!(e[0].request.warn_days, 10);
        assert_eq!(e[0].origin, "inv.toml:7");
        assert_eq!(e[1].request.mode, Some(Mode::Require));
        assert_eq!(e[1].expect, Expect::Fail);
        assert_eq!(e[1].min_tls, Some(TlsVersion::V1_3));
        assert_eq!(e[1].request.client.as_deref(), Some("mysql2"));
    }

    #[test]
    fn bad_input_names_file_line_and_key() {
        let cases = [
            ("[[endpoint]]\ntarget = \"a:1\"\nmodee = \"require\"\n", "inv.toml:3", "modee"),
            ("[[endpoint]]\ntarget = \"a:1\"\nmode = \"sometimes\"\n", "inv.toml:3", "mode"),
            ("[[endpoint]]\ntarget = \"a:1\"\nwarn_days = \"ten\"\n", "inv.toml:3", "warn_days"),
            ("[[endpoint]]\ntarget = \"a:1\"\nexpect = \"maybe\"\n", "inv.toml:3", "expect"),
            ("[[endpoint]]\ntarget = \"a:1\"\nclient = \"nope\"\n", "inv.toml:3", "client"),
            ("[[endpoint]]\ntarget = \"a:1\"\nmin_tls = \"1.1\"\n", "inv.toml:3", "min_tls"),
            (
                "[[endpoint]]\nname = \"x\"\ntarget = \"a:1\"\n[[endpoint]]\nname = \"x\"\ntarget = \"b:1\"\n",
                "inv.toml:5",
                "name",
            ),
            ("[[endpoint]]\nname = \"x\"\n", "inv.toml:1", "target"),
        ];
        for (text, origin, key) in cases {
            let e = parse(text).expect_err(text);
            assert_eq!(e.origin, origin, "{text}: {e}");
            assert_eq!(e.key.as_deref(), Some(key), "{text}: {e}");
        }
    }

    #[test]
    fn target_lines_skip_comments_and_blanks() {
        let e = from_lines(
            "t.txt",
            "# fleet\n\ndb:5432\n  # x\nmysql://m:3306\n",
            &base,
        );
        let got: Vec<_> = e
            .iter()
            .map(|e| (e.origin.as_str(), e.request.target.as_str()))
            .collect();
        assert_eq!(got, [("t.txt:3", "db:5432"), ("t.txt:5", "mysql://m:3306")]);
    }
}
