//! Trust-store and certificate tools for support engineers: `tlscheck
//! roots` (the OS store), `tlscheck cert` (local files), and exporting what
//! a check saw (`connect --save-chain` / `--save-root`).
//!
//! They reuse the pipeline's parts: `trust` loads the stores, `observe`
//! describes certificates, `judge::chain` verifies chains, and
//! `human.rs` renders the results for people with `report::human`'s
//! pieces (`report` knows nothing of the tools).

pub mod cert;
pub mod export;
pub mod human;
pub mod roots;
