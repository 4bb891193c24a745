// Allocator behaviour, with the stateful, checking test_alloc:
//  - the default constructor, lookups, iteration and every form of erase make no allocate call
//    once the container is built (elements with a noexcept move constructor);
//  - move construction and swap allocate nothing;
//  - every byte allocated is returned to the allocator (state) that allocated it;
//  - propagate_on_container_copy_assignment / _move_assignment / _swap true and false, and
//    move assignment / move construction between unequal allocators.
// Everything also runs for std::unordered_map.
#include "support.hpp"

namespace {

using ht::alloc_state;

template <class V, bool POCCA = false, bool POCMA = false, bool POCS = false>
using talloc = ht::test_alloc<V, POCCA, POCMA, POCS>;

// Container families: given an allocator type, the container.
template <class A>
using hamt_map_a =
    hamt::map<std::int64_t, std::int64_t, hamt::hash<std::int64_t>, std::equal_to<std::int64_t>, A>;
template <class A>
using hamt_map_b2_a = hamt::map<std::int64_t, std::int64_t, hamt::hash<std::int64_t>,
                                std::equal_to<std::int64_t>, A, 2>;
template <class A>
using hamt_map_b6_a = hamt::map<std::int64_t, std::int64_t, hamt::hash<std::int64_t>,
                                std::equal_to<std::int64_t>, A, 6>;
template <class A>
using std_map_a = std::unordered_map<std::int64_t, std::int64_t, std::hash<std::int64_t>,
                                     std::equal_to<std::int64_t>, A>;

using pair_t = std::pair<const std::int64_t, std::int64_t>;

void require_clean(const alloc_state& s) {
    CHECK(s.errors == 0);
    CHECK(s.live.empty());
    CHECK(s.allocs == s.deallocs);
}

// Lookups and erase make no allocate call. M's allocator is a test_alloc.
template <class M>
void no_alloc_test() {
    using A = typename M::allocator_type;
    using K = typename M::key_type;
    alloc_state st;
    {
        ht::leak_guard guard;
        M m{A(&st)};
        CHECK(st.allocs == 0); // allocator-only constructor
        M m2(0, typename M::hasher(), typename M::key_equal(), A(&st));
        CHECK(st.allocs == 0);
        const std::int64_t n = 3000;
        ht::fill(m, 0, n);
        REQUIRE(st.allocs > 0);
        const long allocs = st.allocs;
        const K present = ht::make<K>(7), absent = ht::make<K>(-7);
        (void)absent; // only in the exception check

        for (int rep = 0; rep < 2; ++rep) {
            for (std::int64_t i = 0; i < n + 100; ++i) {
                const K k = ht::make<K>(i);
                (void)m.find(k);
                (void)m.count(k);
                (void)m.equal_range(k);
                (void)std::as_const(m).find(k);
            }
            if constexpr (ht::is_hamt_v<M>) CHECK(m.contains(present));
            if constexpr (ht::is_map_v<M>) {
                (void)m.at(present);
#if HT_EXCEPTIONS
                CHECK_THROWS_AS(m.at(absent), std::out_of_range);
#endif
            }
            std::size_t count = 0;
            for (auto it = m.cbegin(); it != m.cend(); ++it)
                ++count;
            CHECK(count == m.size());
            CHECK(m == m);
        }
        CHECK(st.allocs == allocs);

        // Move construction and swap allocate nothing.
        M moved(std::move(m));
        moved.swap(m);
        CHECK(st.allocs == allocs);

        // Erase by key, by iterator, by range, while iterating, clear.
        for (std::int64_t i = 0; i < n; i += 4)
            HT_ASSERT(m.erase(ht::make<K>(i)) == 1);
        CHECK(st.allocs == allocs);
        for (int i = 0; i < 200; ++i)
            m.erase(m.begin());
        CHECK(st.allocs == allocs);
        m.erase(std::next(m.cbegin(), 10), std::next(m.cbegin(), 300));
        CHECK(st.allocs == allocs);
        for (auto it = m.begin(); it != m.end();) {
            if (ht::get(ht::key_of(*it)) % 3 == 0) {
                it = m.erase(it);
            } else {
                ++it;
            }
        }
        CHECK(st.allocs == allocs);
        m.clear();
        CHECK(st.allocs == allocs);
        CHECK(m.empty());
        ht::check(m);
    }
    require_clean(st);
}

template <template <class> class MapOf>
void propagation_test() {
    SECTION("each container allocates from its own allocator") {
        alloc_state sa, sb;
        {
            using A = talloc<pair_t>;
            MapOf<A> a{A(&sa)};
            ht::fill(a, 0, 500);
            CHECK(sa.allocs > 0);
            CHECK(sb.allocs == 0);
            MapOf<A> copy(a, A(&sb));
            CHECK(copy.get_allocator() == A(&sb));
            CHECK(sb.allocs > 0);
            MapOf<A> moved(std::move(a), A(&sb)); // unequal: element-wise
            CHECK(moved.get_allocator() == A(&sb));
            CHECK(ht::snapshot(moved) == ht::expected_fill<MapOf<A>>(0, 500));
            ht::check(a);
            MapOf<A> same(std::move(moved), A(&sb)); // equal: takes the nodes
            CHECK(ht::snapshot(same) == ht::expected_fill<MapOf<A>>(0, 500));
            MapOf<A> plain_copy(same);
            CHECK(plain_copy.get_allocator() == A(&sb)); // select_on_container_copy_construction
        }
        require_clean(sa);
        require_clean(sb);
    }
    SECTION("copy assignment, propagate_on_container_copy_assignment true") {
        alloc_state sa, sb;
        {
            using A = talloc<pair_t, true, false, false>;
            MapOf<A> a{A(&sa)}, b{A(&sb)};
            ht::fill(a, 0, 300);
            ht::fill(b, 1000, 400);
            a = b;
            CHECK(a.get_allocator() == A(&sb));
            CHECK(sa.live.empty()); // a's old nodes went back to a's old allocator
            CHECK(ht::snapshot(a) == ht::expected_fill<MapOf<A>>(1000, 400));
            ht::check(a);
            ht::fill(a, 0, 10);
            CHECK(sa.live.empty());
        }
        require_clean(sa);
        require_clean(sb);
    }
    SECTION("copy assignment, propagate_on_container_copy_assignment false") {
        alloc_state sa, sb;
        {
            using A = talloc<pair_t, false, true, true>;
            MapOf<A> a{A(&sa)}, b{A(&sb)};
            ht::fill(a, 0, 300);
            ht::fill(b, 1000, 400);
            const long b_allocs = sb.allocs;
            a = b;
            CHECK(a.get_allocator() == A(&sa));
            CHECK(sb.allocs == b_allocs);
            CHECK(ht::snapshot(a) == ht::expected_fill<MapOf<A>>(1000, 400));
            ht::check(a);
        }
        require_clean(sa);
        require_clean(sb);
    }
    SECTION("move assignment, propagate_on_container_move_assignment true") {
        alloc_state sa, sb;
        {
            using A = talloc<pair_t, false, true, false>;
            MapOf<A> a{A(&sa)}, b{A(&sb)};
            ht::fill(a, 0, 300);
            ht::fill(b, 1000, 400);
            const long b_allocs = sb.allocs;
            a = std::move(b);
            CHECK(a.get_allocator() == A(&sb));
            CHECK(sb.allocs == b_allocs); // the nodes were taken over
            CHECK(sa.live.empty());
            CHECK(ht::snapshot(a) == ht::expected_fill<MapOf<A>>(1000, 400));
            ht::check(a);
            ht::check(b);
            b.clear();
            ht::fill(b, 5, 5);
            CHECK(b.size() == 5);
        }
        require_clean(sa);
        require_clean(sb);
    }
    SECTION("move assignment, propagate false, unequal allocators: element-wise") {
        alloc_state sa, sb;
        {
            using A = talloc<pair_t, true, false, true>;
            MapOf<A> a{A(&sa)}, b{A(&sb)};
            ht::fill(a, 0, 300);
            ht::fill(b, 1000, 400);
            a = std::move(b);
            CHECK(a.get_allocator() == A(&sa));
            CHECK(ht::snapshot(a) == ht::expected_fill<MapOf<A>>(1000, 400));
            ht::check(a);
            ht::check(b);
            b.clear();
            ht::fill(b, 5, 5);
            CHECK(b.get_allocator() == A(&sb));
        }
        require_clean(sa);
        require_clean(sb);
    }
    SECTION("move assignment, propagate false, equal allocators: takes the nodes") {
        alloc_state sa;
        {
            using A = talloc<pair_t, false, false, false>;
            MapOf<A> a{A(&sa)}, b{A(&sa)};
            ht::fill(a, 0, 300);
            ht::fill(b, 1000, 400);
            const long allocs = sa.allocs;
            a = std::move(b);
            CHECK(sa.allocs == allocs);
            CHECK(ht::snapshot(a) == ht::expected_fill<MapOf<A>>(1000, 400));
        }
        require_clean(sa);
    }
    SECTION("swap, propagate_on_container_swap true") {
        alloc_state sa, sb;
        {
            using A = talloc<pair_t, false, false, true>;
            MapOf<A> a{A(&sa)}, b{A(&sb)};
            ht::fill(a, 0, 300);
            ht::fill(b, 1000, 400);
            const long allocs = sa.allocs + sb.allocs;
            a.swap(b);
            CHECK(a.get_allocator() == A(&sb));
            CHECK(b.get_allocator() == A(&sa));
            CHECK(sa.allocs + sb.allocs == allocs);
            CHECK(ht::snapshot(a) == ht::expected_fill<MapOf<A>>(1000, 400));
            CHECK(ht::snapshot(b) == ht::expected_fill<MapOf<A>>(0, 300));
            using std::swap;
            swap(a, b);
            CHECK(a.get_allocator() == A(&sa));
            a.erase(5);
            b.erase(1005);
            ht::fill(a, 2000, 50);
            ht::fill(b, 3000, 50);
            ht::check(a);
            ht::check(b);
        }
        require_clean(sa);
        require_clean(sb);
    }
    SECTION("swap, propagate_on_container_swap false, equal allocators") {
        alloc_state sa;
        {
            using A = talloc<pair_t, false, false, false>;
            MapOf<A> a{A(&sa)}, b{A(&sa)};
            ht::fill(a, 0, 300);
            ht::fill(b, 1000, 400);
            a.swap(b);
            CHECK(ht::snapshot(a) == ht::expected_fill<MapOf<A>>(1000, 400));
            CHECK(ht::snapshot(b) == ht::expected_fill<MapOf<A>>(0, 300));
        }
        require_clean(sa);
    }
}

} // namespace

TEST_CASE("allocator: lookups and erase do not allocate, hamt::map", "[allocator]") {
    no_alloc_test<hamt_map_a<talloc<pair_t>>>();
    no_alloc_test<hamt_map_b2_a<talloc<pair_t>>>();
    no_alloc_test<hamt_map_b6_a<talloc<pair_t>>>();
}

TEST_CASE("allocator: lookups and erase do not allocate, other element types", "[allocator]") {
    using ht::counted;
    no_alloc_test<hamt::map<counted, counted, ht::counted_hash, std::equal_to<counted>,
                            talloc<std::pair<const counted, counted>>>>();
    no_alloc_test<
        hamt::map<std::string, std::string, hamt::hash<std::string>, std::equal_to<std::string>,
                  talloc<std::pair<const std::string, std::string>>, 3>>();
    no_alloc_test<hamt::set<std::int64_t, hamt::hash<std::int64_t>, std::equal_to<std::int64_t>,
                            talloc<std::int64_t>>>();
    no_alloc_test<hamt::map<std::int64_t, std::int64_t, ht::low_bits_hash,
                            std::equal_to<std::int64_t>, talloc<pair_t>, 4>>();
}

TEST_CASE("allocator: lookups and erase do not allocate, std::unordered_map (checks the test)",
          "[allocator]") {
    no_alloc_test<std_map_a<talloc<pair_t>>>();
}

TEST_CASE("allocator: the default constructor does not allocate", "[allocator]") {
    alloc_state& st = ht::default_alloc_state();
    const long allocs = st.allocs;
    {
        hamt_map_a<talloc<pair_t>> m;
        hamt::set<std::int64_t, hamt::hash<std::int64_t>, std::equal_to<std::int64_t>,
                  talloc<std::int64_t>>
            s;
        CHECK(m.empty());
        CHECK(s.empty());
        CHECK(m.find(1) == m.end());
        CHECK(m.begin() == m.end());
        m.clear();
        hamt_map_a<talloc<pair_t>> moved(std::move(m));
        CHECK(moved.empty());
    }
    CHECK(st.allocs == allocs);
    CHECK(st.errors == 0);
}

TEST_CASE("allocator: propagation, hamt::map", "[allocator][propagation]") {
    propagation_test<hamt_map_a>();
}
TEST_CASE("allocator: propagation, hamt::map B=2", "[allocator][propagation]") {
    propagation_test<hamt_map_b2_a>();
}
TEST_CASE("allocator: propagation, std::unordered_map (checks the test)",
          "[allocator][propagation]") {
    propagation_test<std_map_a>();
}

TEST_CASE("allocator: counted elements through unequal allocators", "[allocator][counted]") {
    using ht::counted;
    using A = talloc<std::pair<const counted, counted>, false, false, false>;
    using M = hamt::map<counted, counted, ht::counted_hash, std::equal_to<counted>, A>;
    alloc_state sa, sb;
    {
        ht::leak_guard guard;
        M a{A(&sa)}, b{A(&sb)};
        ht::fill(a, 0, 200);
        ht::fill(b, 500, 300);
        a = std::move(b); // element-wise move
        CHECK(ht::snapshot(a) == ht::expected_fill<M>(500, 300));
        b = a; // element-wise copy
        CHECK(b == a);
        M c(std::move(a), A(&sb));
        CHECK(c == b);
        ht::check(a);
        ht::check(c);
    }
    require_clean(sa);
    require_clean(sb);
}
