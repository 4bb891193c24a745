#!/usr/bin/env python3
"""Turns hamt_bench's JSON output into a markdown report (used by scripts/bench).

Reads benchmarks named <op>/<key>/<impl>/<N>/..., takes the median over repetitions of
ns per element (1e9 / items_per_second) and of bytes_per_entry, and prints one table per key
type: rows op x N, columns implementations, each competitor's cell followed by the ratio
hamt / competitor (below 1: hamt is faster or smaller).
"""

import argparse
import json
import platform
import statistics
import sys
from collections import defaultdict

OPS = ["insert", "find_hit", "find_miss", "erase", "iterate", "copy", "memory"]
OP_LABEL = {
    "insert": "insert",
    "find_hit": "find hit",
    "find_miss": "find miss",
    "erase": "erase",
    "iterate": "iterate",
    "copy": "copy",
    "memory": "bytes/entry",
}
NOISY = 0.15  # interquartile range / median above which a cell is marked ~
MIN_SHARE = 0.9  # runs whose thread had the CPU less than this share of the time are set aside
MIN_CLEAN = 3  # ...when at least this many runs (or round pairs) remain
IMPLS = ["hamt", "std", "absl_flat", "absl_node", "immer", "libhamt", "libhamt_cache"]
IMPL_LABEL = {
    "hamt": "hamt::map",
    "std": "std::unordered_map",
    "absl_flat": "absl::flat_hash_map",
    "absl_node": "absl::node_hash_map",
    "immer": "immer::map",
    "libhamt": "libhamt",
    "libhamt_cache": "libhamt+cache",
}
ERROR_MEANING = {
    "insert": "entries missing after inserting every key",
    "find_hit": "inserted keys not found",
    "find_miss": "absent keys found",
    "erase": "entries left after erasing every key",
    "iterate": "entries not visited (or visited twice)",
    "copy": "entries missing in the copy",
    "memory": "entries missing after building",
}


def size_label(n):
    for div, suffix in ((1000000, "M"), (1000, "K")):
        if n >= div and n % div == 0:
            return f"{n // div}{suffix}"
    return str(n)


def fmt(x):
    if x is None:
        return "—"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 0.1:
        return f"{x:.2f}"
    return f"{x:.2g}"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") or line.startswith("Model"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load(path):
    with open(path) as f:
        data = json.load(f)
    runs = defaultdict(list)  # (op, key, impl, n) -> [per-repetition dicts]
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue  # aggregates: the medians are taken here, from every run
        parts = b.get("run_name", b["name"]).split("/")
        if len(parts) < 4 or parts[0] not in OPS:
            continue
        try:
            n = int(parts[3])
        except ValueError:
            continue
        if b.get("error_occurred"):
            runs[(parts[0], parts[1], parts[2], n)].append({"error": b.get("error_message", "")})
            continue
        ips = b.get("items_per_second")
        runs[(parts[0], parts[1], parts[2], n)].append(
            {
                "ns": 1e9 / ips if ips else None,
                "bytes": b.get("bytes_per_entry"),
                "errors": b.get("errors", 0.0),
                "share": b.get("cpu_share", 1.0),
            }
        )
    return data.get("context", {}), runs


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    """Interquartile range / median (0 with fewer than 4 runs), for flagging noisy cells."""
    values = [v for v in values if v is not None]
    if len(values) < 4:
        return 0.0
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    m = statistics.median(values)
    return (q3 - q1) / m if m else 0.0


def clean(rs):
    """The runs that had the CPU to themselves, when there are enough of them; else all."""
    good = [r for r in rs if r.get("share", 1.0) >= MIN_SHARE]
    return good if len(good) >= MIN_CLEAN else rs


def fmt_ratio(r):
    return f"{r:.0f}" if r >= 100 else f"{r:.1f}" if r >= 10 else f"{r:.2f}"


def ratio(base_runs, other_runs, field):
    """hamt / competitor: the median of the per-round ratios when both ran every round (runs
    of one round are seconds apart, so drift between rounds cancels), else the ratio of the
    medians. Returns (ratio, noisy)."""
    if len(base_runs) == len(other_runs) and len(base_runs) > 1:
        pairs = [(x, y) for x, y in zip(base_runs, other_runs) if x.get(field) and y.get(field)]
        good = [(x, y) for x, y in pairs
                if min(x.get("share", 1.0), y.get("share", 1.0)) >= MIN_SHARE]
        if len(good) >= MIN_CLEAN:
            pairs = good
        if pairs:
            per_round = [x[field] / y[field] for x, y in pairs]
            return statistics.median(per_round), field == "ns" and spread(per_round) > NOISY
    mb = median(r.get(field) for r in clean(base_runs))
    mo = median(r.get(field) for r in clean(other_runs))
    return (mb / mo if mb and mo else float("nan")), False


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("json", help="hamt_bench --benchmark_out JSON file")
    ap.add_argument("--revision", default="", help="hamt revision measured")
    ap.add_argument("--runtime", type=float, default=None, help="wall time of the run, seconds")
    ap.add_argument("--command", default="", help="command line that produced the run")
    ap.add_argument("--load-end", default="", help="/proc/loadavg when the run ended")
    args = ap.parse_args()

    ctx, runs = load(args.json)
    if not runs:
        print("hamt_bench produced no results (is the filter too narrow?)", file=sys.stderr)
        return 1

    keys = sorted({k[1] for k in runs}, key=lambda k: (k != "int64", k))
    impls = [i for i in IMPLS if any(k[2] == i for k in runs)]
    impls += sorted({k[2] for k in runs} - set(impls))
    sizes = sorted({k[3] for k in runs})
    reps = max(len(v) for v in runs.values())
    have_hamt = "hamt" in impls

    out = []
    w = out.append
    w(f"## hamt benchmark — {ctx.get('date', '?')}")
    w("")
    w(f"- machine: `{platform.machine()}`, {cpu_model()}, {ctx.get('num_cpus', '?')} CPUs, "
      f"load average {', '.join(f'{x:.2f}' for x in ctx.get('load_avg', []))} at start"
      + (f", {', '.join(args.load_end.split()[:3])} at end" if args.load_end else ""))
    w(f"- compiler: {ctx.get('hamt_compiler', '?')}; flags: `{ctx.get('hamt_cxx_flags', '?')}` "
      f"({ctx.get('hamt_build_type', '?')})")
    if args.revision:
        w(f"- hamt: {args.revision}")
    versions = []
    if "absl" in ctx:
        versions.append(f"abseil {ctx['absl']}")
    if "immer" in ctx:
        versions.append(f"immer {ctx['immer']}")
    for k, v in sorted(ctx.items()):
        if k.startswith("libhamt ") and not k.endswith("cache bytes"):
            versions.append(f"{IMPL_LABEL.get(k.split(' ', 1)[1], k)}: `{v}`")
    if versions:
        w(f"- competitors: {'; '.join(versions)}")
    w(f"- method: Google Benchmark, median of {reps} round{'s' if reps != 1 else ''} (every "
      f"case once per round; implementations interleaved per N, order rotated each round); "
      f"about {ctx.get('hamt_work', '?')} elements per timed run; heap: "
      f"{ctx.get('hamt_heap', '?')}; key seed {ctx.get('hamt_seed', '?')}")
    if args.runtime is not None:
        w(f"- total run time: {args.runtime:.0f} s")
    if args.command:
        w(f"- command: `{args.command}`")
    w("")
    if have_hamt:
        w("Cells: median ns per element over the rounds (runs that lost the CPU to other work "
          "set aside, see Notes); bytes/entry rows: heap bytes per entry "
          "(mallinfo2 delta). For competitors, (x) = hamt / competitor, the median of the "
          "per-round ratios: below 1, hamt is faster or smaller. `~` after a time: its rounds' "
          "interquartile range exceeds 15% of the median (the machine drifted); after a ratio: "
          "the per-round ratios spread that much (the comparison itself is uncertain).")
    else:
        w("Cells: median ns per element; bytes/entry rows: heap bytes per entry. "
          "**hamt::map was not measured** (no include/hamt/map.hpp when this was built).")
    w("")

    noisy = 0
    for key in keys:
        w(f"### {key} keys")
        w("")
        w("| op | N | " + " | ".join(IMPL_LABEL.get(i, i) for i in impls) + " |")
        w("|---|--:|" + "--:|" * len(impls))
        for op in OPS:
            for n in sizes:
                if not any((op, key, i, n) in runs for i in impls):
                    continue
                field = "bytes" if op == "memory" else "ns"
                vals = {}
                for i in impls:
                    rs = runs.get((op, key, i, n))
                    if rs:
                        vals[i] = median(r.get(field) for r in clean(rs))
                base = vals.get("hamt")
                cells = []
                for i in impls:
                    v = vals.get(i)
                    if v is None:
                        cells.append("—")
                        continue
                    cell = fmt(v)
                    rs = runs[(op, key, i, n)]
                    if op != "memory" and spread(r.get("ns") for r in clean(rs)) > NOISY:
                        cell += "~"
                        noisy += 1
                    if i != "hamt" and base is not None and v > 0:
                        r, noisy_ratio = ratio(runs[(op, key, "hamt", n)], rs, field)
                        cell += f" ({fmt_ratio(r)}{'~' if noisy_ratio else ''})"
                        noisy += noisy_ratio
                    cells.append(cell)
                w(f"| {OP_LABEL[op]} | {size_label(n)} | " + " | ".join(cells) + " |")
        w("")

    # Correctness: any implementation that lost or invented keys.
    problems = []
    for (op, key, impl, n), rs in sorted(runs.items()):
        errs = [r.get("errors") or 0 for r in rs if "error" not in r]
        failed = [r["error"] for r in rs if "error" in r]
        if failed:
            problems.append(f"- `{op}/{key}/{impl}/{n}`: failed: {failed[0]}")
        elif errs and max(errs) > 0:
            problems.append(
                f"- `{op}/{key}/{IMPL_LABEL.get(impl, impl)}/{n}`: {max(errs):g} "
                f"{ERROR_MEANING.get(op, 'errors')} (per run, worst repetition)")
    w("### Correctness")
    w("")
    if problems:
        w("Wrong results seen during the run (the timings above include these runs):")
        w("")
        out.extend(problems)
    else:
        w("Every implementation found every key, missed every absent key and erased everything.")
    w("")

    notes = []
    if "immer" in impls:
        notes.append("immer: insert and erase through a transient; find, iterate and copy on the "
                     "persistent map (copy is O(1): a reference count).")
    if "libhamt" in impls or "libhamt_cache" in impls:
        notes.append("libhamt stores pointers to keys and values held outside the trie (here "
                     "16 bytes per int64 entry, plus the string for string keys), not counted "
                     "in its bytes/entry; it has no copy.")
    all_runs = [r for rs in runs.values() for r in rs if "share" in r]
    preempted = [r for r in all_runs if r["share"] < MIN_SHARE]
    if preempted:
        notes.append(f"{len(preempted)} of {len(all_runs)} runs had the CPU less than "
                     f"{MIN_SHARE:.0%} of their time (other work on the machine); they were set "
                     f"aside wherever {MIN_CLEAN} or more clean runs remained.")
    cache_bytes = {k: v for k, v in ctx.items()
                   if k.endswith("cache bytes") and "libhamt_cache" in impls}
    for k, v in cache_bytes.items():
        notes.append(f"libhamt+cache: one table cache shared by every trie of the run; its "
                     f"default configuration preallocates {int(v) / 1e6:.1f} MB, so its "
                     f"bytes/entry is not measured (its tables are libhamt's).")
    if ctx.get("library_build_type") == "debug":
        notes.append("Google Benchmark library reports a debug build (Debian's package); the "
                     "cases time themselves, so its own overhead is outside the timings.")
    if noisy:
        notes.append(f"{noisy} times or ratios marked `~` were noisy; rerun those with --filter "
                     f"and more --rounds before drawing conclusions from them.")
    if notes:
        w("### Notes")
        w("")
        for n in notes:
            w(f"- {n}")
        w("")

    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
