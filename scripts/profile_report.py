#!/usr/bin/env python3
"""scripts/profile's engine: runs hamt_bench cases under a profiler at two work sizes,
differences the two runs so that setup cancels out, and writes per-element tables (markdown
on stdout and in OUT/profile-<stamp>.md, everything in OUT/profile-<stamp>.json, the raw
profiler files in OUT/profile-<stamp>/). scripts/profile builds hamt_bench and calls this;
run `scripts/profile --help` for the options.

Linux: valgrind's cachegrind with its cache simulation (instructions, L1 data misses and
last-level data misses per element; the simulated caches are the machine's, read from sysfs),
and perf stat beside it where the hardware counters are exposed (`perf stat -e instructions
true` counts). --by-function: callgrind (--dump-instr=yes) at the same two sizes; every
instruction of hamt_bench is attributed to the innermost function it was inlined from
(addr2line -i over the binary's DWARF), so hamt's functions show as in the source
(trie::find, node_arena::allocate) although the compiler inlined them into the benchmark loop.
macOS: xctrace's Time Profiler on the same runs and the top functions from xctrace export.

A case is <op>/<key>/<impl>/<N> as hamt_bench names it; each CASE argument is a regex that
must match the whole name (find_hit/int64/(hamt|std)/100000, insert/.*/1000000).
"""

import argparse
import datetime
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_report as br  # noqa: E402  (labels, machine description)

FIXED_OPS = {"memory", "snapshot_memory", "equal_one_apart"}  # one iteration whatever the work
PERF_EVENTS = ["cycles:u", "instructions:u", "branch-misses:u", "cache-misses:u"]
CG_METRICS = [("instructions", "instructions"), ("d1_misses", "L1 data misses"),
              ("ll_misses", "LL data misses")]
PERF_METRICS = [("cycles", "cycles (perf)"), ("perf_instructions", "instructions (perf)"),
                ("ipc", "IPC (perf)"), ("branch_misses", "branch misses (perf)"),
                ("cache_misses", "cache misses (perf)")]
XCTRACE_XPATH = '/trace-toc/run[@number="1"]/data/table[@schema="time-profile"]'


# --- commands -------------------------------------------------------------------------------
def quoted(cmd):
    return " ".join(a if re.fullmatch(r"[A-Za-z0-9_./:=,+@%^-]+", a) else shlex.quote(a)
                    for a in cmd)


class Runner:
    """Runs commands (or, in a dry run, prints them as scripts/lib/common.sh's run_cmd does) and
    keeps the list of what ran, for the report."""

    def __init__(self, dry_run):
        self.dry_run = dry_run
        self.commands = []

    def run(self, cmd, stdout=None, check=True, quiet=False):
        self.commands.append(quoted(cmd) + (f" > {stdout}" if stdout else ""))
        if self.dry_run:
            print("+ " + quoted(cmd) + (f"  (stdout to {stdout})" if stdout else ""))
            return ""
        if not quiet:
            print(f"== {quoted(cmd)}", file=sys.stderr)
        out = subprocess.run(cmd, capture_output=True, text=True)
        if stdout:
            with open(stdout, "w") as f:
                f.write(out.stdout)
        if check and out.returncode != 0:
            sys.stderr.write(out.stdout[-4000:] + out.stderr[-4000:])
            raise SystemExit(f"profile: command failed (exit {out.returncode}): {quoted(cmd)}")
        return out.stdout


# --- the machine ----------------------------------------------------------------------------
def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _bytes(text):
    m = re.fullmatch(r"(\d+)([KMG]?)", text or "")
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)] if m else None


def _cachegrind_geometry(size, ways, line):
    """size,assoc,line as cachegrind accepts it: the number of sets must be a power of two,
    so a cache like 12 MiB 16-way is simulated with more ways, as valgrind's own detection
    does. Returns (spec, note)."""
    ways = ways if ways and ways > 0 else 8
    sets = size // (line * ways)
    if sets > 0 and sets & (sets - 1) == 0:
        return f"{size},{ways},{line}", ""
    pow2 = 1 << (sets.bit_length() - 1)
    if size % (line * pow2) == 0:
        new_ways = size // (line * pow2)
        return (f"{size},{new_ways},{line}",
                f"{ways}-way has {sets} sets, not a power of two: simulated {new_ways}-way")
    size2 = pow2 * line * ways
    return f"{size2},{ways},{line}", f"size rounded to {size2} bytes (sets a power of two)"


def linux_cache_specs():
    """{'I1': (spec, text), 'D1': ..., 'LL': ...} from sysfs, or {} when it is absent."""
    base = "/sys/devices/system/cpu/cpu0/cache"
    found = {}
    if not os.path.isdir(base):
        return {}
    for d in sorted(os.listdir(base)):
        if not d.startswith("index"):
            continue
        level, kind = _read(f"{base}/{d}/level"), _read(f"{base}/{d}/type")
        size = _bytes(_read(f"{base}/{d}/size"))
        ways = int(_read(f"{base}/{d}/ways_of_associativity") or 0)
        line = int(_read(f"{base}/{d}/coherency_line_size") or 64)
        if not (level and kind and size):
            continue
        found[(int(level), kind)] = (size, ways, line)
    specs = {}
    for name, key in (("I1", (1, "Instruction")), ("D1", (1, "Data"))):
        if key in found:
            specs[name] = found[key]
    unified = sorted(k for k in found if k[1] in ("Unified", "Data") and k[0] > 1)
    if unified:
        specs["LL"] = found[unified[-1]] + (unified[-1][0],)
    out = {}
    for name, geo in specs.items():
        spec, note = _cachegrind_geometry(*geo[:3])
        label = f"L{geo[3]}" if name == "LL" else name
        text = (f"{br._size(geo[0])}, {geo[1] or '?'}-way, {geo[2]}-byte lines "
                f"(the machine's {label})" + (f"; {note}" if note else ""))
        out[name] = (spec, text)
    return out


def perf_works():
    """(True, '') when `perf stat -e instructions true` counts, else (False, why)."""
    if not shutil.which("perf"):
        return False, "perf is not installed"
    try:
        out = subprocess.run(["perf", "stat", "-e", "instructions", "true"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        return False, f"perf stat failed ({e})"
    text = out.stdout + out.stderr
    if out.returncode != 0:
        return False, (text.strip().splitlines() or ["perf stat failed"])[0]
    if "<not supported>" in text or "<not counted>" in text:
        return False, "no hardware counters (perf stat -e instructions true: <not supported>)"
    if not re.search(r"\d[\d,.]*\s+instructions", text):
        return False, "perf stat counted no instructions"
    return True, ""


def tool_version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return None


def git_revision(repo):
    try:
        rev = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--", "include",
                                "bench"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (rev or "no commit") + (" + uncommitted changes in include/ or bench/" if dirty else "")


# --- cases ----------------------------------------------------------------------------------
NAME = re.compile(r"^([A-Za-z0-9_]+/[A-Za-z0-9_]+/[A-Za-z0-9_]+/\d+)/")
LITERAL = re.compile(r"[A-Za-z0-9_]+/[A-Za-z0-9_]+/[A-Za-z0-9_]+/\d+")


def bench_base(bench, n, key, work, name):
    return [bench, "--hamt_rounds=1", f"--hamt_sizes={n}",
            f"--hamt_strings={1 if key == 'string' else 0}", f"--hamt_work={work}",
            "--hamt_warm_mib=0", f"--benchmark_filter=^{name}/"]


def list_cases(runner, bench, sizes, patterns):
    """The case names that match the patterns, in hamt_bench's order."""
    if runner.dry_run:
        names = []
        for p in patterns:
            if LITERAL.fullmatch(p):
                names.append(p)
            else:
                runner.run([bench, "--benchmark_list_tests=true", "--hamt_warm_mib=0",
                            f"--hamt_sizes={sizes}"])
                print(f"  (dry run: the cases matching {p} would be read from that list)")
        return names
    out = runner.run([bench, "--benchmark_list_tests=true", "--hamt_warm_mib=0",
                      f"--hamt_sizes={sizes}"], quiet=True)
    all_names = []
    for line in out.splitlines():
        m = NAME.match(line)
        if m and m.group(1) not in all_names:
            all_names.append(m.group(1))
    names = []
    for p in patterns:
        try:
            rx = re.compile(p)
        except re.error as e:
            raise SystemExit(f"profile: {p}: not a regex ({e})")
        hits = [n for n in all_names if rx.fullmatch(n)]
        if not hits:
            raise SystemExit(f"profile: no case matches {p} (the whole <op>/<key>/<impl>/<N> "
                             f"must match; sizes listed: {sizes}, see --sizes; "
                             f"{bench} --benchmark_list_tests=true lists them)")
        names += [h for h in hits if h not in names]
    return names


def iterations_for(n, work):
    """Iterations of the two runs: enough for about `work` elements in the first, twice as many
    in the second."""
    i1 = max(1, math.ceil(work / n))
    return i1, 2 * i1


def items_of(json_path, name):
    """(items processed, iterations, errors, context) of the case in a hamt_bench JSON."""
    with open(json_path) as f:
        data = json.load(f)
    for b in data.get("benchmarks", []):
        if b.get("name", "").startswith(name + "/"):
            scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
            seconds = b["real_time"] * scale * b["iterations"]
            items = round(b.get("items_per_second", 0) * seconds)
            return items, b["iterations"], b.get("errors", 0), data.get("context", {})
    raise SystemExit(f"profile: {json_path} has no result for {name}")


# --- cachegrind and perf --------------------------------------------------------------------
def cachegrind_totals(path):
    events = summary = None
    with open(path) as f:
        for line in f:
            if line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith("summary:"):
                summary = [int(x) for x in line.split()[1:]]
    if not events or not summary:
        raise SystemExit(f"profile: {path}: no events or summary line")
    t = dict(zip(events, summary))
    return {"instructions": t.get("Ir", 0),
            "d1_misses": t.get("D1mr", 0) + t.get("D1mw", 0),
            "ll_misses": t.get("DLmr", 0) + t.get("DLmw", 0),
            "raw": t}


def perf_totals(path):
    """perf stat -x, output: value,unit,event,..."""
    names = {"cycles": "cycles", "instructions": "perf_instructions",
             "branch-misses": "branch_misses", "cache-misses": "cache_misses"}
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.strip().split(",")
            if len(parts) < 3 or line.startswith("#"):
                continue
            event = parts[2].split(":")[0]
            if event in names:
                try:
                    out[names[event]] = float(parts[0])
                except ValueError:  # <not supported>, <not counted>
                    pass
    return out


# --- callgrind, attributed to inlined functions ---------------------------------------------
def _position(token, last):
    if token == "*":
        return last
    if token[0] in "+-":
        sign = -1 if token[0] == "-" else 1
        body = token[1:]
        return last + sign * (int(body, 16) if body.startswith("0x") else int(body))
    return int(token, 16) if token.startswith("0x") else int(token)


def parse_callgrind(path):
    """Self cost per (object, function, instruction address) and inclusive cost of calls per
    (object, function, call-site address, callee)."""
    tables = {"ob": {}, "fl": {}, "fn": {}}
    kinds = {"ob": "ob", "cob": "ob", "fn": "fn", "cfn": "fn"}
    self_cost = defaultdict(int)
    call_cost = defaultdict(int)
    ob = fn = callee = None
    last = 0
    in_call = False
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line or line[0] == "#":
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                last = _position(parts[0], last)
                cost = int(parts[2]) if len(parts) > 2 else 0
                if in_call:
                    call_cost[(ob, fn, last, callee)] += cost
                    in_call = False
                else:
                    self_cost[(ob, fn, last)] += cost
                continue
            key, _, val = line.partition("=")
            if key in ("ob", "fl", "fi", "fe", "fn", "cob", "cfi", "cfl", "cfn"):
                table = tables[kinds.get(key, "fl")]
                m = re.match(r"\((\d+)\)(?: (.*))?$", val)
                if m:
                    if m.group(2) is not None:
                        table[m.group(1)] = m.group(2)
                    name = table.get(m.group(1), val)
                else:
                    name = val
                if key == "ob":
                    ob = name
                elif key == "fn":
                    fn = name
                elif key == "cfn":
                    callee = name
            elif key == "calls":
                in_call = True
    return self_cost, call_cost


_OPERATORS = ["operator()", "operator<<=", "operator>>=", "operator<=>", "operator<<",
              "operator>>", "operator<=", "operator>=", "operator->*", "operator->",
              "operator<", "operator>", "operator new[]", "operator delete[]", "operator new",
              "operator delete"]


def short_name(name):
    """A demangled name as the source spells it: no return type, template arguments,
    parameters or hamt::detail:: (hamt::detail::trie<...>::find<long>(long const&) const ->
    trie::find)."""
    s = re.sub(r" \[clone [^\]]*\]", "", name)
    s = s.replace("(anonymous namespace)", "{anon}")
    for i, op in enumerate(_OPERATORS):
        s = s.replace(op, f"\x00{i}\x00")
    out, angle, paren = [], 0, 0
    for ch in s:
        if ch == "<":
            angle += 1
        elif ch == ">":
            angle = max(0, angle - 1)
        elif ch == "(":
            paren += 1
        elif ch == ")":
            paren = max(0, paren - 1)
        elif angle == 0 and paren == 0:
            out.append(ch)
    s = "".join(out).strip()
    while True:
        t = re.sub(r"\s*(\bconst|\bvolatile|&&|&|\bnoexcept)$", "", s)
        if t == s:
            break
        s = t
    if " " in s:
        s = s.rsplit(" ", 1)[1]
    s = re.sub(r"\x00(\d+)\x00", lambda m: _OPERATORS[int(m.group(1))], s)
    for prefix in ("hamt::detail::", "hamt::"):
        if s.startswith(prefix):
            s = s[len(prefix):]
    return s or name


def origin_of_file(path):
    if not path or path.startswith("??"):
        return None
    if "/include/hamt/" in path:
        return "hamt"
    for key, label in (("/bench/", "hamt_bench"), ("/immer/", "immer"), ("/absl/", "abseil"),
                       ("/benchmark/", "Google Benchmark"), ("/c++/", "libstdc++"),
                       ("/xxhash", "xxHash")):
        if key in path:
            return label
    return os.path.basename(path.split(":")[0])


def origin_of_object(ob):
    base = os.path.basename(ob or "?")
    m = re.match(r"(lib[A-Za-z0-9_+-]+)", base)
    return m.group(1) if m else base


def inline_chains(runner, binary, addresses):
    """{address: [(function, file), ...]} innermost first, from addr2line -i."""
    if not addresses:
        return {}
    tool = shutil.which("addr2line")
    if not tool:
        raise SystemExit("profile: --by-function needs addr2line (binutils)")
    text = "\n".join(f"0x{a:x}" for a in sorted(addresses)) + "\n"
    runner.commands.append(f"addr2line -a -f -i -C -e {binary} < (the {len(addresses)} "
                           f"instruction addresses callgrind reported)")
    out = subprocess.run([tool, "-a", "-f", "-i", "-C", "-e", binary], input=text,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    chains, cur, i = {}, None, 0
    while i < len(out):
        line = out[i]
        if re.fullmatch(r"0x[0-9a-f]+", line):
            cur = int(line, 16)
            chains[cur] = []
            i += 1
            continue
        func = line
        loc = out[i + 1] if i + 1 < len(out) else "??"
        i += 2
        if cur is not None and func != "??":
            chains[cur].append((func, loc))
    return chains


def function_costs(runner, path, binary, chains_cache):
    """{short name: [exclusive, inclusive, origin]} of one callgrind run. Exclusive: the
    instructions whose innermost (inlined) function it is; inclusive: every instruction with
    the function anywhere in its inline chain, plus the calls made from those instructions
    (a function's calls to itself are not added to it again)."""
    self_cost, call_cost = parse_callgrind(path)
    real_bin = os.path.realpath(binary)
    is_bin = {}

    def in_bin(ob):
        if ob not in is_bin:
            is_bin[ob] = ob is not None and os.path.realpath(ob) == real_bin
        return is_bin[ob]

    wanted = {a for (ob, _, a) in self_cost if in_bin(ob)}
    wanted |= {a for (ob, _, a, _) in call_cost if in_bin(ob)}
    missing = wanted - chains_cache.keys()
    chains_cache.update(inline_chains(runner, binary, missing))

    frames_memo = {}

    def frames(ob, fn, addr):
        key = (ob, fn, addr) if in_bin(ob) else (ob, fn)
        if key in frames_memo:
            return frames_memo[key]
        result = []
        if in_bin(ob):
            for func, loc in chains_cache.get(addr, []):
                result.append((short_name(func), origin_of_file(loc) or "hamt_bench"))
        if not result:
            result = [(short_name(fn or "?"), origin_of_object(ob))]
        seen, unique = set(), []
        for name, origin in result:
            if name not in seen:
                seen.add(name)
                unique.append((name, origin))
        frames_memo[key] = unique
        return unique

    costs = defaultdict(lambda: [0, 0, None])
    for (ob, fn, addr), c in self_cost.items():
        fr = frames(ob, fn, addr)
        costs[fr[0][0]][0] += c
        for name, origin in fr:
            costs[name][1] += c
            costs[name][2] = costs[name][2] or origin
    for (ob, fn, addr, callee), c in call_cost.items():
        target = short_name(callee or "?")
        for name, origin in frames(ob, fn, addr):
            if name != target:
                costs[name][1] += c
                costs[name][2] = costs[name][2] or origin
    return dict(costs)


# --- xctrace (macOS) ------------------------------------------------------------------------
def xctrace_costs(xml_path):
    """{function: [self ns, inclusive ns, binary]} from xctrace export's time-profile table."""
    tree = ET.parse(xml_path)
    by_id = {}
    for el in tree.iter():
        if "id" in el.attrib:
            by_id[el.attrib["id"]] = el

    def resolve(el):
        return by_id.get(el.attrib["ref"], el) if el is not None and "ref" in el.attrib else el

    costs = defaultdict(lambda: [0, 0, None])
    for row in tree.iter("row"):
        weight = resolve(row.find("weight"))
        bt = resolve(row.find("backtrace"))
        if weight is None or bt is None:
            continue
        try:
            w = int(weight.text)
        except (TypeError, ValueError):
            continue
        names = []
        for fr in bt.findall("frame"):
            fr = resolve(fr)
            name = fr.attrib.get("name") or fr.attrib.get("addr") or "?"
            binary = resolve(fr.find("binary"))
            names.append((short_name(name), binary.attrib.get("name") if binary is not None
                          else None))
        if not names:
            continue
        costs[names[0][0]][0] += w
        seen = set()
        for name, binary in names:
            if name in seen:
                continue
            seen.add(name)
            costs[name][1] += w
            costs[name][2] = costs[name][2] or binary
    return dict(costs)


# --- per element ----------------------------------------------------------------------------
def per_element(lo, hi, d_items):
    out = {}
    for k in lo:
        if isinstance(lo[k], (int, float)) and isinstance(hi.get(k), (int, float)):
            out[k] = (hi[k] - lo[k]) / d_items
    return out


def function_rows(lo, hi, d_items, top):
    """The top functions by exclusive cost per element, and by inclusive cost among the rest
    below the benchmark loop: the frames that hold the whole case (main, Google Benchmark's
    runner, the std::function around the case) have the total as their inclusive cost and say
    nothing, so functions within 0.5% of the total are left out of the inclusive list."""
    rows = []
    for name in set(lo) | set(hi):
        a = lo.get(name, [0, 0, None])
        b = hi.get(name, [0, 0, None])
        rows.append({"function": name, "from": b[2] or a[2] or "?",
                     "exclusive": (b[0] - a[0]) / d_items, "inclusive": (b[1] - a[1]) / d_items})
    total = sum(r["exclusive"] for r in rows)
    floor = max(0.05, 0.001 * abs(total))
    # The benchmark loop is hamt_bench's hb::bench_<op>: whatever costs as much is its caller.
    loops = [r for r in rows if r["function"].startswith("hb::bench_")]
    ceiling = max((r["inclusive"] for r in loops), default=0.995 * total)

    def below_loop(r):
        return r in loops or r["inclusive"] < 0.99 * ceiling

    by_excl = [r for r in sorted(rows, key=lambda r: -r["exclusive"]) if r["exclusive"] >= floor]
    by_incl = [r for r in sorted(rows, key=lambda r: -r["inclusive"])
               if r["inclusive"] >= floor and below_loop(r)]
    return by_excl[:top], by_incl[:top]


def num(x, digits=None):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if digits is None:
        digits = 0 if abs(x) >= 100 else 1 if abs(x) >= 10 else 2
    if abs(x) < 0.5 * 10 ** -digits:
        x = 0.0  # no "-0.00" from two runs that differ by rounding
    return f"{x:,.{digits}f}"


# --- the report -----------------------------------------------------------------------------
def label(impl):
    return br.IMPL_LABEL.get(impl, impl)


def group_cases(cases):
    groups = {}
    for c in cases:
        groups.setdefault((c["op"], c["key"], c["n"]), []).append(c)
    order = {i: k for k, i in enumerate(br.IMPLS)}
    for g in groups.values():
        g.sort(key=lambda c: order.get(c["impl"], 99))
    return groups


def base_of(group):
    for c in group:
        if c["impl"].startswith("hamt"):
            return c
    return group[0]


def markdown(report):
    w = []
    m = report["machine"]
    w.append(f"## hamt profile — {report['date']}")
    w.append("")
    w.append(f"- machine: `{m.get('machine', '?')}`, {m.get('cpu', '?')}, {m.get('os', '')}")
    if m.get("caches"):
        w.append(f"- caches: {m['caches']}")
    b = report["build"]
    w.append(f"- hamt_bench: {b.get('compiler', '?')}; flags: `{b.get('flags', '?')}` "
             f"({b.get('build_type', '?')}); hamt {report['revision']}")
    t = report["tools"]
    if t.get("profiler") == "cachegrind":
        w.append(f"- profiler: {t.get('valgrind', 'valgrind')} cachegrind, cache simulation: "
                 + "; ".join(f"{k} {v['text']} (`--{k}={v['spec']}`)"
                             for k, v in t.get("caches", {}).items()))
        if t.get("perf"):
            w.append(f"- perf stat: user-space events {', '.join(PERF_EVENTS)}")
        else:
            w.append(f"- perf stat: not used ({t.get('perf_why', '')})")
        if report["by_function"]:
            w.append("- by function: callgrind (`--dump-instr=yes`), every instruction of "
                     "hamt_bench attributed to the innermost function it was inlined from "
                     "(`addr2line -i`); exclusive = that function's own instructions, "
                     "inclusive = with what it inlined and called")
    else:
        w.append(f"- profiler: xctrace Time Profiler ({t.get('xctrace', 'xctrace')}); sampled "
                 f"CPU time per element by function (no cache simulation on macOS)")
    w.append(f"- method: each case alone (`--hamt_rounds=1`, one size, `--benchmark_filter`), "
             f"run twice with work W1 and W2 = 2 W1 (iterations K1, K2 of N elements); per "
             f"element = (cost at K2 − cost at K1) / ((K2 − K1) · N items), so process start, "
             f"key generation and any untimed setup done once cancel out. What every "
             f"iteration does stays in (insert: destroying the previous container; erase: "
             f"building the container it erases; the benchmark loop itself).")
    w.append("- ratios: (x) = the first hamt implementation of the row / that implementation, "
             "as in scripts/bench's report: below 1, hamt has fewer")
    w.append("")
    groups = group_cases(report["cases"])
    metrics = CG_METRICS + (PERF_METRICS if t.get("perf") else [])
    if t.get("profiler") == "xctrace":
        metrics = [("sampled_ns", "sampled CPU ns")]
    for (op, key, n), group in groups.items():
        base = base_of(group)
        w.append(f"### {br.op_label(op)}, {key} keys, N = {br.size_label(n)}")
        w.append("")
        w.append("| per element | " + " | ".join(label(c["impl"]) for c in group) + " |")
        w.append("|---|" + "--:|" * len(group))
        for key_m, text in metrics:
            cells = []
            for c in group:
                v = c["per_element"].get(key_m)
                bv = base["per_element"].get(key_m)
                cell = num(v)
                if c is not base and v is not None and bv is not None:
                    cell += f" ({bv / v:.2f})" if abs(v) > 1e-9 else " (—)"
                cells.append(cell)
            w.append(f"| {text} | " + " | ".join(cells) + " |")
        runs = "; ".join(f"{label(c['impl'])}: K = {c['runs'][0]['iterations']}, "
                         f"{c['runs'][1]['iterations']}" for c in group)
        w.append("")
        w.append(f"Iterations: {runs}.")
        w.append("")
        for c in group:
            if not c.get("functions"):
                continue
            unit = "ns" if t.get("profiler") == "xctrace" else "instructions"
            w.append(f"#### {c['name']}: where the {unit} go (per element)")
            w.append("")
            w.append("| function | from | exclusive | inclusive |")
            w.append("|---|---|--:|--:|")
            shown = set()
            for r in c["functions"]["by_exclusive"]:
                shown.add(r["function"])
                w.append(f"| `{r['function']}` | {r['from']} | {num(r['exclusive'])} | "
                         f"{num(r['inclusive'])} |")
            w.append("")
            extra = [r for r in c["functions"]["by_inclusive"] if r["function"] not in shown]
            if extra:
                w.append("Largest inclusive costs besides, from the benchmark loop down:")
                w.append("")
                w.append("| function | from | exclusive | inclusive |")
                w.append("|---|---|--:|--:|")
                for r in extra:
                    w.append(f"| `{r['function']}` | {r['from']} | {num(r['exclusive'])} | "
                             f"{num(r['inclusive'])} |")
                w.append("")
    if len(groups) > 1 and t.get("profiler") == "cachegrind":
        impls = []
        for c in sorted(report["cases"], key=lambda c: br.IMPLS.index(c["impl"])
                        if c["impl"] in br.IMPLS else 99):
            if c["impl"] not in impls:
                impls.append(c["impl"])
        w.append("### All cases (instructions / L1 data misses / LL data misses per element)")
        w.append("")
        w.append("| op | key | N | " + " | ".join(label(i) for i in impls) + " |")
        w.append("|---|---|--:|" + "--:|" * len(impls))
        for (op, key, n), group in groups.items():
            by = {c["impl"]: c["per_element"] for c in group}
            cells = []
            for i in impls:
                p = by.get(i)
                cells.append("—" if p is None else
                             f"{num(p['instructions'], 0)} / {num(p['d1_misses'], 1)} / "
                             f"{num(p['ll_misses'], 1)}")
            w.append(f"| {br.op_label(op)} | {key} | {br.size_label(n)} | "
                     + " | ".join(cells) + " |")
        w.append("")
    w.append("### Commands")
    w.append("")
    w.append("```sh")
    for cmd in report["commands"]:
        w.append(cmd)
    w.append("```")
    for note in report.get("notes", []):
        w.append("")
        w.append(f"Note: {note}")
    return "\n".join(w) + "\n"


# --- main -----------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="+", metavar="CASE")
    ap.add_argument("--bench", required=True, help="the hamt_bench binary")
    ap.add_argument("--out", required=True, help="results folder")
    ap.add_argument("--platform", default="Linux", choices=["Linux", "Darwin"])
    ap.add_argument("--work", type=int, default=None,
                    help="elements of the first run (iterations = ceil(work / N)); the second "
                         "runs twice as many iterations (default 100000 under valgrind, "
                         "20000000 for the Time Profiler, which samples every millisecond)")
    ap.add_argument("--sizes", default="1000,10000,100000,1000000",
                    help="the sizes the case regexes are matched against")
    ap.add_argument("--by-function", action="store_true")
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--no-perf", action="store_true")
    ap.add_argument("--D1", dest="d1", help="cachegrind's --D1 (size,assoc,line)")
    ap.add_argument("--LL", dest="ll", help="cachegrind's --LL (size,assoc,line)")
    ap.add_argument("--I1", dest="i1", help="cachegrind's --I1 (size,assoc,line)")
    ap.add_argument("--command", default="scripts/profile", help="how scripts/profile was run")
    ap.add_argument("--build-command", action="append", default=[],
                    help="configure and build commands, for the report")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    if args.work is None:
        args.work = 20000000 if args.platform == "Darwin" else 100000
    if args.work < 1 or args.top < 1:
        raise SystemExit("profile: --work and --top need positive numbers")

    runner = Runner(args.dry_run)
    runner.commands += [args.command] + args.build_command
    darwin = args.platform == "Darwin"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    raw = os.path.join(args.out, f"profile-{stamp}")
    if not args.dry_run:
        os.makedirs(raw, exist_ok=True)

    tools = {}
    notes = []
    if darwin:
        tools["profiler"] = "xctrace"
        if not args.dry_run:
            tools["xctrace"] = tool_version(["xcrun", "xctrace", "version"]) or "xctrace"
        notes.append("macOS: no cachegrind (valgrind does not run on Apple Silicon) and no perf: "
                     "the Time Profiler's samples, by function.")
    else:
        tools["profiler"] = "cachegrind"
        if not args.dry_run:
            if not shutil.which("valgrind"):
                raise SystemExit("profile: valgrind is not installed (Debian: valgrind)")
            tools["valgrind"] = tool_version(["valgrind", "--version"])
        specs = linux_cache_specs()
        for name, given in (("I1", args.i1), ("D1", args.d1), ("LL", args.ll)):
            if given:
                specs[name] = (given, "given on the command line")
        tools["caches"] = {k: {"spec": v[0], "text": v[1]} for k, v in specs.items()}
        missing = [k for k in ("I1", "D1", "LL") if k not in specs]
        if missing and not args.dry_run:
            notes.append(f"{', '.join(missing)}: not found in sysfs; valgrind's own detection")
        if args.no_perf:
            tools["perf"], tools["perf_why"] = False, "--no-perf"
        elif args.dry_run:
            tools["perf"], tools["perf_why"] = False, "dry run"
        else:
            tools["perf"], tools["perf_why"] = perf_works()

    names = list_cases(runner, args.bench, args.sizes, args.cases)
    cases = []
    chains_cache = {}
    context = {}
    for name in names:
        op, key, impl, n = name.split("/")
        n = int(n)
        if op in FIXED_OPS:
            notes.append(f"{name}: not profiled (one iteration whatever the work, so two "
                         f"work sizes cannot be differenced)")
            continue
        case = {"name": name, "op": op, "key": key, "impl": impl, "n": n, "runs": []}
        k1, k2 = iterations_for(n, args.work)
        if not args.dry_run:
            print(f"== {name}: {k1} and {k2} iterations", file=sys.stderr)
        for k in (k1, k2):
            tag = f"{name.replace('/', '-')}-k{k}"
            base = bench_base(args.bench, n, key, k * n, name)
            run = {"iterations": k, "work": k * n}
            js = os.path.join(raw, tag + ".json")
            out_args = [f"--benchmark_out={js}", "--benchmark_out_format=json"]
            if darwin:
                trace = os.path.join(raw, tag + ".trace")
                xml = os.path.join(raw, tag + ".xml")
                runner.run(["xcrun", "xctrace", "record", "--template", "Time Profiler",
                            "--no-prompt", "--output", trace, "--launch", "--"] + base + out_args)
                runner.run(["xcrun", "xctrace", "export", "--input", trace, "--xpath",
                            XCTRACE_XPATH, "--output", xml])
                if not args.dry_run:
                    run["xctrace"] = xctrace_costs(xml)
            else:
                cg = os.path.join(raw, tag + ".cachegrind")
                cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=yes"]
                cmd += [f"--{k_}={v['spec']}" for k_, v in tools["caches"].items()]
                runner.run(cmd + [f"--cachegrind-out-file={cg}"] + base + out_args)
                if not args.dry_run:
                    run["cachegrind"] = cachegrind_totals(cg)
                if tools["perf"]:
                    pf = os.path.join(raw, tag + ".perf")
                    runner.run(["perf", "stat", "-x,", "-o", pf, "-e", ",".join(PERF_EVENTS),
                                "--"] + base)
                    run["perf"] = perf_totals(pf)
                if args.by_function:
                    cl = os.path.join(raw, tag + ".callgrind")
                    runner.run(["valgrind", "--tool=callgrind", "--dump-instr=yes",
                                f"--callgrind-out-file={cl}"] + base)
                    if not args.dry_run:
                        run["functions"] = function_costs(runner, cl, args.bench, chains_cache)
            if not args.dry_run:
                items, iters, errors, ctx = items_of(js, name)
                context = context or ctx
                run.update({"items": items, "iterations": iters, "errors": errors})
                if errors:
                    notes.append(f"{name}: the benchmark counted {errors} errors at "
                                 f"{iters} iterations")
            case["runs"].append(run)
        if args.dry_run:
            continue
        lo, hi = case["runs"]
        d_items = hi["items"] - lo["items"]
        if d_items <= 0:
            notes.append(f"{name}: the two runs processed the same number of items; skipped")
            continue
        pe = {}
        if darwin:
            total = lambda costs: sum(v[0] for v in costs.values())  # noqa: E731
            pe["sampled_ns"] = (total(hi["xctrace"]) - total(lo["xctrace"])) / d_items
            ex, inc = function_rows(lo["xctrace"], hi["xctrace"], d_items, args.top)
            case["functions"] = {"unit": "ns", "by_exclusive": ex, "by_inclusive": inc}
            del lo["xctrace"], hi["xctrace"]  # the raw XML stays in the raw folder
        else:
            pe.update(per_element({k: v for k, v in lo["cachegrind"].items() if k != "raw"},
                                  hi["cachegrind"], d_items))
            if tools["perf"]:
                pe.update(per_element(lo["perf"], hi["perf"], d_items))
                if pe.get("cycles"):
                    pe["ipc"] = pe.get("perf_instructions", 0) / pe["cycles"]
            if args.by_function:
                ex, inc = function_rows(lo["functions"], hi["functions"], d_items, args.top)
                case["functions"] = {"unit": "instructions", "by_exclusive": ex,
                                     "by_inclusive": inc}
                del lo["functions"], hi["functions"]
        case["per_element"] = pe
        cases.append(case)

    if args.dry_run:
        print("(dry run: nothing was run; the report would go to "
              f"{os.path.join(args.out, 'profile-' + stamp + '.md')} and .json)")
        return 0
    if not cases:
        raise SystemExit("profile: no case could be profiled")
    report = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": br.machine_info(),
        "build": {"compiler": context.get("hamt_compiler"), "flags": context.get("hamt_cxx_flags"),
                  "build_type": context.get("hamt_build_type"), "binary": args.bench,
                  "libhamt": {k: v for k, v in context.items() if k.startswith("libhamt ")},
                  "immer": context.get("immer")},
        "revision": git_revision(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        "tools": tools,
        "by_function": args.by_function,
        "work": args.work,
        "cases": cases,
        "commands": runner.commands,
        "notes": notes,
        "raw_files": raw,
    }
    text = markdown(report)
    md = os.path.join(args.out, f"profile-{stamp}.md")
    js = os.path.join(args.out, f"profile-{stamp}.json")
    with open(md, "w") as f:
        f.write(text)
    with open(js, "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    sys.stdout.write(text)
    print(f"== results: {md}, {js} (raw profiles: {raw})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
