#!/usr/bin/env bash
# Benchmark: one `tlscheck connect --targets FILE` run over many loopback
# endpoints, against the same checks made as one `tlscheck connect` process
# each, and against sslyze (the mass scanner users would pick instead) with
# `--targets_in FILE --certinfo` on the same endpoints.
#
# Usage (from the repo root):  bash bench/fleet.sh
#   BENCH_ENDPOINTS=N       endpoints (default 1000): half PostgreSQL
#                           (SSLRequest, then TLS), half plain TLS, served by
#                           bench/fleet_responder.py in one asyncio process
#   BENCH_JOBS=N            --jobs of the fleet run (default: tlscheck's, 32)
#   BENCH_TLSCHECK=PATH     time this tlscheck binary instead of building
#                           target/release/tlscheck
#   BENCH_SSLYZE=0          skip the sslyze comparison
#   BENCH_SSLYZE_VENV=DIR   the venv holding sslyze (default
#                           target/bench-venv/sslyze-VERSION, made with pip
#                           from PyPI on first use and kept)
#
# Prints the wall time, checks per second and peak RSS (/usr/bin/time -v) of
# the one run and of the loop, and the ratio of their wall times (the
# issue's goal: the one run at most 0.3x the loop, peak RSS <= 64 MiB).
# Both verify every chain against the bench CA (--ca-file); the one run must
# pass every endpoint or the bench stops.
#
# sslyze's --starttls applies to every target of a run (a targets file is
# host:port lines only), so it takes two runs: the plain-TLS half, and the
# PostgreSQL half with --starttls postgres. Both add --certinfo_ca_file with
# the bench CA, so that sslyze verifies the chains tlscheck verifies (it also
# checks them against its bundled stores, as it always does). tlscheck runs on
# exactly each half too, and the ratios tlscheck/sslyze are printed per half
# and for the whole set (the one run against sslyze's two; goal <= 0.1).
# Every sslyze result must be COMPLETED with the chain valid against the
# bench CA, or the bench stops.
#
# Needs: cargo, openssl, python3 (3.11+), GNU time (/usr/bin/time), bc; for
# sslyze, python3 -m venv and PyPI on first use. Only 127.0.0.1 is contacted.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

n=${BENCH_ENDPOINTS:-1000}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_ENDPOINTS must be a positive integer" >&2; exit 2; }
need_tools openssl python3 /usr/bin/time bc
sslyze_version=6.3.1
sslyze=
if [ "${BENCH_SSLYZE:-1}" != 0 ]; then
  venv=${BENCH_SSLYZE_VENV:-target/bench-venv/sslyze-$sslyze_version}
  if [ ! -x "$venv/bin/sslyze" ]; then
    echo "== pip install sslyze==$sslyze_version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "sslyze==$sslyze_version"
  fi
  sslyze=$(realpath "$venv/bin/sslyze")
  echo "== $("$sslyze" --help | grep -m1 'SSLyze version')"
fi
build_tlscheck

work=$(mktemp -d)
responder=
cleanup() {
  if [ -n "$responder" ]; then kill "$responder" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

pki="$work/pki"
make_pki "$pki"

# More descriptors than endpoints plus the checks' own.
ulimit -n "$(( n * 2 + 256 ))" 2>/dev/null || ulimit -n 4096

python3 bench/fleet_responder.py "$n" "$pki/server-chain.pem" "$pki/leaf.key" "$work/targets.txt" \
  >"$work/responder.log" 2>&1 &
responder=$!
for _ in $(seq 1 100); do
  grep -q ready "$work/responder.log" 2>/dev/null && break
  sleep 0.1
done
grep -q ready "$work/responder.log" || { cat "$work/responder.log" >&2; exit 1; }
echo "== $n endpoints on 127.0.0.1 ($(grep -c '^postgres' "$work/targets.txt") PostgreSQL, $(grep -c '^tls' "$work/targets.txt") TLS)"

jobs=()
[ -n "${BENCH_JOBS:-}" ] && jobs=(--jobs "$BENCH_JOBS")

# peak_kib FILE: the "Maximum resident set size" GNU time wrote to FILE.
peak_kib() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }

# timed NAME CMD...: run CMD under GNU time, its stdout and stderr in
# $work/NAME.out and .err; set t_wall (s), t_rss (KiB) and t_code.
timed() {
  local name=$1 start end
  shift
  start=$(date +%s.%N)
  set +e
  /usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err"
  t_code=$?
  set -e
  end=$(date +%s.%N)
  t_wall=$(echo "$end - $start" | bc -l)
  t_rss=$(peak_kib "$work/$name.time")
}

# tlscheck_on NAME FILE: tlscheck's one run over the targets in FILE, as
# above; stop unless every target passes.
tlscheck_on() {
  timed "$1" "$tlscheck" connect --targets "$2" --ca-file "$pki/root.pem" --format jsonl \
    --output "$work/$1.jsonl" --quiet "${jobs[@]}"
  if [ "$t_code" -ne 0 ]; then
    echo "bench: tlscheck on $2 exits $t_code, not 0:" >&2
    head -20 "$work/$1.out" "$work/$1.err" >&2
    exit 1
  fi
}

# sslyze_on NAME FILE [ARG...]: sslyze --targets_in FILE --certinfo with the
# bench CA and the ARGs; stop unless every target's scan completed with the
# chain valid against the bench CA.
sslyze_on() {
  local name=$1 file=$2
  shift 2
  timed "$name" "$sslyze" --targets_in "$file" --certinfo --certinfo_ca_file "$pki/root.pem" \
    --json_out "$work/$name.json" --quiet "$@"
  if [ "$t_code" -ne 0 ] || ! python3 - "$work/$name.json" "$(wc -l <"$file")" <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))["server_scan_results"]
ok = 0
for r in results:
    cert = (r.get("scan_result") or {}).get("certificate_info") or {}
    deployments = (cert.get("result") or {}).get("certificate_deployments") or []
    bench_ca = [
        p["was_validation_successful"]
        for d in deployments
        for p in d["path_validation_results"]
        if p["trust_store"]["name"] == "Supplied CA file"
    ]
    if r["scan_status"] == "COMPLETED" and cert.get("status") == "COMPLETED" and bench_ca and all(bench_ca):
        ok += 1
print(f"{ok} of {sys.argv[2]} targets scanned, chain valid against the bench CA")
sys.exit(0 if ok == int(sys.argv[2]) else 1)
EOF
  then
    echo "bench: sslyze on $file (exit $t_code) did not complete every target:" >&2
    tail -20 "$work/$name.out" "$work/$name.err" >&2
    exit 1
  fi
}

echo "== one run: tlscheck connect --targets FILE --ca-file CA ${jobs[*]}"
start=$(date +%s.%N)
set +e
/usr/bin/time -v -o "$work/one.time" "$tlscheck" connect --targets "$work/targets.txt" \
  --ca-file "$pki/root.pem" --format jsonl --output "$work/one.jsonl" --quiet "${jobs[@]}" \
  >"$work/one.txt" 2>"$work/one.err"
code=$?
set -e
end=$(date +%s.%N)
one_wall=$(echo "$end - $start" | bc -l)
tail -1 "$work/one.txt"
if [ "$code" -ne 0 ]; then
  echo "bench: the one run exits $code, not 0:" >&2
  head -20 "$work/one.txt" "$work/one.err" >&2
  exit 1
fi
one_rss=$(peak_kib "$work/one.time")

echo "== loop: one tlscheck connect process per endpoint"
loop_rss=0
start=$(date +%s.%N)
while read -r t; do
  /usr/bin/time -v -o "$work/loop.time" "$tlscheck" connect "$t" --ca-file "$pki/root.pem" --json \
    >/dev/null 2>&1 || true
  r=$(peak_kib "$work/loop.time")
  [ "$r" -gt "$loop_rss" ] && loop_rss=$r
done <"$work/targets.txt"
end=$(date +%s.%N)
loop_wall=$(echo "$end - $start" | bc -l)


if [ -n "$sslyze" ]; then
  # The same endpoints, split by kind; host:port lines for sslyze.
  grep '^tls://' "$work/targets.txt" >"$work/tls-targets.txt"
  grep '^postgres://' "$work/targets.txt" >"$work/pg-targets.txt"
  sed -E 's#^[a-z]+://##; s#/$##' "$work/tls-targets.txt" >"$work/tls-sslyze.txt"
  sed -E 's#^[a-z]+://##; s#/$##' "$work/pg-targets.txt" >"$work/pg-sslyze.txt"
  n_tls=$(wc -l <"$work/tls-targets.txt")
  n_pg=$(wc -l <"$work/pg-targets.txt")

  echo "== tlscheck and sslyze --certinfo on the $n_tls plain-TLS endpoints"
  tlscheck_on tc-tls "$work/tls-targets.txt"
  tc_tls_wall=$t_wall tc_tls_rss=$t_rss
  sslyze_on sz-tls "$work/tls-sslyze.txt"
  sz_tls_wall=$t_wall sz_tls_rss=$t_rss
  echo "== tlscheck and sslyze --certinfo --starttls postgres on the $n_pg PostgreSQL endpoints"
  tlscheck_on tc-pg "$work/pg-targets.txt"
  tc_pg_wall=$t_wall tc_pg_rss=$t_rss
  sslyze_on sz-pg "$work/pg-sslyze.txt" --starttls postgres
  sz_pg_wall=$t_wall sz_pg_rss=$t_rss
  sz_wall=$(echo "$sz_tls_wall + $sz_pg_wall" | bc -l)
  sz_rss=$(( sz_tls_rss > sz_pg_rss ? sz_tls_rss : sz_pg_rss ))
fi

# row LABEL CHECKS WALL KIB: one line of the table.
row() {
  printf '%-38s %10.2f %14.0f %14.1f\n' "$1" "$3" "$(echo "$2 / $3" | bc -l)" "$(echo "$4 / 1024" | bc -l)"
}
printf '\n%-38s %10s %14s %14s\n' "" "wall (s)" "checks/s" "peak RSS (MiB)"
row "one run ($n targets)" "$n" "$one_wall" "$one_rss"
row "loop ($n processes)" "$n" "$loop_wall" "$loop_rss"
if [ -n "$sslyze" ]; then
  row "one run, TLS half ($n_tls)" "$n_tls" "$tc_tls_wall" "$tc_tls_rss"
  row "sslyze, TLS half ($n_tls)" "$n_tls" "$sz_tls_wall" "$sz_tls_rss"
  row "one run, PostgreSQL half ($n_pg)" "$n_pg" "$tc_pg_wall" "$tc_pg_rss"
  row "sslyze --starttls postgres ($n_pg)" "$n_pg" "$sz_pg_wall" "$sz_pg_rss"
  row "sslyze, both runs ($n)" "$n" "$sz_wall" "$sz_rss"
fi
printf '\none run / loop wall time: %.3f (goal <= 0.3)\n' "$(echo "$one_wall / $loop_wall" | bc -l)"
if [ -n "$sslyze" ]; then
  printf 'tlscheck / sslyze wall time: TLS half %.3f, PostgreSQL half %.3f, all %d endpoints %.3f (goal <= 0.1)\n' \
    "$(echo "$tc_tls_wall / $sz_tls_wall" | bc -l)" "$(echo "$tc_pg_wall / $sz_pg_wall" | bc -l)" "$n" \
    "$(echo "$one_wall / $sz_wall" | bc -l)"
fi
printf 'one run peak RSS: %.1f MiB (goal <= 64)\n' "$(echo "$one_rss / 1024" | bc -l)"
