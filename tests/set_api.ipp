// Conformance tests of the set interface, written over the container type so that the same
// body runs for hamt::set (several BitsPerLevel settings) and for std::unordered_set.
// Included by test_set.cpp, which defines HT_SET_TYPES.

#include "support.hpp"

namespace {

template <class S>
struct set_fixture {
    using K = typename S::key_type;
    using iterator = typename S::iterator;
    using const_iterator = typename S::const_iterator;
    static constexpr bool is_counted = std::is_same_v<K, ht::counted>;
    static K k(std::int64_t i) { return ht::make<K>(i); }
};

template <class C, class Key>
bool set_has(const C& c, const Key& key) {
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

TEMPLATE_TEST_CASE("set: construction, assignment, swap, equality", "[set]", HT_SET_TYPES) {
    using S = TestType;
    using F = set_fixture<S>;
    using K = typename F::K;
    ht::leak_guard guard;
    const typename S::allocator_type alloc;

    S empty;
    CHECK(empty.empty());
    CHECK(empty.size() == 0);
    CHECK(empty.begin() == empty.end());
    CHECK(empty.max_size() > 0);
    ht::check(empty);

    std::vector<K> src;
    for (int i = 0; i < 300; ++i)
        src.push_back(F::k(i % 200));
    S a(src.begin(), src.end());
    S b(src.begin(), src.end(), 16, typename S::hasher(), typename S::key_equal(), alloc);
    S c(16, typename S::hasher(), typename S::key_equal(), alloc);
    S d(alloc);
    S e{F::k(1), F::k(2), F::k(2), F::k(3)};
    S f({F::k(1)}, 4, alloc);
    for (S* p : {&a, &b}) {
        ht::check(*p);
        CHECK(ht::snapshot(*p) == ht::expected_fill<S>(0, 200));
    }
    CHECK(c.empty());
    CHECK(d.empty());
    CHECK(ht::snapshot(e) == ht::expected_fill<S>(1, 3));
    CHECK(ht::snapshot(f) == ht::expected_fill<S>(1, 1));

    S copy(a);
    S copy2(a, alloc);
    CHECK(copy == a);
    CHECK(copy2 == a);
    S moved(std::move(copy));
    CHECK(moved == a);
    ht::check(copy);
    copy.clear();
    S moved2(std::move(moved), alloc);
    CHECK(moved2 == a);

    S g;
    g = a;
    CHECK(g == a);
    S& self = g;
    g = self;
    CHECK(g == a);
    g = std::move(moved2);
    CHECK(g == a);
    g = {F::k(5), F::k(6)};
    CHECK(ht::snapshot(g) == ht::expected_fill<S>(5, 2));
    CHECK(g != a);

    g.swap(a);
    CHECK(ht::snapshot(a) == ht::expected_fill<S>(5, 2));
    CHECK(g.size() == 200);
    using std::swap;
    swap(g, a);
    CHECK(ht::snapshot(g) == ht::expected_fill<S>(5, 2));
    if constexpr (ht::is_hamt_v<S>) {
        static_assert(noexcept(g.swap(a)));
        static_assert(noexcept(swap(g, a)));
        static_assert(std::is_nothrow_move_constructible_v<S>);
    }

    // Equality is independent of insertion order.
    S h;
    for (std::int64_t i = 199; i >= 0; --i)
        h.insert(F::k(i));
    CHECK(h == a);
    h.erase(F::k(0));
    CHECK(h != a);
    h.insert(F::k(1000));
    CHECK(h != a);
}

TEMPLATE_TEST_CASE("set: insert, emplace and lookup", "[set]", HT_SET_TYPES) {
    using S = TestType;
    using F = set_fixture<S>;
    using K = typename F::K;
    using iterator = typename F::iterator;
    using const_iterator = typename F::const_iterator;
    ht::leak_guard guard;

    S s;
    const K k1 = F::k(1);
    auto r = s.insert(k1);
    static_assert(std::is_same_v<decltype(r), std::pair<iterator, bool>>);
    CHECK(r.second);
    CHECK(ht::get(*r.first) == 1);
    r = s.insert(F::k(1));
    CHECK_FALSE(r.second);
    CHECK(r.first == s.find(k1));
    r = s.insert(F::k(2));
    CHECK(r.second);

    iterator it = s.insert(s.cend(), F::k(3));
    static_assert(std::is_same_v<decltype(s.insert(s.cend(), k1)), iterator>);
    CHECK(ht::get(*it) == 3);
    it = s.insert(s.begin(), k1);
    CHECK(ht::get(*it) == 1);

    r = s.emplace(F::k(4));
    static_assert(std::is_same_v<decltype(s.emplace(F::k(4))), std::pair<iterator, bool>>);
    CHECK(r.second);
    r = s.emplace(F::k(4));
    CHECK_FALSE(r.second);
    it = s.emplace_hint(s.cbegin(), F::k(5));
    static_assert(std::is_same_v<decltype(s.emplace_hint(s.cbegin(), F::k(5))), iterator>);
    CHECK(ht::get(*it) == 5);

    std::vector<K> more;
    for (int i = 6; i < 400; ++i)
        more.push_back(F::k(i));
    s.insert(more.begin(), more.end());
    s.insert({F::k(400), F::k(401), F::k(1)});
    ht::check(s);
    CHECK(ht::snapshot(s) == ht::expected_fill<S>(1, 401));

    const S& cs = s;
    static_assert(std::is_same_v<decltype(cs.find(k1)), const_iterator>);
    static_assert(std::is_same_v<decltype(s.count(k1)), typename S::size_type>);
    static_assert(std::is_same_v<decltype(s.equal_range(k1)), std::pair<iterator, iterator>>);
    static_assert(std::is_same_v<decltype(*s.begin()), const K&>);
    static_assert(std::is_same_v<decltype(*cs.begin()), const K&>);
    static_assert(std::is_convertible_v<iterator, const_iterator>);
    for (std::int64_t i = 1; i <= 401; ++i) {
        HT_ASSERT(s.find(F::k(i)) != s.end());
        HT_ASSERT(ht::get(*cs.find(F::k(i))) == i);
        HT_ASSERT(s.count(F::k(i)) == 1);
        HT_ASSERT(set_has(s, F::k(i)));
    }
    CHECK(s.find(F::k(0)) == s.end());
    CHECK(s.count(F::k(0)) == 0);
    CHECK_FALSE(set_has(s, F::k(0)));
    auto er = s.equal_range(F::k(7));
    CHECK(std::distance(er.first, er.second) == 1);
    CHECK(ht::get(*er.first) == 7);
    auto none = cs.equal_range(F::k(0));
    CHECK(none.first == cs.end());
    CHECK(none.second == cs.end());

    std::vector<std::int64_t> order;
    for (auto i = s.cbegin(); i != s.cend(); ++i)
        order.push_back(ht::get(*i));
    std::vector<std::int64_t> order2;
    for (const auto& key : s)
        order2.push_back(ht::get(key));
    CHECK(order == order2);
    CHECK(order.size() == s.size());
}

TEMPLATE_TEST_CASE("set: erase, clear, merge", "[set]", HT_SET_TYPES) {
    using S = TestType;
    using F = set_fixture<S>;
    using iterator = typename F::iterator;
    ht::leak_guard guard;

    S s;
    const std::int64_t n = 500;
    ht::fill(s, 0, n);

    static_assert(std::is_same_v<decltype(s.erase(F::k(1))), typename S::size_type>);
    static_assert(std::is_same_v<decltype(s.erase(s.cbegin())), iterator>);
    static_assert(std::is_same_v<decltype(s.erase(s.cbegin(), s.cend())), iterator>);
    CHECK(s.erase(F::k(-1)) == 0);
    for (std::int64_t i = 0; i < n; i += 5)
        HT_ASSERT(s.erase(F::k(i)) == 1);
    CHECK(s.size() == 400);
    ht::check(s);

    // Erase-while-iterating visits each element once.
    std::vector<std::int64_t> visited;
    for (auto it = s.begin(); it != s.end();) {
        visited.push_back(ht::get(*it));
        if (ht::get(*it) % 2 == 0) {
            it = s.erase(it);
        } else {
            ++it;
        }
    }
    CHECK(visited.size() == 400);
    std::sort(visited.begin(), visited.end());
    CHECK(std::adjacent_find(visited.begin(), visited.end()) == visited.end());
    for (std::int64_t i = 0; i < n; ++i) {
        HT_ASSERT(set_has(s, F::k(i)) == (i % 5 != 0 && i % 2 != 0));
    }
    ht::check(s);

    // Erase(iterator) returns the following element.
    auto it = std::next(s.begin(), 3);
    const std::int64_t following = ht::get(*std::next(it));
    iterator r = s.erase(it);
    REQUIRE(r != s.end());
    CHECK(ht::get(*r) == following);

    // Range erase.
    auto first = std::next(s.cbegin(), 5);
    auto last = std::next(s.cbegin(), 25);
    const std::int64_t at_last = ht::get(*last);
    const std::size_t before = s.size();
    r = s.erase(first, last);
    REQUIRE(r != s.end());
    CHECK(ht::get(*r) == at_last);
    CHECK(s.size() == before - 20);
    ht::check(s);
    CHECK(s.erase(s.cend(), s.cend()) == s.end());
    CHECK(s.size() == before - 20);
    CHECK(s.erase(s.cbegin(), s.cend()) == s.end());
    CHECK(s.empty());
    CHECK(s.erase(s.cbegin(), s.cend()) == s.end()); // empty range in an empty set
    CHECK(s.empty());
    s.clear();
    CHECK(s.empty());
    ht::check(s);

    // Merge: keys present in the target stay in the source.
    S a, b;
    ht::fill(a, 0, 100);
    ht::fill(b, 50, 100);
    a.merge(b);
    CHECK(ht::snapshot(a) == ht::expected_fill<S>(0, 150));
    CHECK(ht::snapshot(b) == ht::expected_fill<S>(50, 50));
    S c;
    ht::fill(c, 1000, 5);
    a.merge(std::move(c));
    CHECK(a.size() == 155);
    ht::check(a);
    ht::check(b);
    ht::check(c);

    a.reserve(10000);
    CHECK(a.size() == 155);
    ht::check(a);
}
