// Hostile keys: what an adversary (or an unlucky key set) can do to a HAMT, and the bounds hamt
// keeps under it.
//  - all keys with one full 64-bit hash: one collision node, correct results, and a lookup
//    costs at most one comparison per colliding key and one slot per level;
//  - keys sharing the first 60 hash bits: the deepest regular paths;
//  - a key set crafted to share the first two 5-bit fragments under hamt::hash piles into one
//    sub-trie there, and spreads evenly under hamt::seeded_hash (per-container seeds).
#include "support.hpp"

#include <hamt/hash.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace {

// Counts key comparisons, to bound the cost of a lookup.
struct counting_equal {
    static inline std::size_t calls = 0;
    bool operator()(std::int64_t a, std::int64_t b) const {
        ++calls;
        return a == b;
    }
};

struct one_hash {
    using is_avalanching = void;
    std::uint64_t operator()(std::int64_t) const { return 0x0123456789abcdefu; }
};

// The low 60 bits are shared by every key; keys differ only in the top 4 bits, which the
// 32-way trie uses last (depth 12 of 13).
struct shared_prefix_hash {
    using is_avalanching = void;
    std::uint64_t operator()(std::int64_t k) const {
        return (static_cast<std::uint64_t>(k) << 60) | 0x0fedcba987654321u;
    }
};

template <class H, class E = std::equal_to<std::int64_t>, unsigned B = 5>
using map_of = hamt::map<std::int64_t, std::int64_t, H, E,
                         std::allocator<std::pair<const std::int64_t, std::int64_t>>, B>;

} // namespace

TEST_CASE("hostile: one full hash for every key is one collision node", "[hostile]") {
    map_of<one_hash, counting_equal> m;
    const std::int64_t n = 1500;
    for (std::int64_t i = 0; i < n; ++i)
        HT_ASSERT(m.try_emplace(i, 2 * i).second);
    hamt::debug::check_invariants(m);
    const auto st = hamt::debug::stats(m);
    CHECK(st.collision_nodes == 1);
    CHECK(st.max_depth == 13); // ceil(64 / 5): below a chain of single-child nodes
    CHECK(st.nodes == 14);

    // Bounded cost: a hit compares at most n keys, a miss exactly n.
    for (std::int64_t i : {std::int64_t(0), n / 2, n - 1}) {
        counting_equal::calls = 0;
        REQUIRE(m.find(i) != m.end());
        CHECK(m.find(i)->second == 2 * i);
        CHECK(counting_equal::calls <= 2 * static_cast<std::size_t>(n));
    }
    counting_equal::calls = 0;
    CHECK(m.find(-1) == m.end());
    CHECK(counting_equal::calls == static_cast<std::size_t>(n));

    // Erase down to one key: the collision node and its chain fold into the root.
    for (std::int64_t i = 1; i < n; ++i)
        HT_ASSERT(m.erase(i) == 1);
    hamt::debug::check_invariants(m);
    CHECK(m.size() == 1);
    CHECK(hamt::debug::stats(m).nodes == 1);
    CHECK(m.at(0) == 0);
}

TEST_CASE("hostile: keys sharing 60 hash bits take the deepest regular path", "[hostile]") {
    map_of<shared_prefix_hash> m;
    for (std::int64_t i = 0; i < 16; ++i)
        m.emplace(i, i);
    hamt::debug::check_invariants(m);
    auto st = hamt::debug::stats(m);
    CHECK(st.collision_nodes == 0); // the top 4 bits still tell the 16 keys apart
    CHECK(st.max_depth == 12);
    CHECK(st.nodes == 13);
    for (std::int64_t i = 0; i < 16; ++i)
        HT_ASSERT(m.at(i) == i);

    // Keys 16 and up repeat the top bits of 0..15: full collisions appear below depth 12.
    for (std::int64_t i = 16; i < 48; ++i)
        m.emplace(i, i);
    hamt::debug::check_invariants(m);
    st = hamt::debug::stats(m);
    CHECK(st.collision_nodes == 16);
    CHECK(st.max_depth == 13);
    for (std::int64_t i = 0; i < 48; ++i)
        HT_ASSERT(m.at(i) == i);
    for (std::int64_t i = 0; i < 48; i += 2)
        HT_ASSERT(m.erase(i) == 1);
    hamt::debug::check_invariants(m);
    for (std::int64_t i = 0; i < 48; ++i)
        HT_ASSERT(m.count(i) == static_cast<std::size_t>(i % 2));
}

TEST_CASE("hostile: seeded_hash spreads keys crafted to collide under hamt::hash", "[hostile]") {
    // Keys whose hamt::hash agrees in its first two 5-bit fragments (the root's and the first
    // level's branch), found by search as an attacker would.
    const hamt::hash<std::int64_t> plain;
    std::vector<std::int64_t> crafted;
    for (std::int64_t k = 0; crafted.size() < 512; ++k)
        if ((plain(k) & 0x3FF) == 0x155) crafted.push_back(k);

    hamt::map<std::int64_t, int> flooded;
    for (auto k : crafted)
        flooded.emplace(k, 0);
    hamt::debug::check_invariants(flooded);
    // All of them under one child of the root, and one child below that.
    std::set<std::uint64_t> root_fragments, second_fragments;
    for (auto k : crafted) {
        root_fragments.insert(plain(k) & 31);
        second_fragments.insert((plain(k) >> 5) & 31);
    }
    CHECK(root_fragments.size() == 1);
    CHECK(second_fragments.size() == 1);
    CHECK(hamt::debug::stats(flooded).max_depth >= 3);

    // Seeded: every container has its own seed, and the crafted keys spread over the root.
    using seeded_map = hamt::map<std::int64_t, int, hamt::seeded_hash<std::int64_t>>;
    seeded_map a, b;
    CHECK(a.hash_function().seed() != b.hash_function().seed());
    for (auto k : crafted) {
        a.emplace(k, 0);
        b.emplace(k, 0);
    }
    hamt::debug::check_invariants(a);
    hamt::debug::check_invariants(b);
    for (const seeded_map* m : {&a, &b}) {
        // 512 random hashes: all 32 root fragments in use but by chance, about 16 keys behind
        // each, and no node deeper than 5 (that needs two keys sharing 25 bits: p < 0.5%).
        std::map<std::uint64_t, int> per_fragment;
        for (auto k : crafted)
            ++per_fragment[m->hash_function()(k) & 31];
        CHECK(per_fragment.size() >= 28);
        int fullest = 0;
        for (const auto& f : per_fragment)
            fullest = std::max(fullest, f.second);
        CHECK(fullest <= 64);
        CHECK(hamt::debug::stats(*m).max_depth <= 5);
    }
    CHECK(a == b); // equal contents, different shapes: == looks keys up
    // A copy keeps its hasher (and seed), so its shape is the same.
    seeded_map c = a;
    CHECK(c.hash_function().seed() == a.hash_function().seed());
    CHECK(hamt::debug::stats(c).nodes == hamt::debug::stats(a).nodes);
}

TEST_CASE("hostile: seeded_hash for strings is transparent and seed-dependent", "[hostile]") {
    const hamt::seeded_hash<std::string> h1(1), h2(2);
    CHECK(h1(std::string("flood")) == h1(std::string_view("flood")));
    CHECK(h1(std::string("flood")) == h1("flood"));
    CHECK(h1(std::string("flood")) != h2(std::string("flood")));
    hamt::map<std::string, int, hamt::seeded_hash<std::string>, std::equal_to<>> m;
    m.emplace("alpha", 1);
    m.emplace("beta", 2);
    CHECK(m.find(std::string_view("beta"))->second == 2);
    CHECK(m.count("alpha") == 1);
}
