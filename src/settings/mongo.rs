//! MongoDB topology from a target: the seed list or the `mongodb+srv`
//! name, `replicaSet`, `directConnection`, and the flags that add members
//! or a DNS server. The TLS options are the client profile's to read
//! (`clients::options::mongo_tls`); the rules the URI specification sets
//! for seed lists and SRV names are checked here, in the drivers' words.

use std::net::SocketAddr;

use crate::clients::options::{boolean, param};
use crate::request::{Origin, Protocol, Request, SettingReport, UsageError};
use crate::target::{Scheme, Target};

/// What a MongoDB target adds to the plan: its hosts and topology options.
#[derive(Debug, Clone, Default)]
pub struct MongoPlan {
    /// Every host of the seed list, with its port (the first is the plan's host).
    pub seeds: Vec<(String, u16)>,
    /// `mongodb+srv://NAME`: the name to look up `_mongodb._tcp.NAME` for.
    pub srv: Option<String>,
    pub replica_set: Option<String>,
    pub direct_connection: Option<bool>,
    pub all_members: bool,
    pub dns_server: Option<SocketAddr>,
}

/// The seeds and topology options of a MongoDB target; a URI the
/// specification forbids is refused in `who`'s name (the client judged as).
pub(super) fn plan(
    req: &Request,
    target: &Target,
    who: &str,
    settings: &mut Vec<SettingReport>,
) -> Result<MongoPlan, UsageError> {
    let srv = target.scheme == Some(Scheme::MongoSrv);
    let replica_set = param(target, &["replicaSet"]).map(|(v, _)| v);
    let direct_connection = param(target, &["directConnection"])
        .map(|v| boolean(&v))
        .transpose()?;
    let mut show = |name: &'static str, value: String, source: Origin| {
        settings.push(SettingReport {
            name,
            value,
            source,
        })
    };
    if let Some(rs) = &replica_set {
        show("replica-set", rs.clone(), Origin::Uri("replicaSet"));
    }
    if let Some(d) = direct_connection {
        show(
            "direct-connection",
            d.to_string(),
            Origin::Uri("directConnection"),
        );
    }
    let default_port = Protocol::Mongo.default_port();
    let seeds: Vec<(String, u16)> = target
        .hosts
        .iter()
        .map(|(h, p)| (h.clone(), p.unwrap_or(default_port)))
        .collect();
    if srv {
        if target.hosts.len() != 1 {
            return Err(UsageError::Invalid(format!(
                "a mongodb+srv:// URI names exactly one host ({who} refuses this URI)"
            )));
        }
        if target.port.is_some() {
            return Err(UsageError::Invalid(format!(
                "a mongodb+srv:// URI cannot have a port ({who} refuses this URI)"
            )));
        }
        if direct_connection == Some(true) {
            return Err(UsageError::Invalid(format!(
                "Cannot specify directConnection=true with mongodb+srv:// ({who} refuses this URI)"
            )));
        }
    }
    if direct_connection == Some(true) && seeds.len() > 1 {
        return Err(UsageError::Invalid(format!(
            "Cannot specify multiple hosts with directConnection=true ({who} refuses this URI)"
        )));
    }
    if let Some(d) = req.dns_server {
        show("dns-server", d.to_string(), Origin::Flag("dns-server"));
    }
    if req.all_members {
        show("all-members", "on".into(), Origin::Flag("all-members"));
    }
    Ok(MongoPlan {
        seeds,
        srv: srv.then(|| target.host.clone()).flatten(),
        replica_set,
        direct_connection,
        all_members: req.all_members,
        dns_server: req.dns_server,
    })
}
