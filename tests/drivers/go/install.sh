#!/bin/sh
# Installs Debian's Go toolchain and Go driver packages, then builds the
# runner (run.go) offline in GOPATH mode against /usr/share/gocode.
# Idempotent and quiet: apt only runs when a package is missing, the build only
# when run.go, this script or an installed package version changed.
# Prints the runner binary's path on stdout.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pkgs="golang-go golang-github-jackc-pgx-v4-dev golang-github-go-sql-driver-mysql-dev golang-mongodb-mongo-driver-dev"

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    # Only refresh the lists when they do not know the packages.
    if ! apt-cache show $missing >/dev/null 2>&1; then
        $sudo apt-get update -qq >&2
    fi
    $sudo apt-get install -y -qq --no-install-recommends $missing >&2
fi

out="$here/.build"
bin="$out/tlscheck-go-runner"
stamp="$out/stamp"
mkdir -p "$out"
want=$( { cat "$here/run.go" "$here/install.sh"; dpkg-query -W $pkgs; } | sha256sum | cut -d' ' -f1)
# Upstream version, then the Debian revision: "4.15.0 (Debian 4.15.0-4)".
ver() { v=$(dpkg-query -W -f='${Version}' "$1"); echo "${v%%-*} (Debian $v)"; }
if [ ! -x "$bin" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    # GOPATH mode: imports resolve in /usr/share/gocode/src, nothing is fetched.
    # Default build settings reuse Debian's precompiled standard library
    # (half the cold build time); without a C compiler, cgo must be off.
    cgo=1
    command -v gcc >/dev/null 2>&1 || cgo=0
    GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= GOTOOLCHAIN=local \
    GOCACHE="$out/cache" CGO_ENABLED=$cgo \
        go build -ldflags "-X 'main.pgxVersion=$(ver golang-github-jackc-pgx-v4-dev), pgconn $(ver golang-github-jackc-pgconn-dev)' -X 'main.mysqlVersion=$(ver golang-github-go-sql-driver-mysql-dev)'" \
        -o "$bin.tmp" "$here/run.go" >&2
    mv "$bin.tmp" "$bin"
    echo "$want" > "$stamp"
fi
echo "$bin"
