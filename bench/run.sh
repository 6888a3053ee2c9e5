#!/usr/bin/env bash
# Benchmark: `tlscheck connect` against `openssl s_client -starttls postgres`
# on a throw-away PostgreSQL with TLS on an ephemeral 127.0.0.1 port.
#
# The server has ssl_ca_file set, as many production servers do (for
# client certificates, hostssl ... cert): it then sends a CertificateRequest
# on every connection, and neither client presents a certificate.
#
# Usage (from the repo root):  bash bench/run.sh
#   BENCH_RUNS=N            timed runs of each command (default 30)
#   BENCH_TLSCHECK=PATH     time this tlscheck binary instead of building
#                           target/release/tlscheck (to compare variants)
#   BENCH_CA_FILE=0         no ssl_ca_file (no CertificateRequest)
#
# Needs: cargo, openssl, python3, PostgreSQL server binaries
# (/usr/lib/postgresql/*/bin). Only 127.0.0.1 is contacted. Prints median and
# p90 wall time of each, the median ratio tlscheck/openssl against the target
# (<= 1.0), tlscheck's max RSS, and tlscheck's own phase timings.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
repo=$(pwd)

read_runs 30
ca_file=${BENCH_CA_FILE:-1}
case $ca_file in
  0 | 1) ;;
  *) echo "bench: BENCH_CA_FILE must be 0 or 1, not '$ca_file'" >&2; exit 2 ;;
esac
need_tools cargo openssl python3
# libpq / tlscheck settings from the caller's environment must not leak in.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^PG' || true)

# --- 1. build ----------------------------------------------------------------
build_tlscheck

# --- 2. PostgreSQL with TLS -------------------------------------------------
find_postgres

make_work tlscheck-bench

echo "== certificates (EC P-256: root -> intermediate -> leaf for localhost, 127.0.0.1)"
pki="$work/pki"
make_pki "$pki"
root_pem="$pki/root.pem"

pg_ca_file=""
if [ "$ca_file" = 1 ]; then
  # A CA for client certificates, apart from the server's own PKI.
  ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/client-ca.key"
  ossl req -new -x509 -key "$pki/client-ca.key" -subj "/CN=tlscheck bench client CA" -days 2 \
    -out "$pki/client-ca.pem"
  pg_ca_file="$pki/client-ca.pem"
fi

echo "== PostgreSQL ($pgbin${pg_ca_file:+, ssl_ca_file set})"
start_postgres "$work" "$pki/server-chain.pem" "$pki/leaf.key"
port=$pg_port

# --- 3. the two commands ------------------------------------------------------
# An ephemeral port is no database default (tlscheck would speak plain TLS and
# fail), so tlscheck is told the protocol.
tls_cmd=("$tlscheck" connect "127.0.0.1:$port" --protocol postgres --ca-file "$root_pem"
  --mode verify-full --color never)
ossl_cmd=(openssl s_client -starttls postgres -connect "127.0.0.1:$port" -CAfile "$root_pem"
  -verify_return_error -verify_hostname localhost)

# --- 4. timing ----------------------------------------------------------------
# What the server asked for, and how long tlscheck's read after the
# handshake could wait and why (facts.tls.after_handshake_wait).
"${tls_cmd[@]}" --json | python3 -c '
import json, sys
tls = json.load(sys.stdin)["facts"]["tls"]
w = tls.get("after_handshake_wait")
why = ("%s, budget %.1f ms (rtt %.2f ms)" % (w["reason"], w["budget_ms"], w["rtt_ms"])
       if w else "(not recorded by this binary)")
print("==", tls.get("version"), "CertificateRequest:", "yes" if tls.get("client_certificate_request") else "no",
      "| after-handshake read:", why)
' || true
check_and_time "$runs"

if command -v hyperfine >/dev/null; then
  echo "== hyperfine (for comparison)"
  hyperfine -N --warmup 3 --runs "$runs" --style basic -n tlscheck "$tls_str" -n openssl "$ossl_str"
fi

echo "== max RSS (one run each)"
if /usr/bin/time -v true >/dev/null 2>&1; then
  for name in tlscheck openssl; do
    if [ $name = tlscheck ]; then cmd=("${tls_cmd[@]}"); else cmd=("${ossl_cmd[@]}"); fi
    rss=$(/usr/bin/time -v "${cmd[@]}" 2>&1 >/dev/null </dev/null |
      awk -F': ' '/Maximum resident set size/ {print $2}')
    printf '%-8s max RSS: %s KiB (/usr/bin/time -v)\n' "$name" "$rss"
  done
else
  echo "tlscheck max RSS: <= $(python3 "$repo/bench/timing.py" maxrss "$tls_str") KiB" \
    "(wait4 rusage; an upper bound, see bench/timing.py)"
fi

echo "== where tlscheck's time goes"
python3 "$repo/bench/timing.py" phases 9 "$tls_str --json"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (other work on the machine widens the spread)"
