"""Seed the binary fuzz targets: certificates, keys, CRLs, OCSP responses,
PKCS#8 and PKCS#12 files made by python-cryptography and OpenSSL, MySQL,
PostgreSQL and MongoDB answers, and TLS first flights captured from a real
`openssl s_server` on 127.0.0.1.  Usage: binary.py OUT_DIR"""
import datetime, hashlib, os, socket, ssl, struct, subprocess, sys, tempfile, time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

OUT = sys.argv[1]


def put(target, data, name=None):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    name = name or hashlib.sha1(data).hexdigest()[:16]
    open(os.path.join(d, name), "wb").write(data)


now = datetime.datetime(2025, 6, 1, tzinfo=datetime.timezone.utc)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "fuzz")])


def cert(subject, key, issuer, issuer_key, ca=False, san=None):
    b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=400))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), True))
    if san:
        b = b.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(san), x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]), False)
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        b = b.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            x509.oid.AuthorityInformationAccessOID.OCSP,
            x509.UniformResourceIdentifier("http://127.0.0.1/ocsp"))]), False)
        b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier("http://127.0.0.1/crl.der")], None, None, None)]), False)
        b = b.add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), True)
    algo = None if isinstance(issuer_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return b.sign(issuer_key, algo)


ca_key = ec.generate_private_key(ec.SECP256R1())
ca = cert("fuzz root", ca_key, "fuzz root", ca_key, ca=True)
leaf_key = rsa.generate_private_key(65537, 2048)
leaf = cert("db.example", leaf_key, "fuzz root", ca_key, san="db.example")
ed_key = ed25519.Ed25519PrivateKey.generate()
ed = cert("ed", ed_key, "ed", ed_key)
certs = [ca, leaf, ed]
der = lambda c: c.public_bytes(serialization.Encoding.DER)
pem = lambda c: c.public_bytes(serialization.Encoding.PEM)

for c in certs:
    put("cert", der(c))
    put("files", b"\x01" + der(c))  # ext "der"
    put("files", b"\x00" + pem(c))  # ext "pem"
    put("files", b"\x00" + pem(c) + pem(ca))

# CRLs.
crl = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
       .last_update(now).next_update(now + datetime.timedelta(days=7))
       .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(leaf.serial_number)
                                .revocation_date(now).build())
       .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(12345)
                                .revocation_date(now).add_extension(
                                    x509.CRLReason(x509.ReasonFlags.key_compromise), False).build())
       .sign(ca_key, hashes.SHA256()))
empty_crl = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
             .last_update(now).next_update(now + datetime.timedelta(days=7)).sign(ca_key, hashes.SHA256()))
for c in (crl, empty_crl):
    put("crl", c.public_bytes(serialization.Encoding.DER))
    put("crl", c.public_bytes(serialization.Encoding.PEM))
    put("files", b"\x00" + c.public_bytes(serialization.Encoding.PEM))
    put("files", b"\x01" + c.public_bytes(serialization.Encoding.DER))

# OCSP responses: good, revoked, unknown; and the unsuccessful statuses.
for status in (ocsp.OCSPCertStatus.GOOD, ocsp.OCSPCertStatus.REVOKED, ocsp.OCSPCertStatus.UNKNOWN):
    b = ocsp.OCSPResponseBuilder().add_response(
        cert=leaf, issuer=ca, algorithm=hashes.SHA1(), cert_status=status, this_update=now,
        next_update=now + datetime.timedelta(days=1),
        revocation_time=now if status == ocsp.OCSPCertStatus.REVOKED else None,
        revocation_reason=x509.ReasonFlags.superseded if status == ocsp.OCSPCertStatus.REVOKED else None)
    for by_hash in (ocsp.OCSPResponderEncoding.HASH, ocsp.OCSPResponderEncoding.NAME):
        r = b.responder_id(by_hash, ca).certificates([ca]).sign(ca_key, hashes.SHA256())
        put("ocsp", r.public_bytes(serialization.Encoding.DER))
for st in (ocsp.OCSPResponseStatus.MALFORMED_REQUEST, ocsp.OCSPResponseStatus.TRY_LATER,
           ocsp.OCSPResponseStatus.UNAUTHORIZED):
    put("ocsp", ocsp.OCSPResponseBuilder.build_unsuccessful(st).public_bytes(serialization.Encoding.DER))

# Keys: plain in every encoding, encrypted PKCS#8 (PBKDF2 and scrypt), PKCS#12.
E, F = serialization.Encoding, serialization.PrivateFormat
for k in (leaf_key, ca_key, ed_key):
    put("files", b"\x00" + k.private_bytes(E.PEM, F.PKCS8, serialization.NoEncryption()))
    put("files", b"\x01" + k.private_bytes(E.DER, F.PKCS8, serialization.NoEncryption()))
    if not isinstance(k, ed25519.Ed25519PrivateKey):
        put("files", b"\x00" + k.private_bytes(E.PEM, F.TraditionalOpenSSL, serialization.NoEncryption()))
    enc = k.private_bytes(E.PEM, F.PKCS8, serialization.BestAvailableEncryption(b"fuzz"))
    put("files", b"\x04" + enc)
    put("files", b"\x00" + enc + pem(leaf))
with tempfile.TemporaryDirectory() as t:
    key = os.path.join(t, "k.pem")
    open(key, "wb").write(ca_key.private_bytes(E.PEM, F.PKCS8, serialization.NoEncryption()))
    for args in (["-v2", "aes-256-cbc", "-iter", "2048"], ["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"],
                 ["-scrypt", "-scrypt_N", "1024", "-scrypt_r", "8", "-scrypt_p", "1"],
                 ["-v1", "PBE-SHA1-3DES"], ["-v2", "des3"]):
        out = os.path.join(t, "e.der")
        subprocess.run(["openssl", "pkcs8", "-topk8", "-in", key, "-outform", "DER", "-out", out,
                        "-passout", "pass:fuzz", *args], check=True, capture_output=True)
        put("pkcs8", open(out, "rb").read())
for enc in (serialization.BestAvailableEncryption(b"fuzz"),
            serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(2048)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(hashes.SHA1()).build(b"fuzz")):
    p = pkcs12.serialize_key_and_certificates(b"fuzz", leaf_key, leaf, [ca], enc)
    put("files", b"\x06" + p)
    put("files", b"\x02" + p)
put("files", b"\x06" + pkcs12.serialize_key_and_certificates(b"fuzz", None, None, [ca],
                                                             serialization.NoEncryption()))

# MySQL packet bodies: greetings (MariaDB, MySQL 8 with TLS, protocol 9) and ERR packets.
mariadb = (b"\n5.5.5-10.11.19-MariaDB-0+deb12u1\x00\x03\x00\x00\x00\"!|p?(Gl\x00\xfe\xf7\x08\x02\x00"
           b"\xff\x81\x15\x00\x00\x00\x00\x00\x00\x1d\x00\x00\x00nazddJ&{\\;Qd\x00mysql_native_password\x00")
put("mysql", mariadb)
put("mysql", mariadb[:40] + b"\xfe\xff" + mariadb[42:])
put("mysql", b"\t3.21.33\x00\x01\x00\x00\x00abcdefgh\x00")
put("mysql", b"\xff\x6a\x04Host '127.0.0.1' is not allowed to connect to this MariaDB server")
put("mysql", b"\xff\x10\x04#08004Too many connections")
for p in os.listdir(os.path.join(OUT, "mysql")):
    body = open(os.path.join(OUT, "mysql", p), "rb").read()
    put("sniff", struct.pack("<I", len(body))[:3] + b"\x00" + body)
    put("postgres", struct.pack("<I", len(body))[:3] + b"\x00" + body)

# PostgreSQL answers to SSLRequest.
pg_err = b"SFATAL\x00VFATAL\x00C0A000\x00Munsupported frontend protocol 1234.5679\x00Fpostmaster.c\x00L2090\x00\x00"
for a in (b"S", b"N", b"Sxyz", b"E" + struct.pack(">I", len(pg_err) + 4) + pg_err, b"E\x00\x00\x00\x05"):
    put("postgres", a)
    put("sniff", a)


# MongoDB replies to hello: OP_MSG and OP_REPLY around a BSON document.
def bson(doc):
    body = b""
    for k, v in doc.items():
        key = k.encode() + b"\x00"
        if isinstance(v, bool):
            body += b"\x08" + key + (b"\x01" if v else b"\x00")
        elif isinstance(v, int):
            body += b"\x10" + key + struct.pack("<i", v)
        elif isinstance(v, float):
            body += b"\x01" + key + struct.pack("<d", v)
        elif isinstance(v, str):
            s = v.encode() + b"\x00"
            body += b"\x02" + key + struct.pack("<i", len(s)) + s
        elif isinstance(v, list):
            body += b"\x04" + key + bson({str(i): x for i, x in enumerate(v)})
        elif isinstance(v, datetime.datetime):
            body += b"\x09" + key + struct.pack("<q", int(v.timestamp() * 1000))
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


hello = {"isWritablePrimary": True, "topologyVersion": 1, "maxBsonObjectSize": 16777216,
         "maxMessageSizeBytes": 48000000, "maxWriteBatchSize": 100000, "localTime": now,
         "minWireVersion": 0, "maxWireVersion": 21, "readOnly": False, "ok": 1.0,
         "setName": "rs0", "hosts": ["127.0.0.1:27017", "127.0.0.1:27018"], "me": "127.0.0.1:27017",
         "primary": "127.0.0.1:27017", "compression": ["zstd"], "version": "7.0.14"}
for doc in (hello, {"ismaster": True, "msg": "isdbgrid", "maxWireVersion": 17, "ok": 1},
            {"ok": 0, "errmsg": "command hello requires authentication", "code": 13}):
    body = bson(doc)
    for op, payload in ((2013, b"\x00\x00\x00\x00\x00" + body), (1, b"\x00" * 20 + body)):
        msg = struct.pack("<iiii", 16 + len(payload), 7, 0x746C7363, op) + payload
        put("mongo", msg)
        put("sniff", msg)

# Text other servers send first.
for t in (b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
          b"220 mail.example ESMTP Postfix\r\n", b"-NOAUTH Authentication required.\r\n", b"+OK\r\n"):
    put("sniff", t)
    put("postgres", t)
    put("mongo", t)


# TLS first flights from a real openssl s_server, answering a ClientHello
# made by Python's ssl module (the fuzz target's first byte: 1 = read to
# ServerHelloDone).
def client_hello(maxv, ciphers=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.maximum_version = maxv
    if ciphers:
        ctx.set_ciphers(ciphers)
    o = ctx.wrap_bio(ssl.MemoryBIO(), out := ssl.MemoryBIO(), server_hostname="db.example")
    try:
        o.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def flights():
    with tempfile.TemporaryDirectory() as t:
        kf, cf = os.path.join(t, "k.pem"), os.path.join(t, "c.pem")
        open(kf, "wb").write(leaf_key.private_bytes(E.PEM, F.PKCS8, serialization.NoEncryption()))
        open(cf, "wb").write(pem(leaf) + pem(ca))
        dh = os.path.join(t, "dh.pem")
        subprocess.run(["openssl", "dhparam", "-out", dh, "1024"], check=True, capture_output=True)
        port = 47000 + os.getpid() % 1000
        srv = subprocess.Popen(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-key", kf,
                                "-cert", cf, "-dhparam", dh, "-cipher", "ALL:@SECLEVEL=0", "-quiet"],
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        try:
            for maxv, ciphers in ((ssl.TLSVersion.TLSv1_3, None), (ssl.TLSVersion.TLSv1_2, None),
                                  (ssl.TLSVersion.TLSv1_2, "DHE-RSA-AES128-GCM-SHA256"),
                                  (ssl.TLSVersion.TLSv1_2, "AES128-SHA"),
                                  (ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES128-GCM-SHA256")):
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall(client_hello(maxv, ciphers))
                s.settimeout(1.0)
                got = b""
                try:
                    while len(got) < 65536:
                        b = s.recv(65536)
                        if not b:
                            break
                        got += b
                except socket.timeout:
                    pass
                s.close()
                yield got
        finally:
            srv.kill()


for f in flights():
    put("reply", b"\x01" + f)
    put("reply", b"\x00" + f)
    put("sniff", f[:64])
put("reply", b"\x00\x15\x03\x03\x00\x02\x02\x28")
