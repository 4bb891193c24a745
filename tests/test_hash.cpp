// hamt::hash (strings, integers, enums, pointers, fallback), heterogeneous lookup, stateful and
// seeded hashers, and the mixing of user hashers that do not declare is_avalanching.
#include "support.hpp"

#include <bitset>
#include <string_view>

namespace {

template <class C, class Q, class = void>
struct can_find : std::false_type {};
template <class C, class Q>
struct can_find<C, Q, std::void_t<decltype(std::declval<const C&>().find(std::declval<Q>()))>>
    : std::true_type {};

template <class C, class Q, class = void>
struct can_erase : std::false_type {};
template <class C, class Q>
struct can_erase<C, Q, std::void_t<decltype(std::declval<C&>().erase(std::declval<Q>()))>>
    : std::true_type {};

int popcount64(std::uint64_t x) {
    return static_cast<int>(std::bitset<64>(x).count());
}

enum class color : std::uint8_t { red, green, blue };

} // namespace

TEST_CASE("hash: strings hash alike as std::string, std::string_view and const char*", "[hash]") {
    const hamt::hash<std::string> hs;
    const hamt::hash<std::string_view> hv;
    for (std::int64_t i = 0; i < 200; ++i) {
        const std::string s = ht::make<std::string>(i);
        const std::string_view v = s;
        const std::uint64_t h = hs(s);
        HT_ASSERT(hs(v) == h);
        HT_ASSERT(hs(s.c_str()) == h);
        HT_ASSERT(hv(s) == h);
        HT_ASSERT(hv(v) == h);
        HT_ASSERT(hv(s.c_str()) == h);
    }
    CHECK(hs(std::string()) == hs(""));
    CHECK(hs(std::string("a\0b", 3)) != hs(std::string("a")));
    CHECK(hs(std::string("a\0b", 3)) == hv(std::string_view("a\0b", 3)));
    CHECK(hs("abc") != hs("abd"));

    // No full 64-bit collisions among many distinct strings, and all bits are used.
    std::unordered_set<std::uint64_t> seen;
    std::uint64_t ored = 0, anded = ~std::uint64_t(0);
    for (std::int64_t i = 0; i < 20000; ++i) {
        const std::uint64_t h = hs("key-" + std::to_string(i));
        seen.insert(h);
        ored |= h;
        anded &= h;
    }
    CHECK(seen.size() == 20000);
    CHECK(ored == ~std::uint64_t(0));
    CHECK(anded == 0);
}

TEST_CASE("hash: integers, enums and pointers are mixed", "[hash]") {
    const hamt::hash<std::int64_t> h;
    CHECK(h(12345) == h(12345));
    CHECK(h(0) != h(1));

    // Structured keys (i << shift, 64 of them) must spread over every 5-bit hash fragment the
    // trie may branch on: 64 random values fill about 28 of 32 slots, a good mixer (splitmix64)
    // never fewer than 23 here. Fewer than 20 means the keys crowd a few children.
    int crowded = 0;
    std::size_t worst = 32;
    std::string where;
    for (unsigned shift = 0; shift <= 58; ++shift) {
        for (unsigned frag = 0; frag < 12; ++frag) {
            std::unordered_set<std::uint64_t> values;
            for (std::uint64_t i = 0; i < 64; ++i) {
                values.insert((h(static_cast<std::int64_t>(i << shift)) >> (5 * frag)) & 31);
            }
            if (values.size() < 20) {
                ++crowded;
                if (values.size() < worst) {
                    worst = values.size();
                    where = "keys i << " + std::to_string(shift) + ", hash bits " +
                            std::to_string(5 * frag) + ".." + std::to_string(5 * frag + 4);
                }
            }
        }
    }
    INFO(crowded << " of 708 (shift, fragment) pairs take fewer than 20 of 32 values; worst "
                 << worst << " at " << where);
    CHECK(crowded == 0);
    // The test's own reference: splitmix64 passes it.
    for (unsigned shift = 0; shift <= 58; ++shift) {
        for (unsigned frag = 0; frag < 12; ++frag) {
            std::unordered_set<std::uint64_t> values;
            for (std::uint64_t i = 0; i < 64; ++i) {
                values.insert((ht::mix64(i << shift) >> (5 * frag)) & 31);
            }
            HT_ASSERT(values.size() >= 20);
        }
    }

    // Avalanche: flipping one input bit flips about half of the output bits.
    long total = 0;
    int samples = 0;
    for (std::uint64_t x : {0ull, 1ull, 0x123456789abcdefull, ~0ull, 1ull << 63}) {
        for (unsigned b = 0; b < 64; ++b) {
            total += popcount64(h(static_cast<std::int64_t>(x)) ^
                                h(static_cast<std::int64_t>(x ^ (std::uint64_t(1) << b))));
            ++samples;
        }
    }
    const double mean = static_cast<double>(total) / samples;
    CHECK(mean > 26.0);
    CHECK(mean < 38.0);

    const hamt::hash<int> hi;
    const hamt::hash<std::uint8_t> h8;
    const hamt::hash<color> hc;
    CHECK(hi(7) == hi(7));
    CHECK(hi(7) != hi(8));
    CHECK(h8(1) != h8(2));
    CHECK(hc(color::red) != hc(color::blue));
    CHECK(hc(color::green) == hc(color::green));
    int a = 0, b = 0;
    const hamt::hash<int*> hp;
    CHECK(hp(&a) == hp(&a));
    CHECK(hp(&a) != hp(&b));
    CHECK(hp(nullptr) == hp(nullptr));
    const hamt::hash<double> hd; // std::hash fallback, then mixed
    CHECK(hd(1.5) == hd(1.5));
    CHECK(hd(1.5) != hd(2.5));

    // Usable as a map's hasher for those key types.
    hamt::map<color, int> by_color{{color::red, 1}, {color::blue, 3}};
    CHECK(by_color.at(color::blue) == 3);
    hamt::set<const int*> ptrs{&a, &b, &a};
    CHECK(ptrs.size() == 2);
    hamt::set<double> doubles{1.5, 2.5, 1.5};
    CHECK(doubles.size() == 2);
}

TEST_CASE("hash: a user hash without is_avalanching is mixed, one with it is used as is",
          "[hash]") {
    // Keys k << 32, k < 64: an identity hash has 32 zero low bits and 26 zero high bits.
    hamt::map<std::int64_t, int, ht::identity_hash> mixed;
    hamt::map<std::int64_t, int, ht::identity_avalanching_hash> raw;
    hamt::map<std::int64_t, int> dflt;
    for (std::int64_t k = 0; k < 64; ++k) {
        mixed.emplace(k << 32, 1);
        raw.emplace(k << 32, 1);
        dflt.emplace(k << 32, 1);
    }
    ht::check(mixed);
    ht::check(raw);
    ht::check(dflt);
    for (std::int64_t k = 0; k < 64; ++k) {
        HT_ASSERT(mixed.count(k << 32) == 1);
        HT_ASSERT(raw.count(k << 32) == 1);
        HT_ASSERT(dflt.count(k << 32) == 1);
    }
    const auto sm = hamt::debug::stats(mixed);
    const auto sr = hamt::debug::stats(raw);
    const auto sd = hamt::debug::stats(dflt);
    INFO("max_depth mixed " << sm.max_depth << ", raw " << sr.max_depth << ", default "
                            << sd.max_depth);
    CHECK(sm.max_depth <= 3);
    CHECK(sd.max_depth <= 3);
    // Unmixed, at least 26 shared zero bits (5 levels of 5 bits) precede any difference.
    CHECK(sr.max_depth >= 5);
    CHECK(sr.collision_nodes == 0);
}

// Heterogeneous lookup with a transparent hasher and key comparison. Instantiated for hamt and,
// where the standard library has it (C++20), for std::unordered_map.
template <class M>
void hetero_map_test() {
    ht::leak_guard guard;
    M m;
    for (std::int64_t i = 0; i < 500; ++i)
        m.emplace(ht::make<std::string>(i), static_cast<int>(i));
    const M& cm = m;
    for (std::int64_t i = 0; i < 500; ++i) {
        const std::string s = ht::make<std::string>(i);
        const std::string_view v = s;
        HT_ASSERT(m.find(v) != m.end());
        HT_ASSERT(m.find(v)->second == i);
        HT_ASSERT(cm.find(v) == m.find(s));
        HT_ASSERT(m.find(s.c_str()) == m.find(s));
        HT_ASSERT(m.count(v) == 1);
        HT_ASSERT(m.count(s.c_str()) == 1);
        HT_ASSERT(m.contains(v));
        HT_ASSERT(m.contains(s.c_str()));
        auto r = m.equal_range(v);
        HT_ASSERT(std::distance(r.first, r.second) == 1);
        auto cr = cm.equal_range(s.c_str());
        HT_ASSERT(cr.first == r.first);
    }
    const std::string_view missing = "missing";
    CHECK(m.find(missing) == m.end());
    CHECK(m.count(missing) == 0);
    CHECK_FALSE(m.contains(missing));
    CHECK(m.equal_range(missing).first == m.end());
    if constexpr (ht::is_hamt_v<M>) {
        static_assert(std::is_same_v<decltype(m.erase(missing)), typename M::size_type>);
        CHECK(m.erase(missing) == 0);
        CHECK(m.erase("0" + std::string(24, 'x')) == 1); // std::string: the ordinary overload
        for (std::int64_t i = 1; i < 500; i += 2) {
            const std::string s = ht::make<std::string>(i);
            HT_ASSERT(m.erase(std::string_view(s)) == 1);
            HT_ASSERT(m.erase(s.c_str()) == 0);
        }
        CHECK(m.size() == 249);
        ht::check(m);
        // erase(iterator) still means erase by position, not by key.
        auto it = m.begin();
        const std::string first = it->first;
        m.erase(it);
        CHECK_FALSE(m.contains(std::string_view(first)));
    }
}

TEST_CASE("hash: heterogeneous lookup in hamt::map", "[hash][hetero]") {
    using M = hamt::map<std::string, int, hamt::hash<std::string>, std::equal_to<>>;
    hetero_map_test<M>();
    using M3 = hamt::map<std::string, int, hamt::hash<std::string_view>, std::equal_to<>,
                         std::allocator<std::pair<const std::string, int>>, 3>;
    hetero_map_test<M3>();
    static_assert(can_find<M, std::string_view>::value);
    static_assert(can_find<M, const char*>::value);
    static_assert(can_erase<M, std::string_view>::value);
    // Without a transparent KeyEqual (or Hash) there is no heterogeneous overload.
    static_assert(!can_find<hamt::map<std::string, int>, std::string_view>::value);
    static_assert(!can_find<hamt::map<std::string, int, std::hash<std::string>, std::equal_to<>>,
                            std::string_view>::value);
    static_assert(!can_erase<hamt::map<std::string, int>, std::string_view>::value);
}

#if defined(__cpp_lib_generic_unordered_lookup) && __cpp_lib_generic_unordered_lookup >= 201811L
TEST_CASE("hash: heterogeneous lookup in std::unordered_map (checks the test)", "[hash][hetero]") {
    hetero_map_test<
        std::unordered_map<std::string, int, hamt::hash<std::string>, std::equal_to<>>>();
}
#endif

TEST_CASE("hash: heterogeneous lookup in hamt::set", "[hash][hetero]") {
    hamt::set<std::string, hamt::hash<std::string>, std::equal_to<>> s;
    for (std::int64_t i = 0; i < 300; ++i)
        s.insert(ht::make<std::string>(i));
    for (std::int64_t i = 0; i < 300; ++i) {
        const std::string k = ht::make<std::string>(i);
        HT_ASSERT(s.contains(std::string_view(k)));
        HT_ASSERT(s.find(k.c_str()) != s.end());
        HT_ASSERT(*s.find(std::string_view(k)) == k);
        HT_ASSERT(s.count(std::string_view(k)) == 1);
        HT_ASSERT(s.equal_range(k.c_str()).first == s.find(k));
    }
    CHECK(s.erase(std::string_view("1")) == 1);
    CHECK(s.erase(std::string_view("1")) == 0);
    CHECK(s.size() == 299);
    ht::check(s);
}

// A stateful hasher is stored, copied, moved and swapped with its container and used for every
// operation (seeded_hash has no default constructor: nothing may call Hash{}).
template <class M>
void seeded_test() {
    long calls1 = 0, calls2 = 0;
    M a(0, ht::seeded_hash(1, &calls1));
    M b(16, ht::seeded_hash(2, &calls2));
    CHECK(a.hash_function().seed == 1);
    CHECK(b.hash_function().seed == 2);
    for (std::int64_t i = 0; i < 2000; ++i) {
        a.emplace(i, i);
        b.try_emplace(i, i);
    }
    CHECK(calls1 >= 2000);
    CHECK(calls2 >= 2000);
    ht::check(a);
    ht::check(b);
    const long before = calls1;
    for (std::int64_t i = 0; i < 2000; ++i)
        HT_ASSERT(a.at(i) == i);
    CHECK(calls1 >= before + 2000);
    // Equality needs equal contents only, not equal hashers. (libstdc++'s unordered_map
    // compares with the hash codes cached by one side, so this runs for hamt only.)
    if constexpr (ht::is_hamt_v<M>) {
        CHECK(a == b);
        b[5] = -5;
        CHECK(a != b);
        b[5] = 5;
    }

    M c(a);
    CHECK(c.hash_function().seed == 1);
    CHECK(c == a);
    M d(std::move(c));
    CHECK(d.hash_function().seed == 1);
    CHECK(d.count(1999) == 1);
    d = b;
    CHECK(d.hash_function().seed == 2);
    CHECK(d.count(1999) == 1);
    d.swap(a);
    CHECK(d.hash_function().seed == 1);
    CHECK(a.hash_function().seed == 2);
    CHECK(a.count(7) == 1);
    CHECK(d.count(7) == 1);
    M e(0, ht::seeded_hash(3));
    e = std::move(d);
    CHECK(e.hash_function().seed == 1);
    for (std::int64_t i = 0; i < 2000; i += 7)
        HT_ASSERT(e.find(i)->second == i);
    M f({{1, 1}, {2, 2}}, 0, ht::seeded_hash(9));
    CHECK(f.hash_function().seed == 9);
    CHECK(f.at(2) == 2);
    std::vector<std::pair<std::int64_t, std::int64_t>> src{{3, 3}, {4, 4}};
    M g(src.begin(), src.end(), 0, ht::seeded_hash(10));
    CHECK(g.hash_function().seed == 10);
    CHECK(g.at(4) == 4);
    // Merge between containers with different seeds rehashes with the target's hasher.
    // (libstdc++ reuses the source's cached hash codes, so this runs for hamt only.)
    if constexpr (ht::is_hamt_v<M>) {
        g.merge(f);
        CHECK(g.size() == 4);
        CHECK(f.empty());
        ht::check(g);
        for (std::int64_t k : {1, 2, 3, 4})
            CHECK(g.at(k) == k);
    }
}

TEST_CASE("hash: seeded stateful hasher", "[hash][seeded]") {
    seeded_test<hamt::map<std::int64_t, std::int64_t, ht::seeded_hash>>();
    seeded_test<hamt::map<std::int64_t, std::int64_t, ht::seeded_hash, std::equal_to<std::int64_t>,
                          std::allocator<std::pair<const std::int64_t, std::int64_t>>, 3>>();
    seeded_test<std::unordered_map<std::int64_t, std::int64_t, ht::seeded_hash>>();
}

TEST_CASE("hash: seeded hasher in a set", "[hash][seeded]") {
    using S = hamt::set<std::int64_t, ht::seeded_hash>;
    S a(0, ht::seeded_hash(11));
    S b(0, ht::seeded_hash(12));
    for (std::int64_t i = 0; i < 1000; ++i) {
        a.insert(i);
        b.insert(999 - i);
    }
    CHECK(a == b);
    CHECK(a.hash_function().seed == 11);
    ht::check(a);
    ht::check(b);
    a.swap(b);
    CHECK(a.hash_function().seed == 12);
    CHECK(a.count(500) == 1);
}
