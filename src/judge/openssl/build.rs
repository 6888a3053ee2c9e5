//! build_chain as OpenSSL 3 runs it for a TLS client: trusted-first (the
//! store is searched for an issuer before the certificates the server
//! sent, at every step), then the served certificates in order; once a
//! store certificate joins the chain only the store is searched. A store
//! certificate is a trust anchor when it is self-signed (a plain
//! certificate file carries no other trust settings). With trusted-first
//! set, the "alternative chains" retry never runs.

use super::cert::{sig_alg_matches_key, Cert};
use super::error::{fail, not_modelled, Code, Refusal};
use super::ext::akid_fits;

/// The certificates verification can use: the served ones first (`served`
/// of them, the leaf at 0), then the trust store's, duplicates dropped.
pub(crate) struct Pool {
    pub certs: Vec<Cert>,
    pub served: usize,
}

/// The chain built: indices into the pool, leaf first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Built {
    pub chain: Vec<usize>,
}

pub(crate) struct Builder<'a> {
    pub pool: &'a Pool,
    pub at: i64,
    /// X509_VERIFY_PARAM depth + 1: chains are built one longer, then refused.
    pub max_depth: usize,
}

/// check_issued: `issuer`'s subject is `x`'s issuer, `x`'s AKID fits it and
/// its key fits `x`'s signature algorithm (the signature is checked later).
pub(crate) fn issued_by(x: &Cert, issuer: &Cert) -> bool {
    issuer.subject.canon == x.issuer.canon
        && akid_fits(x.ext.akid.as_ref(), issuer)
        && sig_alg_matches_key(issuer.key, x.tbs_sig_alg)
}

/// ossl_x509_check_cert_time without a callback: notBefore <= t < notAfter
/// (X509_cmp_time counts equality as "before").
pub(crate) fn time_valid(c: &Cert, at: i64) -> bool {
    c.not_before.is_some_and(|nb| nb <= at) && c.not_after.is_some_and(|na| na > at)
}

impl Builder<'_> {
    fn cert(&self, i: usize) -> &Cert {
        &self.pool.certs[i]
    }

    /// Of the candidates that issued `x`, the first valid now, else the one
    /// that expires last (the first of those).
    fn best(
        &self,
        x: usize,
        candidates: impl Iterator<Item = usize>,
    ) -> (Option<usize>, Vec<usize>) {
        let mut latest: Option<usize> = None;
        let mut valid = Vec::new();
        for c in candidates.filter(|&c| issued_by(self.cert(x), self.cert(c))) {
            if time_valid(self.cert(c), self.at) {
                valid.push(c);
            } else if latest.is_none_or(|l| self.cert(c).not_after > self.cert(l).not_after) {
                latest = Some(c);
            }
        }
        (valid.first().copied().or(latest), valid)
    }

    /// X509_STORE_CTX_get1_issuer over the store. Which of several valid
    /// store certificates with the same name comes first depends on how the
    /// store sorted them: not modelled unless they carry the same key.
    fn trusted_issuer(&self, x: usize) -> Result<Option<usize>, Refusal> {
        let (pick, valid) = self.best(x, self.pool.served..self.pool.certs.len());
        if let (Some(p), true) = (pick, valid.len() > 1) {
            if valid
                .iter()
                .any(|&v| self.cert(v).key_bytes != self.cert(p).key_bytes)
            {
                return not_modelled(
                    "several trust-store certificates with different keys could issue the same certificate",
                );
            }
        }
        Ok(pick)
    }

    /// find_issuer over the served certificates not yet used: never one
    /// already in the chain (but a self-issued leaf may be its own issuer).
    fn untrusted_issuer(&self, x: usize, chain: &[usize], left: &[usize]) -> Option<usize> {
        let in_chain = |c: usize| chain.iter().any(|&d| self.cert(d).der == self.cert(c).der);
        let self_ok = self.cert(x).self_issued && chain.len() == 1;
        let candidates = left.iter().copied().filter(|&c| self_ok || !in_chain(c));
        self.best(x, candidates).0
    }

    pub fn build(&self) -> Result<Built, Refusal> {
        let mut chain = vec![0usize];
        let mut untrusted = 1usize;
        let mut left: Vec<usize> = (0..self.pool.served).collect();
        let mut search_untrusted = true;
        loop {
            // Trusted-first: the store, at every step.
            let num = chain.len();
            let curr = chain[num - 1];
            let found = if num > self.max_depth {
                None
            } else {
                self.trusted_issuer(curr)?
            };
            if let Some(issuer) = found {
                match self.add_trusted(&mut chain, &mut untrusted, issuer) {
                    Some(true) => return Ok(Built { chain }),
                    Some(false) => {
                        search_untrusted = false;
                        continue;
                    }
                    None => {}
                }
            }
            if !search_untrusted {
                break;
            }
            let issuer = if self.cert(curr).self_signed || num > self.max_depth {
                None
            } else {
                self.untrusted_issuer(curr, &chain, &left)
            };
            match issuer {
                None => search_untrusted = false,
                Some(i) => {
                    left.retain(|&c| c != i);
                    chain.push(i);
                    untrusted += 1;
                }
            }
        }
        self.no_anchor(&chain, untrusted)
    }

    /// Add the store's issuer of the chain's top: `Some(true)` when the
    /// chain is now trusted, `Some(false)` to look further in the store,
    /// `None` when a self-signed served certificate only mimics it.
    fn add_trusted(
        &self,
        chain: &mut Vec<usize>,
        untrusted: &mut usize,
        issuer: usize,
    ) -> Option<bool> {
        let top = *chain.last()?;
        if !self.cert(top).self_signed {
            chain.push(issuer);
        } else if self.cert(top).der == self.cert(issuer).der {
            let last = chain.len() - 1;
            chain[last] = issuer;
            *untrusted = last;
        } else {
            return None;
        }
        // check_trust: a store certificate without trust settings is an anchor when self-signed.
        Some(self.cert(*chain.last()?).self_signed)
    }

    /// The error build_chain reports when no anchor was reached.
    fn no_anchor(&self, chain: &[usize], untrusted: usize) -> Result<Built, Refusal> {
        let num = chain.len();
        let depth = num - 1;
        if num > self.max_depth {
            return fail(Code::CertChainTooLong, depth);
        }
        if self.cert(chain[depth]).self_signed {
            let code = if num == 1 {
                Code::DepthZeroSelfSignedCert
            } else {
                Code::SelfSignedCertInChain
            };
            return fail(code, depth);
        }
        let code = if untrusted < num {
            Code::UnableToGetIssuerCert
        } else {
            Code::UnableToGetIssuerCertLocally
        };
        fail(code, depth)
    }
}
