//! `mongodb+srv://NAME`: the SRV records `_mongodb._tcp.NAME` give the
//! hosts, one TXT record on NAME gives options. Facts only, with the
//! specification's rules checked as a driver checks them: every SRV target
//! must lie in NAME's parent domain, at most one TXT record, and the TXT
//! record may set only authSource, replicaSet and loadBalanced.

use std::net::SocketAddr;
use std::time::Duration;

use crate::facts::srv::{SrvFacts, SrvRecord};
use hickory_resolver::config::{ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::Resolver;

/// The domain an SRV target must end with: the name without its first
/// label when it has three or more labels, else the name itself.
pub fn required_suffix(name: &str) -> String {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let labels = name.split('.').count();
    if labels >= 3 {
        name.split_once('.')
            .map(|(_, p)| p.to_string())
            .unwrap_or(name)
    } else {
        name
    }
}

/// Whether `target` may serve `name` (the specification's parent-domain rule).
pub fn within_parent_domain(name: &str, target: &str) -> bool {
    let suffix = required_suffix(name);
    let target = target.trim_end_matches('.').to_ascii_lowercase();
    target.ends_with(&format!(".{suffix}")) && target.len() > suffix.len() + 1
}

pub async fn lookup(name: &str, dns_server: Option<SocketAddr>, timeout: Duration) -> SrvFacts {
    let query = format!("_mongodb._tcp.{}", name.trim_end_matches('.'));
    let mut facts = SrvFacts {
        name: name.to_string(),
        query: query.clone(),
        dns_server: dns_server
            .map(|a| a.to_string())
            .unwrap_or_else(|| "system".into()),
        records: Vec::new(),
        txt: None,
        txt_options: Vec::new(),
        problems: Vec::new(),
        error: None,
    };
    let resolver = match build(dns_server, timeout) {
        Ok(r) => r,
        Err(e) => {
            facts.error = Some(format!("cannot set up the DNS resolver: {e}"));
            return facts;
        }
    };
    let fqdn = |n: &str| format!("{}.", n.trim_end_matches('.'));

    match tokio::time::timeout(timeout, resolver.srv_lookup(fqdn(&query))).await {
        Err(_) => facts.error = Some(format!("no DNS answer for {query} within the timeout")),
        Ok(Err(e)) if e.is_no_records_found() || e.is_nx_domain() => {
            facts.error = Some(format!("{query} has no SRV records"))
        }
        Ok(Err(e)) => facts.error = Some(format!("the SRV lookup of {query} failed: {e}")),
        Ok(Ok(l)) => {
            for r in l.answers() {
                if let RData::SRV(s) = &r.data {
                    let target = s.target.to_string().trim_end_matches('.').to_string();
                    facts.records.push(SrvRecord {
                        within_parent_domain: within_parent_domain(name, &target),
                        target,
                        port: s.port,
                        priority: s.priority,
                        weight: s.weight,
                        address: None,
                    });
                }
            }
            if facts.records.is_empty() {
                facts.error = Some(format!("{query} has no SRV records"));
            }
        }
    }
    if dns_server.is_some() {
        for r in &mut facts.records {
            if let Ok(Ok(ips)) =
                tokio::time::timeout(timeout, resolver.lookup_ip(fqdn(&r.target))).await
            {
                r.address = ips.iter().next();
            }
        }
    }
    for r in facts.records.iter().filter(|r| !r.within_parent_domain) {
        facts.problems.push(format!(
            "SRV target {} is not in the parent domain {} of {}: PyMongo refuses it (\"Invalid SRV host\")",
            r.target,
            required_suffix(name),
            name
        ));
    }

    match tokio::time::timeout(timeout, resolver.txt_lookup(fqdn(name))).await {
        Err(_) => facts.problems.push(format!(
            "no DNS answer for the TXT record of {name} within the timeout"
        )),
        Ok(Err(e)) if e.is_no_records_found() || e.is_nx_domain() => {}
        Ok(Err(e)) => facts
            .problems
            .push(format!("the TXT lookup of {name} failed: {e}")),
        Ok(Ok(l)) => {
            let texts: Vec<String> = l
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::TXT(t) => Some(
                        t.txt_data
                            .iter()
                            .map(|s| String::from_utf8_lossy(s).into_owned())
                            .collect::<String>(),
                    ),
                    _ => None,
                })
                .collect();
            if texts.len() > 1 {
                facts.problems.push(format!(
                    "{name} has {} TXT records; only one is allowed (PyMongo: \"Only one TXT record is supported\")",
                    texts.len()
                ));
            }
            if let Some(text) = texts.first() {
                for pair in text.split('&').filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    if !["authsource", "replicaset", "loadbalanced"]
                        .contains(&k.to_ascii_lowercase().as_str())
                    {
                        facts.problems.push(format!(
                            "the TXT record sets {k}; only authSource, replicaSet and loadBalanced may come from DNS (PyMongo refuses it)"
                        ));
                    }
                    facts.txt_options.push((k.to_string(), v.to_string()));
                }
                facts.txt = Some(text.clone());
            }
        }
    }
    facts
}

fn build(
    dns_server: Option<SocketAddr>,
    timeout: Duration,
) -> Result<Resolver<TokioRuntimeProvider>, String> {
    let mut builder = match dns_server {
        Some(addr) => {
            let mut ns = hickory_resolver::config::NameServerConfig::udp_and_tcp(addr.ip());
            for c in &mut ns.connections {
                c.port = addr.port();
            }
            Resolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![ns]),
                TokioRuntimeProvider::default(),
            )
        }
        None => Resolver::builder_tokio().map_err(|e| e.to_string())?,
    };
    let opts: &mut ResolverOpts = builder.options_mut();
    opts.timeout = timeout;
    opts.attempts = 1;
    builder.build().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_domain_rule() {
        assert_eq!(required_suffix("cluster0.example.net"), "example.net");
        assert!(within_parent_domain(
            "cluster0.example.net",
            "shard-00.example.net"
        ));
        assert!(within_parent_domain(
            "cluster0.example.net",
            "a.cluster0.example.net."
        ));
        assert!(!within_parent_domain(
            "cluster0.example.net",
            "evil.example.com"
        ));
        assert!(!within_parent_domain("cluster0.example.net", "example.net"));
        assert!(!within_parent_domain(
            "cluster0.example.net",
            "notexample.net"
        ));
        // fewer than three labels: targets must lie under the name itself
        assert!(within_parent_domain("example.net", "db.example.net"));
        assert!(!within_parent_domain("example.net", "example.net"));
    }
}
