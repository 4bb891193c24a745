// Randomized differential test: every operation is applied to a hamt container and to a
// std::unordered_map / std::unordered_set, and the results are compared op by op; at
// checkpoints the whole contents (as sorted multisets) and hamt::debug::check_invariants.
//
// Runs use fixed seeds; a failure message names the seed, the op number and the op, so a run
// can be replayed exactly (the same seed gives the same sequence). A second container pair takes
// part in copy, move, swap and merge. Phases of random length alternate between growing and
// shrinking, so tries grow deep and collapse back. All test cases together make about 1.1M
// operations (sanitizer builds too: well under a minute there). HAMT_FUZZ_SCALE=<factor> in the
// environment scales the op counts (e.g. 10 for a longer soak); HAMT_FUZZ_VERBOSE=1 reports
// each run's largest size.
#include "support.hpp"

#include <cstdio>
#include <random>

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

enum op_kind : int {
    op_insert,
    op_insert_hint,
    op_emplace,
    op_emplace_hint,
    op_try_emplace,
    op_try_emplace_hint,
    op_insert_or_assign,
    op_subscript,
    op_erase_key,
    op_erase_iter,
    op_lookup,
    op_fill_other,
    op_erase_loop,
    op_erase_range,
    op_clear,
    op_copy,
    op_move,
    op_swap,
    op_merge,
    op_insert_range,
    op_modify_all,
    op_count_
};

const char* op_names[op_count_] = {"insert",
                                   "insert(hint)",
                                   "emplace",
                                   "emplace_hint",
                                   "try_emplace",
                                   "try_emplace(hint)",
                                   "insert_or_assign",
                                   "operator[]",
                                   "erase(key)",
                                   "erase(iterator)",
                                   "lookup",
                                   "fill other",
                                   "erase loop",
                                   "erase(range)",
                                   "clear",
                                   "copy",
                                   "move",
                                   "swap",
                                   "merge",
                                   "insert(range)",
                                   "modify via iterators"};

struct run_config {
    std::uint64_t seed;
    long ops;
    std::int64_t key_range;
};

template <class H, class S>
class differential {
public:
    using K = typename H::key_type;
    static constexpr bool is_map = ht::is_map_v<H>;
    static constexpr bool copyable = std::is_copy_constructible_v<typename H::value_type>;

    differential(const run_config& cfg, H h, H h2, S s, S s2)
        : cfg_(cfg),
          rng_(cfg.seed),
          h_(std::move(h)),
          h2_(std::move(h2)),
          s_(std::move(s)),
          s2_(std::move(s2)) {}

    void run() {
        const long ops = scaled_ops(cfg_.ops);
        for (op_ = 0; op_ < ops; ++op_) {
            if (op_ >= phase_end_) {
                growing_ = !growing_ || h_.size() < 8;
                phase_end_ = op_ + 2000 + static_cast<long>(rand(14000));
            }
            step();
            max_size_ = std::max(max_size_, h_.size());
            if (op_ % 997 == 0) checkpoint();
        }
        checkpoint();
        // The run reached a size where tries are several levels deep.
        INFO("ops " << ops << ", largest size " << max_size_);
        if (ops >= cfg_.ops) {
            CHECK(max_size_ >=
                  std::min<std::size_t>(static_cast<std::size_t>(cfg_.key_range) / 2, 1000));
        }
        if (std::getenv("HAMT_FUZZ_VERBOSE")) WARN("ops " << ops << ", largest size " << max_size_);
        // Drain to empty by erasing while iterating, then reuse.
        for (auto it = h_.begin(); it != h_.end();)
            it = h_.erase(it);
        s_.clear();
        checkpoint();
    }

private:
#define DIFF_ASSERT(...)                                                                           \
    do {                                                                                           \
        if (!(__VA_ARGS__)) {                                                                      \
            FAIL("seed " << cfg_.seed << ", op #" << op_ << " (" << op_names[kind_]                \
                         << "), key range " << cfg_.key_range << ": " #__VA_ARGS__);               \
        }                                                                                          \
    } while (false)

    std::uint64_t rand(std::uint64_t n) {
        return n == 0 ? 0 : rng_() % n;
    }
    std::int64_t rand_key() {
        return static_cast<std::int64_t>(rand(static_cast<std::uint64_t>(cfg_.key_range)));
    }
    std::int64_t rand_val() {
        return static_cast<std::int64_t>(rand(1000000));
    }
    static K key(std::int64_t i) {
        return ht::make<K>(i);
    }
    template <class C>
    static auto mapped(std::int64_t v) {
        return ht::make<typename C::mapped_type>(v);
    }
    template <class C>
    static typename C::value_type value(std::int64_t k, std::int64_t v) {
        if constexpr (is_map) {
            return typename C::value_type(key(k), mapped<C>(v));
        } else {
            (void)v;
            return key(k);
        }
    }
    // The integer of the element an iterator points at (key; for maps also compares value).
    template <class It>
    static std::int64_t key_at(It it) {
        return ht::get(ht::key_of(*it));
    }
    template <class It, class Jt>
    bool same_element(It it, Jt jt) {
        if (ht::get(ht::key_of(*it)) != ht::get(ht::key_of(*jt))) return false;
        if constexpr (is_map) return ht::get(it->second) == ht::get(jt->second);
        return true;
    }

    op_kind pick() {
        // Weights: point operations dominate; O(n) operations are rare.
        const std::uint64_t r = rand(1000);
        const bool grow = growing_;
        if (r < (grow ? 450u : 100u)) {
            static const op_kind inserts[] = {
                op_insert,      op_insert_hint,      op_emplace,          op_emplace_hint,
                op_try_emplace, op_try_emplace_hint, op_insert_or_assign, op_subscript};
            return inserts[rand(is_map ? 8 : 4)];
        }
        if (r < 500) return rand(3) == 0 ? op_erase_iter : op_erase_key;
        if (r < 940) return op_lookup;
        if (r < 975) return op_fill_other;
        // Rare: the O(n) operations. Clear and the erase loop, which shrink a lot, rarest.
        const std::uint64_t x = rand(64);
        if (x == 0) return op_clear;
        if (x < 3) return op_erase_loop;
        static const op_kind rare[] = {op_erase_range, op_copy,         op_move,      op_swap,
                                       op_merge,       op_insert_range, op_modify_all};
        return rare[rand(7)];
    }

    void step() {
        kind_ = pick();
        const std::int64_t k = rand_key();
        const std::int64_t v = rand_val();
        switch (kind_) {
        case op_insert: {
            auto r = h_.insert(value<H>(k, v));
            auto q = s_.insert(value<S>(k, v));
            DIFF_ASSERT(r.second == q.second);
            DIFF_ASSERT(same_element(r.first, q.first));
            break;
        }
        case op_insert_hint: {
            auto hint =
                h_.empty()
                    ? h_.cend()
                    : std::next(h_.cbegin(),
                                static_cast<long>(rand(std::min<std::size_t>(h_.size(), 8))));
            auto r = h_.insert(hint, value<H>(k, v));
            auto q = s_.insert(s_.cend(), value<S>(k, v));
            DIFF_ASSERT(same_element(r, q));
            break;
        }
        case op_emplace: {
            if constexpr (is_map) {
                auto r = h_.emplace(key(k), mapped<H>(v));
                auto q = s_.emplace(key(k), mapped<S>(v));
                DIFF_ASSERT(r.second == q.second);
                DIFF_ASSERT(same_element(r.first, q.first));
            } else {
                auto r = h_.emplace(key(k));
                auto q = s_.emplace(key(k));
                DIFF_ASSERT(r.second == q.second);
                DIFF_ASSERT(same_element(r.first, q.first));
            }
            break;
        }
        case op_emplace_hint: {
            if constexpr (is_map) {
                auto r = h_.emplace_hint(h_.cbegin(), std::piecewise_construct,
                                         std::forward_as_tuple(key(k)),
                                         std::forward_as_tuple(mapped<H>(v)));
                auto q = s_.emplace_hint(s_.cbegin(), key(k), mapped<S>(v));
                DIFF_ASSERT(same_element(r, q));
            } else {
                auto r = h_.emplace_hint(h_.cend(), key(k));
                auto q = s_.emplace_hint(s_.cend(), key(k));
                DIFF_ASSERT(same_element(r, q));
            }
            break;
        }
        case op_try_emplace: {
            if constexpr (is_map) {
                auto mv = mapped<H>(v);
                const bool by_ref = rand(2) == 0;
                const K kk = key(k);
                auto r = by_ref ? h_.try_emplace(kk, std::move(mv))
                                : h_.try_emplace(key(k), std::move(mv));
                auto q = s_.try_emplace(key(k), mapped<S>(v));
                DIFF_ASSERT(r.second == q.second);
                DIFF_ASSERT(same_element(r.first, q.first));
                if (!r.second) DIFF_ASSERT(ht::get(mv) == v); // not moved from
            }
            break;
        }
        case op_try_emplace_hint: {
            if constexpr (is_map) {
                auto r = h_.try_emplace(h_.cend(), key(k), mapped<H>(v));
                auto q = s_.try_emplace(s_.cend(), key(k), mapped<S>(v));
                DIFF_ASSERT(same_element(r, q));
            }
            break;
        }
        case op_insert_or_assign: {
            if constexpr (is_map) {
                if (rand(2) == 0) {
                    auto r = h_.insert_or_assign(key(k), mapped<H>(v));
                    auto q = s_.insert_or_assign(key(k), mapped<S>(v));
                    DIFF_ASSERT(r.second == q.second);
                    DIFF_ASSERT(same_element(r.first, q.first));
                } else {
                    const K kk = key(k);
                    auto r = h_.insert_or_assign(h_.cbegin(), kk, mapped<H>(v));
                    auto q = s_.insert_or_assign(s_.cbegin(), kk, mapped<S>(v));
                    DIFF_ASSERT(same_element(r, q));
                }
            }
            break;
        }
        case op_subscript: {
            if constexpr (is_map) {
                if (rand(2) == 0) {
                    h_[key(k)] = mapped<H>(v);
                    s_[key(k)] = mapped<S>(v);
                } else {
                    const K kk = key(k);
                    DIFF_ASSERT(ht::get(h_[kk]) == ht::get(s_[kk]));
                }
            }
            break;
        }
        case op_erase_key: {
            const std::size_t r = h_.erase(key(k));
            const std::size_t q = s_.erase(key(k));
            DIFF_ASSERT(r == q);
            break;
        }
        case op_erase_iter: {
            auto it = h_.find(key(k));
            if (it == h_.end()) {
                DIFF_ASSERT(s_.count(key(k)) == 0);
                break;
            }
            auto next = std::next(it);
            const bool next_end = next == h_.end();
            const std::int64_t next_key = next_end ? 0 : key_at(next);
            auto r = rand(2) == 0 ? h_.erase(it) : h_.erase(typename H::const_iterator(it));
            // erase(iterator) returns the iterator to the element that followed.
            DIFF_ASSERT(next_end ? r == h_.end() : (r != h_.end() && key_at(r) == next_key));
            DIFF_ASSERT(s_.erase(key(k)) == 1);
            break;
        }
        case op_lookup: {
            const K kk = key(k);
            auto it = h_.find(kk);
            auto jt = s_.find(kk);
            DIFF_ASSERT((it == h_.end()) == (jt == s_.end()));
            if (it != h_.end()) DIFF_ASSERT(same_element(it, jt));
            DIFF_ASSERT(h_.count(kk) == s_.count(kk));
            DIFF_ASSERT(h_.contains(kk) == (jt != s_.end()));
            const auto& ch = h_;
            DIFF_ASSERT(ch.find(kk) == it);
            auto er = h_.equal_range(kk);
            DIFF_ASSERT(er.first == it);
            DIFF_ASSERT(std::distance(er.first, er.second) == (it == h_.end() ? 0 : 1));
            if constexpr (is_map) {
                if (it != h_.end()) {
                    DIFF_ASSERT(ht::get(h_.at(kk)) == ht::get(jt->second));
                } else if (rand(16) == 0) {
#if HT_EXCEPTIONS
                    bool threw = false;
                    try {
                        (void)ch.at(kk);
                    } catch (const std::out_of_range&) {
                        threw = true;
                    }
                    DIFF_ASSERT(threw);
#endif
                }
            }
            DIFF_ASSERT(h_.size() == s_.size());
            break;
        }
        case op_fill_other: {
            for (int i = 0; i < 4; ++i) {
                const std::int64_t kk = rand_key();
                h2_.insert(value<H>(kk, v + i));
                s2_.insert(value<S>(kk, v + i));
            }
            if (rand(4) == 0) {
                const std::int64_t kk = rand_key();
                DIFF_ASSERT(h2_.erase(key(kk)) == s2_.erase(key(kk)));
            }
            break;
        }
        case op_erase_loop: {
            // Erase-while-iterating visits every element exactly once.
            const std::int64_t mod = 2 + static_cast<std::int64_t>(rand(9));
            const std::int64_t rem =
                static_cast<std::int64_t>(rand(static_cast<std::uint64_t>(mod)));
            std::vector<std::int64_t> visited;
            visited.reserve(h_.size());
            const std::size_t before = h_.size();
            for (auto it = h_.begin(); it != h_.end();) {
                const std::int64_t kk = key_at(it);
                visited.push_back(kk);
                if (((kk % mod) + mod) % mod == rem) {
                    it = h_.erase(it);
                    DIFF_ASSERT(s_.erase(key(kk)) == 1);
                } else {
                    ++it;
                }
            }
            DIFF_ASSERT(visited.size() == before);
            std::sort(visited.begin(), visited.end());
            DIFF_ASSERT(std::adjacent_find(visited.begin(), visited.end()) == visited.end());
            break;
        }
        case op_erase_range: {
            const std::size_t n = h_.size();
            const std::size_t a = static_cast<std::size_t>(rand(n + 1));
            const std::size_t len =
                static_cast<std::size_t>(rand(std::min<std::size_t>(n - a, 40) + 1));
            // (The empty range at end() is covered by map_api.ipp / set_api.ipp.)
            if (a == n && len == 0) break;
            auto first = std::next(h_.cbegin(), static_cast<long>(a));
            auto last = std::next(first, static_cast<long>(len));
            std::vector<std::int64_t> gone;
            for (auto it = first; it != last; ++it)
                gone.push_back(key_at(it));
            const bool last_end = last == h_.cend();
            const std::int64_t last_key = last_end ? 0 : key_at(last);
            auto r = h_.erase(first, last);
            DIFF_ASSERT(last_end ? r == h_.end() : (r != h_.end() && key_at(r) == last_key));
            for (std::int64_t g : gone)
                DIFF_ASSERT(s_.erase(key(g)) == 1);
            DIFF_ASSERT(h_.size() == s_.size());
            break;
        }
        case op_clear: {
            h_.clear();
            s_.clear();
            break;
        }
        case op_copy: {
            if constexpr (copyable) {
                switch (rand(3)) {
                case 0:
                    h2_ = h_;
                    s2_ = s_;
                    break;
                case 1: {
                    H tmp(h_);
                    h_ = std::move(tmp);
                    break;
                }
                default: {
                    H tmp(h2_);
                    DIFF_ASSERT(tmp == h2_);
                    h2_ = tmp;
                    break;
                }
                }
                DIFF_ASSERT(h2_.size() == s2_.size());
            }
            break;
        }
        case op_move: {
            if (rand(2) == 0) {
                H tmp(std::move(h_));
                h_ = std::move(tmp);
            } else {
                h2_ = std::move(h_);
                s2_ = std::move(s_);
                h_.clear();
                s_.clear();
                using std::swap;
                swap(h_, h2_);
                swap(s_, s2_);
            }
            DIFF_ASSERT(h_.size() == s_.size());
            break;
        }
        case op_swap: {
            // Usually swapped back (with the other form), so the large container keeps growing.
            using std::swap;
            const int times = rand(4) == 0 ? 1 : 2;
            for (int i = 0; i < times; ++i) {
                if ((i + op_) % 2 == 0) {
                    h_.swap(h2_);
                } else {
                    swap(h_, h2_);
                }
                s_.swap(s2_);
                DIFF_ASSERT(h_.size() == s_.size());
                DIFF_ASSERT(h2_.size() == s2_.size());
            }
            break;
        }
        case op_merge: {
            if (rand(2) == 0) {
                h_.merge(h2_);
                s_.merge(s2_);
            } else {
                h_.merge(std::move(h2_));
                s_.merge(std::move(s2_));
            }
            DIFF_ASSERT(h_.size() == s_.size());
            DIFF_ASSERT(h2_.size() == s2_.size());
            break;
        }
        case op_insert_range: {
            std::vector<typename H::value_type> hv;
            std::vector<typename S::value_type> sv;
            const int n = 1 + static_cast<int>(rand(20));
            for (int i = 0; i < n; ++i) {
                const std::int64_t kk = rand_key();
                hv.push_back(value<H>(kk, v + i));
                sv.push_back(value<S>(kk, v + i));
            }
            // Duplicates within the range: the first one wins in both.
            h_.insert(std::make_move_iterator(hv.begin()), std::make_move_iterator(hv.end()));
            s_.insert(std::make_move_iterator(sv.begin()), std::make_move_iterator(sv.end()));
            DIFF_ASSERT(h_.size() == s_.size());
            break;
        }
        case op_modify_all: {
            if constexpr (is_map) {
                for (auto& e : h_) {
                    const std::int64_t kk = ht::get(e.first);
                    if (kk % 3 == 0) {
                        e.second = mapped<H>(kk + v);
                        s_.find(e.first)->second = mapped<S>(kk + v);
                    }
                }
            }
            break;
        }
        default:
            break;
        }
    }

    void checkpoint() {
        const auto hs = ht::snapshot(h_);
        const auto ss = ht::snapshot(s_);
        DIFF_ASSERT(hs == ss);
        DIFF_ASSERT(ht::snapshot(h2_) == ht::snapshot(s2_));
        ht::check(h_);
        ht::check(h2_);
    }
#undef DIFF_ASSERT

    run_config cfg_;
    std::mt19937_64 rng_;
    H h_;
    H h2_;
    S s_;
    S s2_;
    long op_ = 0;
    op_kind kind_ = op_insert;
    bool growing_ = false;
    std::size_t max_size_ = 0;
    long phase_end_ = 0;
};

// Every run prints its seed, so a log shows what ran even when nothing failed.
void announce(const run_config& cfg) {
    std::printf("differential run: seed 0x%llX, %ld ops, key range %lld\n",
                static_cast<unsigned long long>(cfg.seed), scaled_ops(cfg.ops),
                static_cast<long long>(cfg.key_range));
}

template <class H, class S>
void run_all(std::initializer_list<run_config> runs) {
    for (const auto& cfg : runs) {
        announce(cfg);
        INFO("seed " << cfg.seed << ", key range " << cfg.key_range);
        differential<H, S>(cfg, H(), H(), S(), S()).run();
    }
}

template <class H, class S>
void run_all_with(std::initializer_list<run_config> runs, const typename H::hasher& hash) {
    static_assert(std::is_same_v<typename H::hasher, typename S::hasher>);
    for (const auto& cfg : runs) {
        announce(cfg);
        INFO("seed " << cfg.seed << ", key range " << cfg.key_range);
        differential<H, S>(cfg, H(0, hash), H(0, hash), S(0, hash), S(0, hash)).run();
    }
}

template <class K, class T, unsigned B, class Hash = hamt::hash<K>>
using map_b = hamt::map<K, T, Hash, std::equal_to<K>, std::allocator<std::pair<const K, T>>, B>;
template <class K, unsigned B, class Hash = hamt::hash<K>>
using set_b = hamt::set<K, Hash, std::equal_to<K>, std::allocator<K>, B>;

using i64 = std::int64_t;

} // namespace

TEST_CASE("random: map<int64, int64>, B=5", "[random]") {
    run_all<map_b<i64, i64, 5>, std::unordered_map<i64, i64>>(
        {{0x5EED0001, 100000, 64}, {0x5EED0002, 100000, 1000}, {0x5EED0003, 100000, 20000}});
}

TEST_CASE("random: map<int64, int64>, B=2 and B=1", "[random]") {
    run_all<map_b<i64, i64, 2>, std::unordered_map<i64, i64>>(
        {{0x5EED0011, 60000, 300}, {0x5EED0012, 60000, 5000}});
    HT_FULL_ONLY(
        run_all<map_b<i64, i64, 1>, std::unordered_map<i64, i64>>({{0x5EED0013, 30000, 2000}});)
}

TEST_CASE("random: map<int64, int64>, B=6", "[random]") {
    run_all<map_b<i64, i64, 6>, std::unordered_map<i64, i64>>({{0x5EED0021, 80000, 10000}});
}

TEST_CASE("random: map with a constant hash (all keys collide), B=5", "[random][collisions]") {
    run_all<map_b<i64, i64, 5, ht::constant_hash>, std::unordered_map<i64, i64, ht::constant_hash>>(
        {{0x5EED0031, 30000, 40}});
}

TEST_CASE("random: map with hash = key & 0xF, B=3", "[random][collisions]") {
    run_all<map_b<i64, i64, 3, ht::low_bits_hash>, std::unordered_map<i64, i64, ht::low_bits_hash>>(
        {{0x5EED0041, 60000, 100}, {0x5EED0042, 60000, 500}});
}

TEST_CASE("random: map<string, string>, B=5", "[random]") {
    run_all<map_b<std::string, std::string, 5>, std::unordered_map<std::string, std::string>>(
        {{0x5EED0051, 80000, 2000}});
}

TEST_CASE("random: map<counted, counted>, B=4, no leaks", "[random][counted]") {
    ht::leak_guard guard;
    run_all<map_b<ht::counted, ht::counted, 4, ht::counted_hash>,
            std::unordered_map<ht::counted, ht::counted, ht::counted_hash>>(
        {{0x5EED0061, 50000, 300}});
}

TEST_CASE("random: map<int64, unique_ptr<int>>, B=3", "[random]") {
    run_all<map_b<i64, std::unique_ptr<int>, 3>, std::unordered_map<i64, std::unique_ptr<int>>>(
        {{0x5EED0071, 40000, 800}});
}

TEST_CASE("random: map with a seeded hasher, B=5", "[random]") {
    run_all_with<map_b<i64, i64, 5, ht::seeded_hash>,
                 std::unordered_map<i64, i64, ht::seeded_hash>>({{0x5EED0081, 30000, 3000}},
                                                                ht::seeded_hash(0xABCDEF));
}

TEST_CASE("random: set<int64>, B=5", "[random][set]") {
    run_all<set_b<i64, 5>, std::unordered_set<i64>>(
        {{0x5EED0101, 80000, 500}, {0x5EED0102, 80000, 20000}});
}

TEST_CASE("random: set<string> with hash = key & 0xF, B=2", "[random][set][collisions]") {
    run_all<set_b<std::string, 2, ht::low_bits_hash>,
            std::unordered_set<std::string, ht::low_bits_hash>>({{0x5EED0111, 50000, 400}});
}
