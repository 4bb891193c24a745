#!/usr/bin/env python3
"""Compares two hamt_bench JSON files case by case (scripts/bench --compare A B, --baseline A).

For every case <op>/<key>/<impl>/<N> measured in both runs it prints the medians of A and of B
(ns per element; bytes per entry for the memory rows), the ratio B / A (below 1: B is faster or
smaller) and each run's spread, the half interquartile range of its rounds relative to the
median (with 2 or 3 rounds: half the range). A change is marked when it is beyond noise:

  - each run has 2 or more rounds: B's and A's interquartile ranges do not overlap and the
    ratio is at least --min-change (default 3%) away from 1;
  - a run has a single round: no spread is known, so only a ratio at least --single (default
    15%) away from 1 is marked, with `?`;
  - bytes per entry (deterministic up to allocator noise): 2% away from 1.

Ends with a summary per implementation: the geometric mean of B / A over its timed cases and
how many cases were marked faster and slower. Runs taken on different machines or with
different compilers compare just as well: the header says what differs.
"""

import argparse
import math
import os
import re
import signal
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_report as br  # noqa: E402

MEMORY_CHANGE = 0.02


def summary(values):
    """(median, low, high, half-spread relative to the median) of a case's rounds."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    m = statistics.median(values)
    if len(values) >= 4:
        lo, _, hi = statistics.quantiles(values, n=4, method="inclusive")
    elif len(values) >= 2:
        lo, hi = values[0], values[-1]
    else:
        lo = hi = m
    return m, lo, hi, ((hi - lo) / 2 / m if m else 0.0), len(values)


def describe(ctx):
    m = ctx.get("hamt_machine") or {}
    parts = [ctx.get("date", "?")[:19], m.get("cpu") or "cpu ?",
             f"{ctx.get('hamt_compiler', '?')} `{ctx.get('hamt_cxx_flags', '?')}`",
             f"{ctx.get('hamt_rounds', '?')} round{'' if ctx.get('hamt_rounds') == '1' else 's'}"]
    return ", ".join(parts)


def compare(a_path, b_path, pattern=None, min_change=0.03, single=0.15, out=sys.stdout):
    ctx_a, runs_a = br.load(a_path)
    ctx_b, runs_b = br.load(b_path)
    w = lambda s="": print(s, file=out)  # noqa: E731
    w(f"## hamt_bench: B / A")
    w()
    w(f"- A: `{a_path}`: {describe(ctx_a)}")
    w(f"- B: `{b_path}`: {describe(ctx_b)}")
    for field, label in (("hamt_cxx_flags", "flags"), ("hamt_compiler", "compiler")):
        if ctx_a.get(field) != ctx_b.get(field):
            w(f"- the runs differ in {label}: `{ctx_a.get(field)}` / `{ctx_b.get(field)}`")
    w()
    w("B / A below 1: B is faster (or smaller). Spread: half the interquartile range of each "
      "run's rounds, relative to its median. Marked: beyond noise (see scripts/bench_compare.py); "
      "`?`: a run had a single round, so only a large change is marked.")
    w()

    def name(k):
        return f"{k[0]}/{k[1]}/{k[2]}/{k[3]}"

    def order(k):
        op, key, impl, n = k
        return ((key != "int64", key), br.OPS.index(op) if op in br.OPS else 99,
                br.IMPLS.index(impl) if impl in br.IMPLS else 99, impl, n)

    common = sorted((k for k in runs_a if k in runs_b), key=order)
    if pattern:
        rx = re.compile(pattern)
        common = [k for k in common if rx.search(name(k))]
    only_a = [k for k in runs_a if k not in runs_b]
    only_b = [k for k in runs_b if k not in runs_a]
    if not common:
        w("No case was measured in both runs" + (" (with this filter)." if pattern else "."))
        return 1

    per_impl = {}
    for kt in sorted({k[1] for k in common}, key=lambda k: (k != "int64", k)):
        w(f"### {kt} keys")
        w()
        w("| op | impl | N | A | B | B / A | spread A / B | change |")
        w("|---|---|--:|--:|--:|--:|--:|---|")
        for k in (k for k in common if k[1] == kt):
            op, _, impl, n = k
            field = br.field_of(op, runs_a[k])
            sa = summary(r.get(field) for r in br.clean(runs_a[k]))
            sb = summary(r.get(field) for r in br.clean(runs_b[k]))
            if not sa or not sb or sa[0] <= 0:
                continue
            r = sb[0] / sa[0]
            mark = ""
            if field == "bytes":
                if abs(r - 1) >= MEMORY_CHANGE:
                    mark = "smaller" if r < 1 else "larger"
            elif sa[4] >= 2 and sb[4] >= 2:
                apart = sb[2] < sa[1] or sb[1] > sa[2]
                if apart and abs(r - 1) >= min_change:
                    mark = "**faster**" if r < 1 else "**slower**"
            elif abs(r - 1) >= single:
                mark = "faster?" if r < 1 else "slower?"
            spread = "—" if field == "bytes" else f"±{sa[3]:.0%} / ±{sb[3]:.0%}"
            w(f"| {br.op_label(op)} | {br.IMPL_LABEL.get(impl, impl)} | "
              f"{br.size_label(n)} | {br.fmt(sa[0])} | {br.fmt(sb[0])} | {r:.3f} | {spread} | "
              f"{mark} |")
            if field == "ns":
                s = per_impl.setdefault(impl, {"logs": [], "faster": 0, "slower": 0})
                s["logs"].append(math.log(r))
                s["faster"] += "faster" in mark
                s["slower"] += "slower" in mark
        w()

    w("### Summary (timed cases)")
    w()
    w("| impl | cases | geometric mean B / A | faster | slower |")
    w("|---|--:|--:|--:|--:|")
    for impl in sorted(per_impl, key=lambda i: br.IMPLS.index(i) if i in br.IMPLS else 99):
        s = per_impl[impl]
        gm = math.exp(sum(s["logs"]) / len(s["logs"]))
        w(f"| {br.IMPL_LABEL.get(impl, impl)} | {len(s['logs'])} | {gm:.3f} | {s['faster']} "
          f"| {s['slower']} |")
    w()
    if only_a or only_b:
        w(f"Not compared: {len(only_a)} cases only in A, {len(only_b)} only in B.")
        w()
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", help="the reference run (hamt_bench JSON)")
    ap.add_argument("b", help="the run compared with it")
    ap.add_argument("--filter", default=None, help="only cases whose op/key/impl/N matches")
    ap.add_argument("--min-change", type=float, default=0.03,
                    help="smallest |B/A - 1| marked when the rounds' ranges are apart")
    ap.add_argument("--single", type=float, default=0.15,
                    help="smallest |B/A - 1| marked when a run has one round")
    args = ap.parse_args()
    for p in (args.a, args.b):
        if not os.path.isfile(p):
            print(f"bench_compare.py: {p}: no such file", file=sys.stderr)
            return 2
    return compare(args.a, args.b, args.filter, args.min_change, args.single)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under | head
    sys.exit(main())
