#!/usr/bin/env bash
# Benchmark: one `tlscheck connect --targets FILE` run over many loopback
# endpoints, against the same checks made as one `tlscheck connect` process
# each.
#
# Usage (from the repo root):  bash bench/fleet.sh
#   BENCH_ENDPOINTS=N       endpoints (default 1000): half PostgreSQL
#                           (SSLRequest, then TLS), half plain TLS, served by
#                           bench/fleet_responder.py in one asyncio process
#   BENCH_JOBS=N            --jobs of the fleet run (default: tlscheck's, 32)
#   BENCH_TLSCHECK=PATH     time this tlscheck binary instead of building
#                           target/release/tlscheck
#
# Prints the wall time, checks per second and peak RSS (/usr/bin/time -v) of
# the one run and of the loop, and the ratio of their wall times (the
# issue's goal: the one run at most 0.3x the loop, peak RSS <= 64 MiB).
# Both verify every chain against the bench CA (--ca-file); the one run must
# pass every endpoint or the bench stops.
#
# Needs: cargo, openssl, python3 (3.11+), GNU time (/usr/bin/time). Only
# 127.0.0.1 is contacted.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

n=${BENCH_ENDPOINTS:-1000}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_ENDPOINTS must be a positive integer" >&2; exit 2; }
need_tools openssl python3 /usr/bin/time
build_tlscheck

work=$(mktemp -d)
responder=
cleanup() {
  [ -n "$responder" ] && kill "$responder" 2>/dev/null || true
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

printf '\n%-28s %10s %14s %14s\n' "" "wall (s)" "checks/s" "peak RSS (MiB)"
printf '%-28s %10.2f %14.0f %14.1f\n' "one run ($n targets)" "$one_wall" "$(echo "$n / $one_wall" | bc -l)" "$(echo "$one_rss / 1024" | bc -l)"
printf '%-28s %10.2f %14.0f %14.1f\n' "loop ($n processes)" "$loop_wall" "$(echo "$n / $loop_wall" | bc -l)" "$(echo "$loop_rss / 1024" | bc -l)"
printf '\none run / loop wall time: %.3f (goal <= 0.3)\n' "$(echo "$one_wall / $loop_wall" | bc -l)"
printf 'one run peak RSS: %.1f MiB (goal <= 64)\n' "$(echo "$one_rss / 1024" | bc -l)"
