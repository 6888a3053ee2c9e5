#!/usr/bin/env bash
# Benchmark: `tlscheck scan` against sslscan and testssl.sh, side by side,
# on the same throw-away PostgreSQL and MariaDB (TLS 1.0-1.3, a broad
# cipher list at security level 0, an RSA certificate) on ephemeral
# 127.0.0.1 ports.
#
# Usage (from the repo root):  bash bench/scan.sh
#   BENCH_RUNS=N            timed runs of tlscheck and of sslscan (default 10)
#   BENCH_TLSCHECK=PATH     time this tlscheck binary instead of building
#                           target/release/tlscheck
#   BENCH_TESTSSL=0         skip testssl.sh (about 100 s per server)
#
# For each server it first checks that tlscheck and sslscan find the same
# accepted versions and, per version, the same cipher suite IDs (sslscan's
# OpenSSL names mapped through `openssl ciphers -V`), and the same TLS 1.3
# groups, and prints every difference loudly. Then it times, through
# bench/timing.py, `tlscheck scan --json`, sslscan's default run and sslscan
# without the checks tlscheck does not make (Heartbleed, renegotiation,
# compression, fallback SCSV, certificate warnings), and testssl.sh's
# default run once, and prints the median wall times and the ratios against
# the targets: tlscheck >= 5x faster than sslscan (default run), >= 100x
# faster than testssl.sh.
#
# Needs: cargo, openssl, python3, sslscan, testssl.sh, PostgreSQL server
# binaries (/usr/lib/postgresql/*/bin), MariaDB server binaries. Only
# 127.0.0.1 is contacted (testssl.sh runs with --nodns none).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

read_runs 10
need_tools cargo openssl python3
# Debian's package installs testssl.sh as `testssl`.
testssl=$(command -v testssl.sh || command -v testssl || true)
if ! command -v sslscan >/dev/null || [ -z "$testssl" ]; then
  echo "bench: sslscan and testssl.sh are needed; install them with:" >&2
  echo "  apt-get install -y sslscan testssl.sh" >&2
  exit 1
fi
find_postgres
find_mariadb
# libpq settings from the caller's environment must not leak in.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^PG' || true)

# --- 1. build ----------------------------------------------------------------
build_tlscheck

# --- 2. the servers ------------------------------------------------------------
make_work tlscheck-bench-scan

# Both servers: TLS 1.0 to 1.3 and every HIGH suite an RSA key can serve,
# legacy ones included (security level 0), about 50 suites per version.
ciphers='HIGH:!aNULL:@SECLEVEL=0'

echo "== certificates (root -> intermediate -> RSA 2048 leaf for localhost, 127.0.0.1)"
pki="$work/pki"
make_pki "$pki"
make_rsa_leaf "$pki"

echo "== PostgreSQL ($pgbin): TLSv1 .. TLSv1.3, ssl_ciphers '$ciphers'"
# The postgres user must get through $work to its own $work/pg.
if [ ${#as_pg[@]} -gt 0 ]; then chown postgres: "$work"; fi
start_postgres "$work/pg" "$pki/server-chain-rsa.pem" "$pki/leaf-rsa.key" \
  "ssl_min_protocol_version = 'TLSv1'" "ssl_max_protocol_version = ''" "ssl_ciphers = '$ciphers'"

echo "== MariaDB ($("$mariadbd" --version | cut -d' ' -f1-4)): TLSv1 .. TLSv1.3, --ssl-cipher '$ciphers'"
# Every probe is a connection aborted before login: raise
# max-connect-errors, or the host is blocked after 100.
start_mariadb "$work/mariadb" "$pki/server-chain-rsa.pem" "$pki/leaf-rsa.key" --innodb-buffer-pool-size=16M \
  --tls-version=TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3 --ssl-cipher="$ciphers" --max-connect-errors=1000000

# OpenSSL's name -> IANA code point, for every suite this OpenSSL knows
# (TLS 1.3 ones included), to read sslscan's names.
openssl ciphers -V \
  -ciphersuites 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256' \
  'ALL:COMPLEMENTOFALL:@SECLEVEL=0' >"$work/ciphers-V.txt"

# compare NAME TLSCHECK_JSON SSLSCAN_XML: same versions, same suite IDs per
# version, same TLS 1.3 groups? Prints each difference; exit 1 if any.
compare() {
  python3 - "$1" "$2" "$3" "$work/ciphers-V.txt" <<'EOF'
import json, sys
import xml.etree.ElementTree as ET

name, tls_path, xml_path, table_path = sys.argv[1:]
ids = {}
for line in open(table_path):
    code, sep, rest = line.strip().partition(" - ")
    if sep:
        hi, lo = code.split(",")
        ids[rest.split()[0]] = "0x" + (hi[2:] + lo[2:]).upper()

tls = json.load(open(tls_path))
if tls.get("error"):
    print(f"{name}: tlscheck scan could not run: {tls['error']}")
    sys.exit(1)
t_versions = [v["version"] for v in tls["versions"] if v["accepted"]]
t_ciphers = {v["version"]: {c["id"] for c in v["ciphers"]} for v in tls["versions"]}
t_groups = {g["id"] for g in tls.get("groups", [])}

root = ET.parse(xml_path).getroot()
test = root.find("ssltest")
s_versions = []
for p in test.findall("protocol"):
    label = ("SSLv" + p.get("version")) if p.get("type") == "ssl" else ("TLSv" + p.get("version"))
    if p.get("enabled") == "1" and label != "SSLv2":
        s_versions.append(label)
s_ciphers, unmapped = {}, []
for c in test.findall("cipher"):
    cname, version = c.get("cipher"), c.get("sslversion")
    cid = ids.get(cname)
    if cid is None:
        cid = (c.get("id") or "?").upper().replace("0X", "0x")
        unmapped.append(f"{cname} (sslscan's id {cid})")
    s_ciphers.setdefault(version, set()).add(cid)
s_groups = {g.get("id").upper().replace("0X", "0x") for g in test.findall("group")
            if g.get("sslversion") == "TLSv1.3" and g.get("id")}

order = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
diffs = []
if sorted(t_versions, key=order.index) != sorted(s_versions, key=order.index):
    diffs.append(f"accepted versions: tlscheck {t_versions}, sslscan {s_versions}")
for v in order:
    t, s = t_ciphers.get(v, set()), s_ciphers.get(v, set())
    if t != s:
        diffs.append(
            f"{v}: only tlscheck {sorted(t - s)}, only sslscan {sorted(s - t)}"
            f" (tlscheck {len(t)}, sslscan {len(s)})"
        )
if t_groups != s_groups:
    diffs.append(f"TLS 1.3 groups: only tlscheck {sorted(t_groups - s_groups)}, only sslscan {sorted(s_groups - t_groups)}")
for u in unmapped:
    print(f"{name}: note: {u} is not in openssl ciphers -V; used sslscan's id")
counts = ", ".join(f"{v} {len(t_ciphers.get(v, ()))}" for v in t_versions)
if diffs:
    print(f"!!!!!! {name}: tlscheck and sslscan DISAGREE:")
    for d in diffs:
        print(f"!!!!!!   {d}")
    sys.exit(1)
print(f"ok: {name}: tlscheck and sslscan agree: {counts} suites; TLS 1.3 groups {sorted(t_groups)}")
EOF
}

# --- 3. per server: agree, then time --------------------------------------------
disagreements=0
summary=()
for server in postgres mariadb; do
  if [ $server = postgres ]; then
    port=$pg_port proto=postgres testssl_proto=postgres
    starttls=(--starttls-psql)
  else
    port=$mariadb_port proto=mysql testssl_proto=mysql
    starttls=(--starttls-mysql)
  fi
  echo
  echo "=========== $server on 127.0.0.1:$port"
  tls_cmd=("$tlscheck" scan "127.0.0.1:$port" --protocol "$proto" --json --color never)
  sslscan_cmd=(sslscan --no-colour "${starttls[@]}" "127.0.0.1:$port")
  # What tlscheck does not do: Heartbleed, renegotiation, compression,
  # fallback SCSV, the certificate's weaknesses.
  sslscan_lean=(sslscan --no-colour --no-heartbleed --no-renegotiation --no-compression --no-fallback
    --no-check-certificate "${starttls[@]}" "127.0.0.1:$port")

  echo "== same findings?"
  set +e
  "${tls_cmd[@]}" >"$work/$server-tlscheck.json" 2>"$work/$server-tlscheck.err"
  code=$?
  set -e
  echo "tlscheck exit $code: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"])' \
    "$work/$server-tlscheck.json" 2>/dev/null || head -c 300 "$work/$server-tlscheck.err")"
  # (sslscan reads options before the target only)
  sslscan --no-colour "${starttls[@]}" --xml="$work/$server-sslscan.xml" "127.0.0.1:$port" \
    >"$work/$server-sslscan.txt" 2>&1 ||
    { echo "bench: sslscan failed:" >&2; tail -n 20 "$work/$server-sslscan.txt" >&2; exit 1; }
  if ! compare "$server" "$work/$server-tlscheck.json" "$work/$server-sslscan.xml"; then
    disagreements=$((disagreements + 1))
    echo "!!!!!! sslscan's own words:"
    grep -E '^(SSLv|TLSv|Preferred|Accepted)' "$work/$server-sslscan.txt" | sed 's/^/!!!!!!   /'
  fi

  echo "== timing (tlscheck scan, sslscan default, sslscan without the checks tlscheck does not make)"
  out=$(python3 bench/timing.py medians "$runs" \
    tlscheck "$(printf '%q ' "${tls_cmd[@]}")" \
    sslscan "$(printf '%q ' "${sslscan_cmd[@]}")" \
    sslscan-lean "$(printf '%q ' "${sslscan_lean[@]}")")
  printf '%s\n' "$out" | grep -v '^medians '
  read -r t_ms s_ms l_ms < <(printf '%s\n' "$out" | sed -n 's/^medians tlscheck=\([0-9.]*\) sslscan=\([0-9.]*\) sslscan-lean=\([0-9.]*\)$/\1 \2 \3/p')

  # The server's own floor: as many bare connections as the scan made (the
  # upgrade request or the greeting only, no TLS), 8 at a time as tlscheck.
  # PostgreSQL forks a backend for each, serially in its postmaster.
  python3 - "$port" "$proto" "$work/$server-tlscheck.json" <<'EOF'
import json, socket, statistics, struct, sys, time
from concurrent.futures import ThreadPoolExecutor
port, proto, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
n = json.load(open(path)).get("connections") or 0
def one(_):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        if proto == "postgres":
            s.sendall(struct.pack("!ii", 8, 80877103))  # SSLRequest
            s.recv(1)
        else:
            s.recv(4)  # the greeting's header
times = []
for _ in range(5):
    t = time.perf_counter()
    with ThreadPoolExecutor(8) as ex:
        list(ex.map(one, range(n)))
    times.append((time.perf_counter() - t) * 1000)
print(f"server floor: {n} bare connections (no TLS, 8 at a time) take {statistics.median(times):.1f} ms"
      f" (median of 5); tlscheck scan made {n}")
EOF

  x_ms=""
  if [ "${BENCH_TESTSSL:-1}" != 0 ]; then
    echo "== testssl.sh default run, once ($testssl --starttls $testssl_proto; ~100 s)"
    start=$(date +%s%N)
    set +e
    "$testssl" --nodns none --warnings batch --quiet --color 0 --starttls "$testssl_proto" \
      "127.0.0.1:$port" >"$work/$server-testssl.txt" 2>&1 </dev/null
    tcode=$?
    set -e
    x_ms=$(( ($(date +%s%N) - start) / 1000000 ))
    echo "testssl.sh: ${x_ms} ms (exit $tcode)"
  fi

  line=$(python3 - "$server" "$t_ms" "$s_ms" "$l_ms" "$x_ms" <<'EOF'
import sys
name, t, s, l, x = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
def met(ok):
    return "met" if ok else "NOT met"
parts = [
    f"{name}: tlscheck {t:.1f} ms",
    f"sslscan {s:.1f} ms ({s / t:.1f}x; target >= 5x: {met(s / t >= 5)})",
    f"sslscan-lean {l:.1f} ms ({l / t:.1f}x)",
]
if x:
    x = float(x)
    parts.append(f"testssl.sh {x / 1000:.1f} s ({x / t:.0f}x; target >= 100x: {met(x / t >= 100)})")
print("; ".join(parts))
EOF
)
  echo "$line"
  summary+=("$line")
done

echo
echo "=========== summary (median wall time per run; ratio = other / tlscheck)"
printf '%s\n' "${summary[@]}"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
if [ "$disagreements" -gt 0 ]; then
  echo "!!!!!! tlscheck and sslscan disagreed on $disagreements server(s): see above" >&2
  exit 1
fi
