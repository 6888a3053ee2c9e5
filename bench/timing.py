#!/usr/bin/env python3
"""Timing helper for the bench/ scripts (standard library only).

  timing.py compare RUNS NAME_A CMD_A NAME_B CMD_B
      Run both commands RUNS times, alternating (A,B then B,A) so that drift
      hits both alike; time each run with perf_counter_ns around fork..wait4,
      and print median / p90 wall time and median CPU time (user+sys) of
      each, the median of the per-pair ratios A/B, and whether A/B <= 1.0.

  timing.py maxrss CMD
      Run CMD once and print its max RSS in KiB (wait4's rusage). An upper
      bound: Linux carries the forking python's high-water mark across exec,
      so anything below python's own RSS reads as python's. bench/run.sh
      prefers /usr/bin/time -v.

  timing.py medians RUNS NAME CMD [NAME CMD ...]
      Run the commands RUNS times each, in turn, rotating which goes first
      so that drift hits all alike; print median / p90 / min / max wall
      time of each, then one line `medians NAME=MS ...` for scripts to
      read. Exit code 1 is a result here (a scanner's "found something"),
      not a failure; any other nonzero exit fails the helper.

  timing.py phases RUNS CMD
      Run CMD (a `tlscheck ... --json` command) RUNS times and print the
      median of the phases the report itself records.

Commands are split with shlex and run without a shell, with stdin, stdout
and stderr on /dev/null. Any failing run (nonzero exit) fails the helper.
"""

import json
import os
import shlex
import statistics
import subprocess
import sys
import time


def run_once(argv, ok_codes=(0,)):
    """Wall ns, user+sys CPU ms and max RSS KiB of one run; raises on failure."""
    devnull = subprocess.DEVNULL
    start = time.perf_counter_ns()
    proc = subprocess.Popen(argv, stdin=devnull, stdout=devnull, stderr=devnull)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter_ns() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok_codes:
        raise SystemExit(f"run failed (exit {proc.returncode}): {shlex.join(argv)}")
    cpu_ms = (usage.ru_utime + usage.ru_stime) * 1000.0
    return wall, cpu_ms, usage.ru_maxrss


def pct(values, p):
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, -(-p * len(s) // 100) - 1))
    return s[int(k)]


def compare(runs, name_a, cmd_a, name_b, cmd_b):
    argv = {name_a: shlex.split(cmd_a), name_b: shlex.split(cmd_b)}
    wall = {name_a: [], name_b: []}
    cpu = {name_a: [], name_b: []}
    # One untimed warm-up of each (page cache, the server's first fork).
    for name in (name_a, name_b):
        run_once(argv[name])
    for i in range(runs):
        order = (name_a, name_b) if i % 2 == 0 else (name_b, name_a)
        for name in order:
            w, c, _ = run_once(argv[name])
            wall[name].append(w / 1e6)
            cpu[name].append(c)

    width = max(len(name_a), len(name_b))
    print(f"{runs} runs each, alternating; wall time per run (ms):")
    for name in (name_a, name_b):
        w = wall[name]
        print(
            f"  {name:<{width}}  median {statistics.median(w):7.2f}"
            f"  p90 {pct(w, 90):7.2f}  min {min(w):7.2f}  max {max(w):7.2f}"
            f"  | cpu median {statistics.median(cpu[name]):6.2f} ms"
        )
    ratios = [a / b for a, b in zip(wall[name_a], wall[name_b])]
    ratio = statistics.median(ratios)
    of_medians = statistics.median(wall[name_a]) / statistics.median(wall[name_b])
    print(
        f"ratio {name_a}/{name_b}: median of per-pair ratios {ratio:.2f}"
        f" (p90 {pct(ratios, 90):.2f}; ratio of medians {of_medians:.2f})"
    )
    verdict = "met" if ratio <= 1.0 else "NOT met"
    print(f"target: ratio <= 1.0 — {verdict}")


def medians(runs, pairs):
    names = [n for n, _ in pairs]
    argv = dict((n, shlex.split(c)) for n, c in pairs)
    wall = {n: [] for n in names}
    ok = (0, 1)
    for name in names:  # one untimed warm-up each
        run_once(argv[name], ok)
    for i in range(runs):
        k = i % len(names)
        for name in names[k:] + names[:k]:
            w, _, _ = run_once(argv[name], ok)
            wall[name].append(w / 1e6)
    width = max(len(n) for n in names)
    print(f"{runs} runs each, in turn; wall time per run (ms):")
    for name in names:
        w = wall[name]
        print(
            f"  {name:<{width}}  median {statistics.median(w):9.2f}"
            f"  p90 {pct(w, 90):9.2f}  min {min(w):9.2f}  max {max(w):9.2f}"
        )
    print("medians " + " ".join(f"{n}={statistics.median(wall[n]):.3f}" for n in names))


def maxrss(cmd):
    _, _, r = run_once(shlex.split(cmd))
    print(r)


def phases(runs, cmd):
    argv = shlex.split(cmd)
    rows = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        out = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True)
        total = (time.perf_counter_ns() - start) / 1e6
        try:
            facts = json.loads(out.stdout)["facts"]
        except (ValueError, KeyError) as e:
            raise SystemExit(f"no JSON facts from {shlex.join(argv)} ({e}): {out.stderr!r}")
        tls = facts.get("tls") or {}
        after = tls.get("after_handshake") or {}
        rows.append(
            {
                "process wall": total,
                "connect_ms": (facts.get("connect") or {}).get("connect_ms", 0.0),
                "handshake_ms": tls.get("handshake_ms", 0.0),
                "after_handshake.waited_ms": after.get("waited_ms", 0.0),
                "after_handshake.kind": after.get("kind", "-"),
            }
        )
    med = {
        k: statistics.median(r[k] for r in rows)
        for k in rows[0]
        if k != "after_handshake.kind"
    }
    accounted = med["connect_ms"] + med["handshake_ms"] + med["after_handshake.waited_ms"]
    kinds = sorted({r["after_handshake.kind"] for r in rows})
    print(f"tlscheck phases from --json (median of {runs} runs, ms):")
    print(f"  process wall (incl. JSON)   {med['process wall']:7.2f}")
    print(f"  facts.connect.connect_ms    {med['connect_ms']:7.2f}")
    print(f"  facts.tls.handshake_ms      {med['handshake_ms']:7.2f}")
    print(
        f"  after_handshake.waited_ms   {med['after_handshake.waited_ms']:7.2f}"
        f"  (kind: {', '.join(kinds)})"
    )
    print(
        f"  everything else             {med['process wall'] - accounted:7.2f}"
        "  (exec, startup, SSLRequest, trust stores, judge, report, exit)"
    )


def main(args):
    if len(args) == 6 and args[0] == "compare":
        compare(int(args[1]), args[2], args[3], args[4], args[5])
    elif len(args) >= 4 and len(args) % 2 == 0 and args[0] == "medians":
        medians(int(args[1]), list(zip(args[2::2], args[3::2])))
    elif len(args) == 2 and args[0] == "maxrss":
        maxrss(args[1])
    elif len(args) == 3 and args[0] == "phases":
        phases(int(args[1]), args[2])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
