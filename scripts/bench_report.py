#!/usr/bin/env python3
"""Turns hamt_bench's JSON output into a markdown report (used by scripts/bench).

Reads benchmarks named <op>/<key>/<impl>/<N>/..., takes the median over repetitions of
ns per element (1e9 / items_per_second) and of bytes_per_entry, and prints one table per key
type: rows op x N, columns implementations, each competitor's cell followed by the ratio
hamt / competitor (below 1: hamt is faster or smaller).

  bench_report.py RUN.json [--revision R] [--runtime S] [--command C] [--load-end L]
      prints the markdown report
  bench_report.py RUN.json --annotate PEERS.json
      writes into RUN.json's context what the report header needs and hamt_bench cannot know:
      the machine (CPU model, caches, transparent huge pages, OS) and the peers' provenance
      (PEERS.json: bench/cmake/peers.cmake's hamt_bench_peers.json); run it on the machine
      that ran the benchmark, right after the run

bench_charts.py and bench_compare.py use this module's loading and statistics.
"""

import argparse
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
from collections import defaultdict

OPS = ["insert", "find_hit", "find_deref", "contains", "find_miss", "erase", "iterate", "copy",
       "memory"]
OP_LABEL = {
    "insert": "insert",
    "find_hit": "find hit",
    "find_deref": "find(k)->second",
    "contains": "contains hit",
    "find_miss": "find miss",
    "erase": "erase",
    "iterate": "iterate",
    "copy": "copy",
    "memory": "bytes/entry",
}
NOISY = 0.15  # interquartile range / median above which a cell is marked ~
MIN_SHARE = 0.9  # runs whose thread had the CPU less than this share of the time are set aside
MIN_CLEAN = 3  # ...when at least this many runs (or round pairs) remain
IMPLS = ["hamt", "hamt_persistent", "hamt_persistent_st", "hamt_elementwise", "std", "absl_flat", "absl_node",
         "immer", "libhamt", "libhamt_cache", "libhamt_pset", "libhamt_pset_gc"]
IMPL_LABEL = {
    "hamt": "hamt::map",
    "hamt_persistent": "hamt::persistent_map",
    "hamt_persistent_st": "hamt::persistent_map (single_thread)",
    "hamt_elementwise": "hamt element-wise (transient)",
    "std": "std::unordered_map",
    "absl_flat": "absl::flat_hash_map",
    "absl_node": "absl::node_hash_map",
    "immer": "immer::map",
    "libhamt": "libhamt",
    "libhamt_cache": "libhamt+cache",
    "libhamt_pset": "libhamt hamt_pset",
    "libhamt_pset_gc": "libhamt hamt_pset+GC",
}
ERROR_MEANING = {
    "insert": "entries missing after inserting every key",
    "find_hit": "inserted keys not found",
    "find_deref": "runs whose sum of values was wrong",
    "contains": "inserted keys not found",
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


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _sysctl(name):
    try:
        out = subprocess.run(["sysctl", "-n", name], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def _size(nbytes):
    n = int(nbytes)
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1 << 10 and n % (1 << 10) == 0:
        return f"{n >> 10} KiB"
    return f"{n} B"


def cpu_model():
    """The CPU's name; on x86 Linux with its family and model, since a VM's name is often just
    the vendor's brand ('AMD EPYC')."""
    text = _read("/proc/cpuinfo")
    if text:
        fields = {}
        for line in text.splitlines():
            k, _, v = line.partition(":")
            fields.setdefault(k.strip(), v.strip())
        name = fields.get("model name") or fields.get("Model")
        if name:
            if fields.get("cpu family") and fields.get("model"):
                name += f" (family {fields['cpu family']}, model {fields['model']})"
            return name
    return _sysctl("machdep.cpu.brand_string") or platform.processor() or "unknown"


def cache_sizes():
    """Cache sizes, e.g. 'L1d 32 KiB, L1i 32 KiB, L2 512 KiB, L3 32 MiB (shared by 2)'."""
    base = "/sys/devices/system/cpu/cpu0/cache"
    parts = []
    if os.path.isdir(base):
        for d in sorted(os.listdir(base)):
            if not d.startswith("index"):
                continue
            level, kind, size = (_read(f"{base}/{d}/{f}") for f in ("level", "type", "size"))
            if not (level and kind and size):
                continue
            name = f"L{level}" + {"Data": "d", "Instruction": "i"}.get(kind, "")
            m = re.fullmatch(r"(\d+)([KMG]?)", size)
            if m:
                size = _size(int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)])
            shared = _read(f"{base}/{d}/shared_cpu_list") or ""
            n = sum(int(b) - int(a) + 1 for a, _, b in
                    (r.partition("-") if "-" in r else (r, "", r) for r in shared.split(",") if r))
            parts.append(f"{name} {size}" + (f" (shared by {n})" if n > 1 else ""))
        return ", ".join(parts) or None
    if _sysctl("hw.perflevel0.l2cachesize"):  # Apple Silicon: performance and efficiency cores
        for lvl, label in (("0", "P-cores"), ("1", "E-cores")):
            sizes = [(f"L{n}{k}", _sysctl(f"hw.perflevel{lvl}.l{n}{k}cachesize"))
                     for n, k in ((1, "d"), (1, "i"), (2, ""))]
            sizes = [f"{name} {_size(v)}" for name, v in sizes if v and v.isdigit()]
            if sizes:
                parts.append(f"{label}: {', '.join(sizes)}")
    else:
        for name, key in (("L1d", "hw.l1dcachesize"), ("L1i", "hw.l1icachesize"),
                          ("L2", "hw.l2cachesize"), ("L3", "hw.l3cachesize")):
            v = _sysctl(key)
            if v and v.isdigit() and int(v) > 0:
                parts.append(f"{name} {_size(v)}")
    line = _sysctl("hw.cachelinesize")
    if parts and line:
        parts.append(f"{line}-byte lines")
    return "; ".join(parts) or None


def transparent_huge_pages():
    """The kernel's THP setting ('enabled [madvise], defrag [madvise]'), or None off Linux."""
    out = []
    for f in ("enabled", "defrag"):
        text = _read(f"/sys/kernel/mm/transparent_hugepage/{f}")
        if text:
            m = re.search(r"\[([^\]]+)\]", text)
            out.append(f"{f} [{m.group(1) if m else text}]")
    return ", ".join(out) or None


def machine_info():
    info = {
        "system": platform.system(),
        "machine": platform.machine(),
        "os": platform.platform(),
        "cpu": cpu_model(),
        "caches": cache_sizes(),
    }
    thp = transparent_huge_pages()
    if thp:
        info["transparent_huge_pages"] = thp
    return {k: v for k, v in info.items() if v}


def annotate(path, peers_path, run=None):
    """Adds hamt_machine, hamt_peers and hamt_run (revision, runtime, command, load at the end)
    to the context of the hamt_bench JSON at path."""
    with open(path) as f:
        data = json.load(f)
    ctx = data.setdefault("context", {})
    ctx["hamt_machine"] = machine_info()
    if run:  # given fields replace stored ones; the others stay (annotating twice is fine)
        stored = ctx.get("hamt_run") or {}
        stored.update({k: v for k, v in run.items() if v not in (None, "")})
        ctx["hamt_run"] = stored
    if peers_path:
        try:
            with open(peers_path) as f:
                ctx["hamt_peers"] = json.load(f)
        except (OSError, ValueError) as e:
            print(f"bench_report.py: {peers_path}: {e}; the peers' provenance is left out",
                  file=sys.stderr)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def load(path):
    with open(path) as f:
        data = json.load(f)
    runs = defaultdict(list)  # (op, key, impl, n) -> [per-repetition dicts]
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue  # aggregates: the medians are taken here, from every run
        parts = b.get("run_name", b["name"]).split("/")
        if len(parts) < 4:
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


def op_label(op):
    return OP_LABEL.get(op, op.replace("_", " "))


def ordered_ops(runs):
    """The ops of a run: the known ones in OPS order, then any others (rows added to the suite
    later) sorted by name."""
    present = {k[0] for k in runs}
    return [o for o in OPS if o in present] + sorted(present - set(OPS))


def ordered_impls(runs):
    present = {k[2] for k in runs}
    return [i for i in IMPLS if i in present] + sorted(present - set(IMPLS))


def field_of(op, rs):
    """'bytes' for memory rows (they carry bytes_per_entry), else 'ns'."""
    return "bytes" if op == "memory" or any(r.get("bytes") is not None for r in rs) else "ns"


def base_impl(runs, op, key, n, impls):
    """The hamt implementation a row's ratios are taken against: hamt::map where the row has
    it, else the first other hamt_* implementation of the row (e.g. persistent-only rows)."""
    if (op, key, "hamt", n) in runs:
        return "hamt"
    for i in impls:
        if i.startswith("hamt") and (op, key, i, n) in runs:
            return i
    return None


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


PEER_LABEL = {"immer": "immer", "libhamt": "libhamt", "libhamt_cache": "libhamt+cache",
              "libhamt_user": "libhamt", "boehm_gc": "Boehm GC"}


def heap_counter(ctx):
    return ("malloc_zone_statistics" if ctx.get("hamt_machine", {}).get("system") == "Darwin"
            else "mallinfo2")


def header_lines(ctx, args, reps):
    """The bullet list under the title: machine, compiler, peers, method, command. What the
    command line gives wins over what --annotate stored in the JSON."""
    m = ctx.get("hamt_machine") or {}
    stored = ctx.get("hamt_run") or {}
    run = {k: getattr(args, k, None) or stored.get(k)
           for k in ("revision", "runtime", "command", "load_end")}
    lines = []
    w = lines.append
    load = ", ".join(f"{x:.2f}" for x in ctx.get("load_avg", []))
    end = run["load_end"] or ""
    w(f"- machine: `{m.get('machine', platform.machine())}`, {m.get('cpu') or cpu_model()}, "
      f"{ctx.get('num_cpus', '?')} CPUs"
      + (f", {m['os']}" if m.get("os") else "")
      + (f"; load average {load} at start" if load else "")
      + (f", {', '.join(end.split()[:3])} at end" if end else ""))
    caches = m.get("caches")
    if not caches and ctx.get("caches"):  # Google Benchmark's own view
        caches = ", ".join(f"L{c['level']}{ {'Data': 'd', 'Instruction': 'i'}.get(c['type'], '')} "
                           f"{_size(c['size'])}" for c in ctx["caches"])
    if caches:
        w(f"- caches: {caches}")
    if m.get("transparent_huge_pages"):
        w(f"- transparent huge pages: {m['transparent_huge_pages']}")
    w(f"- compiler: {ctx.get('hamt_compiler', '?')}; flags: `{ctx.get('hamt_cxx_flags', '?')}` "
      f"({ctx.get('hamt_build_type', '?')})")
    if run["revision"]:
        w(f"- hamt: {run['revision']}")
    versions = []
    if "absl" in ctx:
        versions.append(f"abseil {ctx['absl']} (installed)")
    peers = ctx.get("hamt_peers")
    if peers:
        for key, p in peers.items():
            label = PEER_LABEL.get(key, key)
            status = p.get("status", "?")
            if status not in ("measured", "found"):
                versions.append(f"{label}: {status}")
                continue
            if key == "boehm_gc":
                versions.append(f"{label} {p.get('version', '')} found (for libhamt's "
                                f"persistent API, hamt_pset)".replace("  ", " "))
                continue
            desc = " ".join(x for x in (p.get("version"), p.get("commit") and
                                        f"({p['commit']})" if p.get("version") else p.get("commit"))
                            if x)
            detail = "; ".join(x for x in (p.get("source"), p.get("build") and f"`{p['build']}`")
                               if x)
            versions.append(f"{label} {desc}".strip() + (f": {detail}" if detail else ""))
    else:
        if "immer" in ctx:
            versions.append(f"immer {ctx['immer']}")
        for k, v in sorted(ctx.items()):
            if k.startswith("libhamt ") and not k.endswith("cache bytes"):
                versions.append(f"{IMPL_LABEL.get(k.split(' ', 1)[1], k)}: `{v}`")
    if versions:
        w("- baselines:")
        for v in versions:
            w(f"  - {v}")
    heap = ctx.get("hamt_heap", "?")
    if m.get("system") == "Darwin" and heap.startswith("not configured"):
        heap = ("as macOS leaves it (glibc's mallopt tuning and warm-up have no macOS "
                "equivalent here); bytes/entry from malloc_zone_statistics")
    w(f"- method: Google Benchmark, median of {reps} round{'s' if reps != 1 else ''} (every "
      f"case once per round; implementations interleaved per N, order rotated each round); "
      f"about {ctx.get('hamt_work', '?')} elements per timed run; heap: "
      f"{heap}; key seed {ctx.get('hamt_seed', '?')}")
    if run["runtime"] is not None:
        w(f"- total run time: {float(run['runtime']):.0f} s")
    if run["command"]:
        w(f"- command: `{run['command']}`")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("json", help="hamt_bench --benchmark_out JSON file")
    ap.add_argument("--revision", default="", help="hamt revision measured")
    ap.add_argument("--runtime", type=float, default=None, help="wall time of the run, seconds")
    ap.add_argument("--command", default="", help="command line that produced the run")
    ap.add_argument("--load-end", default="", help="/proc/loadavg when the run ended")
    ap.add_argument("--annotate", metavar="PEERS_JSON", default=None,
                    help="write the machine, the peers (hamt_bench_peers.json; '' for none) and "
                         "the run's --revision/--runtime/--command/--load-end into the JSON's "
                         "context; print nothing")
    args = ap.parse_args()
    if args.annotate is not None:
        annotate(args.json, args.annotate, {"revision": args.revision, "runtime": args.runtime,
                                            "command": args.command, "load_end": args.load_end})
        return 0

    ctx, runs = load(args.json)
    if not runs:
        print("hamt_bench produced no results (is the filter too narrow?)", file=sys.stderr)
        return 1

    keys = sorted({k[1] for k in runs}, key=lambda k: (k != "int64", k))
    impls = ordered_impls(runs)
    sizes = sorted({k[3] for k in runs})
    reps = max(len(v) for v in runs.values())
    have_hamt = any(i.startswith("hamt") for i in impls)

    out = []
    w = out.append
    w(f"## hamt benchmark — {ctx.get('date', '?')}")
    w("")
    w(header_lines(ctx, args, reps))
    w("")
    if have_hamt:
        w("Cells: median ns per element over the rounds (runs that lost the CPU to other work "
          "set aside, see Notes); bytes/entry rows: heap bytes per entry "
          f"({heap_counter(ctx)} delta). For competitors, (x) = hamt / competitor, the median of the "
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
        for op in ordered_ops(runs):
            for n in sizes:
                if not any((op, key, i, n) in runs for i in impls):
                    continue
                field = field_of(op, [r for i in impls for r in runs.get((op, key, i, n), [])])
                vals = {}
                for i in impls:
                    rs = runs.get((op, key, i, n))
                    if rs:
                        vals[i] = median(r.get(field) for r in clean(rs))
                bi = base_impl(runs, op, key, n, impls)
                base = vals.get(bi)
                cells = []
                for i in impls:
                    v = vals.get(i)
                    if v is None:
                        cells.append("—")
                        continue
                    cell = fmt(v)
                    rs = runs[(op, key, i, n)]
                    if field == "ns" and spread(r.get("ns") for r in clean(rs)) > NOISY:
                        cell += "~"
                        noisy += 1
                    if i != bi and base is not None and v > 0:
                        r, noisy_ratio = ratio(runs[(op, key, bi, n)], rs, field)
                        cell += f" ({fmt_ratio(r)}{'~' if noisy_ratio else ''})"
                        noisy += noisy_ratio
                    cells.append(cell)
                w(f"| {op_label(op)} | {size_label(n)} | " + " | ".join(cells) + " |")
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
    if "libhamt_pset" in impls:
        notes.append("libhamt hamt_pset: libhamt's persistent API (hamt_pset, hamt_premove) on its "
                     "plain build with its default allocator (malloc/free). libhamt frees no node "
                     "of a replaced version, so every update leaks the path it copied (over a "
                     "kilobyte per insert at 100K keys); the benchmark links each block into a list "
                     "(a 16-byte header) and frees the list after each timed run. No "
                     "persistent_insert_move row (libhamt has no in-place update: it would be "
                     "the same loop), no snapshot_memory or == rows.")
    if "libhamt_pset_gc" in impls:
        notes.append("libhamt hamt_pset+GC: the same with Boehm GC as its allocator ({GC_malloc, "
                     "GC_realloc, a no-op free}, as libhamt's README runs it); collections "
                     "happen inside the timed loops.")
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
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under | head
    sys.exit(main())
