#!/usr/bin/env python3
"""Runner for the Python drivers (psycopg, asyncpg, PyMySQL, PyMongo).

Implements the protocol of tests/drivers/README.md: one JSON case per stdin
line, one JSON answer per stdout line, in order. A failed connection is an
answer, never a non-zero exit. Diagnostics go to stderr.

Each case runs in a daemon thread with its own deadline; a case that outlives
it is answered with a timeout error and abandoned. A C-level hang that holds
the GIL is caught by faulthandler's watchdog, which ends the process.
"""

import faulthandler
import json
import queue
import re
import sys
import threading
import traceback
from importlib import metadata
from urllib.parse import quote

DRIVERS = ("psycopg", "asyncpg", "pymysql", "pymongo")
DIST = {"psycopg": "psycopg", "asyncpg": "asyncpg", "pymysql": "PyMySQL", "pymongo": "pymongo"}


def version(driver):
    try:
        v = metadata.version(DIST[driver])
    except metadata.PackageNotFoundError:
        return None
    if driver == "psycopg":
        try:
            import psycopg

            lib = psycopg.pq.version()
            v += " (libpq %d.%d, %s)" % (lib // 10000, lib % 10000, psycopg.pq.__impl__)
        except Exception:  # noqa: BLE001 - the version is informative only
            pass
    return v


def first_line(exc):
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].strip() if text else type(exc).__name__


def pg_url(case, params):
    user = quote(case.get("user") or "postgres", safe="")
    db = quote(case.get("database") or "postgres", safe="")
    q = "&".join("%s=%s" % (k, v) for k, v in params)
    return "postgresql://%s@%s:%d/%s?%s" % (user, host_part(case["host"]), case["port"], db, q)


def host_part(host):
    return "[%s]" % host if ":" in host else host


def pg_params(case):
    """libpq's (and asyncpg's) verifying and non-verifying sslmode.

    Not verifying is sslmode=require *without* sslrootcert: with a root
    certificate, require checks the chain (as verify-ca), in libpq and asyncpg.
    """
    if case["verify"]:
        params = [("sslmode", "verify-full")]
        if case.get("ca"):
            params.append(("sslrootcert", case["ca"]))
    else:
        params = [("sslmode", "require")]
    return params


# --- psycopg (libpq) -------------------------------------------------------

# PostgreSQL's texts for SQLSTATE 28000 / 28P01, as libpq relays them.
PG_AUTH_REFUSED = (
    r"FATAL: +password authentication failed for user",
    r"FATAL: +no pg_hba\.conf entry for",
    r"FATAL: +pg_hba\.conf rejects connection",
    r"FATAL: +role \".*\" does not exist",
    r"FATAL: +role \".*\" is not permitted to log in",
    r"FATAL: +\w+ authentication failed for user",
)


def run_psycopg(case, ans):
    import psycopg

    url = pg_url(case, pg_params(case))
    timeout = max(2, int(case.get("timeout_s") or 10))
    ans["config"] = "psycopg.connect(%r, connect_timeout=%d)" % (url, timeout)
    ans["tlscheck"] = ["--client", "libpq", url]
    try:
        with psycopg.connect(url, connect_timeout=timeout) as conn:
            conn.execute("SELECT 1").fetchone()
        ans["ok"] = True
    except psycopg.Error as e:
        # libpq's connection errors reach psycopg without a SQLSTATE (e.sqlstate
        # is None); the server's FATAL refusing the login after TLS reads as
        # one of libpq's 28000/28P01 texts.
        state = getattr(e, "sqlstate", None) or ""
        msg = str(e)
        if state.startswith("28") or any(re.search(p, msg) for p in PG_AUTH_REFUSED):
            ans["ok"] = True
            ans["auth_refused"] = True
        ans["error"] = first_line(e)


# --- asyncpg ---------------------------------------------------------------


def run_asyncpg(case, ans):
    import asyncio

    import asyncpg

    url = pg_url(case, pg_params(case))
    timeout = float(case.get("timeout_s") or 10)
    ans["config"] = "asyncpg.connect(%r, timeout=%g)" % (url, timeout)
    ans["tlscheck"] = ["--client", "asyncpg", url]

    async def go():
        conn = await asyncpg.connect(url, timeout=timeout)
        try:
            await conn.fetchval("SELECT 1")
        finally:
            await conn.close()

    try:
        asyncio.run(asyncio.wait_for(go(), timeout + 2))
        ans["ok"] = True
    except asyncpg.PostgresError as e:
        if str(getattr(e, "sqlstate", "") or "").startswith("28"):
            ans["ok"] = True
            ans["auth_refused"] = True
        ans["error"] = first_line(e)
    except (Exception, asyncio.TimeoutError) as e:  # noqa: BLE001 - every failure is an answer
        ans["error"] = first_line(e) if str(e) else type(e).__name__


# --- PyMySQL ---------------------------------------------------------------


def run_pymysql(case, ans):
    import pymysql

    timeout = max(1, int(case.get("timeout_s") or 10))
    kw = {}
    q = []
    if case.get("ca"):
        kw["ssl_ca"] = case["ca"]
        q.append(("ssl_ca", case["ca"]))
    if case["verify"]:
        # PyMySQL's documented pair: ssl_verify_cert checks the chain,
        # ssl_verify_identity adds the host name (only when a CA is given).
        kw["ssl_verify_cert"] = True
        kw["ssl_verify_identity"] = True
        q += [("ssl_verify_cert", "true"), ("ssl_verify_identity", "true")]
    # Not verifying: ssl_ca alone (TLS required, nothing checked); without a
    # CA no ssl option at all (PyMySQL >= 1.2: TLS preferred, nothing checked).
    user = case.get("user") or "root"
    db = case.get("database")
    shown = ", ".join("%s=%r" % kv for kv in kw.items())
    ans["config"] = "pymysql.connect(host=%r, port=%d, user=%r%s%s, connect_timeout=%d)" % (
        case["host"],
        case["port"],
        user,
        ", database=%r" % db if db else "",
        ", " + shown if shown else "",
        timeout,
    )
    url = "mysql://%s@%s:%d/%s" % (quote(user, safe=""), host_part(case["host"]), case["port"], quote(db or "", safe=""))
    if q:
        url += "?" + "&".join("%s=%s" % kv for kv in q)
    ans["tlscheck"] = ["--client", "pymysql", url]
    try:
        conn = pymysql.connect(
            host=case["host"],
            port=case["port"],
            user=user,
            database=db,
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            **kw,
        )
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                cur.fetchone()
        finally:
            conn.close()
        ans["ok"] = True
    except pymysql.err.MySQLError as e:
        code = e.args[0] if e.args and isinstance(e.args[0], int) else None
        if code == 1045:
            ans["ok"] = True
            ans["auth_refused"] = True
        ans["error"] = first_line(e)
    except Exception as e:  # noqa: BLE001 - every failure is an answer
        ans["error"] = first_line(e)


# --- PyMongo ---------------------------------------------------------------


def run_pymongo(case, ans):
    import pymongo
    from pymongo.errors import OperationFailure

    ms = int(float(case.get("timeout_s") or 10) * 1000)
    q = ["tls=true"]
    if case.get("ca"):
        q.append("tlsCAFile=%s" % case["ca"])
    if not case["verify"]:
        q.append("tlsInsecure=true")
    # The case names one server: talk to it, not to the members it announces.
    q.append("directConnection=true")
    url = "mongodb://%s:%d/?%s" % (host_part(case["host"]), case["port"], "&".join(q))
    ans["config"] = "MongoClient(%r, serverSelectionTimeoutMS=%d, connectTimeoutMS=%d)" % (url, ms, ms)
    ans["tlscheck"] = ["--client", "pymongo", url]
    client = None
    try:
        client = pymongo.MongoClient(url, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms)
        client.admin.command("ping")
        ans["ok"] = True
    except OperationFailure as e:
        # Refused after TLS: AuthenticationFailed (18) or Unauthorized (13).
        if e.code in (13, 18):
            ans["ok"] = True
            ans["auth_refused"] = True
        ans["error"] = first_line(e)
    except Exception as e:  # noqa: BLE001 - every failure is an answer
        # ServerSelectionTimeoutError: "host:port: <ssl error> (configured
        # timeouts: ...), Timeout: ..., Topology Description: ...".
        text = first_line(e)
        for cut in (" (configured timeouts:", ", Timeout:"):
            if cut in text:
                text = text.split(cut)[0]
        ans["error"] = text
    finally:
        if client is not None:
            client.close()


RUN = {"psycopg": run_psycopg, "asyncpg": run_asyncpg, "pymysql": run_pymysql, "pymongo": run_pymongo}


def answer(case):
    driver = case.get("driver")
    ans = {
        "id": case.get("id"),
        "driver": driver,
        "version": None,
        "ok": False,
        "auth_refused": False,
        "error": None,
        "config": None,
        "tlscheck": None,
    }
    if driver not in RUN:
        ans["error"] = "runner error: unknown driver %r (python runner knows %s)" % (driver, ", ".join(DRIVERS))
        return ans
    ans["version"] = version(driver)
    if ans["version"] is None:
        ans["error"] = "runner error: %s is not installed (tests/drivers/python/install.sh)" % DIST[driver]
        return ans
    timeout = float(case.get("timeout_s") or 10)
    box = queue.Queue()

    def work():
        try:
            RUN[driver](case, ans)
        except Exception as e:  # noqa: BLE001 - a runner bug is still an answer
            traceback.print_exc(file=sys.stderr)
            ans["ok"] = False
            ans["error"] = "runner error: %s: %s" % (type(e).__name__, first_line(e))
        box.put(True)

    threading.Thread(target=work, daemon=True).start()
    try:
        box.get(timeout=timeout + 10)
    except queue.Empty:
        print("case %s did not finish in %gs; abandoned" % (case.get("id"), timeout + 10), file=sys.stderr)
        done = dict(ans)
        done["ok"] = False
        done["auth_refused"] = False
        done["error"] = "runner watchdog: no answer from %s within %gs" % (driver, timeout + 10)
        return done
    if ans["ok"] and not ans["auth_refused"]:
        ans["error"] = None
    return ans


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            case = json.loads(line)
        except ValueError as e:
            case = {"id": None, "driver": None}
            ans = dict(answer(case), error="runner error: bad case line: %s" % e)
        else:
            # Last resort: a hang that holds the GIL ends the process.
            faulthandler.dump_traceback_later(float(case.get("timeout_s") or 10) + 30, exit=True)
            ans = answer(case)
            faulthandler.cancel_dump_traceback_later()
        sys.stdout.write(json.dumps(ans) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
