// Threads: versions of hamt::persistent_map / persistent_set (default policy, thread_safe) shared
// between threads without locks. Each test case runs `threads` workers for a fixed number of
// rounds; in each round a worker
//
//  - takes a version from a small mailbox of slots (a copy, which shares every node with the
//    slot and with every other copy, or the slot's own version taken out, so that the worker
//    may become its nodes' only owner while other threads still hold and drop copies: the
//    "am I the only owner" test of the && updates and transients then races with their drops),
//    or reads one of a few versions made before the threads started, which every worker reads
//    and derives from through the same object at once;
//  - reads it (iteration, find, contains, ==, sometimes check_invariants) against the content
//    it must have;
//  - derives a new version from it by one of: lvalue updates (path copying), && updates (in
//    place where it alone owns a node), or a transient (its modifiers, a persistent() snapshot
//    in the middle that later changes must not reach, then persistent() & or &&);
//  - checks the source again (unchanged) and the new version, compares them with ==;
//  - puts the new version into a random slot (the version it replaces is dropped outside the
//    lock) or keeps it in a short local history whose versions are dropped in random order.
//
// Only the handoff locks (a mutex around the slots): reading, deriving and dropping versions
// whose nodes other threads are reading, deriving from and dropping at the same time is lock
// free, as the containers promise. Every version travels with its expected content (a small
// array indexed by key, copied with it, so no shared model synchronizes the threads and hides a
// race from ThreadSanitizer). The element type counts constructions and destructions with
// atomics (ht::counted's counters and registry are plain statics): at the end every element
// constructed has been destroyed exactly once and none was used after its destruction.
//
// Catch2 is not thread-safe: workers record failures in `failures` and the test thread checks
// them after joining. Bounded: about a second per test case in a Release build; under
// ThreadSanitizer or AddressSanitizer the rounds are cut by 4 (about 15 s for the three cases
// under TSan, 10 s under ASan at -O0, on 2 shared cores). HAMT_STRESS_SCALE=<factor> scales the
// rounds.
#include "support.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#if defined(__SANITIZE_THREAD__)
#define HT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HT_TSAN 1
#endif
#endif
#ifndef HT_TSAN
#define HT_TSAN 0
#endif
#if defined(__SANITIZE_ADDRESS__)
#define HT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HT_ASAN 1
#endif
#endif
#ifndef HT_ASAN
#define HT_ASAN 0
#endif

namespace {

using i64 = std::int64_t;

// ---------------------------------------------------------------------------------------------
// Failures seen by worker threads (Catch2 must only be called from the test's thread).

struct failures {
    static inline std::atomic<long> count{0};
    static inline std::mutex mutex;
    static inline std::string first;

    static void report(const char* what, int line) {
        if (count.fetch_add(1) == 0) {
            std::lock_guard<std::mutex> lock(mutex);
            first = std::string(what) + " (line " + std::to_string(line) + ")";
        }
    }
    static void reset() {
        count = 0;
        first.clear();
    }
};

#define TCHECK(...)                                                                                \
    do {                                                                                           \
        if (!(__VA_ARGS__)) failures::report(#__VA_ARGS__, __LINE__);                              \
    } while (false)

// ---------------------------------------------------------------------------------------------
// A counting element safe to construct, copy and destroy from many threads: atomic counters
// (relaxed: they create no ordering that could hide a race from ThreadSanitizer) and a magic
// word that a use after destruction (or a second destruction) finds dead.

struct tally {
    static inline std::atomic<long> constructed{0};
    static inline std::atomic<long> destroyed{0};
    static inline std::atomic<long> errors{0};
    static void reset() {
        constructed = 0;
        destroyed = 0;
        errors = 0;
    }
};

class tcounted {
public:
    tcounted() : v_(0) { born(); }
    explicit tcounted(i64 v) : v_(v) { born(); }
    tcounted(const tcounted& o) : v_(o.value()) { born(); }
    tcounted(tcounted&& o) noexcept : v_(o.value()) { born(); }
    tcounted& operator=(const tcounted& o) {
        check();
        v_ = o.value();
        return *this;
    }
    tcounted& operator=(tcounted&& o) noexcept {
        check();
        v_ = o.value();
        return *this;
    }
    ~tcounted() {
        check();
        magic_ = dead;
        tally::destroyed.fetch_add(1, std::memory_order_relaxed);
    }
    i64 value() const {
        check();
        return v_;
    }
    friend bool operator==(const tcounted& a, const tcounted& b) { return a.value() == b.value(); }

private:
    static constexpr std::uint64_t alive = 0xA11CEA11CEA11CEull, dead = 0xDEADDEADDEADDEADull;
    void born() {
        magic_ = alive;
        tally::constructed.fetch_add(1, std::memory_order_relaxed);
    }
    void check() const {
        if (magic_ != alive) tally::errors.fetch_add(1, std::memory_order_relaxed);
    }
    i64 v_;
    std::uint64_t magic_;
};

struct tcounted_hash {
    using is_avalanching = void;
    std::size_t operator()(const tcounted& c) const {
        return static_cast<std::size_t>(ht::mix64(static_cast<std::uint64_t>(c.value())));
    }
};

// 64 distinct hashes for int64 keys (key mod 64, spread): keys that agree mod 64 collide in
// full, so collision nodes at full depth are shared, copied and released too.
struct mod64_hash {
    using is_avalanching = void;
    std::size_t operator()(i64 k) const {
        return static_cast<std::size_t>(ht::mix64(static_cast<std::uint64_t>(k) & 63));
    }
};

// ---------------------------------------------------------------------------------------------
// Expected contents: value[k] for k in [0, K), -1 when absent (sets store 0 for present).

template <int K>
struct model {
    std::array<std::int32_t, K> value;
    std::size_t size = 0;
    model() { value.fill(-1); }
    bool has(int k) const { return value[static_cast<std::size_t>(k)] >= 0; }
    void put(int k, std::int32_t v) {
        if (!has(k)) ++size;
        value[static_cast<std::size_t>(k)] = v;
    }
    void drop(int k) {
        if (has(k)) --size;
        value[static_cast<std::size_t>(k)] = -1;
    }
    friend bool operator==(const model& a, const model& b) {
        return a.size == b.size && a.value == b.value;
    }
};

template <class P, int K>
struct entry {
    P version;
    model<K> m;
};

// The slots versions are handed over through: the only lock of the test.
template <class E>
class mailbox {
public:
    explicit mailbox(std::size_t n) : slots_(n) {}
    std::size_t size() const { return slots_.size(); }
    // A copy of slot i's entry (shares its nodes).
    std::optional<E> copy(std::size_t i) {
        std::lock_guard<std::mutex> lock(mutex_);
        return slots_[i];
    }
    // Slot i's entry itself, leaving the slot empty.
    std::optional<E> take(std::size_t i) {
        std::optional<E> e;
        std::lock_guard<std::mutex> lock(mutex_);
        e.swap(slots_[i]);
        return e;
    }
    // Puts e into slot i; the entry it replaces is dropped after the lock is released.
    void put(std::size_t i, E&& e) {
        std::optional<E> old(std::move(e));
        {
            std::lock_guard<std::mutex> lock(mutex_);
            old.swap(slots_[i]);
        }
    }
    // Empties every slot (test thread, after the workers are joined).
    std::vector<E> drain() {
        std::vector<E> out;
        for (auto& s : slots_)
            if (s) out.push_back(std::move(*s)), s.reset();
        return out;
    }

private:
    std::mutex mutex_;
    std::vector<std::optional<E>> slots_;
};

// ---------------------------------------------------------------------------------------------
// The worker

double stress_scale() {
    double scale = HT_TSAN || HT_ASAN ? 0.25 : 1.0;
    if (const char* env = std::getenv("HAMT_STRESS_SCALE")) {
        const double f = std::atof(env);
        if (f > 0) scale *= f;
    }
    return scale;
}

template <class P, int K>
class stress {
public:
    static constexpr bool is_map = ht::is_map_v<P>;
    using entry_t = entry<P, K>;
    using model_t = model<K>;
    using transient_t = typename P::transient_type;

    stress(std::uint64_t seed, int threads, long rounds)
        : seed_(seed), threads_(threads), rounds_(rounds), box_(8) {}

    void run() {
        failures::reset();
        // Versions made before the threads start: read and derived from through these very
        // objects by every worker at once (const access only).
        std::mt19937_64 rng(seed_);
        for (int b = 0; b < 4; ++b) {
            entry_t e;
            const int n = static_cast<int>(rng() % K);
            for (int j = 0; j < n; ++j) {
                const int k = static_cast<int>(rng() % K);
                insert_or_set(e, k, value_of(rng));
            }
            bases_.push_back(std::move(e));
        }
        for (std::size_t i = 0; i < box_.size(); i += 2) {
            entry_t e = bases_[i / 2 % bases_.size()];
            box_.put(i, std::move(e));
        }

        std::vector<std::thread> pool;
        for (int t = 0; t < threads_; ++t)
            pool.emplace_back([this, t] { worker(t); });
        for (auto& th : pool)
            th.join();

        // Everything left is checked once more, then dropped.
        for (const entry_t& e : box_.drain())
            verify(e, true);
        for (const entry_t& e : bases_)
            verify(e, true);
        bases_.clear();
    }

    long derived() const { return derived_.load(); }

private:
    static std::int32_t value_of(std::mt19937_64& rng) {
        return static_cast<std::int32_t>(rng() & 0x3FFFFFFF);
    }
    static auto key_of_int(int k) {
        if constexpr (is_map)
            return static_cast<i64>(k);
        else
            return tcounted(k);
    }

    // ---- updates on persistent versions (lvalue or rvalue), applied to the model too ----------

    // Any of the persistent updates of key k on version v (consumed when Move), into e's model.
    template <bool Move>
    static P update(std::conditional_t<Move, P&, const P&> v, model_t& m, int k, std::int32_t value,
                    unsigned how) {
        auto src = [&]() -> decltype(auto) {
            if constexpr (Move)
                return std::move(v);
            else
                return v;
        };
        if constexpr (is_map) {
            switch (how % 4) {
            case 0:
                if (!m.has(k)) m.put(k, value);
                return src().insert({static_cast<i64>(k), tcounted(value)});
            case 1:
                m.put(k, value);
                return src().set(static_cast<i64>(k), tcounted(value));
            case 2:
                m.drop(k);
                return src().erase(static_cast<i64>(k));
            default: {
                const std::int32_t now =
                    ((m.has(k) ? m.value[static_cast<std::size_t>(k)] : 0) + 7) & 0x3FFFFFFF;
                m.put(k, now);
                return src().update(static_cast<i64>(k), [](const tcounted& old) {
                    return tcounted((old.value() + 7) & 0x3FFFFFFF);
                });
            }
            }
        } else {
            (void)value;
            if (how % 2 == 0) {
                m.put(k, 0);
                return src().insert(tcounted(k));
            }
            m.drop(k);
            return src().erase(tcounted(k));
        }
    }

    // Builds contents single-threaded (the bases).
    static void insert_or_set(entry_t& e, int k, std::int32_t value) {
        e.version = update<true>(e.version, e.m, k, value, 1);
    }

    // Keys biased to keep sizes near K / 2: inserts when small, erases when large.
    static unsigned how_for(const model_t& m, std::mt19937_64& rng) {
        const unsigned r = static_cast<unsigned>(rng() % 16);
        const bool grow = m.size < static_cast<std::size_t>(K) / 2;
        if constexpr (is_map) {
            // 0 insert, 1 set, 2 erase, 3 update
            if (r < 4) return 3;
            if (r < 10) return grow ? (r & 1) : 2;
            return grow ? 2 : (r & 1);
        } else {
            if (r < 10) return grow ? 0 : 1;
            return grow ? 1 : 0;
        }
    }

    // ---- transients --------------------------------------------------------------------------

    static void transient_op(transient_t& t, model_t& m, std::mt19937_64& rng) {
        const int k = static_cast<int>(rng() % K);
        const std::int32_t value = value_of(rng);
        const unsigned how = static_cast<unsigned>(rng() % 8);
        const bool grow = m.size < static_cast<std::size_t>(K) / 2;
        const bool erase = grow ? how >= 6 : how >= 3;
        if (erase) {
            if (how % 2 == 0 && m.has(k)) {
                auto it = t.find(key_of_int(k));
                TCHECK(it != t.end());
                t.erase(it);
            } else if (how % 3 == 0 && m.size > 0) {
                // By position: the element at a random place of the iteration order.
                auto it = t.begin();
                std::advance(it, static_cast<std::ptrdiff_t>(rng() % m.size));
                int key;
                if constexpr (is_map)
                    key = static_cast<int>(it->first);
                else
                    key = static_cast<int>(it->value());
                t.erase(it);
                m.drop(key);
                return;
            } else {
                TCHECK(t.erase(key_of_int(k)) == (m.has(k) ? 1u : 0u));
            }
            m.drop(k);
            return;
        }
        if constexpr (is_map) {
            const i64 key = k;
            switch (how % 6) {
            case 0: {
                const bool fresh = !m.has(k);
                TCHECK(t.insert({key, tcounted(value)}).second == fresh);
                if (fresh) m.put(k, value);
                break;
            }
            case 1: {
                const bool fresh = !m.has(k);
                TCHECK(t.emplace(key, value).second == fresh);
                if (fresh) m.put(k, value);
                break;
            }
            case 2: {
                const bool fresh = !m.has(k);
                TCHECK(t.try_emplace(key, value).second == fresh);
                if (fresh) m.put(k, value);
                break;
            }
            case 3:
                TCHECK(t.insert_or_assign(key, tcounted(value)).second == !m.has(k));
                m.put(k, value);
                break;
            case 4:
                t[key] = tcounted(value);
                m.put(k, value);
                break;
            default:
                if (m.has(k)) {
                    t.at(key) = tcounted(value);
                    m.put(k, value);
                } else {
                    (void)t[key]; // value-initialized
                    m.put(k, 0);
                }
                break;
            }
        } else {
            (void)value;
            const bool fresh = !m.has(k);
            if (how % 2 == 0)
                TCHECK(t.insert(tcounted(k)).second == fresh);
            else
                TCHECK(t.emplace(static_cast<i64>(k)).second == fresh);
            m.put(k, 0);
        }
    }

    // ---- checks ------------------------------------------------------------------------------

    template <class C>
    static int key_int(const C& e) {
        if constexpr (is_map)
            return static_cast<int>(e.first);
        else
            return static_cast<int>(e.value());
    }

    // v holds exactly m: size, iteration, and lookups (every key when `full`, else a sample).
    template <class V>
    static void verify_contents(const V& v, const model_t& m, bool full, std::mt19937_64* rng) {
        TCHECK(v.size() == m.size);
        TCHECK(v.empty() == (m.size == 0));
        std::size_t n = 0;
        for (const auto& e : v) {
            ++n;
            const int k = key_int(e);
            if (k < 0 || k >= K) {
                failures::report("key out of range", __LINE__);
                continue;
            }
            if constexpr (is_map)
                TCHECK(m.value[static_cast<std::size_t>(k)] == e.second.value());
            else
                TCHECK(m.has(k));
        }
        TCHECK(n == m.size);
        const auto probe = [&](int k) {
            TCHECK(v.contains(key_of_int(k)) == m.has(k));
            TCHECK(v.count(key_of_int(k)) == (m.has(k) ? 1u : 0u));
            auto it = v.find(key_of_int(k));
            if (m.has(k)) {
                TCHECK(it != v.end());
                if (it != v.end()) {
                    TCHECK(key_int(*it) == k);
                    if constexpr (is_map)
                        TCHECK(it->second.value() == m.value[static_cast<std::size_t>(k)]);
                }
            } else {
                TCHECK(it == v.end());
            }
        };
        if (full) {
            for (int k = 0; k < K; ++k)
                probe(k);
        } else {
            for (int j = 0; j < 8; ++j)
                probe(static_cast<int>((*rng)() % K));
        }
    }

    static void verify(const entry_t& e, bool full, std::mt19937_64* rng = nullptr) {
        verify_contents(e.version, e.m, full, rng);
        if (full) {
#if HT_EXCEPTIONS
            try {
                hamt::debug::check_invariants(e.version);
            } catch (const hamt::debug::invariant_error& err) {
                failures::report(err.what(), __LINE__);
            }
#else
            hamt::debug::check_invariants(e.version);
#endif
        }
    }

    // ---- one worker --------------------------------------------------------------------------

    void worker(int id) {
        std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(id) + 1);
        std::vector<entry_t> history;
        // Every worker starts together, so that the first rounds overlap.
        started_.fetch_add(1);
        while (started_.load() < threads_)
            std::this_thread::yield();

        for (long round = 0; round < rounds_; ++round) {
            // The source: a copy of a slot, a slot's own version, or a base read in place.
            const unsigned pick = static_cast<unsigned>(rng() % 8);
            std::optional<entry_t> own;
            const entry_t* src = nullptr;
            const std::size_t slot = static_cast<std::size_t>(rng() % box_.size());
            if (pick < 2) {
                src = &bases_[rng() % bases_.size()];
            } else {
                own = pick < 5 ? box_.take(slot) : box_.copy(slot);
                if (!own) own.emplace(bases_[rng() % bases_.size()]);
                src = &*own;
            }
            verify(*src, rng() % 16 == 0, &rng);

            // Derive a new version from it.
            entry_t next;
            next.m = src->m;
            const unsigned mode = static_cast<unsigned>(rng() % 3);
            const int steps = 1 + static_cast<int>(rng() % 12);
            // Whether this worker gives up its own version (it may then own every node alone).
            const bool give_up = own && mode != 0 && rng() % 2 == 0;
            if (mode == 0) {
                // lvalue updates: the first derives from the source object itself (a base, read
                // by every worker at once, or this worker's version), each next one path-copies
                // from the previous version; sometimes an intermediate version is kept.
                {
                    const int k = static_cast<int>(rng() % K);
                    const std::int32_t value = value_of(rng);
                    next.version =
                        update<false>(src->version, next.m, k, value, how_for(next.m, rng));
                }
                for (int j = 1; j < steps; ++j) {
                    if (rng() % 8 == 0 && history.size() < 6)
                        history.push_back(entry_t{P(next.version), model_t(next.m)});
                    const int k = static_cast<int>(rng() % K);
                    const std::int32_t value = value_of(rng);
                    P v = update<false>(next.version, next.m, k, value, how_for(next.m, rng));
                    next.version = std::move(v);
                }
            } else if (mode == 1) {
                // && updates: the first copies the shared part of the path, the rest change it
                // in place (or copy again where another thread took a reference meanwhile).
                if (give_up)
                    next.version = std::move(own->version);
                else
                    next.version = src->version;
                for (int j = 0; j < steps; ++j) {
                    const int k = static_cast<int>(rng() % K);
                    const std::int32_t value = value_of(rng);
                    next.version =
                        update<true>(next.version, next.m, k, value, how_for(next.m, rng));
                }
            } else {
                // A transient, from the source or from this worker's version itself, with a
                // snapshot in the middle that the later changes must not reach.
                transient_t t =
                    give_up ? std::move(own->version).transient() : src->version.transient();
                model_t m = next.m;
                std::optional<entry_t> snapshot;
                for (int j = 0; j < steps; ++j) {
                    transient_op(t, m, rng);
                    if (j == steps / 2 && rng() % 2 == 0)
                        snapshot.emplace(entry_t{t.persistent(), m});
                }
                verify_contents(t, m, false, &rng);
                next.version = rng() % 2 == 0 ? std::move(t).persistent() : t.persistent();
                next.m = m;
                if (snapshot) verify(*snapshot, rng() % 4 == 0, &rng);
            }
            if (give_up) src = nullptr;
            derived_.fetch_add(1, std::memory_order_relaxed);

            // The source is unchanged (unless it was given up), and == agrees with the models.
            if (src) {
                verify(*src, false, &rng);
                TCHECK((src->version == next.version) == (src->m == next.m));
                TCHECK((next.version != src->version) == !(src->m == next.m));
            }
            verify(next, rng() % 16 == 0, &rng);
            if (rng() % 4 == 0) {
                // Against another thread's version.
                if (std::optional<entry_t> other = box_.copy(rng() % box_.size()))
                    TCHECK((other->version == next.version) == (other->m == next.m));
            }
            own.reset(); // dropped here, while other threads may drop its nodes too

            // Hand the new version on, keep it a while, or drop it.
            const unsigned where = static_cast<unsigned>(rng() % 8);
            if (where < 5) {
                box_.put(rng() % box_.size(), std::move(next));
            } else if (where < 7) {
                history.push_back(std::move(next));
            }
            while (history.size() > 6 || (!history.empty() && rng() % 4 == 0)) {
                const std::size_t i = static_cast<std::size_t>(rng() % history.size());
                verify(history[i], false, &rng);
                history.erase(history.begin() + static_cast<std::ptrdiff_t>(i));
            }
        }
        while (!history.empty()) {
            const std::size_t i = static_cast<std::size_t>(rng() % history.size());
            history.erase(history.begin() + static_cast<std::ptrdiff_t>(i));
        }
    }

    std::uint64_t seed_;
    int threads_;
    long rounds_;
    mailbox<entry_t> box_;
    std::vector<entry_t> bases_;
    std::atomic<int> started_{0};
    std::atomic<long> derived_{0};
};

template <class P, int K>
void run_stress(std::uint64_t seed, int threads, long rounds) {
    rounds = std::max(50L, static_cast<long>(static_cast<double>(rounds) * stress_scale()));
    std::printf("thread stress: seed 0x%llX, %d threads, %ld rounds each, %d keys\n",
                static_cast<unsigned long long>(seed), threads, rounds, K);
    tally::reset();
    long derived = 0;
    {
        stress<P, K> s(seed, threads, rounds);
        s.run();
        derived = s.derived();
    }
    INFO("seed " << seed << ": first failure: " << failures::first);
    CHECK(failures::count.load() == 0);
    CHECK(derived == threads * rounds);
    // Every element constructed was destroyed exactly once, none used after its destruction.
    CHECK(tally::constructed.load() > 0);
    CHECK(tally::constructed.load() == tally::destroyed.load());
    CHECK(tally::errors.load() == 0);
}

} // namespace

TEST_CASE("threads: persistent_map<int64, counted> shared, derived and dropped by 4 threads",
          "[persistent][threads]") {
    run_stress<hamt::persistent_map<i64, tcounted>, 512>(0x7A5EED01, 4, 20000);
}

TEST_CASE("threads: persistent_map with full collisions (64 hashes), B=3, 5 threads",
          "[persistent][threads]") {
    using P =
        hamt::persistent_map<i64, tcounted, mod64_hash, std::equal_to<i64>,
                             std::allocator<std::pair<const i64, tcounted>>, hamt::thread_safe, 3>;
    run_stress<P, 256>(0x7A5EED02, 5, 4000);
}

TEST_CASE("threads: persistent_set<counted> shared, derived and dropped by 4 threads",
          "[persistent][threads]") {
    run_stress<hamt::persistent_set<tcounted, tcounted_hash>, 512>(0x7A5EED03, 4, 20000);
}
