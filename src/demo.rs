//! `tlscheck demo`: throw-away endpoints on loopback, checked for real.
pub fn run(_json: bool, _color: bool) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
