#!/usr/bin/env bash
# Install the Python drivers (requirements.txt) into the repository's
# .venv-ci, next to SecantusDB and PyMongo that tests/support/mongo.rs uses.
# Idempotent and quiet: creates .venv-ci if missing, and runs pip only when
# a pinned driver, SecantusDB or PyMongo is missing or at another version.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="$root/.venv-ci"
req="$here/requirements.txt"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"

# Exit 0 when every pinned requirement is installed at its version and
# SecantusDB's server script is present.
satisfied() {
  [ -x "$venv/bin/secantusd-py" ] || return 1
  "$venv/bin/python" - "$req" <<'PY'
import re, sys
from importlib import metadata
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    m = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[([^\]]*)\])?==(\S+)", line)
    if not m:
        sys.exit(1)
    name, extras, want = m.groups()
    names = [name] + (["%s-%s" % (name, e) for e in extras.split(",")] if extras else [])
    for n in names:
        try:
            if metadata.version(n) != want:
                sys.exit(1)
        except metadata.PackageNotFoundError:
            sys.exit(1)
for n in ("secantusdb", "pymongo"):
    try:
        metadata.version(n)
    except metadata.PackageNotFoundError:
        sys.exit(1)
PY
}

if ! satisfied; then
  "$venv/bin/pip" install -q --disable-pip-version-check secantusdb -r "$req"
  satisfied || { echo "install.sh: $req is still not satisfied in $venv" >&2; exit 1; }
fi
