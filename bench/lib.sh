# shellcheck shell=bash
# Shared by the benchmark scripts.

# read_runs DEFAULT: set runs from BENCH_RUNS (DEFAULT when unset); exit 2
# when it is not a positive integer, before anything is built or started.
read_runs() {
  runs=${BENCH_RUNS:-$1}
  if ! [[ $runs =~ ^[1-9][0-9]*$ ]]; then
    echo "bench: BENCH_RUNS must be a positive integer, not '$runs'" >&2
    exit 2
  fi
}

# need_tools TOOL...: exit 1 naming the first TOOL that is not on PATH.
need_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool not found" >&2; exit 1; }
  done
}

# build_tlscheck: set tlscheck to the binary to time, run from the repo
# root: BENCH_TLSCHECK when set (to compare variants without a build), else
# target/release/tlscheck after cargo build --release.
build_tlscheck() {
  if [ -n "${BENCH_TLSCHECK:-}" ]; then
    tlscheck=$(realpath "$BENCH_TLSCHECK")
    [ -x "$tlscheck" ] || { echo "bench: BENCH_TLSCHECK=$BENCH_TLSCHECK is not executable" >&2; exit 1; }
    echo "== using $tlscheck (BENCH_TLSCHECK; no build)"
  else
    echo "== cargo build --release"
    cargo build --release
    tlscheck="$PWD/target/release/tlscheck"
  fi
}

# A throw-away PKI made with openssl.
# make_pki DIR: root -> intermediate -> leaf for localhost and 127.0.0.1
# (EC P-256), with DIR/server-chain.pem = leaf + intermediate.
make_pki() {
  local pki=$1
  mkdir -p "$pki"
  cat >"$pki/ext.cnf" <<'EOF'
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[inter]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
  local name
  for name in root inter; do
    ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$name.key"
  done
  ossl req -new -key "$pki/root.key" -subj "/CN=tlscheck bench root" -out "$pki/root.csr"
  ossl x509 -req -in "$pki/root.csr" -signkey "$pki/root.key" -sha256 -days 2 -set_serial 1 \
    -extfile "$pki/ext.cnf" -extensions root -out "$pki/root.pem"
  ossl req -new -key "$pki/inter.key" -subj "/CN=tlscheck bench intermediate" -out "$pki/inter.csr"
  ossl x509 -req -in "$pki/inter.csr" -CA "$pki/root.pem" -CAkey "$pki/root.key" -sha256 -days 2 \
    -set_serial 2 -extfile "$pki/ext.cnf" -extensions inter -out "$pki/inter.pem"
  issue_leaf "$pki" leaf 3 leaf EC ec_paramgen_curve:P-256
  cat "$pki/leaf.pem" "$pki/inter.pem" >"$pki/server-chain.pem"
}

# ossl ARGS...: openssl ARGS, its chatter on stderr shown only when it fails
# (kept in $pki, the calling function's directory).
ossl() { openssl "$@" 2>"$pki/openssl.err" || { cat "$pki/openssl.err" >&2; return 1; }; }

# issue_leaf DIR NAME SERIAL SECTION KEYALG KEYOPT: DIR/NAME.key (a new
# KEYALG key, with KEYOPT as -pkeyopt) and DIR/NAME.pem, CN=localhost with
# ext.cnf's SECTION, signed by DIR's intermediate and verified up to its root.
issue_leaf() {
  local pki=$1 name=$2 serial=$3 section=$4
  ossl genpkey -algorithm "$5" -pkeyopt "$6" -out "$pki/$name.key"
  ossl req -new -key "$pki/$name.key" -subj "/CN=localhost" -out "$pki/$name.csr"
  ossl x509 -req -in "$pki/$name.csr" -CA "$pki/inter.pem" -CAkey "$pki/inter.key" -sha256 -days 2 \
    -set_serial "$serial" -extfile "$pki/ext.cnf" -extensions "$section" -out "$pki/$name.pem"
  ossl verify -CAfile "$pki/root.pem" -untrusted "$pki/inter.pem" "$pki/$name.pem" >/dev/null
}

# check_and_time RUNS: run tls_cmd and ossl_cmd (arrays set by the caller)
# once each and stop if either fails, then time them alternately through
# bench/timing.py (medians and the median of the per-pair ratios).
# shellcheck disable=SC2154 # tls_cmd and ossl_cmd are the caller's
check_and_time() {
  local runs=$1 out
  echo "== checking that both commands succeed"
  if ! out=$("${tls_cmd[@]}" 2>&1); then
    echo "bench: tlscheck failed:" >&2
    printf '%s\n' "$out" >&2
    exit 1
  fi
  if ! out=$("${ossl_cmd[@]}" </dev/null 2>&1); then
    echo "bench: openssl s_client failed:" >&2
    printf '%s\n' "$out" | tail -n 30 >&2
    exit 1
  fi
  echo "ok: tlscheck passes verify-full; openssl verifies ($(printf '%s\n' "$out" | grep -m1 -oE 'New, TLSv[0-9.]+, Cipher is [A-Z0-9_-]+' || echo '?'))"
  tls_str=$(printf '%q ' "${tls_cmd[@]}")
  ossl_str=$(printf '%q ' "${ossl_cmd[@]}")
  echo "== timing"
  python3 bench/timing.py compare "$runs" tlscheck "$tls_str" openssl "$ossl_str"
}

# make_rsa_leaf DIR: after make_pki DIR, an RSA 2048 leaf for localhost and
# 127.0.0.1 signed by DIR's intermediate: DIR/leaf-rsa.{key,pem} and
# DIR/server-chain-rsa.pem. The suites with RSA key exchange or RSA
# authentication, all of TLS 1.0/1.1 in practice, need an RSA key.
make_rsa_leaf() {
  local pki=$1
  cat >>"$pki/ext.cnf" <<'EOF2'
[leaf_rsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF2
  issue_leaf "$pki" leaf-rsa 4 leaf_rsa RSA rsa_keygen_bits:2048
  cat "$pki/leaf-rsa.pem" "$pki/inter.pem" >"$pki/server-chain-rsa.pem"
}

# free_port: a port on 127.0.0.1 that nothing listened on a moment ago. A
# server may still lose it to someone else before it binds: the start_*
# functions below try again with another then.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# make_work PREFIX: set work to a new /tmp/PREFIX.XXXXXX and have it removed
# on exit, with whatever start_postgres or start_mariadb started in it
# stopped first; on SIGINT or SIGTERM too, with exit 130 or 143 as a shell
# would give.
make_work() {
  work=$(mktemp -d "/tmp/$1.XXXXXX")
  trap 'stop_postgres; stop_mariadb; rm -rf "$work"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# --- a throw-away PostgreSQL ---------------------------------------------------
# find_postgres: set pgbin to the newest /usr/lib/postgresql/*/bin and as_pg
# to the command prefix that runs a program as the postgres user (initdb and
# postgres refuse to run as root; empty when not root). Exits 1, saying what
# to install, when either is missing.
find_postgres() {
  # shellcheck disable=SC2012 # Debian's own paths, and sort -V wants one a line
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
    echo "bench: PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin;" \
      "install them with: apt-get install -y postgresql" >&2
    exit 1
  fi
  as_pg=()
  if [ "$(id -u)" -eq 0 ]; then
    id -u postgres >/dev/null 2>&1 || {
      echo "bench: running as root, so PostgreSQL must run as the 'postgres' user, which does not exist" \
        "(apt-get install -y postgresql creates it)" >&2
      exit 1
    }
    as_pg=(runuser -u postgres --)
  fi
}

# pg_run PROGRAM ARGS...: $pgbin/PROGRAM as the postgres user, from a
# directory that user may enter (runuser keeps the caller's, which it may not).
pg_run() { (cd "$pg_dir" && LC_ALL=C "${as_pg[@]}" "$pgbin/$1" "${@:2}"); }

# start_postgres DIR CERT KEY [CONF_LINE...]: after find_postgres, initdb
# DIR/data and start it with TLS (CERT: the chain to serve, KEY: its key)
# on an ephemeral 127.0.0.1 port, with the CONF_LINEs (e.g.
# "ssl_ciphers = 'HIGH'") added to postgresql.conf. When pg_ca_file names a
# PEM file, it is copied in and set as ssl_ca_file: the server then sends a
# CertificateRequest on every connection, as many production servers do.
# Sets pg_port; stop it with stop_postgres (from the caller's EXIT trap).
# DIR is handed to the postgres user when running as root, and every
# directory above it must let that user through. Exits 1 with the log's
# tail when it cannot start.
pg_dir="" pg_data="" pg_port="" pg_ca_file="${pg_ca_file:-}"
start_postgres() {
  local cert=$2 key=$3 attempt try
  pg_dir=$1
  shift 3
  # Set before initdb, so that stop_postgres finds a server that pg_ctl
  # gave up waiting for.
  pg_data="$pg_dir/data"
  mkdir -p "$pg_dir"
  if [ ${#as_pg[@]} -gt 0 ]; then chown postgres: "$pg_dir"; fi
  pg_run initdb -D "$pg_data" -A trust -U postgres --no-sync -E UTF8 --locale=C >"$pg_dir/initdb.log" 2>&1 ||
    { cat "$pg_dir/initdb.log" >&2; exit 1; }
  cp "$cert" "$pg_data/server.crt"
  install -m 0600 "$key" "$pg_data/server.key"
  if [ ${#as_pg[@]} -gt 0 ]; then chown postgres: "$pg_data/server.crt" "$pg_data/server.key"; fi
  if [ -n "$pg_ca_file" ]; then
    cp "$pg_ca_file" "$pg_data/root.crt"
    if [ ${#as_pg[@]} -gt 0 ]; then chown postgres: "$pg_data/root.crt"; fi
    set -- "ssl_ca_file = '$pg_data/root.crt'" "$@"
  fi

  pg_port=""
  for attempt in 1 2 3 4 5; do
    try=$(free_port)
    # Appended on each attempt: the last setting of a name wins.
    cat >>"$pg_data/postgresql.conf" <<EOF

# bench/${0##*/} (attempt $attempt)
listen_addresses = '127.0.0.1'
port = $try
unix_socket_directories = '$pg_data'
ssl = on
ssl_cert_file = '$pg_data/server.crt'
ssl_key_file = '$pg_data/server.key'
fsync = off
EOF
    if [ $# -gt 0 ]; then printf '%s\n' "$@" >>"$pg_data/postgresql.conf"; fi
    if pg_run pg_ctl -D "$pg_data" -l "$pg_dir/postgres.log" -w -t 30 start >/dev/null 2>&1; then
      pg_port=$try
      break
    fi
    # Only a port taken in the meantime is worth another try.
    if ! grep -qE 'could not bind|already in use' "$pg_dir/postgres.log" 2>/dev/null; then break; fi
    : >"$pg_dir/postgres.log"
  done
  if [ -z "$pg_port" ]; then
    echo "bench: could not start PostgreSQL; tail of its log:" >&2
    tail -n 30 "$pg_dir/postgres.log" >&2 || true
    exit 1
  fi
  echo "listening on 127.0.0.1:$pg_port ($("$pgbin/postgres" --version))"
}

# stop_postgres: stop what start_postgres started, if anything; for the
# caller's EXIT trap, so it never fails.
stop_postgres() {
  if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
    pg_run pg_ctl -D "$pg_data" stop -m immediate -w >/dev/null 2>&1 || true
  fi
}

# --- a throw-away MariaDB ------------------------------------------------------
# find_mariadb: set mariadbd and install_db to the MariaDB server binaries, or
# exit 1 saying what to install.
find_mariadb() {
  mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
  install_db=$(command -v mariadb-install-db || echo /usr/bin/mariadb-install-db)
  if [ ! -x "$mariadbd" ] || [ ! -x "$install_db" ]; then
    echo "bench: MariaDB server binaries not found (mariadbd, mariadb-install-db);" \
      "install them with: apt-get install -y mariadb-server" >&2
    exit 1
  fi
}

# start_mariadb DIR CERT KEY [MARIADBD_ARG...]: after find_mariadb, install
# a database in DIR/data and run mariadbd on it with TLS (CERT: the chain to
# serve, KEY: its key) on an ephemeral 127.0.0.1 port, with the extra
# MARIADBD_ARGs (e.g. --ssl-cipher=HIGH). Sets mariadb_port, mariadb_pid and
# mariadb_log (its error log, for the caller to read); stop it with
# stop_mariadb (from the caller's EXIT trap). Exits 1 with the log's tail
# when it cannot start.
mariadb_dir="" mariadb_pid="" mariadb_port="" mariadb_log=""
start_mariadb() {
  local cert=$2 key=$3 as_root=() attempt try
  mariadb_dir=$1
  shift 3
  mariadb_log="$mariadb_dir/error.log"
  # mariadbd refuses to run as root unless told to.
  if [ "$(id -u)" -eq 0 ]; then as_root=(--user=root); fi
  mkdir -p "$mariadb_dir/tmp"
  (cd "$mariadb_dir" && LC_ALL=C "$install_db" --no-defaults --datadir="$mariadb_dir/data" \
    --tmpdir="$mariadb_dir/tmp" "${as_root[@]}" --auth-root-authentication-method=normal --skip-test-db \
    >"$mariadb_dir/install.log" 2>&1) ||
    { cat "$mariadb_dir/install.log" >&2; exit 1; }

  mariadb_port=""
  for attempt in 1 2 3 4 5; do
    try=$(free_port)
    : >"$mariadb_log"
    # exec, so that $! is mariadbd itself, which stop_mariadb signals.
    (cd "$mariadb_dir" && exec env LC_ALL=C "$mariadbd" --no-defaults "${as_root[@]}" \
      --datadir="$mariadb_dir/data" --tmpdir="$mariadb_dir/tmp" --socket="$mariadb_dir/mysqld.sock" \
      --pid-file="$mariadb_dir/mysqld.pid" --log-error="$mariadb_log" \
      --port="$try" --bind-address=127.0.0.1 --skip-networking=0 --skip-name-resolve \
      --skip-log-bin --ssl-cert="$cert" --ssl-key="$key" "$@" \
      </dev/null >/dev/null 2>&1) &
    mariadb_pid=$!
    # Ready when it greets (a listening socket alone comes earlier).
    if python3 - "$try" "$mariadb_pid" <<'EOF'
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
      mariadb_port=$try
      break
    fi
    kill -TERM "$mariadb_pid" 2>/dev/null || true
    wait "$mariadb_pid" 2>/dev/null || true
    mariadb_pid=""
    # Only a port taken in the meantime is worth another try.
    if ! grep -qE 'Bind on TCP/IP port|in use' "$mariadb_log" 2>/dev/null; then break; fi
  done
  if [ -z "$mariadb_port" ]; then
    echo "bench: could not start MariaDB; tail of its log:" >&2
    tail -n 30 "$mariadb_log" >&2 || true
    exit 1
  fi
  echo "listening on 127.0.0.1:$mariadb_port"
}

# stop_mariadb: stop what start_mariadb started, if anything, waiting up to
# 20 s for a clean shutdown before SIGKILL; for the caller's EXIT trap, so it
# never fails.
stop_mariadb() {
  if [ -n "$mariadb_pid" ] && kill -0 "$mariadb_pid" 2>/dev/null; then
    kill -TERM "$mariadb_pid" 2>/dev/null || true
    for _ in $(seq 1 200); do kill -0 "$mariadb_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$mariadb_pid" 2>/dev/null || true
  fi
}
