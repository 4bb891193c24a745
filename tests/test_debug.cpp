// The debug API: check_invariants and stats on empty, small, large, colliding containers, and
// the canonical form (after erasures, a trie has the shape of one built from its contents).
#include "support.hpp"

namespace {

template <unsigned B>
using map_b =
    hamt::map<std::int64_t, std::int64_t, hamt::hash<std::int64_t>, std::equal_to<std::int64_t>,
              std::allocator<std::pair<const std::int64_t, std::int64_t>>, B>;

bool same_shape(const hamt::debug::trie_stats& a, const hamt::debug::trie_stats& b) {
    return a.size == b.size && a.nodes == b.nodes && a.collision_nodes == b.collision_nodes &&
           a.max_depth == b.max_depth;
}

template <unsigned B>
void debug_case() {
    using M = map_b<B>;
    M m;
    hamt::debug::check_invariants(m);
    auto st = hamt::debug::stats(m);
    CHECK(st.size == 0);
    CHECK(st.collision_nodes == 0);
    CHECK(st.max_depth == 0);
    CHECK(st.nodes <= 1);
    if (st.nodes == 0) CHECK(st.node_bytes == 0);

    m.emplace(1, 1);
    st = hamt::debug::stats(m);
    CHECK(st.size == 1);
    CHECK(st.nodes == 1);
    CHECK(st.max_depth == 0);
    CHECK(st.node_bytes > 0);
#ifndef HAMT_NO_POOL
    CHECK(st.arena_bytes >= st.node_bytes);
#endif

    const std::int64_t n = 5000;
    std::size_t last_bytes = st.node_bytes;
    for (std::int64_t i = 2; i <= n; ++i)
        m.emplace(i, i);
    hamt::debug::check_invariants(m);
    st = hamt::debug::stats(m);
    CHECK(st.size == static_cast<std::size_t>(n));
    CHECK(st.collision_nodes == 0);
    CHECK(st.node_bytes > last_bytes);
    CHECK(st.node_bytes >=
          static_cast<std::size_t>(n) * sizeof(std::pair<std::int64_t, std::int64_t>));
    CHECK(st.nodes >= static_cast<std::size_t>(n) / (std::size_t(1) << B));
    CHECK(st.nodes < 2 * static_cast<std::size_t>(n));
    // A well-mixed hash: about log2(n) = 13 bits are needed to tell keys apart, and the two
    // closest of the n^2/2 pairs share about 2 log2(n) = 26 bits.
    CHECK(st.max_depth >= (13 + B - 1) / B - 1);
    CHECK(st.max_depth <= (26 + 6) / B + 1);
#ifndef HAMT_NO_POOL
    CHECK(st.arena_bytes >= st.node_bytes);
#endif

    // Canonical form: erasing keys gives the shape of a trie built from what remains.
    M built;
    for (std::int64_t i = 1; i <= 700; ++i)
        built.emplace(i, i);
    for (std::int64_t i = n; i > 700; --i)
        m.erase(i);
    hamt::debug::check_invariants(m);
    INFO("after erase: nodes " << hamt::debug::stats(m).nodes << ", depth "
                               << hamt::debug::stats(m).max_depth << "; built: nodes "
                               << hamt::debug::stats(built).nodes << ", depth "
                               << hamt::debug::stats(built).max_depth);
    CHECK(same_shape(hamt::debug::stats(m), hamt::debug::stats(built)));
    for (std::int64_t i = 700; i > 1; --i)
        m.erase(i);
    st = hamt::debug::stats(m);
    CHECK(st.size == 1);
    CHECK(st.nodes == 1);
    CHECK(st.max_depth == 0);
    m.clear();
    st = hamt::debug::stats(m);
    CHECK(st.size == 0);
    CHECK(st.nodes <= 1);
    hamt::debug::check_invariants(m);
}

} // namespace

TEST_CASE("debug: stats and check_invariants, B=1", "[debug]") {
    debug_case<1>();
}
TEST_CASE("debug: stats and check_invariants, B=2", "[debug]") {
    debug_case<2>();
}
TEST_CASE("debug: stats and check_invariants, B=3", "[debug]") {
    debug_case<3>();
}
TEST_CASE("debug: stats and check_invariants, B=4", "[debug]") {
    debug_case<4>();
}
TEST_CASE("debug: stats and check_invariants, B=5", "[debug]") {
    debug_case<5>();
}
TEST_CASE("debug: stats and check_invariants, B=6", "[debug]") {
    debug_case<6>();
}

TEST_CASE("debug: canonical form with collisions", "[debug]") {
    using M = hamt::map<std::int64_t, std::int64_t, ht::low_bits_hash, std::equal_to<std::int64_t>,
                        std::allocator<std::pair<const std::int64_t, std::int64_t>>, 3>;
    M m, built;
    for (std::int64_t i = 0; i < 200; ++i)
        m.emplace(i, i);
    for (std::int64_t i = 0; i < 200; i += 2)
        m.erase(i);
    for (std::int64_t i = 199; i > 0; i -= 2)
        built.emplace(i, i);
    hamt::debug::check_invariants(m);
    CHECK(same_shape(hamt::debug::stats(m), hamt::debug::stats(built)));
    CHECK(hamt::debug::stats(m).collision_nodes == 8); // odd keys: 8 odd low nibbles
    // Erase down to one key per low nibble: no collision node is left.
    for (std::int64_t i = 17; i < 200; i += 2)
        m.erase(i);
    CHECK(m.size() == 8);
    CHECK(hamt::debug::stats(m).collision_nodes == 0);
    hamt::debug::check_invariants(m);
}

TEST_CASE("debug: sets and const containers", "[debug]") {
    hamt::set<std::string> s;
    for (std::int64_t i = 0; i < 1000; ++i)
        s.insert(ht::make<std::string>(i));
    const auto& cs = s;
    hamt::debug::check_invariants(cs);
    const auto st = hamt::debug::stats(cs);
    CHECK(st.size == 1000);
    CHECK(st.collision_nodes == 0);
    CHECK(st.nodes >= 1000 / 32);
    CHECK(st.node_bytes >= 1000 * sizeof(std::string));
#if HT_EXCEPTIONS
    CHECK_NOTHROW(hamt::debug::check_invariants(cs));
#endif
}
