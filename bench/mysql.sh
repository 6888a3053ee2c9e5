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

runs=${BENCH_RUNS:-30}
if ! [[ $runs =~ ^[1-9][0-9]*$ ]]; then
  echo "bench: BENCH_RUNS must be a positive integer, not '$runs'" >&2
  exit 2
fi
for tool in cargo openssl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found" >&2; exit 1; }
done
mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
install_db=$(command -v mariadb-install-db || echo /usr/bin/mariadb-install-db)
if [ ! -x "$mariadbd" ] || [ ! -x "$install_db" ]; then
  echo "bench: MariaDB server binaries not found (mariadbd, mariadb-install-db);" \
    "install them with: apt-get install -y mariadb-server" >&2
  exit 1
fi

# --- 1. build ----------------------------------------------------------------
echo "== cargo build --release"
cargo build --release
tlscheck="$repo/target/release/tlscheck"

# --- 2. MariaDB with TLS ------------------------------------------------------
work=$(mktemp -d /tmp/tlscheck-bench-mysql.XXXXXX)
data="$work/data"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== certificates (EC P-256: root -> intermediate -> leaf for localhost, 127.0.0.1)"
pki="$work/pki"
make_pki "$pki"
root_pem="$pki/root.pem"

echo "== MariaDB ($("$mariadbd" --version))"
as_root=()
if [ "$(id -u)" -eq 0 ]; then as_root=(--user=root); fi
mkdir -p "$work/tmp"
(cd "$work" && LC_ALL=C "$install_db" --no-defaults --datadir="$data" --tmpdir="$work/tmp" "${as_root[@]}" \
  --auth-root-authentication-method=normal --skip-test-db >"$work/install.log" 2>&1) ||
  { cat "$work/install.log" >&2; exit 1; }

port=""
for attempt in 1 2 3 4 5; do
  try=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  : >"$work/error.log"
  (cd "$work" && exec env LC_ALL=C "$mariadbd" --no-defaults "${as_root[@]}" --datadir="$data" \
    --tmpdir="$work/tmp" --socket="$work/mysqld.sock" --pid-file="$work/mysqld.pid" --log-error="$work/error.log" \
    --port="$try" --bind-address=127.0.0.1 --skip-networking=0 --skip-name-resolve \
    --skip-log-bin --ssl-cert="$pki/server-chain.pem" --ssl-key="$pki/leaf.key" \
    </dev/null >/dev/null 2>&1) &
  pid=$!
  # Ready when it greets.
  if python3 - "$try" "$pid" <<'EOF'
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
deadline = time.time() + 60
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            if s.recv(5)[4:5] == b"\x0a":
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.05)
sys.exit(1)
EOF
  then
    port=$try
    break
  fi
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
  if ! grep -qE 'Bind on TCP/IP port|in use' "$work/error.log" 2>/dev/null; then break; fi
done
if [ -z "$port" ]; then
  echo "bench: could not start MariaDB; tail of its log:" >&2
  tail -n 30 "$work/error.log" >&2 || true
  exit 1
fi
echo "listening on 127.0.0.1:$port"

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
grep -c 'closed normally without authentication' "$work/error.log" |
  sed 's/^/"closed normally without authentication" warnings: /'
grep -E '\[(ERROR|Warning)\]' "$work/error.log" |
  grep -v -e 'closed normally without authentication' -e max_open_files || echo "nothing else"
