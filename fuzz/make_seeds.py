#!/usr/bin/env python3
"""Writes the seed corpus of the hamt fuzz targets: fuzz/corpus/map/, fuzz/corpus/set/ and
fuzz/corpus/persistent/.

Each seed is a valid program in the input format of fuzz_support.hpp (fuzz_persistent.cpp for
the persistent target): for every variant of the target, two hasher set-ups, a few bulk inserts
(range constructions of versions), then every operation at least once in a random (seeded, so
reproducible) order. Rerun after changing the input format:

    python3 fuzz/make_seeds.py
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
VARIANTS = 10    # entries in the variants[] tables of fuzz_map.cpp / fuzz_set.cpp
HASH_MODES = 7   # hash_mode_count in fuzz_support.hpp

# Opcodes (driver::op_code) and the arguments each reads, in order:
#   v = variable, b = byte, k = key byte, w = 16-bit little-endian number.
OPS = [
    ("insert", "vbk"), ("emplace", "vbk"), ("erase_key", "vk"), ("erase_iterator", "vbbwk"),
    ("erase_loop", "vbb"), ("erase_range", "vww"), ("lookup", "vk"), ("copy_construct", "vvbb"),
    ("copy_assign", "vv"), ("move_construct", "vvbb"), ("move_assign", "vv"), ("clear", "v"),
    ("merge", "vvb"), ("swap", "vvb"), ("iterate", "vw"), ("bulk_insert", "vbwbb"),
    ("reserve", "vw"), ("compare", "vv"), ("erase_if", "vbb"), ("stable_iterators", "vkk"),
    ("check_all", ""),
    # maps only
    ("try_emplace", "vbk"), ("insert_or_assign", "vbk"), ("subscript", "vbk"),
    ("assign_through_iterator", "vw"),
]
SET_OPS = 21

# fuzz_persistent.cpp: entries in its variants[] table, and its opcodes (pdriver::op_code) with
# their arguments: v = version variable, t = transient variable, c = a chain of && updates (a
# byte n, then n % 16 times an update kind byte and a key byte); the rest as above.
PERSISTENT_VARIANTS = 9
PERSISTENT_VARS = 4 + 2  # versions, transients: a hasher mode and an allocator id each
PERSISTENT_OPS = [
    ("insert", "vvbk"), ("set", "vvbk"), ("erase", "vvbk"), ("update", "vvbk"),
    ("chain", "vvc"), ("copy", "vvb"), ("move", "vvb"), ("drop", "vbb"), ("swap", "vvb"),
    ("compare", "vv"), ("lookup", "vk"), ("iterate", "vw"), ("construct_range", "vwbb"),
    ("transient", "tvb"), ("t_insert", "tbk"), ("t_keyed", "tbk"), ("t_erase_key", "tk"),
    ("t_erase_iterator", "tbwk"), ("t_erase_loop", "tbb"), ("t_erase_range", "tww"),
    ("t_clear", "t"), ("persistent", "vtb"), ("t_move", "ttb"), ("t_lookup", "tk"),
    ("noop_update", "vkb"), ("t_compare", "tv"), ("check_all", ""),
]


def args(rng, spec, keys):
    out = []
    for a in spec:
        if a == "v":
            out.append(rng.randrange(3))
        elif a == "k":
            out.append(rng.choice(keys))
        elif a == "w":
            w = rng.randrange(1 << 16)
            out += [w & 0xFF, w >> 8]
        else:
            out.append(rng.randrange(256))
    return out


def bulk(var, start, stride, n):
    return [15, var, 1, start & 0xFF, start >> 8, stride - 1, n]


def program(rng, variant, modes, nops):
    data = [variant]
    for m in modes:
        data += [m, rng.randrange(2)]
    # A small key pool, so that operations meet the same keys again.
    keys = [rng.randrange(256) for _ in range(24)]
    data += bulk(0, rng.randrange(64), 1, 40) + bulk(1, rng.randrange(64), 3, 30)
    data += bulk(2, rng.randrange(1 << 16), 1 + rng.randrange(255), 20)
    ops = list(range(nops)) + [rng.randrange(nops) for _ in range(40)]
    rng.shuffle(ops)
    for op in ops:
        data.append(op)
        data += args(rng, OPS[op][1], keys)
    data.append(20)  # check_all
    return bytes(data)


def persistent_args(rng, spec, keys):
    out = []
    for a in spec:
        if a == "v":
            out.append(rng.randrange(4))
        elif a == "t":
            out.append(rng.randrange(2))
        elif a == "c":
            n = rng.randrange(16)
            out.append(n | (rng.randrange(2) << 4))
            for _ in range(n):
                out += [rng.randrange(3), rng.choice(keys)]
        else:
            out += args(rng, a, keys)
    return out


def persistent_program(rng, variant, modes):
    op = {name: i for i, (name, _) in enumerate(PERSISTENT_OPS)}
    data = [variant]
    for m in modes:
        data += [m, rng.randrange(2)]
    keys = [rng.randrange(256) for _ in range(24)]
    # Versions 0 and 1 built from ranges, 2 derived from 0 by a chain, a transient on 1.
    for var, n in ((0, 40), (1, 30)):
        start = rng.randrange(64)
        data += [op["construct_range"], var, start & 0xFF, start >> 8, rng.randrange(4), n]
    data += [op["chain"], 2, 0] + persistent_args(rng, "vc", keys)[1:]
    data += [op["transient"], 0, 1, 0]
    # Every operation once, then 60 more weighted towards the ones that grow versions, so that
    # the seeds end with versions of some size.
    growing = [op[name] for name in ("insert", "set", "chain", "t_insert", "t_keyed", "persistent")]
    pool = list(range(len(PERSISTENT_OPS))) + growing * 4
    ops = list(range(len(PERSISTENT_OPS))) + [rng.choice(pool) for _ in range(60)]
    rng.shuffle(ops)
    for o in ops:
        data.append(o)
        data += persistent_args(rng, PERSISTENT_OPS[o][1], keys)
    data.append(op["check_all"])
    return bytes(data)


def write_persistent():
    out = os.path.join(HERE, "corpus", "persistent")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.startswith("seed-"):
            os.remove(os.path.join(out, name))
    rng = random.Random("hamt-persistent")
    for variant in range(PERSISTENT_VARIANTS):
        setups = {
            "a": [0] * PERSISTENT_VARS,
            "b": [1 + variant % (HASH_MODES - 1)] * 2 + [rng.randrange(HASH_MODES) for _ in range(4)],
        }
        for tag, modes in setups.items():
            with open(os.path.join(out, "seed-v%d%s" % (variant, tag)), "wb") as f:
                f.write(persistent_program(rng, variant, modes))


def main():
    for target, nops in (("map", len(OPS)), ("set", SET_OPS)):
        out = os.path.join(HERE, "corpus", target)
        os.makedirs(out, exist_ok=True)
        for name in os.listdir(out):
            if name.startswith("seed-"):
                os.remove(os.path.join(out, name))
        rng = random.Random("hamt-" + target)
        for variant in range(VARIANTS):
            # Set-up a: the default hasher everywhere; b: a colliding hasher mixed with others.
            setups = {"a": [0, 0, 0], "b": [1 + variant % (HASH_MODES - 1), rng.randrange(HASH_MODES), 2]}
            for tag, modes in setups.items():
                with open(os.path.join(out, "seed-v%d%s" % (variant, tag)), "wb") as f:
                    f.write(program(rng, variant, modes, nops))
    write_persistent()


if __name__ == "__main__":
    main()
