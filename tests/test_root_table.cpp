// The root table of hamt::map / hamt::set (detail/root_table.hpp): built as the map grows,
// repaired by every insert and erase that changes a node above its level (split, new entry,
// fold, erase by key and by iterator), dropped when the root loses a child or the map shrinks,
// carried by move and swap, rebuilt by copy and range construction. The invariant checker
// compares the table with the trie, so ht::check after an operation tests the table too.
#include "support.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace {

// The identity as a hash, declared avalanching so that hamt uses it as it is: tests place keys
// at chosen fragments.
struct identity_hash {
    using is_avalanching = void;
    std::size_t operator()(std::int64_t k) const { return static_cast<std::size_t>(k); }
};

template <unsigned B, class H = hamt::hash<std::int64_t>>
using map_b = hamt::map<std::int64_t, std::int64_t, H, std::equal_to<std::int64_t>,
                        std::allocator<std::pair<const std::int64_t, std::int64_t>>, B>;

template <class M>
std::size_t level_of(const M& m) {
    return hamt::debug::stats(m).root_table_level;
}

// The level the table takes at size n (root_table.hpp: the largest L >= 2 with
// 8 * 2^(B * L) <= n, within the cap), for a trie whose root is full.
template <unsigned B>
std::size_t expected_level(std::size_t n) {
    std::size_t level = 0;
    for (std::size_t l = 2; l <= 7 && B * l <= 20 && (std::size_t(8) << (B * l)) <= n; ++l)
        level = l;
    return level;
}

template <class M, class Model>
void check_against(const M& m, const Model& model) {
    ht::check(m);
    REQUIRE(m.size() == model.size());
    for (const auto& [k, v] : model) {
        const auto it = m.find(k);
        REQUIRE(it != m.end());
        REQUIRE(it->second == v);
    }
}

// Random keys in and out, the invariants (the table's included) checked after every operation
// while the map crosses the first two levels' sizes.
template <unsigned B>
void grow_and_shrink(std::size_t n, std::uint64_t seed) {
    INFO("B = " << B << ", n = " << n << ", seed = " << seed);
    std::mt19937_64 rng(seed);
    map_b<B> m;
    std::unordered_map<std::int64_t, std::int64_t> model;
    std::vector<std::int64_t> keys;
    std::size_t top_level = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto k = static_cast<std::int64_t>(rng());
        m.emplace(k, static_cast<std::int64_t>(i));
        model.emplace(k, static_cast<std::int64_t>(i));
        keys.push_back(k);
        if (i % 7 == 0 || i + 1 == n) ht::check(m);
        top_level = std::max(top_level, level_of(m));
    }
    check_against(m, model);
    CHECK(top_level >= 2);
    CHECK(level_of(m) == expected_level<B>(m.size()));
    // Misses, some through a table entry that stops above its level.
    for (int i = 0; i < 2000; ++i)
        CHECK(m.find(static_cast<std::int64_t>(rng())) == m.end());

    // Erase in random order, alternately by key, by find() and while iterating.
    std::shuffle(keys.begin(), keys.end(), rng);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::int64_t k = keys[i];
        if (!model.count(k)) continue;
        switch (i % 3) {
        case 0:
            REQUIRE(m.erase(k) == 1);
            model.erase(k);
            break;
        case 1:
            m.erase(m.find(k));
            model.erase(k);
            break;
        default: {
            // erase(it) returns the next element; erase it too, as a loop over the map would.
            auto it = m.erase(m.find(k));
            model.erase(k);
            if (it != m.end()) {
                model.erase(it->first);
                m.erase(it);
            }
        }
        }
        if (i % 5 == 0) ht::check(m);
    }
    check_against(m, model);
    CHECK(level_of(m) == 0);
}

TEST_CASE("root table: built, repaired and dropped as a map grows and shrinks", "[root_table]") {
    grow_and_shrink<3>(6000, 11);               // levels 2 (from 512) and 3 (from 4096)
    grow_and_shrink<4>(4000, 12);               // level 2 (from 2048)
    HT_FULL_ONLY(grow_and_shrink<5>(9000, 13)); // level 2 (from 8192)
    HT_FULL_ONLY(grow_and_shrink<1>(3000, 14)); // levels 2 to 7 (from 32 to 1024)
    HT_FULL_ONLY(grow_and_shrink<2>(3000, 15)); // levels 2 to 4 (from 128 to 2048)
}

TEST_CASE("root table: large maps, checked periodically", "[root_table]") {
    // B = 5 reaches level 3 at 262144 entries; B = 3 level 4 at 32768; B = 6 level 2 at 32768.
    auto run = [](auto tag, std::size_t n, std::uint64_t seed) {
        constexpr unsigned B = decltype(tag)::value;
        INFO("B = " << B << ", n = " << n << ", seed = " << seed);
        std::mt19937_64 rng(seed);
        map_b<B> m;
        std::vector<std::int64_t> keys;
        for (std::size_t i = 0; i < n; ++i) {
            keys.push_back(static_cast<std::int64_t>(rng()));
            m[keys.back()] = static_cast<std::int64_t>(i);
            if (i % (n / 8) == 0) ht::check(m);
        }
        ht::check(m);
        CHECK(level_of(m) == expected_level<B>(m.size()));
        for (std::size_t i = 0; i < n; ++i)
            REQUIRE(m.at(keys[i]) == static_cast<std::int64_t>(i));
        // Erase down to below a quarter of the level's size: the table goes.
        for (std::size_t i = 0; i < n - n / 40; ++i) {
            REQUIRE(m.erase(keys[i]) == 1);
            if (i % (n / 8) == 0) ht::check(m);
        }
        ht::check(m);
        CHECK(level_of(m) < expected_level<B>(n));
        for (std::size_t i = n - n / 40; i < n; ++i)
            REQUIRE(m.at(keys[i]) == static_cast<std::int64_t>(i));
    };
    run(std::integral_constant<unsigned, 3>{}, 40000, 21);
    HT_FULL_ONLY(run(std::integral_constant<unsigned, 6>{}, 40000, 22));
    HT_FULL_ONLY(run(std::integral_constant<unsigned, 5>{}, 300000, 23));
}

// Erases key k from m (by key, or through find() by iterator) and from the model, then checks.
template <class M, class Model>
void erase_and_check(M& m, Model& model, std::int64_t k, bool by_iterator) {
    if (by_iterator)
        m.erase(m.find(k));
    else
        REQUIRE(m.erase(k) == 1);
    model.erase(k);
    check_against(m, model);
}

// Identity hash, B = 3: all keys below 8^5 except those whose low 6 bits are 26 (fragments 2, 3),
// of which only 26 and 90 (fragment 0 and 1 at depth 2): a two-entry node at depth 2, below a
// depth-1 node, under a level-3 table.
std::vector<std::int64_t> placed_keys() {
    std::vector<std::int64_t> keys;
    for (std::int64_t k = 0; k < 32768; ++k)
        if ((k & 63) != 26 || k == 26 || k == 90) keys.push_back(k);
    return keys;
}

TEST_CASE("root table: a fold and a split above its level repair it", "[root_table]") {
    using M = map_b<3, identity_hash>;
    const auto keys = placed_keys();
    for (int by_iterator = 0; by_iterator < 2; ++by_iterator) {
        INFO("erase by " << (by_iterator ? "iterator" : "key"));
        M m;
        std::map<std::int64_t, std::int64_t> model;
        for (auto k : keys) {
            m.emplace(k, k);
            model.emplace(k, k);
        }
        ht::check(m);
        REQUIRE(level_of(m) == 3);
        // 90 goes: the depth-2 node folds, 26 moves up into the depth-1 node (above the level).
        erase_and_check(m, model, 90, by_iterator);
        CHECK(level_of(m) == 3);
        CHECK(m.find(90) == m.end());
        // 90 back: the entry 26 at depth 1 splits into a depth-2 node again.
        m.emplace(90, 90);
        model.emplace(90, 90);
        check_against(m, model);
        CHECK(level_of(m) == 3);
        // A new entry in the depth-1 node: 26 gone and 90 gone leaves fragment 3 empty there.
        REQUIRE(m.erase(26) == 1);
        REQUIRE(m.erase(90) == 1);
        model.erase(26);
        model.erase(90);
        check_against(m, model);
        m.emplace(26 + 64 * 5, 1);
        model.emplace(26 + 64 * 5, 1);
        check_against(m, model);
        CHECK(level_of(m) == 3);
    }
}

// Erase by key starts at the table and leaves the path above it unknown: a fold that climbs
// above the table's level walks it from the root. Identity hash, B = 3, level-3 table.
TEST_CASE("root table: a fold that climbs above its level", "[root_table]") {
    using M = map_b<3, identity_hash>;
    // keep(k): the keys below 8^5 that make the shape; first, second: the two-entry node's keys
    // (the second is erased); level_after: the table's level after the fold.
    auto run = [](const char* shape, auto keep, std::int64_t first, std::int64_t second,
                  std::size_t level_after) {
        for (int by_iterator = 0; by_iterator < 2; ++by_iterator) {
            INFO(shape << ", erase by " << (by_iterator ? "iterator" : "key"));
            M m;
            std::map<std::int64_t, std::int64_t> model;
            for (std::int64_t k = 0; k < 32768; ++k) {
                if (!keep(k) && k != first && k != second) continue;
                m.emplace(k, k);
                model.emplace(k, k);
            }
            ht::check(m);
            REQUIRE(level_of(m) == 3);
            erase_and_check(m, model, second, by_iterator);
            CHECK(level_of(m) == level_after);
            CHECK(m.find(second) == m.end());
            m.emplace(second, second); // and back: splits down to where it was
            model.emplace(second, second);
            check_against(m, model);
            // The same level: the shape is back (first case), or the table waits for the size to
            // double (second case).
            CHECK(level_of(m) == level_after);
        }
    };
    // 346 and 858 (fragments 2, 3, 5, then 0 and 1): a two-entry node at depth 3, the table's
    // level, below a depth-2 node with no other contents, below a full depth-1 node. 346 moves
    // up to depth 1.
    run(
        "depth 3 to depth 1", [](std::int64_t k) { return (k & 63) != 26; }, 346, 858, 3);
    // 26 and 90 (fragments 2, 3, then 0 and 1): a two-entry node at depth 2, below a depth-1
    // node with no other contents: 26 moves up into the root, which then holds an entry (no
    // table).
    run(
        "depth 2 to the root", [](std::int64_t k) { return (k & 7) != 2; }, 26, 90, 0);
}

TEST_CASE("root table: dropped when the root loses a child, rebuilt later", "[root_table]") {
    using M = map_b<3, identity_hash>;
    // Fragment 1 of the root holds only 1 and 9 (a two-entry node); every other fragment many.
    M m;
    std::map<std::int64_t, std::int64_t> model;
    for (std::int64_t k = 0; k < 8000; ++k) {
        if ((k & 7) == 1 && k != 1 && k != 9) continue;
        m.emplace(k, -k);
        model.emplace(k, -k);
    }
    ht::check(m);
    REQUIRE(level_of(m) == 3);
    for (int by_iterator = 0; by_iterator < 2; ++by_iterator) {
        // 9 goes: 1 folds into the root, which now has an entry: no table.
        erase_and_check(m, model, 9, by_iterator);
        CHECK(level_of(m) == 0);
        m.emplace(9, -9);
        model.emplace(9, -9);
        check_against(m, model);
    }
    // The table comes back as the map grows on (retried when the size has doubled).
    for (std::int64_t k = 8000; k < 20000; ++k) {
        m.emplace(k, -k);
        model.emplace(k, -k);
    }
    check_against(m, model);
    CHECK(level_of(m) == expected_level<3>(m.size()));
}

TEST_CASE("root table: a root that never fills gets none", "[root_table]") {
    // Only multiples of 8: fragment 0 of the root is always 0.
    map_b<3, identity_hash> m;
    for (std::int64_t k = 0; k < 20000; ++k)
        m.emplace(k * 8, k);
    ht::check(m);
    CHECK(level_of(m) == 0);
    for (std::int64_t k = 0; k < 20000; ++k)
        REQUIRE(m.at(k * 8) == k);
    CHECK(m.find(3) == m.end());
}

TEST_CASE("root table: copies, moves, swaps, clear and range construction", "[root_table]") {
    using M = map_b<4>;
    std::mt19937_64 rng(31);
    std::vector<std::pair<std::int64_t, std::int64_t>> items;
    items.reserve(5000);
    for (int i = 0; i < 5000; ++i)
        items.emplace_back(static_cast<std::int64_t>(rng()), i);
    M built(items.begin(), items.end()); // bulk construction
    ht::check(built);
    REQUIRE(level_of(built) == 2);
    M a;
    for (const auto& kv : items)
        a.insert(kv);
    CHECK(a == built);

    M copy(a);
    ht::check(copy);
    CHECK(level_of(copy) == 2);
    CHECK(copy == a);
    M assigned;
    assigned.emplace(1, 1);
    assigned = a;
    ht::check(assigned);
    CHECK(level_of(assigned) == 2);

    M moved(std::move(copy));
    ht::check(moved);
    ht::check(copy); // NOLINT(bugprone-use-after-move): moved-from is empty, no table
    CHECK(level_of(moved) == 2);
    CHECK(level_of(copy) == 0);
    CHECK(moved == a);

    M small;
    small.emplace(7, 7);
    small.swap(moved);
    ht::check(small);
    ht::check(moved);
    CHECK(level_of(small) == 2);
    CHECK(level_of(moved) == 0);
    CHECK(small.at(items[10].first) == 10);
    CHECK(moved.at(7) == 7);

    // Updates after each of these still repair the right table.
    for (int i = 0; i < 3000; ++i) {
        small.erase(items[static_cast<std::size_t>(i)].first);
        small.emplace(static_cast<std::int64_t>(rng()), i);
    }
    ht::check(small);

    small.clear();
    ht::check(small);
    CHECK(level_of(small) == 0);
    small.insert(items.begin(), items.end());
    ht::check(small);
    CHECK(level_of(small) == 2);

    hamt::set<std::int64_t, hamt::hash<std::int64_t>, std::equal_to<std::int64_t>,
              std::allocator<std::int64_t>, 3>
        s;
    for (const auto& kv : items)
        s.insert(kv.first);
    ht::check(s);
    CHECK(level_of(s) == 3);
    for (const auto& kv : items)
        REQUIRE(s.count(kv.first) == 1);
}

#if HT_EXCEPTIONS
TEST_CASE("root table: an allocation failure while it grows leaves the map unchanged",
          "[root_table][exceptions]") {
    using A = ht::test_alloc<std::pair<const std::int64_t, std::int64_t>>;
    using M = hamt::map<std::int64_t, std::int64_t, hamt::hash<std::int64_t>,
                        std::equal_to<std::int64_t>, A, 3>;
    ht::alloc_state st;
    {
        M m{A(&st)};
        std::int64_t k = 0;
        // Up to just below the first level's size (512).
        for (; m.size() < 512; ++k) // 512: the next insert grows the table first
            m.emplace(k, k);
        REQUIRE(level_of(m) == 0);
        const auto before = m;
        for (long n = 1;; ++n) {
            ht::faults::arm(ht::fault::allocate, n);
            bool threw = false;
            try {
                m.emplace(k, k);
            } catch (const std::bad_alloc&) {
                threw = true;
            }
            ht::faults::disarm();
            ht::check(m);
            if (!threw) break;
            CHECK(m == before);
        }
        CHECK(m.size() == before.size() + 1);
        CHECK(level_of(m) == 2);
    }
    CHECK(st.live.empty());
    CHECK(st.errors == 0);
}
#endif

} // namespace
