#!/usr/bin/env bash
# Installs the Node.js driver oracles (pg, mysql2, mongodb) exactly as pinned
# in package-lock.json. Idempotent: runs `npm ci` only when node_modules is
# missing or was installed from another lock file. Called by .ci/run.
set -euo pipefail
cd "$(dirname "$0")"

command -v node >/dev/null || { echo "node-drivers: node is not installed (apt-get install -y nodejs npm)" >&2; exit 1; }
command -v npm >/dev/null || { echo "node-drivers: npm is not installed (apt-get install -y npm)" >&2; exit 1; }

stamp=node_modules/.tlscheck-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" && -d node_modules/pg && -d node_modules/mysql2 && -d node_modules/mongodb ]]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "$want" > "$stamp"
