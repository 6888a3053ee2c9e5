#!/usr/bin/env bash
# Soak: one long-lived process makes many checks through the library, and
# its open file descriptors, threads and RSS are sampled as it goes; they
# must stay flat, and no check may panic (issue #15, "Soak").
#
# Usage (from the repo root):  bash bench/soak.sh
#   SOAK_CHECKS=N      sequential checks (default 10000), each resolved and
#                      run as `tlscheck connect TARGET` runs it
#   SOAK_EVERY=N       a sample every N checks (default 500)
#   SOAK_RUNS=R        fleet runs after them (default 10), each over
#                      SOAK_ENDPOINTS endpoints as `connect --targets FILE`
#   SOAK_ENDPOINTS=N   endpoints of a fleet run (default 1000)
#
# The process is examples/soak.rs (cargo build --release --example soak).
# The checks go to: a real PostgreSQL with ssl_ca_file set (verify-full
# against the bench CA, and one with a --user login), the PostgreSQL and
# plain-TLS listeners of bench/fleet_responder.py, and endpoints that fail
# in different ways (bench/soak_responder.py): a certificate for another
# name, a closed port, a port that never answers (a short timeout), one that
# resets, one that answers HTTP. Every line states the exit code its check
# must give; another code counts as a failure, as a panic does.
#
# Prints a table of samples (check number, open FDs, threads, RSS and peak
# RSS in MiB) and a verdict per phase: FDs and threads at start, after the
# warm-up (the first tenth; two fleet runs) and at the end, and the RSS
# growth after the warm-up in KiB per 1,000 checks. Exits 1 on a panic, an
# unexpected exit code or a clear leak (more than 4 FDs or threads, or
# 512 KiB per 1,000 checks, after the warm-up).
#
# Needs: cargo, openssl, python3 (3.11+), PostgreSQL server binaries
# (/usr/lib/postgresql/*/bin). Only 127.0.0.1 is contacted.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

positive() {
  [[ ${!1:-} =~ ^[1-9][0-9]*$ ]] || { echo "bench: $1 must be a positive integer, not '${!1:-}'" >&2; exit 2; }
}
SOAK_CHECKS=${SOAK_CHECKS:-10000} SOAK_EVERY=${SOAK_EVERY:-500}
SOAK_RUNS=${SOAK_RUNS:-10} SOAK_ENDPOINTS=${SOAK_ENDPOINTS:-1000}
for v in SOAK_CHECKS SOAK_EVERY SOAK_RUNS SOAK_ENDPOINTS; do positive "$v"; done
need_tools cargo openssl python3
while read -r v; do unset "$v"; done < <(compgen -e | grep '^PG' || true)
find_postgres

echo "== cargo build --release --example soak"
cargo build --release --example soak
soak="$PWD/target/release/examples/soak"

make_work tlscheck-soak
pids=()
stop_servers() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_postgres
  rm -rf "$work"
}
trap stop_servers EXIT

pki="$work/pki"
make_pki "$pki"
# A leaf for a name no target uses: the host-name check fails.
cat >>"$pki/ext.cnf" <<'EOF'
[leaf_other]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.invalid
EOF
issue_leaf "$pki" other 5 leaf_other EC ec_paramgen_curve:P-256
cat "$pki/other.pem" "$pki/inter.pem" >"$pki/other-chain.pem"

echo "== PostgreSQL (ssl_ca_file set: a CertificateRequest on every connection)"
pg_ca_file="$pki/root.pem"
start_postgres "$work" "$pki/server-chain.pem" "$pki/leaf.key"

# More descriptors than a fleet run's endpoints plus the checks' own.
ulimit -n "$(( SOAK_ENDPOINTS * 2 + 256 ))" 2>/dev/null || ulimit -n 4096

# wait_ready LOG: until the responder writing LOG says "ready".
wait_ready() {
  for _ in $(seq 1 100); do
    grep -q ready "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$1" >&2
  exit 1
}
fleet_n=$(( SOAK_ENDPOINTS > 5 ? SOAK_ENDPOINTS - 5 : 1 ))
python3 bench/fleet_responder.py "$fleet_n" "$pki/server-chain.pem" "$pki/leaf.key" \
  "$work/fleet-targets.txt" >"$work/fleet.log" 2>&1 &
pids+=($!)
python3 bench/soak_responder.py "$pki/other-chain.pem" "$pki/other.key" "$work/failing.txt" \
  >"$work/failing.log" 2>&1 &
pids+=($!)
wait_ready "$work/fleet.log"
wait_ready "$work/failing.log"
port_of() { awk -v k="$1" '$1 == k {print $2}' "$work/failing.txt"; }
pg_resp=$(grep -m1 '^postgres' "$work/fleet-targets.txt")
tls_resp=$(grep -m1 '^tls' "$work/fleet-targets.txt")
h=127.0.0.1

# The failing endpoints, with the exit code each must give (1: the check
# fails, 3: unreachable).
failing=(
  "tls://$h:$(port_of wrong-name) expect=1"
  "$h:$(port_of closed) expect=3"
  "postgres://$h:$(port_of reset)/ expect=3"
  "postgres://$h:$(port_of garbage)/ expect=3"
  "tls://$h:$(port_of garbage) expect=3"
)
# The port that never answers costs its timeout: once a cycle, over TLS
# (a handshake that does not finish: the check fails) and over PostgreSQL
# (no answer to SSLRequest: unreachable) in turn.
silent=(
  "tls://$h:$(port_of silent) timeout=0.1 expect=1"
  "postgres://$h:$(port_of silent)/ timeout=0.1 expect=3"
)
# Two cycles of the sequential checks: the answering endpoints more often
# than the failing ones, as in real use.
for s in "${silent[@]}"; do
  for _ in 1 2 3; do echo "postgres://$h:$pg_port/ mode=verify-full expect=0"; done
  echo "postgres://$h:$pg_port/postgres mode=verify-full user=postgres expect=0"
  for _ in 1 2 3; do echo "$pg_resp expect=0"; echo "$tls_resp expect=0"; done
  printf '%s\n' "${failing[@]}" "$s"
done >"$work/seq.txt"
# A fleet run: the responder's endpoints, the real PostgreSQL, and one of
# each failing endpoint (distinct targets: a fleet run checks a target once).
{
  sed 's/$/ expect=0/' "$work/fleet-targets.txt"
  echo "postgres://$h:$pg_port/ mode=verify-full expect=0"
  printf '%s\n' "${failing[@]}" "${silent[@]}"
} >"$work/fleet.txt"

echo "== $soak: $SOAK_CHECKS sequential checks over $(wc -l <"$work/seq.txt") targets in turn," \
  "then $SOAK_RUNS fleet runs of $(wc -l <"$work/fleet.txt") endpoints"
set +e
"$soak" "$work/seq.txt" "$work/fleet.txt" --ca-file "$pki/root.pem" --timeout 5 \
  --checks "$SOAK_CHECKS" --every "$SOAK_EVERY" --runs "$SOAK_RUNS" 2>"$work/soak.err"
code=$?
set -e
if [ "$code" -ne 0 ]; then
  echo "bench: the soak exits $code (1: a leak, a panic or an unexpected exit code; 101: a panic outside a check):" >&2
  grep -v '^$' "$work/soak.err" | sort | uniq -c | sort -rn | head -20 >&2
  exit 1
fi
echo "soak: no leak, no panic"
