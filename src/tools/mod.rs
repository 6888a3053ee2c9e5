//! Trust-store and certificate tools for support engineers: `tlscheck
//! roots` (the OS store), `tlscheck cert` (local files), and exporting what
//! a check saw (`connect --save-chain` / `--save-root`).
//!
//! They reuse the pipeline's parts: `trust` loads the stores, `observe`
//! describes certificates, `judge::chain` verifies chains, and
//! `report::tools` renders the results for people.

pub mod cert;
pub mod export;
pub mod files;
pub mod roots;
