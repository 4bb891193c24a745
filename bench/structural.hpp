// Cases on related and unrelated versions of persistent sets, written once over an adapter S:
//
//   using key_type; using set_type;
//   static set_type build(const std::vector<K>& keys, std::size_t n);   (the first n keys)
//   static set_type insert(set_type&&, const K&);   static set_type erase(set_type&&, const K&);
//   template <class F> static void diff(const set_type&, const set_type&, F added, F removed);
//   static set_type unite(a, b);  intersect(a, b);  subtract(a, b);
//
// Ops (<op>/<key>/<impl>/<N>, ns per element of N, except diff_*: ns per diff call):
//   diff_1, diff_100, diff_10000  diff of a set of N and a version k random edits away
//   union_shared, intersection_shared, difference_shared
//                                 two versions of one set of N, each with 1% own edits
//   union_disjoint, intersection_disjoint, difference_disjoint   two independent sets of N
//   bulk_build                    a set of N from a vector of keys
#pragma once

#include "bench.hpp"

#include <string>
#include <vector>

namespace hb {

template <class S>
struct related_pair {
    typename S::set_type a, b;
};

// a: the first n keys. b: a with `edits` edits, half erasures of a's keys, half insertions of
// absent keys. With `both`, a gets as many edits of its own (other keys).
template <class S>
related_pair<S> make_related(const Workload<typename S::key_type>& w, std::size_t n,
                             std::size_t edits, bool both) {
    related_pair<S> p{S::build(w.keys, n), {}};
    p.b = p.a;
    for (std::size_t e = 0; e < edits; ++e) {
        const std::size_t i = (e * 7919) % n;
        if (e % 2 == 0)
            p.b = S::erase(std::move(p.b), w.shuffled[i]);
        else
            p.b = S::insert(std::move(p.b), w.absent[i]);
    }
    if (both)
        for (std::size_t e = 0; e < edits; ++e) {
            const std::size_t i = (e * 7919 + 3) % n;
            if (e % 2 == 0)
                p.a = S::erase(std::move(p.a), w.shuffled[n - 1 - i]);
            else
                p.a = S::insert(std::move(p.a), w.absent[n - 1 - i]);
        }
    return p;
}

template <class S>
void bench_diff(benchmark::State& st, std::size_t n, std::size_t k) {
    const auto& w = workload<typename S::key_type>(n);
    settle_heap();
    const related_pair<S> p = make_related<S>(w, n, k < n ? k : n, false);
    double errors = 0;
    cpu_share_meter meter;
    for (auto _ : st) {
        std::size_t changes = 0;
        auto count = [&](const typename S::key_type&) { ++changes; };
        auto t0 = bench_clock::now();
        S::diff(p.a, p.b, count, count);
        benchmark::DoNotOptimize(changes);
        auto t1 = bench_clock::now();
        st.SetIterationTime(seconds_between(t0, t1));
        errors += changes == 0 ? 1 : 0;
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
    st.counters["errors"] = errors;
    st.counters["cpu_share"] = meter.share();
}

enum class set_op { unite, intersect, subtract };

template <class S>
void bench_set_op(benchmark::State& st, std::size_t n, set_op op, bool shared) {
    using K = typename S::key_type;
    const auto& w = workload<K>(n);
    settle_heap();
    related_pair<S> p;
    if (shared) {
        p = make_related<S>(w, n, n / 100 ? n / 100 : 1, true);
    } else {
        // Independent: the first n keys against the n absent ones.
        p.a = S::build(w.keys, n);
        p.b = S::build(w.absent, n);
    }
    double errors = 0;
    cpu_share_meter meter;
    for (auto _ : st) {
        settle_heap();
        auto t0 = bench_clock::now();
        typename S::set_type r = op == set_op::unite       ? S::unite(p.a, p.b)
                                 : op == set_op::intersect ? S::intersect(p.a, p.b)
                                                           : S::subtract(p.a, p.b);
        benchmark::DoNotOptimize(&r);
        auto t1 = bench_clock::now();
        st.SetIterationTime(seconds_between(t0, t1));
        errors += r.size() > 2 * n ? 1 : 0;
    }
    finish(st, n, errors, meter);
}

template <class S>
void bench_bulk_build(benchmark::State& st, std::size_t n) {
    const auto& w = workload<typename S::key_type>(n);
    double errors = 0;
    cpu_share_meter meter;
    for (auto _ : st) {
        settle_heap();
        auto t0 = bench_clock::now();
        typename S::set_type s = S::build(w.keys, n);
        benchmark::DoNotOptimize(&s);
        auto t1 = bench_clock::now();
        st.SetIterationTime(seconds_between(t0, t1));
        errors += static_cast<double>(n - s.size());
    }
    finish(st, n, errors, meter);
}

template <class S>
void add_structural_cases(Registry& reg, const Config& cfg, const std::string& impl) {
    using K = typename S::key_type;
    for (std::size_t n : cfg.sizes) {
        const auto iters = static_cast<std::int64_t>(std::max<std::size_t>(1, cfg.work / n));
        auto add = [&](const std::string& op, std::int64_t it,
                       std::function<void(benchmark::State&)> fn) {
            reg.push_back(Case{op, key_name<K>(), impl, n, it, false, std::move(fn)});
        };
        for (std::size_t k : {std::size_t(1), std::size_t(100), std::size_t(10000)})
            add("diff_" + std::to_string(k), 20,
                [n, k](benchmark::State& st) { bench_diff<S>(st, n, k); });
        const std::pair<const char*, set_op> ops[] = {{"union", set_op::unite},
                                                      {"intersection", set_op::intersect},
                                                      {"difference", set_op::subtract}};
        for (const auto& [name, op] : ops) {
            const set_op o = op;
            add(std::string(name) + "_shared", iters,
                [n, o](benchmark::State& st) { bench_set_op<S>(st, n, o, true); });
            add(std::string(name) + "_disjoint", iters,
                [n, o](benchmark::State& st) { bench_set_op<S>(st, n, o, false); });
        }
        add("bulk_build", iters, [n](benchmark::State& st) { bench_bulk_build<S>(st, n); });
    }
}

inline const std::vector<std::string>& structural_op_names() {
    static const std::vector<std::string> ops{"diff_1",
                                              "diff_100",
                                              "diff_10000",
                                              "union_shared",
                                              "union_disjoint",
                                              "intersection_shared",
                                              "intersection_disjoint",
                                              "difference_shared",
                                              "difference_disjoint",
                                              "bulk_build"};
    return ops;
}

} // namespace hb
