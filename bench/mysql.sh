#!/usr/bin/env bash
# Benchmark: `tlscheck connect --protocol mysql` against
# `openssl s_client -starttls mysql` on a throw-away MariaDB with TLS on an
# ephemeral 127.0.0.1 port.
#
# Usage (from the repo root):  bash bench/mysql.sh
#   BENCH_RUNS=N  timed runs of each command (default 30)
#
# Needs: cargo, openssl, python3, MariaDB server binaries (mariadbd,
# mariadb-install-db: apt-get install -y mariadb-server). Only 127.0.0.1 is
# contacted. Prints, through bench/timing.py as bench/run.sh does, the median
# wall time of each, the median of the per-pair ratios tlscheck/openssl
# against the target (<= 1.0), tlscheck's phases, and what the checks left
# in MariaDB's error log.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
repo=$(pwd)

read_runs 30
need_tools cargo openssl python3
find_mariadb

# --- 1. build ----------------------------------------------------------------
echo "== cargo build --release"
cargo build --release
tlscheck="$repo/target/release/tlscheck"

# --- 2. MariaDB with TLS ------------------------------------------------------
make_work tlscheck-bench-mysql

echo "== certificates (EC P-256: root -> intermediate -> leaf for localhost, 127.0.0.1)"
pki="$work/pki"
make_pki "$pki"
root_pem="$pki/root.pem"

echo "== MariaDB ($("$mariadbd" --version))"
start_mariadb "$work" "$pki/server-chain.pem" "$pki/leaf.key"
port=$mariadb_port

# --- 3. the two commands ------------------------------------------------------
# An ephemeral port is no database default, so tlscheck is told the protocol.
# Both verify the chain against root.pem and the address against the leaf.
tls_cmd=("$tlscheck" connect "127.0.0.1:$port" --protocol mysql --ca-file "$root_pem"
  --mode verify-full --color never)
ossl_cmd=(openssl s_client -starttls mysql -connect "127.0.0.1:$port" -CAfile "$root_pem"
  -verify_return_error -verify_ip 127.0.0.1)

# --- 4. timing ----------------------------------------------------------------
check_and_time "$runs"

echo "== where tlscheck's time goes"
python3 "$repo/bench/timing.py" phases 9 "$tls_str --json"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (other work on the machine widens the spread)"

echo "== what the checks left in MariaDB's error log"
grep -c 'closed normally without authentication' "$mariadb_log" |
  sed 's/^/"closed normally without authentication" warnings: /'
grep -E '\[(ERROR|Warning)\]' "$mariadb_log" |
  grep -v -e 'closed normally without authentication' -e max_open_files || echo "nothing else"
