// hamt_bench: a Google Benchmark main that first prepares the heap and the keys, then
// registers every <op>/<key>/<impl>/<N> case (see bench.hpp).
//
// Own flags (taken out before Google Benchmark reads the rest):
//   --hamt_sizes=1000,10000,...   container sizes N         (default 1000,10000,100000,1000000)
//   --hamt_rounds=R               runs of each case         (default 7; the report takes medians)
//   --hamt_work=E                 elements per timed run    (default 300000; iterations = E/N)
//   --hamt_mem_work=E             entries per memory run    (default 100000; maps = E/N)
//   --hamt_strings=0|1            also std::string keys     (default 1)
//   --hamt_warm_mib=M             heap to touch at start    (default 1024)
//   --hamt_libhamt=a.so;b.so      libhamt builds to load    (default: as configured in CMake)
// Each case is registered once per round, in the order round, key, N, implementation (rotated
// by one each round), op: the implementations of one N run seconds apart, every round, so
// that drift on a shared machine hits them alike; compare them as ratios of medians.
#include "bench.hpp"
#include "bench_config.hpp"
#include "heap.hpp"
#include "persistent.hpp"
#include "structural.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        std::size_t end = s.find(sep, start);
        if (end == std::string::npos) end = s.size();
        if (end > start) out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

bool take_flag(const char* arg, const char* name, std::string& value) {
    std::size_t len = std::strlen(name);
    if (std::strncmp(arg, name, len) != 0 || arg[len] != '=') return false;
    value = arg + len + 1;
    return true;
}

std::size_t to_size(const std::string& flag, const std::string& v) {
    char* end = nullptr;
    unsigned long long x = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0') {
        std::fprintf(stderr, "hamt_bench: %s: not a number: '%s'\n", flag.c_str(), v.c_str());
        std::exit(2);
    }
    return static_cast<std::size_t>(x);
}

int impl_rank(const std::string& impl) {
    static const std::vector<std::string> order{
        "hamt",    "hamt_persistent", "hamt_persistent_st", "hamt_elementwise",
        "std",     "absl_flat",       "absl_node",          "immer",
        "libhamt", "libhamt_cache",   "libhamt_pset",       "libhamt_pset_gc"};
    auto it = std::find(order.begin(), order.end(), impl);
    return static_cast<int>(it - order.begin());
}

int op_rank(const std::string& op) {
    std::vector<std::string> ops = hb::op_names();
    const auto& persistent = hb::persistent_op_names();
    ops.insert(ops.end(), persistent.begin(), persistent.end());
    const auto& structural = hb::structural_op_names();
    ops.insert(ops.end(), structural.begin(), structural.end());
    return static_cast<int>(std::find(ops.begin(), ops.end(), op) - ops.begin());
}

} // namespace

int main(int argc, char** argv) {
    hb::Config cfg;
    std::size_t warm_mib = 1024;
    std::vector<std::string> libhamt = split(HAMT_BENCH_LIBHAMT_PATHS, ';');

    // Our flags out, the rest to Google Benchmark.
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        std::string v;
        if (take_flag(argv[i], "--hamt_sizes", v)) {
            cfg.sizes.clear();
            for (const auto& s : split(v, ','))
                cfg.sizes.push_back(to_size("--hamt_sizes", s));
        } else if (take_flag(argv[i], "--hamt_rounds", v)) {
            cfg.rounds = to_size("--hamt_rounds", v);
        } else if (take_flag(argv[i], "--hamt_work", v)) {
            cfg.work = to_size("--hamt_work", v);
        } else if (take_flag(argv[i], "--hamt_mem_work", v)) {
            cfg.mem_work = to_size("--hamt_mem_work", v);
        } else if (take_flag(argv[i], "--hamt_strings", v)) {
            cfg.strings = to_size("--hamt_strings", v) != 0;
        } else if (take_flag(argv[i], "--hamt_warm_mib", v)) {
            warm_mib = to_size("--hamt_warm_mib", v);
        } else if (take_flag(argv[i], "--hamt_libhamt", v)) {
            libhamt = split(v, ';');
        } else {
            argv[kept++] = argv[i];
        }
    }
    argc = kept;
    argv[argc] = nullptr;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    if (cfg.sizes.empty() || std::find(cfg.sizes.begin(), cfg.sizes.end(), 0) != cfg.sizes.end()) {
        std::fprintf(stderr, "hamt_bench: --hamt_sizes needs positive sizes\n");
        return 2;
    }
    if (cfg.rounds == 0) {
        std::fprintf(stderr, "hamt_bench: --hamt_rounds needs at least 1\n");
        return 2;
    }

    // Keys first (they live for the whole run), then the heap: every container is built in
    // memory that was touched once and is never given back to the system.
    for (std::size_t n : cfg.sizes) {
        hb::int_workload(n);
        if (cfg.strings) hb::string_workload(n);
    }
    bool heap_ok = hb::configure_heap(warm_mib);

    benchmark::AddCustomContext("hamt_compiler", HAMT_BENCH_COMPILER);
    benchmark::AddCustomContext("hamt_cxx_flags", HAMT_BENCH_CXX_FLAGS);
    benchmark::AddCustomContext("hamt_build_type", HAMT_BENCH_BUILD_TYPE);
    benchmark::AddCustomContext("hamt_rounds", std::to_string(cfg.rounds));
    benchmark::AddCustomContext("hamt_work", std::to_string(cfg.work));
    benchmark::AddCustomContext("hamt_mem_work", std::to_string(cfg.mem_work));
    benchmark::AddCustomContext("hamt_seed", std::to_string(hb::workload_seed));
    benchmark::AddCustomContext("hamt_heap", heap_ok ? "no mmap, no trim, " +
                                                           std::to_string(warm_mib) + " MiB warmed"
                                                     : "not configured (no glibc)");
    if (std::strlen(HAMT_BENCH_ABSL_VERSION) > 0)
        benchmark::AddCustomContext("absl", HAMT_BENCH_ABSL_VERSION);
    if (std::strlen(HAMT_BENCH_IMMER_VERSION) > 0)
        benchmark::AddCustomContext("immer", HAMT_BENCH_IMMER_VERSION);

    hb::Registry reg;
#if defined(HAMT_BENCH_HAVE_HAMT)
    hb::add_hamt(reg, cfg);
    hb::add_hamt_persistent(reg, cfg);
#else
    std::fprintf(stderr, "hamt_bench: built without <hamt/map.hpp>; hamt::map is not measured\n");
#endif
    hb::add_std(reg, cfg);
#if defined(HAMT_BENCH_HAVE_ABSL)
    hb::add_absl(reg, cfg);
#endif
#if defined(HAMT_BENCH_HAVE_IMMER)
    hb::add_immer(reg, cfg);
#endif
    if (!libhamt.empty()) {
#if defined(HAMT_BENCH_HAVE_LIBHAMT)
        if (!hb::add_libhamt(reg, cfg, libhamt)) return 1;
        // hamt_pset on the plain build; a library without it is a message, not a failure.
        if (!hb::libhamt_plain_path().empty())
            hb::add_libhamt_pset(reg, cfg, hb::libhamt_plain_path());
#else
        std::fprintf(stderr, "hamt_bench: built without libhamt support (configure with "
                             "HAMT_BENCH_LIBHAMT_LIBRARY and HAMT_BENCH_LIBHAMT_INCLUDE_DIR)\n");
        return 1;
#endif
    }

    // Rounds: key, N, implementation (rotated by one per round), op.
    std::map<std::tuple<std::string, std::size_t, std::string>, std::vector<const hb::Case*>>
        groups;
    for (const hb::Case& c : reg)
        groups[{c.key, c.n, c.impl}].push_back(&c);
    for (auto& g : groups)
        std::stable_sort(
            g.second.begin(), g.second.end(),
            [](const hb::Case* a, const hb::Case* b) { return op_rank(a->op) < op_rank(b->op); });
    std::vector<std::string> impls;
    for (const hb::Case& c : reg)
        if (std::find(impls.begin(), impls.end(), c.impl) == impls.end()) impls.push_back(c.impl);
    std::stable_sort(impls.begin(), impls.end(), [](const std::string& a, const std::string& b) {
        return impl_rank(a) < impl_rank(b);
    });
    std::vector<std::string> keys{"int64"};
    if (cfg.strings) keys.push_back("string");

    for (std::size_t round = 0; round < cfg.rounds; ++round) {
        for (const std::string& key : keys) {
            for (std::size_t n : cfg.sizes) {
                for (std::size_t k = 0; k < impls.size(); ++k) {
                    const std::string& impl = impls[(k + round) % impls.size()];
                    auto it = groups.find({key, n, impl});
                    if (it == groups.end()) continue;
                    for (const hb::Case* c : it->second) {
                        if (c->single_run && round > 0) continue;
                        std::string name =
                            c->op + "/" + c->key + "/" + c->impl + "/" + std::to_string(c->n);
                        auto fn = c->fn;
                        std::size_t rounds = cfg.rounds;
                        // Progress on stderr at the first case of each round that runs.
                        auto* b = benchmark::RegisterBenchmark(
                            name.c_str(), [fn, round, rounds](benchmark::State& st) {
                                static std::size_t announced = 0;
                                if (announced <= round) {
                                    announced = round + 1;
                                    std::fprintf(stderr, "hamt_bench: round %zu of %zu\n",
                                                 round + 1, rounds);
                                }
                                fn(st);
                            });
                        b->UseManualTime()
                            ->Iterations(c->iterations)
                            ->Unit(benchmark::kMicrosecond);
                    }
                }
            }
        }
    }

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
