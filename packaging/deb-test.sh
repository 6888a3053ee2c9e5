#!/usr/bin/env bash
# Build the Debian package with cargo-deb, install it with dpkg -i, check
# that what it installed works where Debian looks for it, then remove it.
# Not part of cargo test (a release build costs minutes); run it by hand or
# in a release job:  bash packaging/deb-test.sh
#   DEB_TEST_KEEP=1   leave the package installed (and the .deb in target/debian)
# Needs root (or sudo) for dpkg; installs cargo-deb (pinned below) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DEB_VERSION=3.8.0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
fail() { echo "deb-test: FAIL: $*" >&2; exit 1; }

if dpkg-query -W -f='${Status}' tlscheck 2>/dev/null | grep -q "install ok installed"; then
  fail "a tlscheck package is already installed; this test would replace and remove it (dpkg -r tlscheck first)"
fi

have=$(cargo deb --version 2>/dev/null || true)
if [ "$have" != "$CARGO_DEB_VERSION" ] && [ "${have##* }" != "$CARGO_DEB_VERSION" ]; then
  echo "== cargo install cargo-deb $CARGO_DEB_VERSION (found: ${have:-none})"
  cargo install cargo-deb --locked --version "$CARGO_DEB_VERSION"
fi

echo "== cargo deb"
# cargo deb builds the release profile (stripped) and prints the .deb's path last.
deb=$(cargo deb --locked | tail -n 1)
[ -f "$deb" ] || fail "cargo deb did not leave a package ($deb)"
ls -l "$deb"
dpkg-deb --field "$deb" Package Version Architecture Depends Section Installed-Size

echo "== package contents"
contents=$(dpkg-deb --contents "$deb" | awk '{print $NF}' | sed 's|^\./|/|')
want=(
  /usr/bin/tlscheck
  /usr/share/bash-completion/completions/tlscheck
  /usr/share/zsh/vendor-completions/_tlscheck
  /usr/share/fish/vendor_completions.d/tlscheck.fish
)
for page in man/*.1; do want+=("/usr/share/man/man1/$(basename "$page").gz"); done
for f in "${want[@]}"; do
  grep -qxF "$f" <<<"$contents" || fail "$f is not in the package"
done
echo "${#want[@]} files in place: the binary, $(( ${#want[@]} - 4 )) man pages (gzipped), 3 completions"

cleanup() {
  if [ -z "${DEB_TEST_KEEP:-}" ] && dpkg-query -W tlscheck >/dev/null 2>&1; then
    echo "== dpkg -r tlscheck"
    $sudo dpkg -r tlscheck >/dev/null
  fi
}
trap cleanup EXIT

echo "== dpkg -i"
$sudo dpkg -i "$deb"

# The installed binary, not whatever else is on PATH (~/.cargo/bin).
version=$(/usr/bin/tlscheck --version)
expected="tlscheck $(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["packages"][0]["version"])')"
[ "$version" = "$expected" ] || fail "/usr/bin/tlscheck --version says '$version', expected '$expected'"
echo "/usr/bin/tlscheck --version: $version"
file_out=$(file -b /usr/bin/tlscheck 2>/dev/null || true)
case $file_out in *"not stripped"*) fail "/usr/bin/tlscheck is not stripped: $file_out" ;; esac
echo "/usr/bin/tlscheck: $(stat -c %s /usr/bin/tlscheck) bytes${file_out:+, $file_out}"

# Every page on disk, gzipped, and the same text as man/ in the repository.
for page in man/*.1; do
  installed=/usr/share/man/man1/$(basename "$page").gz
  [ -f "$installed" ] || fail "$installed was not installed (a dpkg path-exclude for /usr/share/man?)"
  gzip -dc "$installed" | cmp -s - "$page" || fail "$installed differs from $page"
done
if command -v man >/dev/null; then
  where=$(man -w tlscheck) || fail "man -w tlscheck finds no page"
  [ "$where" = /usr/share/man/man1/tlscheck.1.gz ] || fail "man -w tlscheck: $where"
  man -w tlscheck-connect >/dev/null || fail "man -w tlscheck-connect finds no page"
  echo "man -w tlscheck: $where"
else
  echo "man is not installed: checked the files only"
fi

for f in /usr/share/bash-completion/completions/tlscheck \
         /usr/share/zsh/vendor-completions/_tlscheck \
         /usr/share/fish/vendor_completions.d/tlscheck.fish; do
  [ -s "$f" ] || fail "$f is missing or empty"
done
# bash-completion loads completions/NAME on first use of NAME: sourcing
# the file must register a completion for tlscheck.
bash -c 'source /usr/share/bash-completion/completions/tlscheck && complete -p tlscheck' >/dev/null \
  || fail "the bash completion does not register 'complete ... tlscheck'"
if command -v zsh >/dev/null; then zsh -n /usr/share/zsh/vendor-completions/_tlscheck || fail "zsh -n _tlscheck"; fi
if command -v fish >/dev/null; then fish -n /usr/share/fish/vendor_completions.d/tlscheck.fish || fail "fish -n tlscheck.fish"; fi
echo "completions: bash (registers tlscheck), zsh, fish in place"

if [ -z "${DEB_TEST_KEEP:-}" ]; then
  cleanup
  trap - EXIT
  [ ! -e /usr/bin/tlscheck ] || fail "/usr/bin/tlscheck is still there after dpkg -r"
  [ ! -e /usr/share/man/man1/tlscheck.1.gz ] || fail "the man page is still there after dpkg -r"
  echo "removed: /usr/bin/tlscheck and the man pages are gone"
fi
echo "deb-test: OK"
