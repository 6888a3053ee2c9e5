#!/usr/bin/env bash
# Install the Java drivers from Debian (Maven Central is not reachable) and
# compile the runner into build/ when Run.java or a jar is newer than it.
# Idempotent and quiet; prints only when it installs something.
# Then: tests/drivers/java/run.sh < cases.jsonl
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive

need=()
command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
[ -f /usr/share/java/postgresql.jar ] || need+=(libpostgresql-jdbc-java)
[ -f /usr/share/java/mariadb-java-client.jar ] || need+=(libmariadb-java)
# mongo-java-driver.jar is the all-in-one jar (driver, core and bson).
[ -f /usr/share/java/mongo-java-driver.jar ] || need+=(libmongodb-java)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

. ./classpath.sh
stamp=build/Run.class
stale=0
[ -f "$stamp" ] || stale=1
for f in Run.java classpath.sh /usr/share/java/postgresql.jar /usr/share/java/mariadb-java-client.jar \
         /usr/share/java/mongo-java-driver.jar; do
  [ "$stale" = 1 ] || [ ! "$f" -nt "$stamp" ] || stale=1
done
if [ "$stale" = 1 ]; then
  rm -rf build
  mkdir -p build
  javac -nowarn -Xlint:none -d build -cp "$DRIVERS_CP" Run.java
fi
