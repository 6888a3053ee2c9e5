//! A tiny authoritative DNS responder on loopback UDP, for mongodb+srv
//! tests: it answers SRV, TXT and A questions from a fixed table, NXDOMAIN
//! for names it does not know, and nothing else. Only loopback is used.
#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Rr {
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    Txt(String),
    A(Ipv4Addr),
}

impl Rr {
    fn qtype(&self) -> u16 {
        match self {
            Rr::A(_) => 1,
            Rr::Txt(_) => 16,
            Rr::Srv { .. } => 33,
        }
    }
}

/// Records by owner name (lower case, no trailing dot).
pub type Zone = Vec<(String, Rr)>;

/// Start the responder; it serves until the test process ends.
pub fn start(zone: Zone) -> SocketAddr {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
    sock.set_read_timeout(Some(Duration::from_secs(600))).ok();
    let addr = sock.local_addr().unwrap();
    let zone = Arc::new(zone);
    thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, peer)) = sock.recv_from(&mut buf) {
            if let Some(reply) = answer(&buf[..n], &zone) {
                let _ = sock.send_to(&reply, peer);
            }
        }
    });
    addr
}

fn encode_name(out: &mut Vec<u8>, name: &str) {
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
}

fn answer(q: &[u8], zone: &Zone) -> Option<Vec<u8>> {
    if q.len() < 12 {
        return None;
    }
    // The question: name labels, then type and class.
    let mut i = 12;
    let mut labels = Vec::new();
    loop {
        let len = *q.get(i)? as usize;
        i += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(q.get(i..i + len)?).to_ascii_lowercase());
        i += len;
    }
    let qtype = u16::from_be_bytes([*q.get(i)?, *q.get(i + 1)?]);
    let question_end = i + 4;
    let name = labels.join(".");
    let known = zone.iter().any(|(n, _)| *n == name);
    let answers: Vec<&Rr> = zone
        .iter()
        .filter(|(n, rr)| *n == name && rr.qtype() == qtype)
        .map(|(_, rr)| rr)
        .collect();

    let mut out = Vec::new();
    out.extend_from_slice(&q[0..2]); // id
    let rd = q[2] & 0x01;
    out.push(0x84 | rd); // QR, AA, RD as asked
    out.push(if known { 0x00 } else { 0x03 }); // NOERROR or NXDOMAIN
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&q[12..question_end]);
    for rr in answers {
        out.extend_from_slice(&[0xC0, 0x0C]); // the question's name
        out.extend_from_slice(&rr.qtype().to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes()); // IN
        out.extend_from_slice(&60u32.to_be_bytes());
        let mut rdata = Vec::new();
        match rr {
            Rr::A(ip) => rdata.extend_from_slice(&ip.octets()),
            Rr::Txt(t) => {
                for chunk in t.as_bytes().chunks(255) {
                    rdata.push(chunk.len() as u8);
                    rdata.extend_from_slice(chunk);
                }
            }
            Rr::Srv {
                priority,
                weight,
                port,
                target,
            } => {
                rdata.extend_from_slice(&priority.to_be_bytes());
                rdata.extend_from_slice(&weight.to_be_bytes());
                rdata.extend_from_slice(&port.to_be_bytes());
                encode_name(&mut rdata, target);
            }
        }
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(&rdata);
    }
    Some(out)
}
