// Conformance tests of the map interface, written over the container type so that the same
// body runs for hamt::map (several BitsPerLevel settings) and for std::unordered_map, which
// checks the tests themselves. Included by test_map_*.cpp, each of which defines
// HT_MAP_TYPES: the list of container types (with simple alias names, used in test names).
//
// Iteration order is unspecified, so contents are compared as sorted snapshots.

#include "support.hpp"

namespace {

template <class M>
struct map_fixture {
    using K = typename M::key_type;
    using T = typename M::mapped_type;
    using V = typename M::value_type;
    using iterator = typename M::iterator;
    using const_iterator = typename M::const_iterator;
    static constexpr bool copyable =
        std::is_copy_constructible_v<K> && std::is_copy_constructible_v<T>;
    static constexpr bool is_counted = std::is_same_v<K, ht::counted>;

    static K k(std::int64_t i) { return ht::make<K>(i); }
    static T t(std::int64_t i) { return ht::make<T>(i); }
    static std::int64_t val(const M& m, std::int64_t i) { return ht::get(m.at(k(i))); }
};

template <class C, class Key>
bool has(const C& c, const Key& key) {
    if constexpr (ht::is_hamt_v<C>) {
        static_assert(std::is_same_v<decltype(c.contains(key)), bool>);
        return c.contains(key);
    } else {
#if __cplusplus >= 202002L
        return c.contains(key);
#else
        return c.count(key) != 0;
#endif
    }
}

} // namespace

// hamt's find() and modifiers return an iterator that records no path until its first
// increment (detail/iterator.hpp); from there on it must be the iterator begin() would reach.
TEMPLATE_TEST_CASE("map: iterators from find and inserts continue the iteration", "[map][iterator]",
                   HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    ht::leak_guard guard;

    M m;
    ht::fill(m, 0, 700);
    auto order_of = [](const M& c) {
        std::vector<std::int64_t> keys;
        for (const auto& kv : c)
            keys.push_back(ht::get(kv.first));
        return keys;
    };
    auto rest = [](auto it, auto end) {
        std::vector<std::int64_t> keys;
        for (; it != end; ++it)
            keys.push_back(ht::get(it->first));
        return keys;
    };
    const std::vector<std::int64_t> order = order_of(m);
    const M& cm = m;
    for (std::size_t i = 0; i < order.size(); i += 7) {
        const std::vector<std::int64_t> tail(order.begin() + static_cast<std::ptrdiff_t>(i),
                                             order.end());
        HT_ASSERT(rest(m.find(F::k(order[i])), m.end()) == tail);
        HT_ASSERT(rest(cm.find(F::k(order[i])), cm.end()) == tail);
        HT_ASSERT(rest(m.try_emplace(F::k(order[i])).first, m.end()) == tail);
        // Copies made before the first increment go their own ways.
        auto a = m.find(F::k(order[i]));
        auto b = a;
        typename M::const_iterator c = a;
        ++a;
        HT_ASSERT(ht::get(b->first) == order[i]);
        HT_ASSERT(rest(b, m.end()) == tail);
        HT_ASSERT(rest(c, cm.end()) == tail);
        HT_ASSERT(a == std::next(m.find(F::k(order[i]))));
        auto post = m.find(F::k(order[i]));
        HT_ASSERT(ht::get((post++)->first) == order[i]);
        HT_ASSERT(rest(post, m.end()) == std::vector<std::int64_t>(tail.begin() + 1, tail.end()));
    }
    // equal_range through find.
    auto range = m.equal_range(F::k(order[3]));
    HT_ASSERT(std::distance(range.first, range.second) == 1);
    HT_ASSERT(range.second == m.find(F::k(order[4])));

    // An insert that inserts returns an iterator into the new order.
    auto r = m.try_emplace(F::k(5000));
    REQUIRE(r.second);
    std::vector<std::int64_t> now = order_of(m);
    auto at = std::find(now.begin(), now.end(), 5000);
    CHECK(rest(r.first, m.end()) == std::vector<std::int64_t>(at, now.end()));

    // erase at a find() iterator returns the element that followed it.
    const std::int64_t victim = now[10], following = now[11];
    auto e = m.erase(m.find(F::k(victim)));
    REQUIRE(e != m.end());
    CHECK(ht::get(e->first) == following);
    CHECK_FALSE(has(m, F::k(victim)));
    ht::check(m);

    // swap: an iterator found before it continues in the other container.
    now = order_of(m);
    auto before = m.find(F::k(now[20]));
    M other;
    ht::fill(other, 900, 5);
    m.swap(other);
    CHECK(rest(before, other.end()) == std::vector<std::int64_t>(now.begin() + 20, now.end()));
}

TEMPLATE_TEST_CASE("map: default construction and observers", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    ht::leak_guard guard;

    M m;
    CHECK(m.empty());
    CHECK(m.size() == 0);
    CHECK(m.begin() == m.end());
    CHECK(m.cbegin() == m.cend());
    CHECK(m.max_size() > 0);
    CHECK(m.find(F::k(1)) == m.end());
    CHECK(m.count(F::k(1)) == 0);
    CHECK_FALSE(has(m, F::k(1)));
#if HT_EXCEPTIONS
    CHECK_THROWS_AS(m.at(F::k(1)), std::out_of_range);
#endif

    static_assert(std::is_same_v<decltype(m.get_allocator()), typename M::allocator_type>);
    static_assert(std::is_same_v<decltype(m.hash_function()), typename M::hasher>);
    static_assert(std::is_same_v<decltype(m.key_eq()), typename M::key_equal>);
    static_assert(std::is_same_v<decltype(m.size()), typename M::size_type>);
    static_assert(std::is_same_v<decltype(m.max_size()), typename M::size_type>);
    static_assert(std::is_same_v<decltype(m.empty()), bool>);

    auto h = m.hash_function();
    auto eq = m.key_eq();
    CHECK(h(F::k(7)) == m.hash_function()(F::k(7)));
    CHECK(eq(F::k(7), F::k(7)));
    CHECK_FALSE(eq(F::k(7), F::k(8)));
    CHECK(m.get_allocator() == typename M::allocator_type());
    ht::check(m);

    const M& cm = m;
    CHECK(cm.begin() == cm.end());
    CHECK(cm.find(F::k(1)) == cm.end());
}

TEMPLATE_TEST_CASE("map: constructors", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    using V = typename F::V;
    ht::leak_guard guard;
    const typename M::allocator_type alloc;

    SECTION("bucket hint, hasher, key_equal, allocator") {
        M a(64);
        M b(64, typename M::hasher());
        M c(64, typename M::hasher(), typename M::key_equal());
        M d(64, typename M::hasher(), typename M::key_equal(), alloc);
        M e(64, alloc);
        M f(64, typename M::hasher(), alloc);
        for (M* p : {&a, &b, &c, &d, &e, &f}) {
            CHECK(p->empty());
            ht::fill(*p, 0, 100);
            ht::check(*p);
            CHECK(ht::snapshot(*p) == ht::expected_fill<M>(0, 100));
        }
        M g(alloc);
        CHECK(g.empty());
        ht::fill(g, 0, 10);
        CHECK(g.size() == 10);
    }

    SECTION("iterator range") {
        std::vector<V> src;
        for (int i = 0; i < 200; ++i)
            src.emplace_back(F::k(i), F::t(10 * i));
        M a(std::make_move_iterator(src.begin()), std::make_move_iterator(src.end()));
        ht::check(a);
        CHECK(ht::snapshot(a) == ht::expected_fill<M>(0, 200));

        if constexpr (F::copyable) {
            // Duplicate keys in the range: one element per key.
            src.clear();
            for (int i = 0; i < 50; ++i)
                src.emplace_back(F::k(i % 10), F::t(10 * (i % 10)));
            M b(src.begin(), src.end());
            CHECK(ht::snapshot(b) == ht::expected_fill<M>(0, 10));
            M c(src.begin(), src.end(), 8);
            M d(src.begin(), src.end(), 8, typename M::hasher());
            M e(src.begin(), src.end(), 8, typename M::hasher(), typename M::key_equal(), alloc);
            M f(src.begin(), src.end(), 8, alloc);
            M g(src.begin(), src.end(), 8, typename M::hasher(), alloc);
            for (M* p : {&c, &d, &e, &f, &g}) {
                ht::check(*p);
                CHECK(ht::snapshot(*p) == ht::expected_fill<M>(0, 10));
            }
            M empty_range(src.begin(), src.begin());
            CHECK(empty_range.empty());
        }
    }

    SECTION("initializer list") {
        if constexpr (F::copyable) {
            M a{{F::k(1), F::t(10)}, {F::k(2), F::t(20)}, {F::k(3), F::t(30)}};
            CHECK(ht::snapshot(a) == ht::expected_fill<M>(1, 3));
            M b({{F::k(1), F::t(10)}, {F::k(2), F::t(20)}, {F::k(1), F::t(10)}}, 4);
            CHECK(ht::snapshot(b) == ht::expected_fill<M>(1, 2));
            M c({{F::k(1), F::t(10)}}, 4, typename M::hasher(), typename M::key_equal(), alloc);
            M d({{F::k(1), F::t(10)}}, 4, alloc);
            M e({{F::k(1), F::t(10)}}, 4, typename M::hasher(), alloc);
            for (M* p : {&c, &d, &e})
                CHECK(ht::snapshot(*p) == ht::expected_fill<M>(1, 1));
            M empty_list(std::initializer_list<V>{});
            CHECK(empty_list.empty());
        }
    }

    SECTION("copy") {
        if constexpr (F::copyable) {
            M src;
            ht::fill(src, 0, 300);
            const long copies_before = ht::counted::stats.copy_ctor;
            M a(src);
            if constexpr (F::is_counted) {
                // Every element is copied exactly once (key and mapped: two counted objects).
                CHECK(ht::counted::stats.copy_ctor - copies_before == 2 * 300);
            }
            M b(src, alloc);
            for (M* p : {&a, &b}) {
                ht::check(*p);
                CHECK(ht::snapshot(*p) == ht::expected_fill<M>(0, 300));
            }
            // Copies are independent of the source.
            a.erase(F::k(0));
            src.erase(F::k(1));
            CHECK(has(a, F::k(1)));
            CHECK(has(src, F::k(0)));
            CHECK(b.size() == 300);
            M empty;
            M c(empty);
            CHECK(c.empty());
        }
    }

    SECTION("move") {
        M src;
        ht::fill(src, 0, 300);
        const long moves_before = ht::counted::stats.move_ctor;
        const long copies_before = ht::counted::stats.copy_ctor;
        M a(std::move(src));
        if constexpr (ht::is_hamt_v<M>) {
            // O(1): no element is touched.
            CHECK(ht::counted::stats.move_ctor == moves_before);
            CHECK(ht::counted::stats.copy_ctor == copies_before);
        }
        ht::check(a);
        CHECK(ht::snapshot(a) == ht::expected_fill<M>(0, 300));
        // The moved-from container is valid and reusable.
        ht::check(src);
        src.clear();
        ht::fill(src, 1000, 5);
        CHECK(ht::snapshot(src) == ht::expected_fill<M>(1000, 5));

        M b(std::move(a), alloc);
        ht::check(b);
        CHECK(ht::snapshot(b) == ht::expected_fill<M>(0, 300));
        ht::check(a);
        a.clear();
        CHECK(a.empty());
    }
}

TEMPLATE_TEST_CASE("map: assignment", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    ht::leak_guard guard;

    M a;
    ht::fill(a, 0, 150);
    M b;
    ht::fill(b, 1000, 20);

    SECTION("copy assignment") {
        if constexpr (F::copyable) {
            static_assert(std::is_same_v<decltype(b = a), M&>);
            M& r = (b = a);
            CHECK(&r == &b);
            ht::check(b);
            CHECK(ht::snapshot(b) == ht::expected_fill<M>(0, 150));
            CHECK(ht::snapshot(a) == ht::expected_fill<M>(0, 150));
            b.erase(F::k(3));
            CHECK(has(a, F::k(3)));
            // Self-assignment through a reference (keeps compilers from warning).
            M& self = b;
            b = self;
            ht::check(b);
            CHECK(b.size() == 149);
            // Assigning an empty container empties.
            M empty;
            b = empty;
            CHECK(b.empty());
            ht::check(b);
        }
    }

    SECTION("move assignment") {
        static_assert(std::is_same_v<decltype(b = std::move(a)), M&>);
        M& r = (b = std::move(a));
        CHECK(&r == &b);
        ht::check(b);
        CHECK(ht::snapshot(b) == ht::expected_fill<M>(0, 150));
        ht::check(a);
        a.clear();
        ht::fill(a, 7, 3);
        CHECK(ht::snapshot(a) == ht::expected_fill<M>(7, 3));
        M empty;
        b = std::move(empty);
        CHECK(b.empty());
        ht::check(b);
    }

    SECTION("initializer list assignment") {
        if constexpr (F::copyable) {
            static_assert(std::is_same_v<decltype(b = std::initializer_list<typename F::V>{}), M&>);
            b = {{F::k(5), F::t(50)}, {F::k(6), F::t(60)}};
            ht::check(b);
            CHECK(ht::snapshot(b) == ht::expected_fill<M>(5, 2));
            b = {};
            CHECK(b.empty());
        }
    }
}

TEMPLATE_TEST_CASE("map: swap", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    ht::leak_guard guard;

    M a;
    ht::fill(a, 0, 100);
    M b;
    ht::fill(b, 500, 3);
    static_assert(std::is_same_v<decltype(a.swap(b)), void>);
    if constexpr (ht::is_hamt_v<M>) {
        static_assert(noexcept(a.swap(b)));
        static_assert(noexcept(swap(a, b)));
    }
    auto it = a.find(F::k(5));
    a.swap(b);
    CHECK(ht::snapshot(a) == ht::expected_fill<M>(500, 3));
    CHECK(ht::snapshot(b) == ht::expected_fill<M>(0, 100));
    // Iterators follow the elements into the other container.
    CHECK(ht::get(it->first) == 5);
    CHECK(it == b.find(F::k(5)));
    using std::swap;
    swap(a, b);
    CHECK(ht::snapshot(a) == ht::expected_fill<M>(0, 100));
    CHECK(ht::snapshot(b) == ht::expected_fill<M>(500, 3));
    M empty;
    swap(a, empty);
    CHECK(a.empty());
    CHECK(empty.size() == 100);
    ht::check(a);
    ht::check(empty);
}

TEMPLATE_TEST_CASE("map: equality", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    ht::leak_guard guard;

    M a, b;
    static_assert(std::is_same_v<decltype(a == b), bool>);
    static_assert(std::is_same_v<decltype(a != b), bool>);
    CHECK(a == b);
    CHECK_FALSE(a != b);
    ht::fill(a, 0, 200);
    CHECK(a == a);
    CHECK(a != b);
    CHECK(b != a);
    if constexpr (F::copyable) {
        // Same contents inserted in another order.
        for (std::int64_t i = 199; i >= 0; --i)
            b.emplace(F::k(i), F::t(10 * i));
        CHECK(a == b);
        CHECK(b == a);
        // Same keys, one mapped value differs.
        b[F::k(17)] = F::t(-1);
        CHECK(a != b);
        b[F::k(17)] = F::t(170);
        CHECK(a == b);
        // One key more / less.
        b.erase(F::k(3));
        CHECK(a != b);
        CHECK(b != a);
        b.emplace(F::k(1000), F::t(30));
        CHECK(a != b);
        b.erase(F::k(1000));
        b.emplace(F::k(3), F::t(30));
        CHECK(a == b);
        M c(a);
        CHECK(c == a);
    }
}

TEMPLATE_TEST_CASE("map: lookup", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    using iterator = typename F::iterator;
    using const_iterator = typename F::const_iterator;
    ht::leak_guard guard;

    M m;
    ht::fill(m, 0, 500);
    const M& cm = m;
    const auto key = F::k(42);
    const auto missing = F::k(-42);

    static_assert(std::is_same_v<decltype(m.find(key)), iterator>);
    static_assert(std::is_same_v<decltype(cm.find(key)), const_iterator>);
    static_assert(std::is_same_v<decltype(m.count(key)), typename M::size_type>);
    static_assert(std::is_same_v<decltype(m.equal_range(key)), std::pair<iterator, iterator>>);
    static_assert(
        std::is_same_v<decltype(cm.equal_range(key)), std::pair<const_iterator, const_iterator>>);
    static_assert(std::is_same_v<decltype(m.at(key)), typename M::mapped_type&>);
    static_assert(std::is_same_v<decltype(cm.at(key)), const typename M::mapped_type&>);

    for (std::int64_t i = 0; i < 500; ++i) {
        auto it = m.find(F::k(i));
        HT_ASSERT(it != m.end());
        HT_ASSERT(ht::get(it->first) == i);
        HT_ASSERT(ht::get(it->second) == 10 * i);
        HT_ASSERT(cm.find(F::k(i)) == it);
        HT_ASSERT(m.count(F::k(i)) == 1);
        HT_ASSERT(has(m, F::k(i)));
        HT_ASSERT(ht::get(m.at(F::k(i))) == 10 * i);
        HT_ASSERT(ht::get(cm.at(F::k(i))) == 10 * i);
        HT_ASSERT(m.find(F::k(i + 500)) == m.end());
    }
    CHECK(m.find(missing) == m.end());
    CHECK(cm.find(missing) == cm.end());
    CHECK(m.count(missing) == 0);
    CHECK_FALSE(has(m, missing));
#if HT_EXCEPTIONS
    CHECK_THROWS_AS(m.at(missing), std::out_of_range);
#endif
#if HT_EXCEPTIONS
    CHECK_THROWS_AS(cm.at(missing), std::out_of_range);
#endif

    auto r = m.equal_range(key);
    CHECK(std::distance(r.first, r.second) == 1);
    CHECK(r.first == m.find(key));
    CHECK(ht::get(r.first->second) == 420);
    auto cr = cm.equal_range(key);
    CHECK(std::distance(cr.first, cr.second) == 1);
    auto none = m.equal_range(missing);
    CHECK(none.first == m.end());
    CHECK(none.second == m.end());
    auto cnone = cm.equal_range(missing);
    CHECK(cnone.first == cm.end());
    CHECK(cnone.second == cm.end());

    // at() returns a reference to the stored mapped value.
    m.at(key) = F::t(7);
    CHECK(ht::get(m.find(key)->second) == 7);
}

TEMPLATE_TEST_CASE("map: iteration", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    using iterator = typename F::iterator;
    using const_iterator = typename F::const_iterator;
    ht::leak_guard guard;

    M m;
    static_assert(std::is_same_v<decltype(m.begin()), iterator>);
    static_assert(std::is_same_v<decltype(m.end()), iterator>);
    static_assert(std::is_same_v<decltype(m.cbegin()), const_iterator>);
    static_assert(std::is_same_v<decltype(m.cend()), const_iterator>);
    static_assert(std::is_same_v<decltype(std::as_const(m).begin()), const_iterator>);
    static_assert(std::is_convertible_v<iterator, const_iterator>);
    static_assert(std::is_same_v<decltype(*m.begin()), typename M::value_type&>);
    static_assert(std::is_same_v<decltype(*m.cbegin()), const typename M::value_type&>);
    static_assert(std::is_base_of_v<std::forward_iterator_tag,
                                    typename std::iterator_traits<iterator>::iterator_category>);

    const std::int64_t n = 1000;
    ht::fill(m, 0, n);

    // Each key visited exactly once, in both the mutable and the const walk, same order twice.
    std::vector<std::int64_t> order1, order2, order3;
    for (auto it = m.begin(); it != m.end(); ++it)
        order1.push_back(ht::get(it->first));
    for (auto it = m.cbegin(); it != m.cend(); it++)
        order2.push_back(ht::get((*it).first));
    for (const auto& kv : m)
        order3.push_back(ht::get(kv.first));
    CHECK(order1 == order2);
    CHECK(order1 == order3);
    std::vector<std::int64_t> sorted = order1;
    std::sort(sorted.begin(), sorted.end());
    REQUIRE(sorted.size() == static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i)
        HT_ASSERT(sorted[static_cast<std::size_t>(i)] == i);
    CHECK(static_cast<std::int64_t>(std::distance(m.begin(), m.end())) == n);

    // Iterator semantics: default construction, copies, post/pre increment, mixed comparisons.
    iterator def{};
    (void)def;
    iterator it = m.begin();
    iterator copy = it;
    CHECK(copy == it);
    iterator post = it++;
    CHECK(post == copy);
    CHECK(post != it);
    ++copy;
    CHECK(copy == it);
    const_iterator cit = it;
    CHECK(cit == it);
    CHECK(it == cit);
    CHECK_FALSE(cit != it);
    CHECK(m.cbegin() == m.begin());
    CHECK(m.cend() == m.end());

    // Mapped values are mutable through iterators; keys are const.
    static_assert(std::is_const_v<std::remove_reference_t<decltype(m.begin()->first)>>);
    static_assert(!std::is_const_v<std::remove_reference_t<decltype(m.begin()->second)>>);
    for (auto& kv : m)
        kv.second = F::t(ht::get(kv.first) + 1);
    for (std::int64_t i = 0; i < n; ++i)
        HT_ASSERT(F::val(m, i) == i + 1);
    ht::check(m);
}

TEMPLATE_TEST_CASE("map: operator[]", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    using T = typename F::T;
    ht::leak_guard guard;

    M m;
    const auto k1 = F::k(1);
    static_assert(std::is_same_v<decltype(m[k1]), T&>);
    static_assert(std::is_same_v<decltype(m[F::k(1)]), T&>);

    // Missing key: inserts a value-initialized mapped value.
    T& v1 = m[k1];
    CHECK(ht::get(v1) == 0);
    CHECK(m.size() == 1);
    v1 = F::t(11);
    CHECK(F::val(m, 1) == 11);
    // Present key: returns the stored value, inserts nothing.
    CHECK(&m[k1] == &m.find(k1)->second);
    CHECK(ht::get(m[k1]) == 11);
    CHECK(m.size() == 1);
    // Rvalue key.
    m[F::k(2)] = F::t(22);
    CHECK(F::val(m, 2) == 22);
    auto k3 = F::k(3);
    m[std::move(k3)] = F::t(33);
    CHECK(F::val(m, 3) == 33);
    for (std::int64_t i = 4; i < 700; ++i)
        m[F::k(i)] = F::t(i * 11);
    CHECK(m.size() == 699);
    for (std::int64_t i = 1; i < 700; ++i)
        HT_ASSERT(F::val(m, i) == i * 11);
    ht::check(m);
}

TEMPLATE_TEST_CASE("map: insert", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    using V = typename F::V;
    using iterator = typename F::iterator;
    ht::leak_guard guard;

    M m;
    SECTION("insert(value_type&&) and insert(P&&)") {
        static_assert(
            std::is_same_v<decltype(m.insert(std::declval<V&&>())), std::pair<iterator, bool>>);
        auto r = m.insert(V(F::k(1), F::t(10)));
        CHECK(r.second);
        CHECK(ht::get(r.first->first) == 1);
        CHECK(ht::get(r.first->second) == 10);
        r = m.insert(V(F::k(1), F::t(99)));
        CHECK_FALSE(r.second);
        CHECK(ht::get(r.first->second) == 10);
        CHECK(r.first == m.find(F::k(1)));

        auto r2 = m.insert(std::make_pair(F::k(2), F::t(20)));
        static_assert(std::is_same_v<decltype(r2), std::pair<iterator, bool>>);
        CHECK(r2.second);
        CHECK(ht::get(r2.first->second) == 20);
        CHECK(m.size() == 2);
    }
    SECTION("insert(const value_type&)") {
        if constexpr (F::copyable) {
            static_assert(std::is_same_v<decltype(m.insert(std::declval<const V&>())),
                                         std::pair<iterator, bool>>);
            const V v(F::k(3), F::t(30));
            const long copies = ht::counted::stats.copy_ctor;
            auto r = m.insert(v);
            if constexpr (F::is_counted) CHECK(ht::counted::stats.copy_ctor - copies == 2);
            CHECK(r.second);
            CHECK(ht::get(r.first->second) == 30);
            const V v2(F::k(3), F::t(31));
            r = m.insert(v2);
            CHECK_FALSE(r.second);
            CHECK(ht::get(r.first->second) == 30);
        }
    }
    SECTION("insert with hint") {
        static_assert(
            std::is_same_v<decltype(m.insert(m.cbegin(), std::declval<V&&>())), iterator>);
        iterator it = m.insert(m.end(), V(F::k(1), F::t(10)));
        CHECK(ht::get(it->first) == 1);
        it = m.insert(m.cbegin(), V(F::k(2), F::t(20)));
        CHECK(ht::get(it->first) == 2);
        it = m.insert(m.begin(), V(F::k(2), F::t(21)));
        CHECK(ht::get(it->second) == 20);
        it = m.insert(m.cend(), std::make_pair(F::k(3), F::t(30)));
        CHECK(ht::get(it->second) == 30);
        if constexpr (F::copyable) {
            const V v(F::k(4), F::t(40));
            it = m.insert(m.find(F::k(1)), v);
            CHECK(ht::get(it->second) == 40);
        }
        ht::check(m);
        CHECK(ht::snapshot(m) ==
              ht::expected_fill<M>(1, F::copyable ? 4 : 3)); // values are 10 * key
    }
    SECTION("insert(first, last) and insert(initializer_list)") {
        std::vector<V> src;
        for (int i = 0; i < 300; ++i)
            src.emplace_back(F::k(i), F::t(10 * i));
        static_assert(std::is_same_v<decltype(m.insert(std::make_move_iterator(src.begin()),
                                                       std::make_move_iterator(src.end()))),
                                     void>);
        m.insert(std::make_move_iterator(src.begin()), std::make_move_iterator(src.begin() + 200));
        m.insert(std::make_move_iterator(src.begin() + 200), std::make_move_iterator(src.end()));
        m.insert(std::make_move_iterator(src.end()), std::make_move_iterator(src.end()));
        ht::check(m);
        CHECK(ht::snapshot(m) == ht::expected_fill<M>(0, 300));
        if constexpr (F::copyable) {
            // Existing keys are kept.
            m.insert({{F::k(0), F::t(-1)}, {F::k(300), F::t(3000)}, {F::k(301), F::t(3010)}});
            static_assert(std::is_same_v<decltype(m.insert(std::initializer_list<V>{})), void>);
            ht::check(m);
            CHECK(ht::snapshot(m) == ht::expected_fill<M>(0, 302));
        }
    }
}

TEMPLATE_TEST_CASE("map: emplace and emplace_hint", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    using V = typename F::V;
    using iterator = typename F::iterator;
    ht::leak_guard guard;

    M m;
    auto r = m.emplace(F::k(1), F::t(10));
    static_assert(std::is_same_v<decltype(r), std::pair<iterator, bool>>);
    CHECK(r.second);
    CHECK(ht::get(r.first->second) == 10);
    r = m.emplace(F::k(1), F::t(11));
    CHECK_FALSE(r.second);
    CHECK(ht::get(r.first->second) == 10);
    r = m.emplace(std::piecewise_construct, std::forward_as_tuple(F::k(2)),
                  std::forward_as_tuple(F::t(20)));
    CHECK(r.second);
    CHECK(ht::get(r.first->second) == 20);
    r = m.emplace(V(F::k(3), F::t(30)));
    CHECK(r.second);
    r = m.emplace(std::make_pair(F::k(4), F::t(40)));
    CHECK(r.second);
    CHECK(m.size() == 4);

    iterator it = m.emplace_hint(m.cend(), F::k(5), F::t(50));
    static_assert(std::is_same_v<decltype(m.emplace_hint(m.cend(), F::k(5), F::t(50))), iterator>);
    CHECK(ht::get(it->first) == 5);
    it = m.emplace_hint(m.begin(), F::k(5), F::t(51));
    CHECK(ht::get(it->second) == 50);
    it = m.emplace_hint(m.find(F::k(1)), std::piecewise_construct, std::forward_as_tuple(F::k(6)),
                        std::forward_as_tuple(F::t(60)));
    CHECK(ht::get(it->second) == 60);
    for (std::int64_t i = 7; i < 400; ++i)
        m.emplace(F::k(i), F::t(10 * i));
    ht::check(m);
    CHECK(ht::snapshot(m) == ht::expected_fill<M>(1, 399));
}

TEMPLATE_TEST_CASE("map: try_emplace", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    using K = typename F::K;
    using T = typename F::T;
    using iterator = typename F::iterator;
    ht::leak_guard guard;

    M m;
    const K k1 = F::k(1);
    auto r = m.try_emplace(k1, F::t(10));
    static_assert(std::is_same_v<decltype(r), std::pair<iterator, bool>>);
    CHECK(r.second);
    CHECK(ht::get(r.first->second) == 10);

    // Present key: the arguments are not moved from.
    T arg = F::t(99);
    r = m.try_emplace(k1, std::move(arg));
    CHECK_FALSE(r.second);
    CHECK(ht::get(r.first->second) == 10);
    CHECK(ht::get(arg) == 99);
    K key = F::k(1);
    r = m.try_emplace(std::move(key), std::move(arg));
    CHECK_FALSE(r.second);
    CHECK(ht::get(key) == 1);
    CHECK(ht::get(arg) == 99);

    // Rvalue key, no mapped arguments: value-initialized.
    r = m.try_emplace(F::k(2));
    CHECK(r.second);
    CHECK(ht::get(r.first->second) == 0);
    K key3 = F::k(3);
    r = m.try_emplace(std::move(key3), F::t(30));
    CHECK(r.second);
    CHECK(ht::get(r.first->first) == 3);

    // Hint versions.
    iterator it = m.try_emplace(m.cend(), F::k(4), F::t(40));
    static_assert(std::is_same_v<decltype(m.try_emplace(m.cend(), F::k(4))), iterator>);
    static_assert(std::is_same_v<decltype(m.try_emplace(m.cend(), k1)), iterator>);
    CHECK(ht::get(it->second) == 40);
    it = m.try_emplace(m.begin(), k1, std::move(arg));
    CHECK(ht::get(it->second) == 10);
    CHECK(ht::get(arg) == 99);
    const K k5 = F::k(5);
    it = m.try_emplace(m.begin(), k5, std::move(arg));
    CHECK(ht::get(it->second) == 99);
    CHECK(m.size() == 5);
    for (std::int64_t i = 6; i < 300; ++i)
        m.try_emplace(F::k(i), F::t(i));
    CHECK(m.size() == 299);
    ht::check(m);
}

TEMPLATE_TEST_CASE("map: insert_or_assign", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    using K = typename F::K;
    using iterator = typename F::iterator;
    ht::leak_guard guard;

    M m;
    const K k1 = F::k(1);
    auto r = m.insert_or_assign(k1, F::t(10));
    static_assert(std::is_same_v<decltype(r), std::pair<iterator, bool>>);
    CHECK(r.second);
    CHECK(ht::get(r.first->second) == 10);
    r = m.insert_or_assign(k1, F::t(11));
    CHECK_FALSE(r.second);
    CHECK(ht::get(r.first->second) == 11);
    CHECK(m.size() == 1);
    r = m.insert_or_assign(F::k(2), F::t(20));
    CHECK(r.second);
    r = m.insert_or_assign(F::k(2), F::t(21));
    CHECK_FALSE(r.second);
    CHECK(F::val(m, 2) == 21);

    iterator it = m.insert_or_assign(m.cend(), F::k(3), F::t(30));
    static_assert(std::is_same_v<decltype(m.insert_or_assign(m.cend(), k1, F::t(1))), iterator>);
    CHECK(ht::get(it->second) == 30);
    it = m.insert_or_assign(m.begin(), k1, F::t(12));
    CHECK(ht::get(it->second) == 12);
    it = m.insert_or_assign(m.begin(), F::k(3), F::t(31));
    CHECK(ht::get(it->second) == 31);
    CHECK(m.size() == 3);
    for (std::int64_t i = 0; i < 300; ++i)
        m.insert_or_assign(F::k(i), F::t(10 * i));
    ht::check(m);
    CHECK(ht::snapshot(m) == ht::expected_fill<M>(0, 300));
}

TEMPLATE_TEST_CASE("map: erase", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    using iterator = typename F::iterator;
    ht::leak_guard guard;

    M m;
    const std::int64_t n = 600;
    ht::fill(m, 0, n);

    SECTION("erase(key)") {
        static_assert(std::is_same_v<decltype(m.erase(F::k(1))), typename M::size_type>);
        CHECK(m.erase(F::k(-5)) == 0);
        for (std::int64_t i = 0; i < n; i += 2)
            HT_ASSERT(m.erase(F::k(i)) == 1);
        for (std::int64_t i = 0; i < n; i += 2)
            HT_ASSERT(m.erase(F::k(i)) == 0);
        CHECK(m.size() == static_cast<std::size_t>(n / 2));
        ht::check(m);
        for (std::int64_t i = 0; i < n; ++i)
            HT_ASSERT(has(m, F::k(i)) == (i % 2 == 1));
        for (std::int64_t i = 1; i < n; i += 2) {
            HT_ASSERT(m.erase(F::k(i)) == 1);
            if (i % 64 == 1) ht::check(m);
        }
        CHECK(m.empty());
        ht::check(m);
        ht::fill(m, 0, 10);
        CHECK(m.size() == 10);
    }

    SECTION("erase(iterator) returns the next iterator") {
        static_assert(std::is_same_v<decltype(m.erase(m.begin())), iterator>);
        static_assert(std::is_same_v<decltype(m.erase(m.cbegin())), iterator>);
        // Erase one element in the middle: the result points at the element that followed it.
        auto it = m.begin();
        std::advance(it, 10);
        auto next = std::next(it);
        const std::int64_t erased = ht::get(it->first);
        const std::int64_t following = ht::get(next->first);
        iterator r = m.erase(it);
        REQUIRE(r != m.end());
        CHECK(ht::get(r->first) == following);
        CHECK_FALSE(has(m, F::k(erased)));
        // Erase the last element in iteration order: the result is end().
        auto last = m.begin();
        std::advance(last, static_cast<std::ptrdiff_t>(m.size() - 1));
        CHECK(m.erase(typename M::const_iterator(last)) == m.end());
        CHECK(m.size() == static_cast<std::size_t>(n - 2));
        // Erase through begin() until empty.
        std::size_t expected = m.size();
        while (!m.empty()) {
            auto b = m.erase(m.cbegin());
            --expected;
            HT_ASSERT(m.size() == expected);
            HT_ASSERT(b == m.begin());
            if (expected % 50 == 0) ht::check(m);
        }
        CHECK(m.begin() == m.end());
    }

    SECTION("erase while iterating visits every element once") {
        for (int mod : {2, 3, 7, 1}) {
            m.clear();
            ht::fill(m, 0, n);
            std::vector<std::int64_t> visited;
            for (auto it = m.begin(); it != m.end();) {
                const std::int64_t key = ht::get(it->first);
                visited.push_back(key);
                if (key % mod == 0) {
                    it = m.erase(it);
                } else {
                    ++it;
                }
            }
            std::sort(visited.begin(), visited.end());
            CHECK(visited == ht::iota_keys(0, n));
            for (std::int64_t i = 0; i < n; ++i)
                HT_ASSERT(has(m, F::k(i)) == (i % mod != 0));
            ht::check(m);
        }
    }

    SECTION("erase(first, last)") {
        static_assert(std::is_same_v<decltype(m.erase(m.cbegin(), m.cend())), iterator>);
        // Empty ranges: nothing erased, returns the position.
        auto r = m.erase(m.cbegin(), m.cbegin());
        CHECK(r == m.begin());
        CHECK(m.size() == static_cast<std::size_t>(n));
        r = m.erase(m.cend(), m.cend());
        CHECK(r == m.end());
        CHECK(m.size() == static_cast<std::size_t>(n));
        M empty;
        CHECK(empty.erase(empty.cbegin(), empty.cend()) == empty.end());
        CHECK(empty.erase(empty.begin(), empty.end()) == empty.end());
        CHECK(empty.empty());
        ht::check(empty);
        // A middle range [2, 50): exactly those elements go; the result points at the old last.
        auto first = std::next(m.cbegin(), 2);
        auto last = std::next(m.cbegin(), 50);
        std::vector<std::int64_t> gone;
        for (auto it = first; it != last; ++it)
            gone.push_back(ht::get(it->first));
        const std::int64_t at_last = ht::get(last->first);
        r = m.erase(first, last);
        REQUIRE(r != m.end());
        CHECK(ht::get(r->first) == at_last);
        CHECK(m.size() == static_cast<std::size_t>(n - 48));
        for (std::int64_t g : gone)
            HT_ASSERT(!has(m, F::k(g)));
        ht::check(m);
        // Tail range to end().
        auto tail = std::next(m.cbegin(), 100);
        CHECK(m.erase(tail, m.cend()) == m.end());
        CHECK(m.size() == 100);
        ht::check(m);
        // Everything.
        CHECK(m.erase(m.cbegin(), m.cend()) == m.end());
        CHECK(m.empty());
        ht::check(m);
    }
}

TEMPLATE_TEST_CASE("map: clear and reserve", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    ht::leak_guard guard;

    M m;
    m.clear();
    CHECK(m.empty());
    static_assert(noexcept(m.clear()));
    static_assert(std::is_same_v<decltype(m.reserve(1)), void>);
    m.reserve(1000);
    CHECK(m.empty());
    ht::fill(m, 0, 1000);
    CHECK(ht::snapshot(m) == ht::expected_fill<M>(0, 1000));
    m.reserve(0);
    m.reserve(5000);
    CHECK(ht::snapshot(m) == ht::expected_fill<M>(0, 1000));
    m.clear();
    CHECK(m.empty());
    CHECK(m.size() == 0);
    CHECK(m.begin() == m.end());
    CHECK(m.find(F::k(3)) == m.end());
    ht::check(m);
    ht::fill(m, 0, 50);
    CHECK(ht::snapshot(m) == ht::expected_fill<M>(0, 50));
    ht::check(m);
}

TEMPLATE_TEST_CASE("map: merge", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    ht::leak_guard guard;

    M a, b;
    ht::fill(a, 0, 100);
    for (std::int64_t i = 50; i < 200; ++i)
        b.emplace(F::k(i), F::t(10 * i + 1));
    static_assert(std::is_same_v<decltype(a.merge(b)), void>);
    const long copies = ht::counted::stats.copy_ctor;
    a.merge(b);
    CHECK(ht::counted::stats.copy_ctor == copies); // merge moves, never copies
    ht::check(a);
    ht::check(b);
    // a: its own 0..99, b's 100..199; b keeps its 50..99.
    REQUIRE(a.size() == 200);
    for (std::int64_t i = 0; i < 200; ++i) {
        HT_ASSERT(F::val(a, i) == (i < 100 ? 10 * i : 10 * i + 1));
    }
    REQUIRE(b.size() == 50);
    for (std::int64_t i = 50; i < 100; ++i)
        HT_ASSERT(F::val(b, i) == 10 * i + 1);

    // From an rvalue.
    M c;
    ht::fill(c, 1000, 10);
    c.emplace(F::k(0), F::t(-1));
    a.merge(std::move(c));
    ht::check(a);
    CHECK(a.size() == 210);
    CHECK(F::val(a, 0) == 0);
    CHECK(F::val(a, 1005) == 10050);
    ht::check(c);

    // Into an empty container, and from an empty one.
    M d, e;
    d.merge(a);
    CHECK(a.empty());
    CHECK(d.size() == 210);
    d.merge(e);
    CHECK(d.size() == 210);
    ht::check(d);
}

TEMPLATE_TEST_CASE("map: many keys", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    ht::leak_guard guard;

    M m;
    const std::int64_t n = 6000;
    for (std::int64_t i = 0; i < n; ++i) {
        auto r = m.emplace(F::k(i * 7919 % n), F::t(10 * (i * 7919 % n)));
        HT_ASSERT(r.second);
        HT_ASSERT(m.size() == static_cast<std::size_t>(i + 1));
    }
    ht::check(m);
    CHECK(ht::snapshot(m) == ht::expected_fill<M>(0, n));
    for (std::int64_t i = 0; i < n; ++i)
        HT_ASSERT(F::val(m, i) == 10 * i);
    for (std::int64_t i = 0; i < n; i += 3)
        HT_ASSERT(m.erase(F::k(i)) == 1);
    ht::check(m);
    for (std::int64_t i = 0; i < n; ++i)
        HT_ASSERT(has(m, F::k(i)) == (i % 3 != 0));
    for (std::int64_t i = 0; i < n; i += 3)
        m.emplace(F::k(i), F::t(10 * i));
    ht::check(m);
    CHECK(ht::snapshot(m) == ht::expected_fill<M>(0, n));
}

TEMPLATE_TEST_CASE("map: lookups and failed inserts keep iterators valid", "[map]", HT_MAP_TYPES) {
    using M = TestType;
    using F = map_fixture<M>;
    ht::leak_guard guard;

    M m;
    ht::fill(m, 0, 300);
    auto it = m.find(F::k(77));
    auto* addr = &*it;
    auto& mapped = it->second;
    auto walk = m.begin();
    std::advance(walk, 100);
    const std::int64_t walk_key = ht::get(walk->first);

    for (std::int64_t i = 0; i < 300; ++i) {
        (void)m.find(F::k(i));
        (void)m.count(F::k(i + 1000));
        (void)m.equal_range(F::k(i));
        (void)m.at(F::k(i));
    }
    CHECK_FALSE(m.emplace(F::k(77), F::t(0)).second);
    CHECK_FALSE(m.try_emplace(F::k(77), F::t(0)).second);
    CHECK_FALSE(m.insert(typename F::V(F::k(78), F::t(0))).second);
    CHECK(ht::get(m[F::k(77)]) == 770);
#if HT_EXCEPTIONS
    CHECK_THROWS_AS(m.at(F::k(-1)), std::out_of_range);
#endif
    // Assigning through insert_or_assign changes no structure.
    CHECK_FALSE(m.insert_or_assign(F::k(77), F::t(771)).second);

    CHECK(&*it == addr);
    CHECK(ht::get(it->first) == 77);
    CHECK(ht::get(mapped) == 771);
    CHECK(ht::get(walk->first) == walk_key);
    std::size_t rest = 0;
    for (; walk != m.end(); ++walk)
        ++rest;
    CHECK(rest == 200);
}
