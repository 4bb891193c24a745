// Colliding hashers: every BitsPerLevel from 1 to 6 with
//  - a constant hash (all keys one full 64-bit collision),
//  - hash = key & 0xF (16 collision groups behind long paths of zero bits),
//  - hash = key << shift for every shift (keys differing in one chosen bit, including bit 63
//    and the partial last fragment when 64 % B != 0; collisions where bits shift out),
//  - a masked mix (a few live hash bits: many partial and some full collisions).
// collision_nodes must equal the number of hash values shared by two or more keys, and those
// nodes must sit at depth ceil(64 / B). The functional checks also run for std::unordered_map.
#include "support.hpp"

#include <numeric>

namespace {

template <class H, unsigned B, class K = std::int64_t>
using map_h = hamt::map<K, std::int64_t, H, std::equal_to<K>,
                        std::allocator<std::pair<const K, std::int64_t>>, B>;

// Number of hash values that two or more of the keys share: the collision nodes expected.
template <class M, class Keys>
std::size_t expected_collision_nodes(const M& m, const Keys& keys) {
    std::unordered_map<std::uint64_t, int> groups;
    for (const auto& k : keys)
        ++groups[static_cast<std::uint64_t>(m.hash_function()(k))];
    std::size_t n = 0;
    for (const auto& g : groups)
        n += g.second >= 2 ? 1 : 0;
    return n;
}

// Checks contents, invariants and (for hamt) the collision statistics of m, which must hold
// exactly the keys in `keys`, each mapped to 10 * key.
template <class M, class Keys>
void verify(const M& m, const Keys& keys) {
    ht::check(m);
    HT_ASSERT(m.size() == keys.size());
    for (const auto& k : keys) {
        auto it = m.find(k);
        HT_ASSERT(it != m.end());
        HT_ASSERT(ht::get(it->second) == 10 * ht::get(k));
    }
    if constexpr (ht::is_hamt_v<M>) {
        const auto st = hamt::debug::stats(m);
        const std::size_t expected = expected_collision_nodes(m, keys);
        INFO("size " << m.size() << ", B " << ht::bits_of<M>::value);
        HT_ASSERT(st.collision_nodes == expected);
        const std::size_t cd = ht::collision_depth(ht::bits_of<M>::value);
        HT_ASSERT(st.max_depth <= cd);
        if (expected > 0) HT_ASSERT(st.max_depth == cd);
        if (m.size() <= 1) HT_ASSERT(st.max_depth == 0);
        HT_ASSERT(st.nodes >= st.collision_nodes);
    }
}

// An iterator from find() or emplace() (unresolved until its first increment, see
// detail/iterator.hpp) continues the iteration in begin()'s order, collision nodes included.
template <class M>
void check_resume(M& m) {
    std::vector<typename M::key_type> order;
    for (const auto& kv : m)
        order.push_back(kv.first);
    for (std::size_t i = 0; i < order.size(); ++i) {
        std::size_t j = i;
        for (auto it = m.find(order[i]); it != m.end(); ++it)
            HT_ASSERT(it->first == order[j++]);
        HT_ASSERT(j == order.size());
        j = i;
        for (auto it = m.emplace(order[i], 0).first; it != m.end(); ++it)
            HT_ASSERT(it->first == order[j++]);
        HT_ASSERT(j == order.size());
    }
}

// Inserts the keys one by one, then erases them in another order, verifying after each step.
template <class M>
void insert_erase_all(M m, const std::vector<typename M::key_type>& keys) {
    using K = typename M::key_type;
    std::vector<K> present;
    for (const auto& k : keys) {
        auto r = m.emplace(k, 10 * ht::get(k));
        HT_ASSERT(r.second);
        present.push_back(k);
        verify(m, present);
        HT_ASSERT(!m.emplace(k, 0).second);
    }
    check_resume(m);
    // A key with a colliding hash that is not present is not found.
    const K absent = ht::make<K>(1000003);
    HT_ASSERT(m.find(absent) == m.end());
    HT_ASSERT(m.erase(absent) == 0);

    // Copies, equality with another insertion order (collision arrays in another order).
    M copy(m);
    verify(copy, present);
    M reversed(0, m.hash_function());
    for (auto it = keys.rbegin(); it != keys.rend(); ++it)
        reversed.emplace(*it, 10 * ht::get(*it));
    HT_ASSERT(reversed == m);
    HT_ASSERT(copy == m);

    // Erase every third by key, the rest while iterating.
    for (std::size_t i = 0; i < keys.size(); i += 3) {
        if (i % 2)
            HT_ASSERT(m.erase(keys[i]) == 1);
        else
            m.erase(m.find(keys[i])); // through an unresolved iterator
        present.erase(std::find(present.begin(), present.end(), keys[i]));
        verify(m, present);
    }
    std::size_t visited = 0;
    for (auto it = m.begin(); it != m.end();) {
        ++visited;
        const K k = it->first;
        it = m.erase(it);
        present.erase(std::find(present.begin(), present.end(), k));
        verify(m, present);
    }
    HT_ASSERT(visited == keys.size() - (keys.size() + 2) / 3);
    HT_ASSERT(m.empty());
    // Reuse after emptying.
    m.emplace(keys.front(), 10 * ht::get(keys.front()));
    verify(m, std::vector<K>{keys.front()});
}

// The keys 0 .. n-1 in a scrambled order.
template <class K>
std::vector<K> keys_0_to(std::int64_t n) {
    std::int64_t step = 7;
    while (std::gcd(step, n) != 1)
        ++step;
    std::vector<K> out;
    for (std::int64_t i = 0; i < n; ++i)
        out.push_back(ht::make<K>(i * step % n));
    return out;
}

template <unsigned B>
void constant_hash_case() {
    using M = map_h<ht::constant_hash, B>;
    insert_erase_all(M(), keys_0_to<std::int64_t>(40));
    M m;
    for (std::int64_t i = 0; i < 100; ++i)
        m.emplace(i, 10 * i);
    const auto st = hamt::debug::stats(m);
    CHECK(st.collision_nodes == 1);
    CHECK(st.max_depth == ht::collision_depth(B));
    CHECK(st.size == 100);
}

template <unsigned B>
void low_bits_case() {
    using M = map_h<ht::low_bits_hash, B>;
    insert_erase_all(M(), keys_0_to<std::int64_t>(100));
    M m;
    for (std::int64_t i = 0; i < 64; ++i)
        m.emplace(i, 10 * i);
    auto st = hamt::debug::stats(m);
    CHECK(st.collision_nodes == 16);
    CHECK(st.max_depth == ht::collision_depth(B));
    // Leave a single key with hash 5: its collision node goes away.
    for (std::int64_t i = 5 + 16; i < 64; i += 16)
        m.erase(i);
    st = hamt::debug::stats(m);
    CHECK(st.collision_nodes == 15);
    ht::check(m);
}

template <unsigned B>
void shift_case() {
    using M = map_h<ht::shift_hash, B>;
    for (unsigned shift = 0; shift < 64; ++shift) {
        INFO("shift " << shift);
        std::vector<std::int64_t> keys;
        for (std::int64_t k = 0; k < 9; ++k)
            keys.push_back(k);
        insert_erase_all(M(0, ht::shift_hash(shift)), keys);
        // Just two keys, hashes 0 and 1 << shift: never a collision node.
        M two(0, ht::shift_hash(shift));
        two.emplace(0, 0);
        two.emplace(1, 10);
        const auto st = hamt::debug::stats(two);
        HT_ASSERT(st.collision_nodes == 0);
        HT_ASSERT(st.max_depth < ht::collision_depth(B));
        HT_ASSERT(two.at(1) == 10);
        HT_ASSERT(two.at(0) == 0);
        ht::check(two);
    }
}

// mix64(key) & mask: only the mask's bits are live.
struct masked_hash {
    using is_avalanching = void;
    std::uint64_t mask;
    explicit masked_hash(std::uint64_t m) : mask(m) {}
    std::size_t operator()(std::int64_t k) const {
        return static_cast<std::size_t>(ht::mix64(static_cast<std::uint64_t>(k)) & mask);
    }
};

template <unsigned B>
void masked_case() {
    using M = map_h<masked_hash, B>;
    for (std::uint64_t mask : {0x8000000000000001ull, 0xF00000000000000Full, 0x0000F0000000F000ull,
                               0x7ull << 61, 0x3Full, 0x1ull}) {
        INFO("mask " << mask);
        insert_erase_all(M(0, masked_hash(mask)), keys_0_to<std::int64_t>(70));
    }
}

template <unsigned B>
void all_cases() {
    constant_hash_case<B>();
    low_bits_case<B>();
    shift_case<B>();
    masked_case<B>();
}

} // namespace

TEST_CASE("collisions: B=1", "[collisions]") {
    all_cases<1>();
}
TEST_CASE("collisions: B=2", "[collisions]") {
    all_cases<2>();
}
// B = 3 and 4 add no kind of case that B = 1, 2, 5 and 6 lack: full builds only
// (HAMT_TEST_REDUCED, see support.hpp).
#if !defined(HAMT_TEST_REDUCED)
TEST_CASE("collisions: B=3", "[collisions]") {
    all_cases<3>();
}
TEST_CASE("collisions: B=4", "[collisions]") {
    all_cases<4>();
}
#endif
TEST_CASE("collisions: B=5", "[collisions]") {
    all_cases<5>();
}
TEST_CASE("collisions: B=6", "[collisions]") {
    all_cases<6>();
}

TEST_CASE("collisions: the same sequences on std::unordered_map (checks the test)",
          "[collisions]") {
    insert_erase_all(std::unordered_map<std::int64_t, std::int64_t, ht::constant_hash>(),
                     keys_0_to<std::int64_t>(40));
    insert_erase_all(std::unordered_map<std::int64_t, std::int64_t, ht::low_bits_hash>(),
                     keys_0_to<std::int64_t>(100));
    insert_erase_all(
        std::unordered_map<std::int64_t, std::int64_t, ht::shift_hash>(0, ht::shift_hash(63)),
        keys_0_to<std::int64_t>(9));
}

TEST_CASE("collisions: string and counted keys", "[collisions]") {
    ht::leak_guard guard;
    insert_erase_all(map_h<ht::constant_hash, 3, std::string>(), keys_0_to<std::string>(30));
    insert_erase_all(map_h<ht::low_bits_hash, 5, std::string>(), keys_0_to<std::string>(60));
    insert_erase_all(map_h<ht::constant_hash, 5, ht::counted>(), keys_0_to<ht::counted>(30));
    insert_erase_all(map_h<ht::low_bits_hash, 2, ht::counted>(), keys_0_to<ht::counted>(50));
}

TEST_CASE("collisions: sets", "[collisions]") {
    ht::leak_guard guard;
    hamt::set<std::int64_t, ht::constant_hash, std::equal_to<std::int64_t>,
              std::allocator<std::int64_t>, 3>
        s;
    hamt::set<ht::counted, ht::low_bits_hash, std::equal_to<ht::counted>,
              std::allocator<ht::counted>, 6>
        c;
    for (std::int64_t i = 0; i < 50; ++i) {
        s.insert(i);
        c.emplace(i);
    }
    CHECK(hamt::debug::stats(s).collision_nodes == 1);
    CHECK(hamt::debug::stats(s).max_depth == ht::collision_depth(3));
    CHECK(hamt::debug::stats(c).collision_nodes == 16);
    CHECK(hamt::debug::stats(c).max_depth == ht::collision_depth(6));
    ht::check(s);
    ht::check(c);
    for (std::int64_t i = 0; i < 50; i += 2) {
        CHECK(s.erase(i) == 1);
        CHECK(c.erase(ht::counted(i)) == 1);
    }
    ht::check(s);
    ht::check(c);
    CHECK(s.size() == 25);
    CHECK(c.size() == 25);
    for (std::int64_t i = 0; i < 50; ++i) {
        HT_ASSERT(s.contains(i) == (i % 2 == 1));
        HT_ASSERT(c.contains(ht::counted(i)) == (i % 2 == 1));
    }
}
