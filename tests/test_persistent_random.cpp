// The persistence property, randomized: a run keeps every version it makes (up to a few
// thousand at a time, each with its own std::unordered_map / std::unordered_set model, shared
// between a version and its plain copies) and derives new ones from random kept versions by a
// mix of
//
//  - lvalue updates (insert, set, erase, update): the source must be unchanged afterwards;
//  - && updates on a kept version (it gives itself up: nodes it alone holds change in place) and
//    on a fresh copy of one (every node shared: the && path must copy);
//  - transients (from `v.transient()` or `std::move(v).transient()`): several hamt::map-style
//    modifiers checked op by op against a model, snapshots taken in the middle with
//    persistent() const& (later changes must not show in them), persistent() const& or &&;
//  - plain copies, drops of random old versions, == between random versions, lookups.
//
// Every `check_every` operations ALL kept versions are checked against their models (contents
// both ways) and by hamt::debug::check_invariants; each operation also checks its source and its
// result on the key it touched. Phases alternate between growing and shrinking, so tries grow
// deep and fold back while old versions still hold the deep shapes.
//
// Runs use fixed seeds and print them; a failure names the seed, the op number and the op.
// HAMT_FUZZ_SCALE=<factor> scales the op counts (valgrind runs use 0.05).
#include "support.hpp"

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>

namespace {

using i64 = std::int64_t;

// A mapped type whose move constructor may throw: the engine rebuilds its nodes by copying
// (element_ops::copy_to_rebuild) instead of moving elements around.
struct copy_value {
    i64 v = 0;
    copy_value() = default;
    explicit copy_value(i64 x) : v(x) {}
    copy_value(const copy_value&) = default;
    // NOLINTNEXTLINE(performance-noexcept-move-constructor): the point of the type
    copy_value(copy_value&& o) noexcept(false) : v(o.v) {}
    copy_value& operator=(const copy_value&) = default;
    // NOLINTNEXTLINE(performance-noexcept-move-constructor)
    copy_value& operator=(copy_value&& o) noexcept(false) {
        v = o.v;
        return *this;
    }
    ~copy_value() = default;
    friend bool operator==(const copy_value& a, const copy_value& b) { return a.v == b.v; }
};
static_assert(!std::is_nothrow_move_constructible_v<copy_value>);

} // namespace

namespace ht {
template <>
struct conv<copy_value> {
    static copy_value make(std::int64_t i) { return copy_value(i); }
    static std::int64_t get(const copy_value& c) { return c.v; }
};
} // namespace ht

namespace {

double op_scale() {
    double scale = 1.0;
    if (const char* env = std::getenv("HAMT_FUZZ_SCALE")) {
        const double f = std::atof(env);
        if (f > 0) scale *= f;
    }
    return scale;
}

long scaled_ops(long ops) {
    return std::max(1000L, static_cast<long>(static_cast<double>(ops) * op_scale()));
}

// Operations of the whole program, reported at exit (HAMT_FUZZ_VERBOSE=1: per run).
long total_steps = 0;
long total_updates = 0;

enum op_kind : int {
    op_lvalue,
    op_rvalue_kept,
    op_rvalue_copy,
    op_transient,
    op_copy,
    op_drop,
    op_compare,
    op_lookup,
    op_count_
};

const char* op_names[op_count_] = {"lvalue update",
                                   "&& update of a kept version",
                                   "&& update of a copy",
                                   "transient",
                                   "copy",
                                   "drop",
                                   "==",
                                   "lookup"};

struct run_config {
    std::uint64_t seed;
    long ops;
    i64 key_range;
    std::size_t max_versions; // kept at a time; beyond it random old versions are dropped
    long check_every;         // ops between checks of every kept version
};

template <class P, bool IsMap = ht::is_map_v<P>>
struct mapped_of {
    using type = i64; // sets: unused
};
template <class P>
struct mapped_of<P, true> {
    using type = typename P::mapped_type;
};

template <class P>
class persistence {
public:
    using K = typename P::key_type;
    using T = typename mapped_of<P>::type;
    using V = typename P::value_type;
    using transient_t = typename P::transient_type;
    static constexpr bool is_map = ht::is_map_v<P>;
    using model_t =
        std::conditional_t<is_map, std::unordered_map<i64, i64>, std::unordered_set<i64>>;

    explicit persistence(const run_config& cfg)
        : cfg_(cfg),
          rng_(cfg.seed),
          bulk_(static_cast<std::uint64_t>(std::clamp<i64>(cfg.key_range / 4, 16, 1500))) {
        vs_.push_back(version{P(), std::make_shared<model_t>()});
    }

    void run() {
        const long ops = scaled_ops(cfg_.ops);
        for (op_ = 0; op_ < ops; ++op_) {
            if (op_ >= phase_end_) {
                growing_ = !growing_;
                phase_end_ = op_ + 1000 + static_cast<long>(rand(6000));
            }
            step();
            while (vs_.size() > cfg_.max_versions)
                drop(rand(vs_.size()));
            if (op_ % cfg_.check_every == cfg_.check_every - 1) check_all();
            if (op_ % 64 == 0) check_version(vs_[rand(vs_.size())]);
        }
        check_all();
        total_steps += ops;
        total_updates += updates_;
        INFO("ops " << ops << ", largest version " << max_size_);
        // The run reached sizes where tries are several levels deep.
        if (ops >= cfg_.ops)
            CHECK(max_size_ >=
                  std::min<std::size_t>(static_cast<std::size_t>(cfg_.key_range) / 3, 1000));
        if (std::getenv("HAMT_FUZZ_VERBOSE"))
            WARN("ops " << ops << " (" << updates_ << " updates), largest version " << max_size_
                        << ", versions kept at the end " << vs_.size());
        // Drop the versions in random order; each drop checks one of the survivors.
        while (vs_.size() > 1) {
            drop(rand(vs_.size()));
            if (rand(8) == 0) check_version(vs_[rand(vs_.size())]);
        }
        check_all();
    }

private:
#define P_ASSERT(...)                                                                              \
    do {                                                                                           \
        if (!(__VA_ARGS__)) {                                                                      \
            FAIL("seed 0x" << std::hex << cfg_.seed << std::dec << ", op #" << op_ << " ("         \
                           << op_names[kind_] << "), key range " << cfg_.key_range                 \
                           << ": " #__VA_ARGS__);                                                  \
        }                                                                                          \
    } while (false)

    struct version {
        P p;
        std::shared_ptr<model_t> m; // shared with plain copies of p; copied before a change
    };

    std::uint64_t rand(std::uint64_t n) {
        return n == 0 ? 0 : rng_() % n;
    }
    i64 rand_key() {
        return static_cast<i64>(rand(static_cast<std::uint64_t>(cfg_.key_range)));
    }
    i64 rand_val() {
        return static_cast<i64>(rand(1000000));
    }
    static K key(i64 i) {
        return ht::make<K>(i);
    }
    static T mapped(i64 i) {
        return ht::make<T>(i);
    }
    static V value(i64 k, i64 v) {
        if constexpr (is_map)
            return V(key(k), mapped(v));
        else
            return (void)v, key(k);
    }

    // A kept version to derive from: recent ones (the tips of the history) half of the time.
    // (While growing, mostly the tips, so that one line of versions grows deep.)
    std::size_t pick() {
        const std::size_t n = vs_.size();
        if (rand(4) < (growing_ ? 3u : 2u) && n > 8) return n - 1 - rand(8);
        return rand(n);
    }
    // Inserts dominate while growing, erases while shrinking.
    bool want_insert() {
        return rand(100) < (growing_ ? 80u : 25u);
    }

    static model_t& own(version& v) {
        if (v.m.use_count() > 1) v.m = std::make_shared<model_t>(*v.m);
        return *v.m;
    }
    void push(P p, std::shared_ptr<model_t> m) {
        max_size_ = std::max(max_size_, p.size());
        vs_.push_back(version{std::move(p), std::move(m)});
    }
    void drop(std::size_t i) {
        if (vs_.size() <= 1) return;
        std::swap(vs_[i], vs_.back());
        vs_.pop_back();
    }

    // The element of key k in p agrees with the model (present with the same value, or absent).
    void check_key(const P& p, const model_t& m, i64 k) {
        auto it = p.find(key(k));
        auto jt = m.find(k);
        P_ASSERT((it == p.end()) == (jt == m.end()));
        P_ASSERT(p.contains(key(k)) == (jt != m.end()));
        P_ASSERT(p.count(key(k)) == m.count(k));
        if constexpr (is_map) {
            if (it != p.end()) {
                P_ASSERT(ht::get(it->first) == k);
                P_ASSERT(ht::get(it->second) == jt->second);
                P_ASSERT(ht::get(p.at(key(k))) == jt->second);
            }
        } else {
            if (it != p.end()) P_ASSERT(ht::get(*it) == k);
        }
        P_ASSERT(p.size() == m.size());
    }

    // Contents both ways, then the invariant checker.
    template <class C>
    void check_contents(const C& c, const model_t& m) {
        P_ASSERT(c.size() == m.size());
        std::size_t n = 0;
        for (const auto& e : c) {
            ++n;
            if constexpr (is_map) {
                auto jt = m.find(ht::get(e.first));
                P_ASSERT(jt != m.end());
                P_ASSERT(jt->second == ht::get(e.second));
            } else {
                P_ASSERT(m.count(ht::get(e)) == 1);
            }
        }
        P_ASSERT(n == m.size());
        for (const auto& e : m) {
            if constexpr (is_map)
                P_ASSERT(c.contains(key(e.first)));
            else
                P_ASSERT(c.contains(key(e)));
        }
        ht::check(c);
    }
    void check_version(const version& v) {
        check_contents(v.p, *v.m);
    }
    void check_all() {
        for (const auto& v : vs_)
            check_version(v);
    }

    void step() {
        const std::uint64_t r = rand(100);
        kind_ = r < 30   ? op_lvalue
                : r < 45 ? op_rvalue_kept
                : r < 52 ? op_rvalue_copy
                : r < 67 ? op_transient
                : r < 76 ? op_copy
                : r < 86 ? op_drop
                : r < 92 ? op_compare
                         : op_lookup;
        switch (kind_) {
        case op_lvalue:
            lvalue_update(pick());
            break;
        case op_rvalue_kept:
            rvalue_update_kept(pick());
            break;
        case op_rvalue_copy:
            rvalue_update_copy(pick());
            break;
        case op_transient:
            transient_run(pick());
            break;
        case op_copy: {
            const version& v = vs_[pick()];
            P copy(v.p);
            P_ASSERT(copy == v.p);
            if (!copy.empty()) P_ASSERT(&*copy.begin() == &*v.p.begin()); // shares the root
            if (rand(2) == 0) {
                P assigned;
                assigned = copy;
                P_ASSERT(assigned == v.p);
                copy = std::move(assigned);
            }
            auto m = v.m;
            push(std::move(copy), std::move(m));
            break;
        }
        case op_drop:
            drop(rand(vs_.size()));
            break;
        case op_compare: {
            const version& a = vs_[pick()];
            const version& b = vs_[rand(vs_.size())];
            const bool eq = a.p == b.p;
            P_ASSERT(eq == (*a.m == *b.m));
            P_ASSERT((a.p != b.p) == !eq);
            break;
        }
        case op_lookup: {
            const version& v = vs_[pick()];
            for (int i = 0; i < 8; ++i)
                check_key(v.p, *v.m, rand_key());
            break;
        }
        default:
            break;
        }
    }

    // One persistent update of p (an lvalue or an rvalue: Src is P& or P&&), applied to the
    // model m too; the result is checked on the key it touched.
    template <class Src>
    P apply_update(Src&& p, model_t& m) {
        ++updates_;
        const i64 k = rand_key();
        const i64 v = rand_val();
        P out;
        if (want_insert()) {
            if constexpr (is_map) {
                switch (rand(4)) {
                case 0: // insert: unchanged if present
                    out = std::forward<Src>(p).insert(value(k, v));
                    m.emplace(k, v);
                    break;
                case 1:
                    out = std::forward<Src>(p).set(key(k), mapped(v));
                    m[k] = v;
                    break;
                case 2: {
                    const K kk = key(k);
                    out = std::forward<Src>(p).set(kk, mapped(v));
                    m[k] = v;
                    break;
                }
                default: {
                    // The new value is f(old), old value-initialized when absent (0 for both
                    // test types: conv<std::string>::get("") is 0).
                    int calls = 0;
                    out = std::forward<Src>(p).update(key(k), [&](const T& old) {
                        ++calls;
                        return mapped(ht::get(old) + v);
                    });
                    P_ASSERT(calls == 1);
                    m[k] += v;
                    break;
                }
                }
            } else {
                if (rand(2) == 0) {
                    out = std::forward<Src>(p).insert(key(k));
                } else {
                    const K kk = key(k);
                    out = std::forward<Src>(p).insert(kk);
                }
                m.insert(k);
            }
        } else {
            // Erase a key of the version half of the time (random keys often miss when small).
            i64 kk = k;
            if (rand(2) == 0 && !p.empty()) kk = ht::get(ht::key_of(*p.begin()));
            out = std::forward<Src>(p).erase(key(kk));
            m.erase(kk);
            check_key(out, m, kk);
        }
        check_key(out, m, k);
        return out;
    }

    void lvalue_update(std::size_t i) {
        const version& src = vs_[i];
        auto m = std::make_shared<model_t>(*src.m);
        const std::size_t before = src.p.size();
        const auto* first = src.p.empty() ? nullptr : &*src.p.begin();
        P out = apply_update(src.p, *m);
        // The source is unchanged: same size, same first element (its root node was not
        // touched), and its own model still describes it on a few keys.
        P_ASSERT(src.p.size() == before);
        P_ASSERT((src.p.empty() ? nullptr : &*src.p.begin()) == first);
        for (int j = 0; j < 3; ++j)
            check_key(src.p, *src.m, rand_key());
        push(std::move(out), std::move(m));
    }

    // The version itself gives itself up: m = std::move(m).op(...) (possibly several times).
    void rvalue_update_kept(std::size_t i) {
        version& v = vs_[i];
        model_t& m = own(v);
        const int times = 1 + static_cast<int>(rand(4));
        for (int j = 0; j < times; ++j) {
            v.p = apply_update(std::move(v.p), m);
        }
        max_size_ = std::max(max_size_, v.p.size());
    }

    // && on a fresh copy: every node is shared with the kept source.
    void rvalue_update_copy(std::size_t i) {
        P copy(vs_[i].p);
        auto m = std::make_shared<model_t>(*vs_[i].m);
        const int times = 1 + static_cast<int>(rand(3));
        for (int j = 0; j < times; ++j)
            copy = apply_update(std::move(copy), *m);
        check_key(vs_[i].p, *vs_[i].m, rand_key());
        push(std::move(copy), std::move(m));
    }

    void transient_run(std::size_t i) {
        const bool take = rand(4) == 0;
        auto m = std::make_shared<model_t>(*vs_[i].m);
        transient_t t = take ? std::move(vs_[i].p).transient() : vs_[i].p.transient();
        if (take) P_ASSERT(vs_[i].p.empty()); // the nodes went to the transient
        std::vector<version> snapshots;
        // Mostly a few modifiers; sometimes a bulk load (or removal) of many.
        const int n =
            rand(10) == 0 ? 32 + static_cast<int>(rand(bulk_)) : 1 + static_cast<int>(rand(16));
        for (int j = 0; j < n; ++j) {
            transient_op(t, *m);
            if (rand(8) == 0) {
                // A snapshot in the middle: the transient goes on changing.
                snapshots.push_back(version{t.persistent(), std::make_shared<model_t>(*m)});
                P_ASSERT(snapshots.back().p.size() == t.size());
            }
        }
        if (rand(16) == 0) check_contents(t, *m);
        P out;
        if (rand(2) == 0) {
            out = std::move(t).persistent();
            P_ASSERT(t.empty());
        } else {
            out = t.persistent();
            // Changes after persistent() const& do not show in `out` (checked with its model).
            model_t later = *m;
            for (int j = 0; j < 3; ++j)
                transient_op(t, later);
            P_ASSERT(t.size() == later.size());
        }
        check_key(out, *m, rand_key());
        if (take) {
            vs_[i] = version{std::move(out), std::move(m)};
            max_size_ = std::max(max_size_, vs_[i].p.size());
        } else {
            push(std::move(out), std::move(m));
        }
        for (auto& s : snapshots)
            push(std::move(s.p), std::move(s.m));
    }

    // One transient modifier, against the model.
    void transient_op(transient_t& t, model_t& m) {
        ++updates_;
        const i64 k = rand_key();
        const i64 v = rand_val();
        const bool ins = want_insert();
        if (ins) {
            if constexpr (is_map) {
                switch (rand(8)) {
                case 0: {
                    auto r = t.insert(value(k, v));
                    const bool q = m.emplace(k, v).second;
                    P_ASSERT(r.second == q);
                    P_ASSERT(ht::get(r.first->first) == k);
                    P_ASSERT(ht::get(r.first->second) == m[k]);
                    break;
                }
                case 1: {
                    auto r = t.emplace(key(k), mapped(v));
                    const bool q = m.emplace(k, v).second;
                    P_ASSERT(r.second == q);
                    P_ASSERT(ht::get(r.first->second) == m[k]);
                    break;
                }
                case 2: {
                    auto r = t.insert(std::pair<K, T>(key(k), mapped(v))); // insert(P&&)
                    P_ASSERT(r.second == m.emplace(k, v).second);
                    break;
                }
                case 3: {
                    const K kk = key(k);
                    auto r = t.try_emplace(kk, mapped(v));
                    P_ASSERT(r.second == m.emplace(k, v).second);
                    P_ASSERT(ht::get(r.first->second) == m[k]);
                    break;
                }
                case 4: {
                    auto r = t.insert_or_assign(key(k), mapped(v));
                    P_ASSERT(r.second == (m.count(k) == 0));
                    m[k] = v;
                    P_ASSERT(ht::get(r.first->second) == v);
                    break;
                }
                case 5:
                    t[key(k)] = mapped(v);
                    m[k] = v;
                    break;
                case 6: {
                    // Read-modify-write through operator[] (value-initialized when absent).
                    const K kk = key(k);
                    T& ref = t[kk];
                    ref = mapped(ht::get(ref) + v);
                    m[k] += v;
                    break;
                }
                default: {
                    if (m.count(k)) {
                        t.at(key(k)) = mapped(v);
                        m[k] = v;
                    } else {
                        auto it = t.emplace_hint(t.cbegin(), key(k), mapped(v));
                        m.emplace(k, v);
                        P_ASSERT(ht::get(it->first) == k);
                    }
                    break;
                }
                }
            } else {
                switch (rand(3)) {
                case 0: {
                    auto r = t.insert(key(k));
                    P_ASSERT(r.second == m.insert(k).second);
                    P_ASSERT(ht::get(*r.first) == k);
                    break;
                }
                case 1: {
                    auto r = t.emplace(key(k));
                    P_ASSERT(r.second == m.insert(k).second);
                    break;
                }
                default: {
                    const K kk = key(k);
                    auto it = t.insert(t.cend(), kk);
                    m.insert(k);
                    P_ASSERT(ht::get(*it) == k);
                    break;
                }
                }
            }
        } else {
            const std::uint64_t r = rand(64);
            if (r == 0) {
                // Rare: erase while iterating, a fraction of the elements.
                const i64 mod = 2 + static_cast<i64>(rand(5));
                std::size_t visited = 0;
                const std::size_t before = t.size();
                for (auto it = t.begin(); it != t.end();) {
                    ++visited;
                    const i64 kk = ht::get(ht::key_of(*it));
                    if (kk % mod == 0) {
                        it = t.erase(it);
                        P_ASSERT(m.erase(kk) == 1);
                    } else {
                        ++it;
                    }
                }
                P_ASSERT(visited == before);
                P_ASSERT(t.size() == m.size());
            } else if (r == 1 && rand(4) == 0) {
                t.clear();
                m.clear();
            } else if (r < 24) {
                auto it = t.find(key(k));
                P_ASSERT((it == t.end()) == (m.count(k) == 0));
                if (it != t.end()) {
                    auto next = std::next(it);
                    const bool next_end = next == t.end();
                    const i64 next_key = next_end ? 0 : ht::get(ht::key_of(*next));
                    auto after = t.erase(it);
                    P_ASSERT(next_end
                                 ? after == t.end()
                                 : (after != t.end() && ht::get(ht::key_of(*after)) == next_key));
                    m.erase(k);
                }
            } else {
                P_ASSERT(t.erase(key(k)) == m.erase(k));
            }
        }
        P_ASSERT(t.size() == m.size());
        P_ASSERT(t.contains(key(k)) == (m.count(k) != 0));
    }
#undef P_ASSERT

    run_config cfg_;
    std::mt19937_64 rng_;
    std::vector<version> vs_;
    long op_ = 0;
    long updates_ = 0;
    op_kind kind_ = op_lvalue;
    bool growing_ = false;
    long phase_end_ = 0;
    std::size_t max_size_ = 0;
    std::uint64_t bulk_; // bulk transients make up to 32 + bulk_ changes
};

void announce(const run_config& cfg) {
    std::printf("persistence run: seed 0x%llX, %ld ops, key range %lld, up to %zu versions\n",
                static_cast<unsigned long long>(cfg.seed), scaled_ops(cfg.ops),
                static_cast<long long>(cfg.key_range), cfg.max_versions);
    std::fflush(stdout);
}

template <class P>
void run_all(std::initializer_list<run_config> runs) {
    for (const auto& cfg : runs) {
        announce(cfg);
        INFO("seed 0x" << std::hex << cfg.seed << std::dec << ", key range " << cfg.key_range);
        const auto start = std::chrono::steady_clock::now();
        persistence<P>(cfg).run();
        if (std::getenv("HAMT_FUZZ_VERBOSE"))
            std::printf(
                "  %.2f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
}

template <class K, class T, unsigned B, class Hash = hamt::hash<K>,
          class Policy = hamt::thread_safe>
using pmap = hamt::persistent_map<K, T, Hash, std::equal_to<K>,
                                  std::allocator<std::pair<const K, T>>, Policy, B>;
template <class K, unsigned B, class Hash = hamt::hash<K>, class Policy = hamt::thread_safe>
using pset = hamt::persistent_set<K, Hash, std::equal_to<K>, std::allocator<K>, Policy, B>;

using str = std::string;

// Reports the program's total at exit.
struct report_totals {
    ~report_totals() {
        if (total_steps)
            std::printf("persistence runs: %ld operations, %ld of them updates\n", total_steps,
                        total_updates);
    }
} report_at_exit;

} // namespace

TEST_CASE("persistent random: map<int64, int64>, B=5", "[persistent][random]") {
    run_all<pmap<i64, i64, 5>>({{0xBE55E001, 130000, 64, 2500, 4000},
                                {0xBE55E002, 24000, 1000, 1500, 6000},
                                {0xBE55E003, 6000, 8000, 150, 2000}});
}

TEST_CASE("persistent random: map<int64, int64>, B=2 (tiny nodes)", "[persistent][random]") {
    run_all<pmap<i64, i64, 2>>(
        {{0xBE55E011, 50000, 100, 2000, 5000}, {0xBE55E012, 12000, 1500, 600, 4000}});
}

TEST_CASE("persistent random: map<int64, int64>, B=6, single_thread", "[persistent][random]") {
    run_all<pmap<i64, i64, 6, hamt::hash<i64>, hamt::single_thread>>(
        {{0xBE55E021, 12000, 2000, 600, 4000}});
}

TEST_CASE("persistent random: map with hash = key & 0xF (collision nodes), B=5",
          "[persistent][random][collisions]") {
    run_all<pmap<i64, i64, 5, ht::low_bits_hash>>({{0xBE55E031, 20000, 200, 1500, 5000}});
    HT_FULL_ONLY(
        run_all<pmap<i64, i64, 2, ht::constant_hash>>({{0xBE55E032, 40000, 24, 2000, 5000}});)
}

TEST_CASE("persistent random: map<string, string>, B=5", "[persistent][random]") {
    run_all<pmap<str, str, 5>>({{0xBE55E041, 10000, 1000, 1000, 5000}});
}

TEST_CASE("persistent random: map<string, string>, B=2 and colliding", "[persistent][random]") {
    run_all<pmap<str, str, 2>>({{0xBE55E051, 15000, 300, 1500, 5000}});
    HT_FULL_ONLY(
        run_all<pmap<str, str, 5, ht::low_bits_hash>>({{0xBE55E052, 15000, 120, 1500, 5000}});)
}

TEST_CASE("persistent random: set<int64>, B=5, B=2, B=6 and colliding",
          "[persistent][random][set]") {
    run_all<pset<i64, 5>>({{0xBE55E061, 25000, 1000, 1500, 6000}});
    HT_FULL_ONLY(run_all<pset<i64, 2>>({{0xBE55E062, 35000, 200, 2000, 5000}});)
    HT_FULL_ONLY(run_all<pset<i64, 3, ht::low_bits_hash, hamt::single_thread>>(
                     {{0xBE55E063, 20000, 150, 2000, 5000}});)
    HT_FULL_ONLY(run_all<pset<i64, 6>>({{0xBE55E064, 20000, 64, 2000, 5000}});)
}

TEST_CASE("persistent random: set<string>, B=5 and colliding", "[persistent][random][set]") {
    run_all<pset<str, 5>>({{0xBE55E071, 20000, 800, 1000, 5000}});
    HT_FULL_ONLY(run_all<pset<str, 2, ht::constant_hash>>({{0xBE55E072, 40000, 20, 1500, 5000}});)
}

TEST_CASE("persistent random: map<int64, T> with a throwing move (nodes rebuilt by copying)",
          "[persistent][random]") {
    run_all<pmap<i64, copy_value, 3>>({{0xBE55E091, 15000, 400, 1000, 5000}});
}

TEST_CASE("persistent random: map<counted, counted>, B=3: every element destroyed once",
          "[persistent][random][counted]") {
    ht::leak_guard guard;
    run_all<pmap<ht::counted, ht::counted, 3, ht::counted_hash>>(
        {{0xBE55E081, 12000, 300, 800, 4000}});
    CHECK(ht::counted::stats.live == 0);
}
