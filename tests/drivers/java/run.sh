#!/usr/bin/env bash
# The runner: cases on stdin, answers on stdout (tests/drivers/README.md).
# install.sh must have run first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/classpath.sh"
exec java -Xss1m -XX:+UseSerialGC -Xshare:auto -cp "$here/build:$DRIVERS_CP" Run
