//! libpq keyword/value strings: `host=db port=5432 sslmode=verify-full`.
//!
//! The lexing follows libpq's `conninfo_parse` (fe-connect.c), checked
//! against libpq 15's `PQconninfoParse` on this machine: white space (C's
//! `isspace`) separates pairs and may surround `=`; a value is either
//! unquoted, ending at white space, where `\` takes the next character
//! literally (a `\` at the very end is dropped), or single-quoted, where `\`
//! also escapes (`\'`, `\\`) and a missing closing quote is an error; `''` is
//! an empty value; a key without `=` is an error. A quoted value needs no
//! white space after it (`host='a'port=5` is two pairs). pgx and lib/pq read
//! the same syntax.
//!
//! Unlike libpq, unknown keywords are not refused here: they are kept in
//! `params`, and settings notes them, as it does for a URI's query.

use std::ops::Range;

use super::{mask_spans, parse_port, Dialect, Scheme, Target, TargetError};

const D: Dialect = Dialect::LibpqKeywords;

/// C's `isspace` in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// One `key=value` pair and where its value was written.
struct Pair {
    key: String,
    value: String,
    /// The value as written (quotes included), for masking.
    span: Range<usize>,
}

fn lex(input: &str) -> Result<Vec<Pair>, TargetError> {
    let b = input.as_bytes();
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if is_space(b[i]) {
            i += 1;
            continue;
        }
        let key_start = i;
        while i < b.len() && b[i] != b'=' && !is_space(b[i]) {
            i += 1;
        }
        let key = &input[key_start..i];
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            return Err(TargetError::syntax(
                D,
                format!("`{key}` has no `=value` (libpq: missing \"=\" after \"{key}\")"),
            ));
        }
        if key.is_empty() {
            return Err(TargetError::syntax(
                D,
                "a value without a keyword before its `=`",
            ));
        }
        i += 1;
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        let value_start = i;
        let mut value = Vec::new();
        if i < b.len() && b[i] == b'\'' {
            i += 1;
            loop {
                if i >= b.len() {
                    return Err(TargetError::syntax(
                        D,
                        format!("unterminated quoted value for `{key}`"),
                    ));
                }
                match b[i] {
                    b'\\' => {
                        i += 1;
                        if i < b.len() {
                            value.push(b[i]);
                            i += 1;
                        }
                    }
                    b'\'' => {
                        i += 1;
                        break;
                    }
                    c => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            while i < b.len() && !is_space(b[i]) {
                if b[i] == b'\\' {
                    i += 1;
                    if i < b.len() {
                        value.push(b[i]);
                        i += 1;
                    }
                } else {
                    value.push(b[i]);
                    i += 1;
                }
            }
        }
        // Only ASCII bytes were dropped, so the value stays UTF-8.
        let value = String::from_utf8(value)
            .map_err(|_| TargetError::syntax(D, format!("the value of `{key}` is not UTF-8")))?;
        pairs.push(Pair {
            key: key.to_string(),
            value,
            span: value_start..i,
        });
    }
    Ok(pairs)
}

/// Whether a `;` appears outside libpq's quoted values (then the text is
/// read as ADO.NET). Never fails: an unterminated quote just ends the scan.
pub(super) fn has_unquoted_semicolon(input: &str) -> bool {
    let b = input.as_bytes();
    let mut i = 0;
    let mut at_value_start = false;
    while i < b.len() {
        let c = b[i];
        if at_value_start && c == b'\'' {
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            at_value_start = false;
            continue;
        }
        match c {
            b';' => return true,
            b'=' => at_value_start = true,
            b'\\' => {
                i += 2;
                at_value_start = false;
                continue;
            }
            c if is_space(c) => {}
            _ => at_value_start = false,
        }
        i += 1;
    }
    false
}

pub(super) fn parse(input: &str) -> Result<Target, TargetError> {
    let pairs = lex(input)?;
    let last = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|p| p.key == name)
            .map(|p| p.value.as_str())
    };
    let host = match last("host").filter(|h| !h.is_empty()) {
        Some(h) if h.contains(',') => return Err(TargetError::SeveralHosts(h.to_string())),
        Some(h) => Some(h.to_string()),
        None => None,
    };
    let port = match last("port").filter(|p| !p.is_empty()) {
        Some(p) if p.contains(',') => return Err(TargetError::SeveralHosts(format!("port={p}"))),
        Some(p) => Some(parse_port(p)?),
        None => None,
    };
    let user = last("user").filter(|u| !u.is_empty()).map(str::to_string);
    let database = last("dbname").filter(|d| !d.is_empty()).map(str::to_string);
    let has_password = pairs.iter().any(|p| p.key == "password");
    // A quoted secret keeps its quotes, so the display still ends the
    // value where the input did (`password='x'port=5` stays two pairs).
    let secrets = pairs
        .iter()
        .filter(|p| super::is_secret_param(&p.key))
        .map(|p| {
            if input[p.span.clone()].starts_with('\'') {
                p.span.start + 1..p.span.end - 1
            } else {
                p.span.clone()
            }
        })
        .collect();
    Ok(Target {
        dialect: D,
        scheme: Some(Scheme::Postgres),
        hosts: host.iter().map(|h| (h.clone(), port)).collect(),
        host,
        port,
        user,
        has_password,
        database,
        params: pairs.into_iter().map(|p| (p.key, p.value)).collect(),
        display: mask_spans(input, secrets),
    })
}

#[cfg(test)]
mod tests {
    use super::super::*;

    fn kv(t: &Target) -> Vec<(&str, &str)> {
        t.params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn the_documented_example() {
        let t = Target::parse(
            "host=db port=5432 dbname=x sslmode=verify-full sslrootcert='/path with space/root.crt'",
        )
        .unwrap();
        assert_eq!(t.dialect, Dialect::LibpqKeywords);
        assert_eq!(t.scheme, Some(Scheme::Postgres));
        assert_eq!(t.host.as_deref(), Some("db"));
        assert_eq!(t.port, Some(5432));
        assert_eq!(t.database.as_deref(), Some("x"));
        assert_eq!(t.hosts, vec![("db".to_string(), Some(5432))]);
        assert_eq!(t.param("sslrootcert"), Some("/path with space/root.crt"));
        // host and port stay in params, as `?host=` does in a URI: settings reads them there.
        assert_eq!(
            kv(&t),
            vec![
                ("host", "db"),
                ("port", "5432"),
                ("dbname", "x"),
                ("sslmode", "verify-full"),
                ("sslrootcert", "/path with space/root.crt")
            ]
        );
    }

    // Each expectation below was printed by libpq 15's PQconninfoParse.
    #[test]
    fn quoting_and_escapes_as_libpq() {
        let t = Target::parse(r"host = db  port= 5 password='it\'s\\x'").unwrap();
        assert_eq!(t.host.as_deref(), Some("db"));
        assert_eq!(t.port, Some(5));
        assert_eq!(t.param("password"), Some(r"it's\x"));
        let t = Target::parse(r"host=a\ b").unwrap();
        assert_eq!(t.host.as_deref(), Some("a b"));
        let t = Target::parse("password='' host=h").unwrap();
        assert_eq!(t.param("password"), Some(""));
        assert!(t.has_password);
        let t = Target::parse("host='a'port=5").unwrap();
        assert_eq!((t.host.as_deref(), t.port), (Some("a"), Some(5)));
        let t = Target::parse(r"host=a\").unwrap();
        assert_eq!(t.host.as_deref(), Some("a"));
        let t = Target::parse("host=a\tsslmode=require\nport=1").unwrap();
        assert_eq!(t.param("sslmode"), Some("require"));
        assert_eq!(t.port, Some(1));
        // The last of a repeated keyword wins, as in libpq.
        let t = Target::parse("host=a host=b").unwrap();
        assert_eq!(t.host.as_deref(), Some("b"));
        // A quoted `;` stays libpq.
        let t = Target::parse("host=h password='a;b'").unwrap();
        assert_eq!(t.dialect, Dialect::LibpqKeywords);
        assert_eq!(t.param("password"), Some("a;b"));
    }

    #[test]
    fn errors_name_the_bad_part() {
        let e = Target::parse("host=db sslrootcert='/tmp/x").unwrap_err();
        assert_eq!(
            e.to_string(),
            "libpq keyword/value: unterminated quoted value for `sslrootcert`"
        );
        let e = Target::parse(r"host=db sslrootcert='/tmp/x\").unwrap_err();
        assert!(e.to_string().contains("unterminated"), "{e}");
        let e = Target::parse("host=db sslmode").unwrap_err();
        assert!(e.to_string().contains("`sslmode` has no `=value`"), "{e}");
        let e = Target::parse("host=db port=x").unwrap_err();
        assert_eq!(e, TargetError::BadPort("x".into()));
        let e = Target::parse("host=a,b port=5432").unwrap_err();
        assert_eq!(e, TargetError::SeveralHosts("a,b".into()));
    }

    #[test]
    fn passwords_are_masked() {
        let t = Target::parse(r"host=db password='s\'ecret x' sslpassword=k\ ey user=u").unwrap();
        assert_eq!(t.display, "host=db password='***' sslpassword=*** user=u");
        assert_eq!(t.user.as_deref(), Some("u"));
        assert_eq!(t.param("sslpassword"), Some("k ey"));
    }

    /// Found by the `target` fuzz target: a quoted password followed at
    /// once by the next pair (`password='x'port=5`, which libpq reads as
    /// two) was masked as `password=***port=5`, one pair.
    #[test]
    fn a_masked_quoted_password_still_ends_where_it_did() {
        let t = Target::parse("host=db password='x'port=5 sslmode=require").unwrap();
        assert_eq!(t.port, Some(5));
        assert_eq!(t.display, "host=db password='***'port=5 sslmode=require");
        assert_eq!(Target::parse(&t.display).unwrap().port, Some(5));
    }
}
