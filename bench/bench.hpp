// The benchmark cases, written once over an adapter per implementation.
//
// Names: <op>/<key>/<impl>/<N>, e.g. insert/int64/hamt/1000 (Google Benchmark appends
// /iterations:K/manual_time; scripts/bench_report.py reads the first four parts). Every case
// times itself (UseManualTime) around the measured work only, runs a fixed number of
// iterations (about `work` elements per run), and sets items processed, so items_per_second
// inverts to ns per element.
//
// main registers the cases in rounds (each case once per round; the report takes the median
// over rounds): round, key, N, implementation (rotated each round), op. The ops of one
// implementation and N share one built container through the stash below: insert leaves its
// last container there, find_hit, find_miss, iterate and copy read it, erase consumes it. A
// case that finds no container for itself (a filtered run) builds one, untimed.
//
// An adapter A provides:
//   using key_type; struct context;        explicit A(const context&)
//   void insert(const K&, const value_type&);   void finish_insert();   (ephemeral build)
//   void start_erase();   void erase(const K&);                          (ephemeral erase)
//   const value_type* find(const K&) const;
//   optional: value_type deref(const K&) const   (find_deref: the library's find as a user
//             dereferences it, e.g. m.find(k)->second; default *find(k))
//   optional: bool contains(const K&) const      (contains; default find(k) != nullptr)
//   template <class F> void for_each_value(F) const;   std::size_t size() const;
//   static constexpr bool can_copy;   A(const A&) when can_copy;   A(A&&)
// Keys and values are passed as references into the workload's arrays, which outlive every
// container (libhamt stores these pointers).
#pragma once

#include "heap.hpp"
#include "workload.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <time.h>
#include <type_traits>
#include <utility>
#include <vector>

namespace hb {

struct Config {
    std::vector<std::size_t> sizes{1000, 10000, 100000, 1000000};
    std::size_t work = 300000;     // elements processed per run (iterations = work / N)
    std::size_t mem_work = 100000; // entries built per memory run (maps = mem_work / N)
    std::size_t rounds = 7;        // each case runs once per round
    bool strings = true;           // also measure std::string keys
};

struct Case {
    std::string op, key, impl;
    std::size_t n = 0;
    std::int64_t iterations = 1;
    bool single_run = false; // deterministic (memory): measured in the first round only
    std::function<void(benchmark::State&)> fn;
};

using Registry = std::vector<Case>;

// Op order within a round: insert builds the container the next four use, erase empties it.
inline const std::vector<std::string>& op_names() {
    static const std::vector<std::string> ops{"insert",   "find_hit",  "find_deref",
                                              "contains", "find_miss", "iterate",
                                              "copy",     "erase",     "memory"};
    return ops;
}

template <class K>
const Workload<K>& workload(std::size_t n) {
    if constexpr (std::is_same_v<K, std::string>)
        return string_workload(n);
    else
        return int_workload(n);
}

template <class K>
const char* key_name() {
    return std::is_same_v<K, std::string> ? "string" : "int64";
}

using bench_clock = std::chrono::steady_clock;

inline double seconds_between(bench_clock::time_point a, bench_clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

// One built container, kept between the cases of one implementation, key type and N.
class stash {
public:
    template <class A>
    static A* find(const std::string& id) {
        return slot().id == id ? static_cast<A*>(slot().obj.get()) : nullptr;
    }
    template <class A>
    static A& put(const std::string& id, A&& a) {
        clear();
        auto p = std::make_shared<A>(std::move(a));
        slot().id = id;
        slot().obj = p;
        return *p;
    }
    template <class A>
    static std::optional<A> take(const std::string& id) {
        std::optional<A> out;
        if (A* a = find<A>(id)) out.emplace(std::move(*a));
        clear();
        return out;
    }
    static void clear() {
        slot().obj.reset();
        slot().id.clear();
    }

private:
    struct entry {
        std::string id;
        std::shared_ptr<void> obj;
    };
    static entry& slot() {
        static entry e;
        return e;
    }
};

// The share of a case's wall time during which this thread was on a CPU: below 1 when other
// work on the machine took the core away (page faults count as the thread's own time). Two
// clock reads per case; the report sets aside runs that were preempted for long.
class cpu_share_meter {
public:
    cpu_share_meter() : cpu0_(thread_cpu_seconds()), wall0_(bench_clock::now()) {}
    double share() const {
        double wall = seconds_between(wall0_, bench_clock::now());
        double cpu = thread_cpu_seconds() - cpu0_;
        return cpu0_ < 0 || wall <= 0 ? 1.0 : std::min(1.0, cpu / wall);
    }

private:
    static double thread_cpu_seconds() {
#if defined(CLOCK_THREAD_CPUTIME_ID)
        timespec ts{};
        if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
            return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
#endif
        return -1.0;
    }
    double cpu0_;
    bench_clock::time_point wall0_;
};

inline void finish(benchmark::State& st, std::size_t n, double errors,
                   const cpu_share_meter& meter) {
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(n));
    st.counters["errors"] = benchmark::Counter(errors, benchmark::Counter::kAvgIterations);
    st.counters["cpu_share"] = meter.share();
}

template <class A>
void build(A& a, const Workload<typename A::key_type>& w) {
    for (std::size_t i = 0; i < w.n; ++i)
        a.insert(w.keys[i], w.values[i]);
    a.finish_insert();
}

// The stashed container for `id`, built (untimed) when there is none.
template <class A>
A& built(const std::string& id, const typename A::context& ctx,
         const Workload<typename A::key_type>& w) {
    if (A* a = stash::find<A>(id)) return *a;
    stash::clear();
    settle_heap();
    A a(ctx);
    build(a, w);
    return stash::put(id, std::move(a));
}

// insert: build a container of N entries from empty (destruction is not timed).
template <class A>
void bench_insert(benchmark::State& st, const std::string& id, const typename A::context& ctx,
                  std::size_t n) {
    const auto& w = workload<typename A::key_type>(n);
    stash::clear();
    double errors = 0;
    cpu_share_meter meter;
    std::optional<A> a;
    for (auto _ : st) {
        a.reset();
        settle_heap();
        auto t0 = bench_clock::now();
        a.emplace(ctx);
        for (std::size_t i = 0; i < n; ++i)
            a->insert(w.keys[i], w.values[i]);
        a->finish_insert();
        auto t1 = bench_clock::now();
        st.SetIterationTime(seconds_between(t0, t1));
        errors += static_cast<double>(n - a->size());
    }
    if (a) stash::put(id, std::move(*a)); // for the next cases of this implementation and N
    finish(st, n, errors, meter);
}

// The lookup cases: each iteration times one call of run(), a loop over the N keys that
// returns its errors (computed after the loop: a subtraction or a compare).
template <class Run>
void timed_lookups(benchmark::State& st, std::size_t n, Run run) {
    double errors = 0;
    cpu_share_meter meter;
    for (auto _ : st) {
        auto t0 = bench_clock::now();
        const double e = run();
        auto t1 = bench_clock::now();
        st.SetIterationTime(seconds_between(t0, t1));
        errors += e;
    }
    finish(st, n, errors, meter);
}

// find_hit: look every key up, in shuffled order, and sum the values.
template <class A>
void bench_find_hit(benchmark::State& st, const std::string& id, const typename A::context& ctx,
                    std::size_t n) {
    const auto& w = workload<typename A::key_type>(n);
    const A& a = built<A>(id, ctx, w);
    timed_lookups(st, n, [&] {
        std::uint64_t sum = 0; // unsigned: the sum wraps
        std::size_t missing = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const value_type* p = a.find(w.shuffled[i]);
            if (p != nullptr)
                sum += static_cast<std::uint64_t>(*p);
            else
                ++missing;
        }
        benchmark::DoNotOptimize(sum);
        return static_cast<double>(missing);
    });
}

template <class A, class = void>
struct has_deref : std::false_type {};
template <class A>
struct has_deref<A, std::void_t<decltype(std::declval<const A&>().deref(
                        std::declval<const typename A::key_type&>()))>> : std::true_type {};
template <class A, class = void>
struct has_contains : std::false_type {};
template <class A>
struct has_contains<A, std::void_t<decltype(std::declval<const A&>().contains(
                           std::declval<const typename A::key_type&>()))>> : std::true_type {};

// find_deref: find_hit as users write it for keys they know are present,
// `sum += m.find(k)->second`: the library's own find, no end() check (adapters with no deref:
// *find(k), for libraries whose find returns a pointer).
template <class A>
void bench_find_deref(benchmark::State& st, const std::string& id, const typename A::context& ctx,
                      std::size_t n) {
    const auto& w = workload<typename A::key_type>(n);
    const A& a = built<A>(id, ctx, w);
    std::uint64_t expected = 0;
    for (std::size_t i = 0; i < n; ++i)
        expected += static_cast<std::uint64_t>(w.values[i]);
    timed_lookups(st, n, [&] {
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if constexpr (has_deref<A>::value)
                sum += static_cast<std::uint64_t>(a.deref(w.shuffled[i]));
            else
                sum += static_cast<std::uint64_t>(*a.find(w.shuffled[i]));
        }
        benchmark::DoNotOptimize(sum);
        return sum != expected ? 1.0 : 0.0;
    });
}

// contains: count the present keys with contains() (the adapter's; count(k) where the library
// has no contains).
template <class A>
void bench_contains(benchmark::State& st, const std::string& id, const typename A::context& ctx,
                    std::size_t n) {
    const auto& w = workload<typename A::key_type>(n);
    const A& a = built<A>(id, ctx, w);
    timed_lookups(st, n, [&] {
        std::size_t found = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if constexpr (has_contains<A>::value)
                found += a.contains(w.shuffled[i]);
            else
                found += a.find(w.shuffled[i]) != nullptr;
        }
        benchmark::DoNotOptimize(found);
        return static_cast<double>(n - found);
    });
}

// find_miss: look up N keys that are absent.
template <class A>
void bench_find_miss(benchmark::State& st, const std::string& id, const typename A::context& ctx,
                     std::size_t n) {
    const auto& w = workload<typename A::key_type>(n);
    const A& a = built<A>(id, ctx, w);
    timed_lookups(st, n, [&] {
        std::size_t found = 0;
        for (std::size_t i = 0; i < n; ++i)
            found += a.find(w.absent[i]) != nullptr;
        benchmark::DoNotOptimize(found);
        return static_cast<double>(found);
    });
}

// erase: erase every key, in shuffled order, until the container is empty (the build before
// it is not timed; the first iteration takes the stashed container; errors counts the
// entries left).
template <class A>
void bench_erase(benchmark::State& st, const std::string& id, const typename A::context& ctx,
                 std::size_t n) {
    const auto& w = workload<typename A::key_type>(n);
    std::optional<A> a = stash::take<A>(id);
    double errors = 0;
    cpu_share_meter meter;
    for (auto _ : st) {
        if (!a) {
            settle_heap();
            a.emplace(ctx);
            build(*a, w);
        }
        auto t0 = bench_clock::now();
        a->start_erase();
        for (std::size_t i = 0; i < n; ++i)
            a->erase(w.shuffled[i]);
        auto t1 = bench_clock::now();
        st.SetIterationTime(seconds_between(t0, t1));
        errors += static_cast<double>(a->size());
        a.reset();
    }
    finish(st, n, errors, meter);
}

// iterate: visit every entry and sum the values.
template <class A>
void bench_iterate(benchmark::State& st, const std::string& id, const typename A::context& ctx,
                   std::size_t n) {
    const auto& w = workload<typename A::key_type>(n);
    const A& a = built<A>(id, ctx, w);
    double errors = 0;
    cpu_share_meter meter;
    for (auto _ : st) {
        value_type sum = 0;
        std::size_t count = 0;
        auto t0 = bench_clock::now();
        a.for_each_value([&](value_type v) {
            sum += v;
            ++count;
        });
        benchmark::DoNotOptimize(sum);
        auto t1 = bench_clock::now();
        st.SetIterationTime(seconds_between(t0, t1));
        errors += static_cast<double>(count > n ? count - n : n - count);
    }
    finish(st, n, errors, meter);
}

// copy: copy-construct the whole container (the copy's destruction is not timed).
template <class A>
void bench_copy(benchmark::State& st, const std::string& id, const typename A::context& ctx,
                std::size_t n) {
    const auto& w = workload<typename A::key_type>(n);
    const A& a = built<A>(id, ctx, w);
    double errors = 0;
    cpu_share_meter meter;
    for (auto _ : st) {
        std::optional<A> c;
        settle_heap();
        auto t0 = bench_clock::now();
        c.emplace(a);
        benchmark::DoNotOptimize(&*c);
        auto t1 = bench_clock::now();
        st.SetIterationTime(seconds_between(t0, t1));
        errors += static_cast<double>(n - c->size());
    }
    finish(st, n, errors, meter);
}

// memory: heap bytes in use per entry after building containers of N entries from empty,
// the same way for every implementation (the allocator's own accounting, before and after).
// Builds `maps` containers of N, all alive at once, so that small containers are measured
// over many entries (the result is the same per container: each pays its fixed overhead).
template <class A>
void bench_memory(benchmark::State& st, const typename A::context& ctx, std::size_t n,
                  std::size_t maps) {
    const auto& w = workload<typename A::key_type>(n);
    stash::clear();
    double errors = 0, bytes_per_entry = 0;
    cpu_share_meter meter;
    for (auto _ : st) {
        std::vector<A> all;
        all.reserve(maps);
        std::size_t before = 0, after = 0;
        settle_heap();
        bool ok = heap_in_use(before);
        auto t0 = bench_clock::now();
        for (std::size_t m = 0; m < maps; ++m) {
            all.emplace_back(ctx);
            build(all.back(), w);
        }
        auto t1 = bench_clock::now();
        ok = heap_in_use(after) && ok;
        st.SetIterationTime(seconds_between(t0, t1));
        for (const A& a : all)
            errors += static_cast<double>(n - a.size());
        if (!ok) {
            st.SkipWithError("no heap accounting on this platform");
            break;
        }
        bytes_per_entry = (static_cast<double>(after) - static_cast<double>(before)) /
                          static_cast<double>(maps * n);
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()) *
                         static_cast<std::int64_t>(maps * n));
    st.counters["errors"] = errors;
    st.counters["bytes_per_entry"] = bytes_per_entry;
    st.counters["maps"] = static_cast<double>(maps);
    st.counters["cpu_share"] = meter.share();
}

// Adds every op for one implementation and key type. `skip` lists ops the implementation
// cannot run (e.g. copy for libhamt).
template <class A>
void add_cases(Registry& reg, const Config& cfg, const std::string& impl,
               const typename A::context& ctx, const std::vector<std::string>& skip = {}) {
    using K = typename A::key_type;
    auto skipped = [&](const std::string& op) {
        return std::find(skip.begin(), skip.end(), op) != skip.end();
    };
    for (std::size_t n : cfg.sizes) {
        std::int64_t iters = static_cast<std::int64_t>(std::max<std::size_t>(1, cfg.work / n));
        auto add = [&](const std::string& op, std::function<void(benchmark::State&)> fn) {
            if (skipped(op)) return;
            reg.push_back(Case{op, key_name<K>(), impl, n, iters, false, std::move(fn)});
        };
        const std::string id = impl + "/" + key_name<K>() + "/" + std::to_string(n);
        add("insert", [id, ctx, n](benchmark::State& st) { bench_insert<A>(st, id, ctx, n); });
        add("find_hit", [id, ctx, n](benchmark::State& st) { bench_find_hit<A>(st, id, ctx, n); });
        add("find_deref",
            [id, ctx, n](benchmark::State& st) { bench_find_deref<A>(st, id, ctx, n); });
        add("contains", [id, ctx, n](benchmark::State& st) { bench_contains<A>(st, id, ctx, n); });
        add("find_miss",
            [id, ctx, n](benchmark::State& st) { bench_find_miss<A>(st, id, ctx, n); });
        add("iterate", [id, ctx, n](benchmark::State& st) { bench_iterate<A>(st, id, ctx, n); });
        if constexpr (A::can_copy)
            add("copy", [id, ctx, n](benchmark::State& st) { bench_copy<A>(st, id, ctx, n); });
        add("erase", [id, ctx, n](benchmark::State& st) { bench_erase<A>(st, id, ctx, n); });
        if (!skipped("memory")) {
            std::size_t maps = std::max<std::size_t>(1, cfg.mem_work / n);
            reg.push_back(
                Case{"memory", key_name<K>(), impl, n, 1, true,
                     [ctx, n, maps](benchmark::State& st) { bench_memory<A>(st, ctx, n, maps); }});
        }
    }
}

template <class Map, class = void>
struct has_contains_member : std::false_type {};
template <class Map>
struct has_contains_member<Map, std::void_t<decltype(std::declval<const Map&>().contains(
                                    std::declval<const typename Map::key_type&>()))>>
    : std::true_type {};

// Adapter for the containers with the std::unordered_map interface.
template <class Map>
struct unordered_adapter {
    using key_type = typename Map::key_type;
    struct context {};
    static constexpr bool can_copy = true;

    Map m;

    explicit unordered_adapter(const context&) {}
    void insert(const key_type& k, const value_type& v) { m.try_emplace(k, v); }
    void finish_insert() {}
    void start_erase() {}
    void erase(const key_type& k) { m.erase(k); }
    const value_type* find(const key_type& k) const {
        auto it = m.find(k);
        return it == m.end() ? nullptr : &it->second;
    }
    value_type deref(const key_type& k) const { return m.find(k)->second; }
    bool contains(const key_type& k) const {
        if constexpr (has_contains_member<Map>::value)
            return m.contains(k);
        else
            return m.count(k) != 0; // std::unordered_map before C++20
    }
    template <class F>
    void for_each_value(F f) const {
        for (const auto& kv : m)
            f(kv.second);
    }
    std::size_t size() const { return m.size(); }
};

// One registration function per implementation, each in its own file (impl_*.cpp).
void add_std(Registry&, const Config&);
void add_hamt(Registry&, const Config&);
void add_absl(Registry&, const Config&);
void add_immer(Registry&, const Config&);
// Loads each library with dlopen; returns false (and says why on stderr) if one fails.
bool add_libhamt(Registry&, const Config&, const std::vector<std::string>& paths);
// The first plain (no table cache) libhamt that add_libhamt loaded, or "".
const std::string& libhamt_plain_path();
// libhamt's persistent API (hamt_pset, hamt_premove) on that build: persistent_insert and
// persistent_erase, with its default allocator and, when built with Boehm GC, with the
// collector (impl_libhamt_pset.cpp). Returns false (and says why) if it cannot be used.
bool add_libhamt_pset(Registry&, const Config&, const std::string& plain_path);

} // namespace hb
