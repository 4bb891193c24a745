#!/usr/bin/env python3
"""Draws hamt_bench's JSON output as SVG charts (used by scripts/bench and scripts/bench --charts).

For each key type two figures, written to OUT/PREFIX-<key>.svg and OUT/PREFIX-<key>-ratio.svg:
  - one panel per operation: median ns per element (bytes per entry for the memory rows)
    against N, log-log, one line per implementation, hamt drawn thick and on top, the rounds'
    interquartile range as a band where a case ran in several rounds;
  - the ratios hamt / competitor (the report's per-round medians) per operation, with the 1.0
    line: below it hamt is faster or smaller.
PREFIX defaults to the JSON's file name without .json. Needs matplotlib (Debian:
python3-matplotlib); exits with status 3 and a one-line message when it is missing. The SVGs
carry no date and fixed element ids, so the same JSON always gives the same files.
"""

import argparse
import math
import os
import signal
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_report as br  # noqa: E402

COLORS = {
    "hamt": "#d62728",
    "hamt_persistent": "#7f0000",
    "hamt_persistent_st": "#f4a582",
    "std": "#1f77b4",
    "absl_flat": "#2ca02c",
    "absl_node": "#98df8a",
    "immer": "#9467bd",
    "libhamt": "#ff7f0e",
    "libhamt_cache": "#8c564b",
    "libhamt_pset": "#bcbd22",
    "libhamt_pset_gc": "#17becf",
}
MARKERS = {"hamt": "o", "hamt_persistent": "h", "hamt_persistent_st": "p", "std": "s", "absl_flat": "^", "absl_node": "v", "immer": "D",
           "libhamt": "P", "libhamt_cache": "X", "libhamt_pset": "*", "libhamt_pset_gc": "d"}
KEY_TITLE = {"int64": "int64 keys, int64 values",
             "string": "std::string keys (20-28 characters), int64 values"}


def quartiles(values):
    values = sorted(v for v in values if v is not None)
    if len(values) < 2:
        return None
    if len(values) < 4:
        return values[0], values[-1]
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q3


def series(runs, op, key, impl, sizes):
    """(N, median, low, high) of one implementation's cells, low/high from the rounds."""
    out = []
    for n in sizes:
        rs = runs.get((op, key, impl, n))
        if not rs:
            continue
        field = br.field_of(op, rs)
        vals = [r.get(field) for r in br.clean(rs)]
        m = br.median(vals)
        if m is None or m <= 0:
            continue
        q = quartiles(vals) if field == "ns" else None
        out.append((n, m, q[0] if q else m, q[1] if q else m))
    return out


def ratio_series(runs, op, key, impl, sizes, impls):
    """(N, hamt / impl) where the row has both (hamt: br.base_impl, hamt::map first)."""
    out = []
    for n in sizes:
        bi = br.base_impl(runs, op, key, n, impls)
        base, other = runs.get((op, key, bi, n)), runs.get((op, key, impl, n))
        if not base or not other or bi == impl:
            continue
        r, _ = br.ratio(base, other, br.field_of(op, base))
        if r == r and r > 0:  # not NaN
            out.append((n, r))
    return out


def save(fig, path, fmt):
    if fmt == "svg":
        fig.savefig(path, format="svg", metadata={"Date": None})
    else:
        fig.savefig(path, format=fmt, dpi=80)


def style_axes(ax, sizes):
    """Log-log axes with plain-number ticks: 1, 2, 5 per decade over a short range."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes)
    ax.set_xticklabels([br.size_label(n) for n in sizes])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlim(sizes[0] / 1.6, sizes[-1] * 1.6)
    lo, hi = ax.get_ylim()
    decades = math.log10(hi / lo) if lo > 0 and hi > lo else 1
    subs = (1.0, 2.0, 5.0) if decades <= 2.5 else (1.0,)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.grid(True, which="major", alpha=0.3)


def draw(json_path, out_dir, prefix, title_note="", fmt="svg"):
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "hamt-bench"  # stable element ids
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: smaller files
    import matplotlib.pyplot as plt

    ctx, runs = br.load(json_path)
    if not runs:
        print(f"bench_charts.py: {json_path} has no results", file=sys.stderr)
        return []
    keys = sorted({k[1] for k in runs}, key=lambda k: (k != "int64", k))
    impls = br.ordered_impls(runs)
    sizes = sorted({k[3] for k in runs})
    machine = (ctx.get("hamt_machine") or {}).get("cpu") or br.cpu_model()
    subtitle = (f"{machine}, {ctx.get('hamt_compiler', '?')} {ctx.get('hamt_cxx_flags', '')}, "
                f"{ctx.get('date', '?')[:10]}{title_note}")
    written = []
    os.makedirs(out_dir, exist_ok=True)
    for key in keys:
        ops = [op for op in br.ordered_ops(runs)
               if any((op, key, i, n) in runs for i in impls for n in sizes)]
        if not ops:
            continue
        cols = min(4, len(ops))
        rows = (len(ops) + cols - 1) // cols

        # Absolute values.
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows + 0.9), squeeze=False)
        for ax, op in zip(axes.flat, ops):
            for impl in impls:
                pts = series(runs, op, key, impl, sizes)
                if not pts:
                    continue
                hamt = impl.startswith("hamt")
                xs = [p[0] for p in pts]
                ax.plot(xs, [p[1] for p in pts], color=COLORS.get(impl, "gray"),
                        marker=MARKERS.get(impl, "."), markersize=6 if hamt else 4,
                        linewidth=2.8 if hamt else 1.2, alpha=1.0 if hamt else 0.8,
                        zorder=10 if hamt else 2, label=br.IMPL_LABEL.get(impl, impl))
                if any(p[2] != p[3] for p in pts):
                    ax.fill_between(xs, [p[2] for p in pts], [p[3] for p in pts],
                                    color=COLORS.get(impl, "gray"), alpha=0.15 if hamt else 0.08,
                                    linewidth=0, zorder=1)
            style_axes(ax, sizes)
            ax.set_title(br.op_label(op))
            in_bytes = any(br.field_of(op, rs) == "bytes"
                           for (o, k, _, _), rs in runs.items() if o == op and k == key)
            ax.set_ylabel("bytes per entry" if in_bytes else "ns per element")
            ax.set_xlabel("N")
        for ax in list(axes.flat)[len(ops):]:
            ax.set_visible(False)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        for ax in axes.flat:  # an implementation missing in the first panel still gets a key
            for h, lab in zip(*ax.get_legend_handles_labels()):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 7), frameon=False)
        fig.suptitle(f"hamt_bench: {KEY_TITLE.get(key, key + ' keys')} (lower is better)\n"
                     f"{subtitle}", fontsize=11)
        fig.tight_layout(rect=(0, 0.06, 1, 0.95))
        path = os.path.join(out_dir, f"{prefix}-{key}.{fmt}")
        save(fig, path, fmt)
        plt.close(fig)
        written.append(path)

        # Ratios hamt / competitor.
        competitors = [i for i in impls if i != "hamt"]
        if not any(i.startswith("hamt") for i in impls) or not competitors:
            continue
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows + 0.9), squeeze=False)
        for ax, op in zip(axes.flat, ops):
            for impl in competitors:
                pts = ratio_series(runs, op, key, impl, sizes, impls)
                if not pts:
                    continue
                ax.plot([p[0] for p in pts], [p[1] for p in pts], color=COLORS.get(impl, "gray"),
                        marker=MARKERS.get(impl, "."), markersize=4, linewidth=1.4,
                        label=br.IMPL_LABEL.get(impl, impl))
            ax.axhline(1.0, color="black", linewidth=1.2, zorder=0)
            style_axes(ax, sizes)
            ax.set_title(br.op_label(op))
            ax.set_ylabel("hamt / competitor")
            ax.set_xlabel("N")
        for ax in list(axes.flat)[len(ops):]:
            ax.set_visible(False)
        handles, labels = [], []
        for ax in axes.flat:
            for h, lab in zip(*ax.get_legend_handles_labels()):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), frameon=False)
        fig.suptitle(f"hamt / competitor: {KEY_TITLE.get(key, key + ' keys')} (below 1: hamt "
                     f"is faster or smaller)\n{subtitle}", fontsize=11)
        fig.tight_layout(rect=(0, 0.06, 1, 0.95))
        path = os.path.join(out_dir, f"{prefix}-{key}-ratio.{fmt}")
        save(fig, path, fmt)
        plt.close(fig)
        written.append(path)
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", help="hamt_bench --benchmark_out JSON file")
    ap.add_argument("--out", default=None, help="folder for the SVGs (default: the JSON's)")
    ap.add_argument("--prefix", default=None, help="file name prefix (default: the JSON's name)")
    ap.add_argument("--note", default="", help="text appended to each figure's subtitle")
    ap.add_argument("--format", default="svg", choices=["svg", "png"],
                    help="image format (default svg; png for a quick look)")
    args = ap.parse_args()
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("bench_charts.py: matplotlib is not installed (Debian: python3-matplotlib, "
              "Homebrew: python-matplotlib); no charts", file=sys.stderr)
        return 3
    out = args.out or os.path.dirname(os.path.abspath(args.json))
    prefix = args.prefix or os.path.splitext(os.path.basename(args.json))[0]
    written = draw(args.json, out, prefix, f", {args.note}" if args.note else "", args.format)
    for p in written:
        print(p)
    return 0 if written else 1


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under | head
    sys.exit(main())
