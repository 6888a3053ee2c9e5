//! What each step of the pipeline found, as plain values: the types the I/O
//! steps ([`crate::connect`], [`crate::protocol`], [`crate::handshake`],
//! [`crate::probe`], [`crate::srv`]) produce and [`crate::judge`] and
//! [`crate::report`] read, with their pure helpers (wording, name lookups).
//!
//! Nothing here does I/O or imports an I/O module, so the judge and the
//! report depend on the facts and never on the code that gathered them
//! (`tests/architecture.rs` keeps it so).

pub mod connect;
pub mod scan;
pub mod sniff;
pub mod srv;
pub mod tls;
pub mod upgrade;
