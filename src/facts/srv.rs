//! What DNS said for a `mongodb+srv://` name: the SRV records, the TXT
//! options, and the specification's rules they break. Produced by
//! [`crate::srv`].

use serde::Serialize;

/// What DNS said for a `mongodb+srv://` name.
#[derive(Debug, Clone, Serialize)]
pub struct SrvFacts {
    pub name: String,
    /// `_mongodb._tcp.NAME`.
    pub query: String,
    /// The resolver asked (`--dns-server`), or `system`.
    pub dns_server: String,
    pub records: Vec<SrvRecord>,
    /// The TXT record's text, when there is one.
    pub txt: Option<String>,
    pub txt_options: Vec<(String, String)>,
    /// Rules of the specification the answers break; PyMongo refuses the URI for each.
    pub problems: Vec<String>,
    /// The SRV lookup failed (no hosts at all).
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SrvRecord {
    pub target: String,
    pub port: u16,
    pub priority: u16,
    pub weight: u16,
    /// The target lies in the parent domain of the name, as required.
    pub within_parent_domain: bool,
    /// With `--dns-server`: the target's address from that server (the
    /// check connects there). Without, the system resolves it at connect.
    pub address: Option<std::net::IpAddr>,
}
