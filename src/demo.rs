//! `tlscheck demo`: throw-away endpoints on loopback, checked for real.
//!
//! A newcomer sees genuine reports — a pass and a diagnosed failure — from
//! one command on a machine with nothing else running: a certificate
//! authority is made on the spot, a PostgreSQL-protocol endpoint (SSLRequest,
//! then TLS) serves a good chain, and a plain TLS listener forgets its
//! intermediate certificate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::cli::{Cli, Command};
use crate::judge::Outcome;
use crate::report::human::{self, Painter};
use crate::settings::{self, FixedEnv};

/// What a demo endpoint does before TLS.
#[derive(Clone, Copy)]
enum Greeting {
    /// Answer PostgreSQL's SSLRequest with `S`.
    PostgresSslRequest,
    /// TLS from the first byte.
    None,
}

pub fn run(json: bool, color: bool) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(run_async(json, color))
}

async fn run_async(json: bool, color: bool) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("tlscheck-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let _cleanup = RemoveOnDrop(dir.clone());

    let pki = DemoPki::new()?;
    let root_file = dir.join("demo-root.pem");
    std::fs::write(&root_file, pki.root.pem())?;

    let good = serve(
        Greeting::PostgresSslRequest,
        vec![pki.leaf.clone(), pki.intermediate.der().clone()],
        &pki.leaf_key,
    )
    .await?;
    let broken = serve(Greeting::None, vec![pki.leaf.clone()], &pki.leaf_key).await?;

    let root = root_file.display().to_string();
    let checks = [
        (
            "a PostgreSQL endpoint with a good chain",
            vec![
                format!("127.0.0.1:{}", good.port()),
                "--protocol".into(),
                "postgres".into(),
                "--ca-file".into(),
                root.clone(),
            ],
            Outcome::Pass,
        ),
        (
            "a TLS listener that forgot its intermediate certificate",
            vec![
                format!("tls://localhost:{}", broken.port()),
                "--ca-file".into(),
                root,
            ],
            Outcome::Fail,
        ),
    ];

    let painter = Painter { color };
    let mut surprises = Vec::new();
    for (i, (what, args, expected)) in checks.iter().enumerate() {
        let mut argv = vec!["tlscheck".to_string(), "connect".into()];
        argv.extend(args.iter().cloned());
        let Command::Connect(connect) = Cli::try_parse_from(&argv)?.command else {
            unreachable!("the demo builds connect commands")
        };
        // The demo ignores PG* variables so it shows the same on every machine.
        let plan =
            settings::resolve(&connect.request(), &FixedEnv(&[])).context("demo settings")?;
        let report = crate::check::run(&plan).await;
        if json {
            crate::print_stdout(&(serde_json::to_string(&report)? + "\n"));
        } else {
            let gap = if i > 0 { "\n" } else { "" };
            crate::print_stdout(&format!(
                "{gap}── demo {}: {what}\n── $ {}\n\n{}",
                i + 1,
                argv.join(" "),
                human::render(&report, painter)
            ));
        }
        if report.judgement.verdict.result != *expected {
            surprises.push(format!(
                "{what}: expected {expected:?}, got {:?}",
                report.judgement.verdict.result
            ));
        }
    }
    if !surprises.is_empty() {
        anyhow::bail!(
            "the demo did not behave as expected: {}",
            surprises.join("; ")
        );
    }
    Ok(())
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// root → intermediate → leaf for localhost and 127.0.0.1, ECDSA P-256.
struct DemoPki {
    root: CertifiedIssuer<'static, KeyPair>,
    intermediate: CertifiedIssuer<'static, KeyPair>,
    leaf: CertificateDer<'static>,
    leaf_key: Vec<u8>,
}

impl DemoPki {
    fn new() -> Result<DemoPki> {
        let root =
            CertifiedIssuer::self_signed(ca_params("tlscheck demo root CA"), KeyPair::generate()?)?;
        let mut ip = ca_params("tlscheck demo intermediate CA");
        ip.use_authority_key_identifier_extension = true;
        let intermediate = CertifiedIssuer::signed_by(ip, KeyPair::generate()?, &root)?;

        let leaf_key = KeyPair::generate()?;
        let mut lp =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
        lp.distinguished_name.push(DnType::CommonName, "localhost");
        lp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        lp.use_authority_key_identifier_extension = true;
        validity(&mut lp, 90);
        let leaf = lp.signed_by(&leaf_key, &intermediate)?;
        Ok(DemoPki {
            leaf: leaf.der().clone(),
            leaf_key: leaf_key.serialize_der(),
            root,
            intermediate,
        })
    }
}

/// Valid from yesterday for `days`, like a real certificate (rcgen's default spans centuries).
fn validity(p: &mut CertificateParams, days: i64) {
    let now = ::time::OffsetDateTime::now_utc();
    p.not_before = now - ::time::Duration::days(1);
    p.not_after = now + ::time::Duration::days(days);
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    validity(&mut p, 3650);
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p
}

/// A loopback endpoint serving `chain`; it lives as long as the runtime.
async fn serve(
    greeting: Greeting,
    chain: Vec<CertificateDer<'static>>,
    key: &[u8],
) -> Result<SocketAddr> {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.to_vec()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(chain, key)?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let serve_one = async {
                    if let Greeting::PostgresSslRequest = greeting {
                        let mut request = [0u8; 8];
                        stream.read_exact(&mut request).await.ok()?;
                        stream.write_all(b"S").await.ok()?;
                    }
                    let mut tls = acceptor.accept(stream).await.ok()?;
                    // Wait for the client's close_notify, as a server waiting for a login would.
                    let mut buf = [0u8; 1024];
                    while tls.read(&mut buf).await.ok()? > 0 {}
                    Some(())
                };
                let _ = tokio::time::timeout(Duration::from_secs(10), serve_one).await;
            });
        }
    });
    Ok(addr)
}
