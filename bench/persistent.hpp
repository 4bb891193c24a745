// The persistent-container cases, written once over a persistent adapter P:
//
//   using key_type; using map_type;
//   static map_type set(const map_type&, const K&, value_type);      (path copy)
//   static map_type set_move(map_type&&, const K&, value_type);      (in place where unique)
//   static map_type erase(const map_type&, const K&);
//
// Ops (names <op>/<key>/<impl>/<N> as in bench.hpp):
//   persistent_insert       build from empty by m = m.set(k, v), each old version dropped
//   persistent_insert_move  the same by m = std::move(m).set(k, v)
//   persistent_erase        erase every key, in shuffled order, by m = m.erase(k)
//   snapshot_memory         heap bytes per kept version when the version after each of the
//                           last 1,000 inserts of a map of N is kept (counter bytes_per_version)
//   equal_one_apart         a == b for two versions of N entries one key apart (b has one
//                           key of a replaced by another, so the sizes are equal and == must
//                           look); ns per comparison (items = comparisons, not elements)
// The ephemeral rows of a persistent container (insert and erase through its transient,
// find_hit, iterate, copy, memory on the persistent version) use bench.hpp's add_cases.
#pragma once

#include "bench.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hb {

inline const std::vector<std::string>& persistent_op_names() {
    static const std::vector<std::string> ops{"persistent_insert", "persistent_insert_move",
                                              "persistent_erase", "snapshot_memory",
                                              "equal_one_apart"};
    return ops;
}

template <class P>
typename P::map_type persistent_build(const Workload<typename P::key_type>& w, std::size_t n) {
    typename P::map_type m;
    for (std::size_t i = 0; i < n; ++i)
        m = P::set_move(std::move(m), w.keys[i], w.values[i]);
    return m;
}

template <class P, bool Move>
void bench_persistent_insert(benchmark::State& st, std::size_t n) {
    const auto& w = workload<typename P::key_type>(n);
    double errors = 0;
    cpu_share_meter meter;
    for (auto _ : st) {
        std::optional<typename P::map_type> m;
        settle_heap();
        auto t0 = bench_clock::now();
        m.emplace();
        for (std::size_t i = 0; i < n; ++i) {
            if constexpr (Move)
                *m = P::set_move(std::move(*m), w.keys[i], w.values[i]);
            else
                *m = P::set(*m, w.keys[i], w.values[i]);
        }
        auto t1 = bench_clock::now();
        st.SetIterationTime(seconds_between(t0, t1));
        errors += static_cast<double>(n - m->size());
    }
    finish(st, n, errors, meter);
}

template <class P>
void bench_persistent_erase(benchmark::State& st, std::size_t n) {
    const auto& w = workload<typename P::key_type>(n);
    double errors = 0;
    cpu_share_meter meter;
    for (auto _ : st) {
        settle_heap();
        std::optional<typename P::map_type> m;
        m.emplace(persistent_build<P>(w, n));
        auto t0 = bench_clock::now();
        for (std::size_t i = 0; i < n; ++i)
            *m = P::erase(*m, w.shuffled[i]);
        auto t1 = bench_clock::now();
        st.SetIterationTime(seconds_between(t0, t1));
        errors += static_cast<double>(m->size());
    }
    finish(st, n, errors, meter);
}

template <class P>
void bench_snapshot_memory(benchmark::State& st, std::size_t n) {
    const auto& w = workload<typename P::key_type>(n);
    const std::size_t kept_count = n < 1000 ? n : 1000;
    double errors = 0, per_version = 0;
    cpu_share_meter meter;
    for (auto _ : st) {
        settle_heap();
        std::vector<typename P::map_type> kept;
        kept.reserve(kept_count);
        typename P::map_type m;
        for (std::size_t i = 0; i < n - kept_count; ++i)
            m = P::set_move(std::move(m), w.keys[i], w.values[i]);
        std::size_t before = 0, after = 0;
        bool ok = heap_in_use(before);
        auto t0 = bench_clock::now();
        for (std::size_t i = n - kept_count; i < n; ++i) {
            m = P::set(m, w.keys[i], w.values[i]);
            kept.push_back(m);
        }
        auto t1 = bench_clock::now();
        ok = heap_in_use(after) && ok;
        st.SetIterationTime(seconds_between(t0, t1));
        errors += static_cast<double>(n - m.size());
        if (!ok) {
            st.SkipWithError("no heap accounting on this platform");
            break;
        }
        per_version = (static_cast<double>(after) - static_cast<double>(before)) /
                      static_cast<double>(kept_count);
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()) *
                         static_cast<std::int64_t>(kept_count));
    st.counters["errors"] = errors;
    st.counters["bytes_per_version"] = per_version;
    st.counters["cpu_share"] = meter.share();
}

template <class P>
void bench_equal_one_apart(benchmark::State& st, std::size_t n, std::size_t reps) {
    const auto& w = workload<typename P::key_type>(n);
    settle_heap();
    const typename P::map_type a = persistent_build<P>(w, n - 1);
    const typename P::map_type b = P::set(P::erase(a, w.keys[0]), w.keys[n - 1], w.values[n - 1]);
    double errors = 0;
    cpu_share_meter meter;
    for (auto _ : st) {
        std::size_t equal = 0;
        auto t0 = bench_clock::now();
        for (std::size_t r = 0; r < reps; ++r) {
            equal += a == b;
            benchmark::ClobberMemory();
        }
        auto t1 = bench_clock::now();
        st.SetIterationTime(seconds_between(t0, t1));
        errors += static_cast<double>(equal);
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()) *
                         static_cast<std::int64_t>(reps));
    st.counters["errors"] = errors;
    st.counters["cpu_share"] = meter.share();
}

// Adds the persistent ops of one implementation and key type.
template <class P>
void add_persistent_cases(Registry& reg, const Config& cfg, const std::string& impl) {
    using K = typename P::key_type;
    for (std::size_t n : cfg.sizes) {
        const auto iters = static_cast<std::int64_t>(std::max<std::size_t>(1, cfg.work / n));
        auto add = [&](const std::string& op, std::int64_t it, bool single,
                       std::function<void(benchmark::State&)> fn) {
            reg.push_back(Case{op, key_name<K>(), impl, n, it, single, std::move(fn)});
        };
        add("persistent_insert", iters, false,
            [n](benchmark::State& st) { bench_persistent_insert<P, false>(st, n); });
        add("persistent_insert_move", iters, false,
            [n](benchmark::State& st) { bench_persistent_insert<P, true>(st, n); });
        add("persistent_erase", iters, false,
            [n](benchmark::State& st) { bench_persistent_erase<P>(st, n); });
        add("snapshot_memory", 1, true,
            [n](benchmark::State& st) { bench_snapshot_memory<P>(st, n); });
        add("equal_one_apart", 1, false,
            [n](benchmark::State& st) { bench_equal_one_apart<P>(st, n, 1000); });
    }
}

// Adapter for persistent maps whose updates are named set / erase (hamt, immer).
template <class Map>
struct set_erase_persistent {
    using key_type = typename Map::key_type;
    using map_type = Map;
    static Map set(const Map& m, const key_type& k, value_type v) { return m.set(k, v); }
    static Map set_move(Map&& m, const key_type& k, value_type v) { return std::move(m).set(k, v); }
    static Map erase(const Map& m, const key_type& k) { return m.erase(k); }
};

void add_hamt_persistent(Registry&, const Config&);

} // namespace hb
