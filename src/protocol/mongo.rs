//! MongoDB: TLS from the first byte (nothing to upgrade), then one OP_MSG
//! `hello` after the handshake, the way a driver's first heartbeat does it.
//!
//! [`hello_exchange`] does the I/O (over TLS from `handshake.rs`, or over the
//! bare TCP stream for `tls=false`) and records the raw reply as a
//! [`HelloExchange`]; [`describe`] turns that into [`MongoFacts`]: what the
//! server says about itself. Neither decides anything: `judge` does.

use std::time::{Duration, Instant};

use bson::{doc, Bson, Document};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::facts::sniff;
use crate::facts::upgrade::{
    wire_version_range, HelloExchange, HelloOutcome, IoFailure, MongoFacts, UpgradeFacts,
};

/// OP_MSG's opcode; OP_REPLY (1) is what pre-3.6 servers answer with.
const OP_MSG: i32 = 2013;
const OP_REPLY: i32 = 1;
/// MongoDB's own limit on a message (`maxMessageSizeBytes`).
const MAX_MESSAGE: usize = 48_000_000;
/// The most of a reply tlscheck reads: a hello reply is a few hundred bytes;
/// 16 MiB is the largest BSON document a server may send.
pub const READ_CAP: usize = 16 * 1024 * 1024;
const REQUEST_ID: i32 = 0x746c_7363; // "tlsc"

/// MongoDB's "upgrade": none, TLS starts at the first byte.
pub fn upgrade() -> UpgradeFacts {
    UpgradeFacts {
        method: "none",
        server_answer: None,
        tls_offered: true,
        bytes_after_answer: 0,
        alpn: Vec::new(),
        mysql: None,
    }
}

/// The `hello` command, as an OP_MSG with one body section.
pub fn hello_message() -> Vec<u8> {
    let body = doc! {
        "hello": 1_i32,
        "helloOk": true,
        // Ask which compressors the server would use, so the reply lists them.
        "compression": ["snappy", "zstd", "zlib"],
        "client": {
            "driver": { "name": "tlscheck", "version": env!("CARGO_PKG_VERSION") },
            "os": { "type": std::env::consts::OS },
        },
        "$db": "admin",
    };
    let mut bson = Vec::new();
    body.to_writer(&mut bson)
        .expect("a fixed document always serializes");
    let len = 16 + 4 + 1 + bson.len();
    let mut msg = Vec::with_capacity(len);
    msg.extend_from_slice(&(len as i32).to_le_bytes());
    msg.extend_from_slice(&REQUEST_ID.to_le_bytes());
    msg.extend_from_slice(&0_i32.to_le_bytes());
    msg.extend_from_slice(&OP_MSG.to_le_bytes());
    msg.extend_from_slice(&0_u32.to_le_bytes()); // flagBits
    msg.push(0); // section kind 0: the body
    msg.extend_from_slice(&bson);
    msg
}

/// Send `hello` on `stream` and read one reply: the 16-byte header first,
/// then at most the announced length (≤ [`READ_CAP`]), all within `timeout`.
pub async fn hello_exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    timeout: Duration,
    over_tls: bool,
) -> HelloExchange {
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + timeout;
    let outcome = exchange(stream, deadline).await;
    HelloExchange {
        over_tls,
        outcome,
        ms: started.elapsed().as_secs_f64() * 1000.0,
    }
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    deadline: tokio::time::Instant,
) -> HelloOutcome {
    let msg = hello_message();
    match tokio::time::timeout_at(deadline, async {
        stream.write_all(&msg).await?;
        stream.flush().await
    })
    .await
    {
        Err(_) => return HelloOutcome::Timeout(Vec::new()),
        Ok(Err(e)) => return HelloOutcome::Error(IoFailure::new(&e), Vec::new()),
        Ok(Ok(())) => {}
    }
    let mut buf = Vec::new();
    if let Some(stop) = read_to(stream, &mut buf, 16, deadline).await {
        return stop;
    }
    let length = i32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as i64;
    if length < 16 || length as usize > MAX_MESSAGE || length as usize > READ_CAP {
        return HelloOutcome::BadLength { length, first: buf };
    }
    if let Some(stop) = read_to(stream, &mut buf, length as usize, deadline).await {
        return stop;
    }
    HelloOutcome::Message(buf)
}

/// Read until `buf` holds `want` bytes; `Some` when that did not happen.
async fn read_to<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    want: usize,
    deadline: tokio::time::Instant,
) -> Option<HelloOutcome> {
    let mut chunk = vec![0u8; 64 * 1024];
    while buf.len() < want {
        let room = (want - buf.len()).min(chunk.len());
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk[..room])).await {
            Err(_) => return Some(HelloOutcome::Timeout(std::mem::take(buf))),
            Ok(Ok(0)) => return Some(HelloOutcome::Closed(std::mem::take(buf))),
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) => {
                return Some(HelloOutcome::Error(IoFailure::new(&e), std::mem::take(buf)))
            }
        }
    }
    None
}

/// Read the reply: parse the OP_MSG (or OP_REPLY) and the hello document,
/// or say what came back instead.
pub fn describe(x: &HelloExchange) -> MongoFacts {
    let mut f = MongoFacts {
        over_tls: x.over_tls,
        hello_ms: x.ms,
        ..MongoFacts::default()
    };
    let not_mongo = |f: &mut MongoFacts, bytes: &[u8], problem: String| {
        if !bytes.is_empty() {
            let s = sniff::sniff(bytes);
            f.looks_like = Some(s.looks_like);
            f.looks_like_protocol = s.protocol;
            f.first_bytes_hex = Some(s.first_bytes_hex);
        }
        f.problem = Some(problem);
    };
    match &x.outcome {
        HelloOutcome::Closed(b) if b.is_empty() => {
            f.problem = Some("the server closed the connection without answering the hello".into())
        }
        HelloOutcome::Closed(b) => not_mongo(
            &mut f,
            b,
            format!(
                "the server sent {} bytes that are not a whole MongoDB reply, then closed the connection",
                b.len()
            ),
        ),
        HelloOutcome::Timeout(b) if b.is_empty() => {
            f.problem = Some("no answer to the hello within the timeout".into())
        }
        HelloOutcome::Timeout(b) => not_mongo(
            &mut f,
            b,
            format!(
                "the server sent {} bytes that are not a whole MongoDB reply, then nothing more",
                b.len()
            ),
        ),
        HelloOutcome::BadLength { length, first } => not_mongo(
            &mut f,
            first,
            format!("the reply announces a length of {length} bytes, which no MongoDB server sends"),
        ),
        HelloOutcome::Error(e, b) => {
            if !b.is_empty() {
                not_mongo(&mut f, b, String::new());
            }
            f.problem = Some(format!("reading the hello reply failed: {e}"));
        }
        HelloOutcome::Message(m) => match parse_reply(m) {
            Ok(d) => {
                f.answered = true;
                read_hello(&mut f, &d);
            }
            Err(why) => not_mongo(&mut f, m, format!("the reply is not a MongoDB reply: {why}")),
        },
    }
    f
}

/// The document in an OP_MSG body section or an OP_REPLY.
fn parse_reply(m: &[u8]) -> Result<Document, String> {
    // The exchange hands on whole messages, but `describe` is public.
    if m.len() < 16 {
        return Err(format!(
            "{} bytes are shorter than a message header",
            m.len()
        ));
    }
    let i32_at = |i: usize| i32::from_le_bytes([m[i], m[i + 1], m[i + 2], m[i + 3]]);
    let response_to = i32_at(8);
    let opcode = i32_at(12);
    if response_to != REQUEST_ID {
        return Err(format!(
            "it answers request {response_to}, not ours ({REQUEST_ID})"
        ));
    }
    let doc_start = match opcode {
        OP_MSG => {
            // flagBits, then sections; the body is kind 0.
            if m.len() < 21 || m[20] != 0 {
                return Err("the OP_MSG has no body section".into());
            }
            21
        }
        // responseFlags, cursorID, startingFrom, numberReturned
        OP_REPLY if m.len() >= 36 => 36,
        other => return Err(format!("opcode {other} is not OP_MSG")),
    };
    // The document's own length is read before anything is allocated for
    // it: a length beyond the message is refused, not allocated.
    let doc = &m[doc_start..];
    let declared = doc
        .get(..4)
        .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64)
        .unwrap_or(0);
    if !(5..=doc.len() as i64).contains(&declared) {
        return Err(format!(
            "its BSON document announces {declared} bytes, and {} follow",
            doc.len()
        ));
    }
    Document::from_reader(doc).map_err(|e| format!("its BSON does not parse: {e}"))
}

fn read_hello(f: &mut MongoFacts, d: &Document) {
    let num = |k: &str| -> Option<i64> {
        match d.get(k)? {
            Bson::Int32(n) => Some(*n as i64),
            Bson::Int64(n) => Some(*n),
            Bson::Double(x) => Some(*x as i64),
            _ => None,
        }
    };
    let flag = |k: &str| -> Option<bool> {
        match d.get(k)? {
            Bson::Boolean(b) => Some(*b),
            Bson::Int32(n) => Some(*n != 0),
            Bson::Double(x) => Some(*x != 0.0),
            _ => None,
        }
    };
    let text = |k: &str| d.get_str(k).ok().map(str::to_string);
    let list = |k: &str| -> Vec<String> {
        d.get_array(k)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    f.ok = num("ok").map(|n| n == 1);
    f.errmsg = text("errmsg");
    f.version = text("version");
    f.min_wire_version = num("minWireVersion");
    f.max_wire_version = num("maxWireVersion");
    f.version_range = f.max_wire_version.map(wire_version_range);
    f.is_writable_primary = flag("isWritablePrimary").or_else(|| flag("ismaster"));
    f.secondary = flag("secondary");
    f.arbiter_only = flag("arbiterOnly");
    f.set_name = text("setName");
    f.hosts = list("hosts");
    f.passives = list("passives");
    f.arbiters = list("arbiters");
    f.primary = text("primary");
    f.me = text("me");
    f.compression = list("compression");
    f.mongos = text("msg").as_deref() == Some("isdbgrid");
    f.local_time = d.get_datetime("localTime").ok().map(|t| {
        t.try_to_rfc3339_string()
            .unwrap_or_else(|_| t.timestamp_millis().to_string())
    });
    f.max_message_size_bytes = num("maxMessageSizeBytes");
    f.server_type = Some(if f.mongos {
        "mongos"
    } else if f.set_name.is_some() {
        if f.is_writable_primary == Some(true) {
            "replica-set-primary"
        } else if f.secondary == Some(true) {
            "replica-set-secondary"
        } else if f.arbiter_only == Some(true) {
            "replica-set-arbiter"
        } else {
            "replica-set-other"
        }
    } else {
        "standalone"
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::upgrade::members;

    fn reply(doc: Document, response_to: i32) -> Vec<u8> {
        let mut bson = Vec::new();
        doc.to_writer(&mut bson).unwrap();
        let len = 21 + bson.len();
        let mut m = Vec::new();
        m.extend_from_slice(&(len as i32).to_le_bytes());
        m.extend_from_slice(&7_i32.to_le_bytes());
        m.extend_from_slice(&response_to.to_le_bytes());
        m.extend_from_slice(&OP_MSG.to_le_bytes());
        m.extend_from_slice(&0_u32.to_le_bytes());
        m.push(0);
        m.extend_from_slice(&bson);
        m
    }

    fn exchange(outcome: HelloOutcome) -> HelloExchange {
        HelloExchange {
            over_tls: true,
            outcome,
            ms: 1.0,
        }
    }

    /// Found by the `mongo` fuzz target: a reply whose BSON document
    /// announced 1.7 GB made the BSON reader allocate that much before
    /// finding the message far shorter.
    #[test]
    fn a_document_longer_than_its_message_is_not_allocated() {
        let mut m = Vec::new();
        m.extend_from_slice(&26_i32.to_le_bytes());
        m.extend_from_slice(&1_i32.to_le_bytes());
        m.extend_from_slice(&REQUEST_ID.to_le_bytes());
        m.extend_from_slice(&OP_MSG.to_le_bytes());
        m.extend_from_slice(&[0, 0, 0, 0, 0]);
        m.extend_from_slice(&0x6900_0000_i32.to_le_bytes());
        m.push(0);
        let e = parse_reply(&m).unwrap_err();
        assert!(
            e.contains("announces 1761607680 bytes, and 5 follow"),
            "{e}"
        );
    }

    #[test]
    fn hello_is_a_well_formed_op_msg() {
        let m = hello_message();
        assert_eq!(
            i32::from_le_bytes(m[0..4].try_into().unwrap()) as usize,
            m.len()
        );
        assert_eq!(i32::from_le_bytes(m[12..16].try_into().unwrap()), OP_MSG);
        let d = Document::from_reader(&m[21..]).unwrap();
        assert_eq!(d.get_i32("hello").unwrap(), 1);
        assert!(d.get_bool("helloOk").unwrap());
        assert_eq!(d.get_str("$db").unwrap(), "admin");
    }

    #[test]
    fn a_replica_set_primary_reply() {
        let d = doc! {
            "isWritablePrimary": true, "secondary": false, "setName": "rs0",
            "hosts": ["a:27017", "b:27017"], "arbiters": ["c:27017"],
            "me": "a:27017", "maxWireVersion": 21_i32, "minWireVersion": 0_i32,
            "compression": ["zstd"], "ok": 1.0,
        };
        let f = describe(&exchange(HelloOutcome::Message(reply(d, REQUEST_ID))));
        assert!(f.answered);
        assert_eq!(f.ok, Some(true));
        assert_eq!(f.server_type, Some("replica-set-primary"));
        assert_eq!(
            f.version_range.as_deref(),
            Some("MongoDB 7.0 (maxWireVersion 21)")
        );
        assert_eq!(members(&f), vec!["a:27017", "b:27017", "c:27017"]);
        assert_eq!(f.compression, vec!["zstd"]);
    }

    #[test]
    fn mongos_and_wrong_answers() {
        let d = doc! { "ismaster": true, "msg": "isdbgrid", "maxWireVersion": 25_i32, "ok": 1 };
        let f = describe(&exchange(HelloOutcome::Message(reply(d, REQUEST_ID))));
        assert!(f.mongos);
        assert_eq!(f.server_type, Some("mongos"));

        let f = describe(&exchange(HelloOutcome::Message(reply(doc! {"ok": 1}, 99))));
        assert!(!f.answered);
        assert!(f.problem.unwrap().contains("not ours"));

        let http = b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec();
        let f = describe(&exchange(HelloOutcome::BadLength {
            length: 0x5054_5448,
            first: http[..16].to_vec(),
        }));
        assert!(!f.answered);
        assert_eq!(f.looks_like_protocol, Some("http"));

        let f = describe(&exchange(HelloOutcome::Closed(Vec::new())));
        assert!(f.problem.unwrap().contains("closed"));
    }

    #[tokio::test]
    async fn the_reply_is_read_with_a_bound() {
        // A peer announcing a 1 GB message is not read further.
        let (mut a, mut b) = tokio::io::duplex(1 << 16);
        let peer = tokio::spawn(async move {
            let mut req = vec![0u8; 512];
            let _ = b.read(&mut req).await;
            let mut head = Vec::new();
            head.extend_from_slice(&1_000_000_000_i32.to_le_bytes());
            head.extend_from_slice(&[0u8; 12]);
            b.write_all(&head).await.unwrap();
            b
        });
        let x = hello_exchange(&mut a, Duration::from_secs(2), false).await;
        assert!(matches!(
            x.outcome,
            HelloOutcome::BadLength {
                length: 1_000_000_000,
                ..
            }
        ));
        drop(peer.await);
    }
}
