// hamt::persistent_map / hamt::persistent_set and their transients: the interface and value
// semantics, typed over int64 and std::string keys, an instrumented element (ht::counted),
// BitsPerLevel 5, 2 (tiny nodes) and 6, and both thread policies.
//
//  - construction, O(1) copies that share every node (element addresses are the same), move
//    and swap (noexcept), observers and lookups, == and != (also: == hashes nothing);
//  - updates (insert / set / erase / update) on lvalues leave the original unchanged; on
//    rvalues a version alone with its nodes changes in place (no allocation); an update that
//    changes nothing allocates nothing and shares the original's nodes;
//  - transients: every modifier, erase(iterator) loops over a transient that shares its nodes
//    with a living version, persistent() and transient() in both value categories;
//  - colliding hashers: collision nodes shared between versions and erased down to one entry
//    in one of them;
//  - counted elements: each element constructed is destroyed exactly once, and between
//    operations the live elements are exactly those of the distinct nodes of all versions.
#include "support.hpp"

#include <set>
#include <string_view>

namespace {

using i64 = std::int64_t;
using ht::counted;

template <class K, class T, unsigned B = 5, class Policy = hamt::thread_safe,
          class Hash = hamt::hash<K>, class Alloc = std::allocator<std::pair<const K, T>>>
using pmap = hamt::persistent_map<K, T, Hash, std::equal_to<K>, Alloc, Policy, B>;
template <class K, unsigned B = 5, class Policy = hamt::thread_safe, class Hash = hamt::hash<K>,
          class Alloc = std::allocator<K>>
using pset = hamt::persistent_set<K, Hash, std::equal_to<K>, Alloc, Policy, B>;

using pm_int = pmap<i64, i64>;
using pm_str = pmap<std::string, std::string>;
using pm_int_b2 = pmap<i64, i64, 2>;
using pm_int_b6_st = pmap<i64, i64, 6, hamt::single_thread>;
using pm_str_b2_st = pmap<std::string, std::string, 2, hamt::single_thread>;
using pm_counted = pmap<counted, counted, 5, hamt::thread_safe, ht::counted_hash>;
using pm_counted_b2 = pmap<counted, counted, 2, hamt::single_thread, ht::counted_hash>;
#ifdef HAMT_TEST_REDUCED // see support.hpp; strings: the full lists
#define PMAP_TYPES pm_int, pm_counted_b2
#else
#define PMAP_TYPES pm_int, pm_str, pm_int_b2, pm_int_b6_st, pm_str_b2_st, pm_counted, pm_counted_b2
#endif

using ps_int = pset<i64>;
using ps_str = pset<std::string>;
using ps_int_b2 = pset<i64, 2>;
using ps_str_b6_st = pset<std::string, 6, hamt::single_thread>;
using ps_counted = pset<counted, 5, hamt::thread_safe, ht::counted_hash>;
using ps_counted_b6_st = pset<counted, 6, hamt::single_thread, ht::counted_hash>;
#ifdef HAMT_TEST_REDUCED
#define PSET_TYPES ps_int, ps_counted_b6_st
#else
#define PSET_TYPES ps_int, ps_str, ps_int_b2, ps_str_b6_st, ps_counted
#endif

// Element addresses in iteration order: equal sequences mean the same nodes.
template <class C>
std::vector<const void*> addresses(const C& c) {
    std::vector<const void*> out;
    for (const auto& e : c)
        out.push_back(&e);
    return out;
}

// Both share every node that holds an element.
template <class A, class B>
bool share_nodes(const A& a, const B& b) {
    return a.size() == b.size() && addresses(a) == addresses(b);
}

// Snapshot of a model (std::map of integers, or std::set for sets).
inline std::vector<std::pair<i64, i64>> model_snapshot(const std::map<i64, i64>& m) {
    return {m.begin(), m.end()};
}
inline std::vector<i64> model_snapshot(const std::set<i64>& m) {
    return {m.begin(), m.end()};
}

// The model of fill(c, 0, n): keys [0, n), mapped 10 * key.
inline std::map<i64, i64> map_model(i64 n) {
    std::map<i64, i64> m;
    for (i64 i = 0; i < n; ++i)
        m[i] = 10 * i;
    return m;
}
inline std::set<i64> set_model(i64 n) {
    std::set<i64> m;
    for (i64 i = 0; i < n; ++i)
        m.insert(i);
    return m;
}

template <class C>
void require_valid(const C& c) {
    ht::check(c);
    if constexpr (std::is_same_v<typename C::key_type, counted>) {
        INFO("first counted error: " << counted::first_error);
        REQUIRE(counted::stats.errors == 0);
    }
}

template <class M>
struct pfix {
    using K = typename M::key_type;
    using V = typename M::value_type;
    using TR = typename M::transient_type;
    static constexpr bool is_map = ht::is_map_v<M>;

    static K k(i64 i) { return ht::make<K>(i); }
    template <bool IsMap = is_map, class = std::enable_if_t<IsMap>>
    static auto t(i64 i) {
        return ht::make<typename M::mapped_type>(i);
    }
    static V v(i64 i, i64 x = 0) {
        if constexpr (is_map)
            return V(k(i), t(x));
        else
            return (void)x, k(i);
    }

    // Keys [0, n) (maps: mapped 10 * key), built through a transient.
    static M build(i64 n) {
        TR tr = M().transient();
        ht::fill(tr, 0, n);
        return std::move(tr).persistent();
    }
    // The same, by && updates.
    static M build_by_updates(i64 n) {
        M m;
        for (i64 i = 0; i < n; ++i) {
            if constexpr (is_map)
                m = std::move(m).set(k(i), t(10 * i));
            else
                m = std::move(m).insert(k(i));
        }
        return m;
    }
    static auto model(i64 n) {
        if constexpr (is_map)
            return map_model(n);
        else
            return set_model(n);
    }
};

// ---------------------------------------------------------------------------------------------
// Compile-time properties

template <class M>
constexpr bool value_semantics() {
    using TR = typename M::transient_type;
    static_assert(std::is_nothrow_move_constructible_v<M>);
    static_assert(std::is_nothrow_move_assignable_v<M>);
    static_assert(std::is_copy_constructible_v<M> && std::is_copy_assignable_v<M>);
    static_assert(noexcept(std::declval<M&>().swap(std::declval<M&>())));
    static_assert(noexcept(swap(std::declval<M&>(), std::declval<M&>())));
    static_assert(std::is_same_v<typename M::iterator, typename M::const_iterator>);
    static_assert(
        std::is_same_v<decltype(*std::declval<const M&>().begin()), const typename M::value_type&>);
    static_assert(std::is_same_v<decltype(std::declval<const M&>().find(
                                     std::declval<const typename M::key_type&>())),
                                 typename M::const_iterator>);
    static_assert(std::is_same_v<typename TR::persistent_type, M>);
    static_assert(!std::is_copy_constructible_v<TR>);
    static_assert(!std::is_copy_assignable_v<TR>);
    static_assert(std::is_nothrow_move_constructible_v<TR>);
    static_assert(std::is_move_assignable_v<TR>);
    static_assert(std::is_same_v<decltype(std::declval<const M&>().transient()), TR>);
    static_assert(std::is_same_v<decltype(std::declval<M&&>().transient()), TR>);
    static_assert(std::is_same_v<decltype(std::declval<const TR&>().persistent()), M>);
    static_assert(std::is_same_v<decltype(std::declval<TR&&>().persistent()), M>);
    static_assert(std::is_same_v<decltype(std::declval<const M&>().erase(
                                     std::declval<const typename M::key_type&>())),
                                 M>);
    return true;
}
static_assert(value_semantics<pm_int>() && value_semantics<pm_str>() &&
              value_semantics<pm_int_b2>() && value_semantics<pm_int_b6_st>() &&
              value_semantics<pm_counted>());
static_assert(value_semantics<ps_int>() && value_semantics<ps_str>() &&
              value_semantics<ps_str_b6_st>() && value_semantics<ps_counted>());
static_assert(std::is_same_v<pm_int::thread_policy, hamt::thread_safe>);
static_assert(std::is_same_v<pm_int_b6_st::thread_policy, hamt::single_thread>);
static_assert(std::is_same_v<hamt::persistent_map<i64, i64>::thread_policy, hamt::thread_safe>);
static_assert(std::is_same_v<hamt::persistent_set<i64>::thread_policy, hamt::thread_safe>);
// The transient's iterators give const access (elements of shared nodes are never written
// through an iterator).
static_assert(std::is_same_v<decltype(*std::declval<pm_int::transient_type&>().begin()),
                             const std::pair<const i64, i64>&>);
// Updates are [[nodiscard]] and return the new version; set/update exist only on maps.
template <class M, class = void>
struct has_set : std::false_type {};
template <class M>
struct has_set<M, std::void_t<decltype(std::declval<const M&>().set(
                      std::declval<typename M::key_type>(), std::declval<typename M::key_type>()))>>
    : std::true_type {};
static_assert(has_set<pmap<i64, i64>>::value);
static_assert(!has_set<ps_int>::value);

// Transients are move-only: no copy with another allocator either (it would share nodes that the
// other allocator then frees). A move with an allocator is fine (elements are copied if the
// allocators differ).
using tr_alloc_map = pmap<i64, i64, 5, hamt::thread_safe, hamt::hash<i64>,
                          ht::test_alloc<std::pair<const i64, i64>>>::transient_type;
using tr_alloc_set =
    pset<i64, 5, hamt::thread_safe, hamt::hash<i64>, ht::test_alloc<i64>>::transient_type;
static_assert(!std::is_constructible_v<tr_alloc_map, const tr_alloc_map&,
                                       const ht::test_alloc<std::pair<const i64, i64>>&>);
static_assert(!std::is_constructible_v<tr_alloc_map, tr_alloc_map&,
                                       const ht::test_alloc<std::pair<const i64, i64>>&>);
static_assert(std::is_constructible_v<tr_alloc_map, tr_alloc_map&&,
                                      const ht::test_alloc<std::pair<const i64, i64>>&>);
static_assert(
    !std::is_constructible_v<tr_alloc_set, const tr_alloc_set&, const ht::test_alloc<i64>&>);
static_assert(std::is_constructible_v<tr_alloc_set, tr_alloc_set&&, const ht::test_alloc<i64>&>);
// hamt::map keeps its copy with an allocator.
static_assert(std::is_constructible_v<hamt::map<i64, i64>, const hamt::map<i64, i64>&,
                                      const std::allocator<std::pair<const i64, i64>>&>);

// Heterogeneous overloads exist only with a transparent Hash and KeyEqual.
template <class M, class K, class = void>
struct can_find : std::false_type {};
template <class M, class K>
struct can_find<M, K, std::void_t<decltype(std::declval<const M&>().find(std::declval<K>()))>>
    : std::true_type {};
template <class M, class K, class = void>
struct can_erase : std::false_type {};
template <class M, class K>
struct can_erase<M, K, std::void_t<decltype(std::declval<const M&>().erase(std::declval<K>()))>>
    : std::true_type {};
using pm_transparent =
    hamt::persistent_map<std::string, i64, hamt::hash<std::string>, std::equal_to<>>;
using ps_transparent = hamt::persistent_set<std::string, hamt::hash<std::string>, std::equal_to<>>;
static_assert(can_find<pm_transparent, std::string_view>::value);
static_assert(can_erase<pm_transparent, std::string_view>::value);
static_assert(can_find<ps_transparent, std::string_view>::value);
static_assert(!can_find<pm_str, std::string_view>::value);
static_assert(!can_erase<pm_str, std::string_view>::value);
static_assert(!can_find<ps_str, std::string_view>::value);

// A counting hasher with no state (so == never falls back to lookups) that counts its calls.
struct counting_hash {
    using is_avalanching = void;
    static inline long calls = 0;
    std::size_t operator()(i64 k) const {
        ++calls;
        return static_cast<std::size_t>(ht::mix64(static_cast<std::uint64_t>(k)));
    }
};

} // namespace

// =============================================================================================
// persistent_map

TEMPLATE_TEST_CASE("persistent_map: construction and observers", "[persistent][map]", PMAP_TYPES) {
    using M = TestType;
    using F = pfix<M>;
    ht::leak_guard guard;
    {
        const M m;
        CHECK(m.empty());
        CHECK(m.size() == 0);
        CHECK(m.begin() == m.end());
        CHECK(m.cbegin() == m.cend());
        CHECK(m.max_size() > 1000000);
        CHECK(m.find(F::k(1)) == m.end());
        CHECK(m.count(F::k(1)) == 0);
        CHECK_FALSE(m.contains(F::k(1)));
#if HT_EXCEPTIONS
        CHECK_THROWS_AS(m.at(F::k(1)), std::out_of_range);
#endif
        CHECK(m.hash_function()(F::k(7)) == typename M::hasher()(F::k(7)));
        CHECK(m.key_eq()(F::k(7), F::k(7)));
        CHECK_FALSE(m.key_eq()(F::k(7), F::k(8)));
        CHECK(m.get_allocator() == typename M::allocator_type());
        require_valid(m);
    }
    {
        const M a{typename M::hasher(), typename M::key_equal(), typename M::allocator_type()};
        const M b{typename M::allocator_type()};
        const M c{typename M::hasher(), typename M::allocator_type()};
        const M d{typename M::hasher()};
        CHECK((a.empty() && b.empty() && c.empty() && d.empty()));
        CHECK(a == b);
    }
    {
        // Range: the first of equal keys wins, as in std::unordered_map.
        std::vector<typename M::value_type> range;
        for (i64 i = 0; i < 300; ++i)
            range.push_back(F::v(i, 10 * i));
        range.push_back(F::v(5, -1));
        const M r(range.begin(), range.end());
        CHECK(r.size() == 300);
        CHECK(ht::snapshot(r) == model_snapshot(map_model(300)));
        require_valid(r);
        const M r2(range.begin(), range.end(), typename M::allocator_type());
        CHECK(r2 == r);
        const M r3(range.begin(), range.begin(), typename M::hasher());
        CHECK(r3.empty());
        // From pairs with a non-const key (converted).
        std::vector<std::pair<typename M::key_type, typename M::mapped_type>> pairs;
        for (i64 i = 0; i < 40; ++i)
            pairs.emplace_back(F::k(i), F::t(10 * i));
        const M r4(pairs.begin(), pairs.end());
        CHECK(ht::snapshot(r4) == model_snapshot(map_model(40)));
    }
    {
        const M il{F::v(1, 10), F::v(2, 20), F::v(1, 99)};
        CHECK(il.size() == 2);
        CHECK(ht::get(il.at(F::k(1))) == 10);
        CHECK(ht::get(il.at(F::k(2))) == 20);
        const M il2({F::v(3, 30)}, typename M::allocator_type());
        CHECK(il2.size() == 1);
        require_valid(il);
    }
}

TEMPLATE_TEST_CASE("persistent_map: lookups and iteration", "[persistent][map]", PMAP_TYPES) {
    using M = TestType;
    using F = pfix<M>;
    ht::leak_guard guard;
    for (i64 n : {1, 2, 31, 33, 200, 1500}) {
        INFO("size " << n);
        const M m = F::build(n);
        REQUIRE(m.size() == static_cast<std::size_t>(n));
        REQUIRE_FALSE(m.empty());
        for (i64 i = 0; i < n; ++i) {
            auto it = m.find(F::k(i));
            HT_ASSERT(it != m.end());
            HT_ASSERT(ht::get(it->first) == i);
            HT_ASSERT(ht::get(it->second) == 10 * i);
            HT_ASSERT(m.contains(F::k(i)));
            HT_ASSERT(m.count(F::k(i)) == 1);
            HT_ASSERT(ht::get(m.at(F::k(i))) == 10 * i);
            HT_ASSERT(&it->second == &m.at(F::k(i)));
        }
        for (i64 i = n; i < n + 20; ++i) {
            HT_ASSERT(m.find(F::k(i)) == m.end());
            HT_ASSERT(!m.contains(F::k(i)));
            HT_ASSERT(m.count(F::k(i)) == 0);
        }
#if HT_EXCEPTIONS
        CHECK_THROWS_AS(m.at(F::k(n + 1)), std::out_of_range);
#endif
        CHECK(ht::snapshot(m) == model_snapshot(map_model(n)));
        CHECK(static_cast<std::size_t>(std::distance(m.cbegin(), m.cend())) == m.size());
        CHECK(M(F::build_by_updates(n)) == m);
        require_valid(m);
    }
}

TEMPLATE_TEST_CASE("persistent_map: copies share every node; move and swap", "[persistent][map]",
                   PMAP_TYPES) {
    using M = TestType;
    using F = pfix<M>;
    ht::leak_guard guard;
    M m = F::build(1000);
    const auto snap = ht::snapshot(m);
    const auto addr = addresses(m);
    const auto live = counted::stats.live;

    M copy(m);
    CHECK(addresses(copy) == addr);
    CHECK(counted::stats.live == live); // no element was copied
    CHECK(hamt::debug::stats(copy).nodes == hamt::debug::stats(m).nodes);
    CHECK(copy == m);

    M assigned;
    assigned = m;
    CHECK(addresses(assigned) == addr);
    assigned = std::as_const(assigned); // self-assignment
    CHECK(addresses(assigned) == addr);
    assigned = M();
    CHECK(assigned.empty());

    // Move: the nodes go along, the source is left empty and usable.
    M moved(std::move(copy));
    CHECK(addresses(moved) == addr);
    CHECK(copy.empty()); // NOLINT(bugprone-use-after-move): moved-from is specified empty
    CHECK(copy.begin() == copy.end());
    copy = moved.erase(F::k(0));
    CHECK(copy.size() == 999);
    M target = F::build(3);
    target = std::move(moved);
    CHECK(addresses(target) == addr);
    target = std::move(target); // self-move keeps the contents
    CHECK(addresses(target) == addr);

    // Swap, member and free.
    M small = F::build(5);
    const auto small_addr = addresses(small);
    target.swap(small);
    CHECK(addresses(small) == addr);
    CHECK(addresses(target) == small_addr);
    swap(target, small);
    CHECK(addresses(target) == addr);
    CHECK(addresses(small) == small_addr);
    {
        using std::swap;
        swap(target, small);
        CHECK(addresses(target) == small_addr);
    }

    // A copy outlives its original.
    {
        M inner = F::build(64);
        copy = inner;
    }
    CHECK(ht::snapshot(copy) == model_snapshot(map_model(64)));
    CHECK(ht::snapshot(m) == snap);
    require_valid(m);
    require_valid(copy);
    require_valid(small);
}

TEMPLATE_TEST_CASE("persistent_map: == and !=", "[persistent][map]", PMAP_TYPES) {
    using M = TestType;
    using F = pfix<M>;
    ht::leak_guard guard;
    CHECK(M() == M());
    CHECK_FALSE(M() != M());
    for (i64 n : {1, 40, 700}) {
        INFO("size " << n);
        const M a = F::build(n);
        // Built in another order, by other means: equal, yet no node shared.
        M b;
        for (i64 i = n; i-- > 0;)
            b = b.set(F::k(i), F::t(10 * i));
        CHECK(a == b);
        CHECK_FALSE(a != b);
        CHECK(addresses(a) != addresses(b));
        CHECK(a == M(a));
        CHECK(a != M());
        CHECK(M() != a);
        // One key apart, both ways.
        const M fewer = a.erase(F::k(n / 2));
        CHECK(a != fewer);
        CHECK(fewer != a);
        CHECK_FALSE(a == fewer);
        const M more = a.insert(F::v(n + 7, 1));
        CHECK(a != more);
        CHECK(more.erase(F::k(n + 7)) == a);
        // Same keys, one value apart.
        const M other_value = a.set(F::k(n - 1), F::t(-5));
        CHECK(other_value.size() == a.size());
        CHECK(a != other_value);
        CHECK(other_value != a);
        CHECK(other_value.set(F::k(n - 1), F::t(10 * (n - 1))) == a);
        // Same keys, different key sets of one size.
        const M swapped = fewer.insert(F::v(n + 3, 5));
        CHECK(swapped.size() == a.size());
        CHECK(swapped != a);
    }
}

TEMPLATE_TEST_CASE("persistent_map: updates of an lvalue leave it unchanged", "[persistent][map]",
                   PMAP_TYPES) {
    using M = TestType;
    using F = pfix<M>;
    ht::leak_guard guard;
    for (i64 n : {0, 1, 2, 33, 300, 1200}) {
        INFO("size " << n);
        const M base = F::build(n);
        const auto before = ht::snapshot(base);
        const auto before_addr = addresses(base);
        const i64 step = n > 100 ? 7 : 1;
        for (i64 i = 0; i < n + 3; i += step) {
            const bool present = i < n;
            INFO("key " << i);
            // insert: inserts an absent key; unchanged (equal, nodes shared) for a present one.
            const M ins = base.insert(F::v(i, -i));
            HT_ASSERT(ins.size() == base.size() + (present ? 0 : 1));
            HT_ASSERT(ht::get(ins.at(F::k(i))) == (present ? 10 * i : -i));
            if (present) HT_ASSERT(share_nodes(ins, base));
            typename M::value_type rv = F::v(i, -i);
            const M ins2 = base.insert(std::move(rv));
            HT_ASSERT(ins2 == ins);
            // set: insert or assign.
            const M s1 = base.set(F::k(i), F::t(-i));
            HT_ASSERT(s1.size() == base.size() + (present ? 0 : 1));
            HT_ASSERT(ht::get(s1.at(F::k(i))) == -i);
            const typename M::key_type kk = F::k(i);
            const M s2 = base.set(kk, F::t(-i));
            HT_ASSERT(s2 == s1);
            // erase.
            const M e = base.erase(F::k(i));
            HT_ASSERT(e.size() == base.size() - (present ? 1 : 0));
            HT_ASSERT(!e.contains(F::k(i)));
            if (!present) HT_ASSERT(share_nodes(e, base));
            // update: f(old), old value-initialized when absent.
            const M u = base.update(F::k(i), [](const auto& old) {
                return ht::make<typename M::mapped_type>(ht::get(old) + 1);
            });
            HT_ASSERT(ht::get(u.at(F::k(i))) == (present ? 10 * i : 0) + 1);
            HT_ASSERT(u.size() == s1.size());
            // The original: same size, same value at the key, same nodes.
            HT_ASSERT(base.size() == static_cast<std::size_t>(n));
            HT_ASSERT(base.contains(F::k(i)) == present);
            if (present) HT_ASSERT(ht::get(base.at(F::k(i))) == 10 * i);
            if (i % 50 == 0) {
                require_valid(s1);
                require_valid(e);
                require_valid(u);
                auto expect = map_model(n);
                expect.erase(i);
                CHECK(ht::snapshot(e) == model_snapshot(expect));
                expect[i] = -i;
                CHECK(ht::snapshot(s1) == model_snapshot(expect));
            }
        }
        CHECK(ht::snapshot(base) == before);
        CHECK(addresses(base) == before_addr);
        require_valid(base);
    }
}

TEMPLATE_TEST_CASE("persistent_map: && updates", "[persistent][map]", PMAP_TYPES) {
    using M = TestType;
    using F = pfix<M>;
    ht::leak_guard guard;
    const i64 n = 800;
    M m = F::build_by_updates(n);
    CHECK(ht::snapshot(m) == model_snapshot(map_model(n)));
    require_valid(m);

    // With an older version alive: it keeps its contents while m changes.
    const M old = m;
    const auto old_snap = ht::snapshot(old);
    auto model = map_model(n);
    for (i64 i = 0; i < n; i += 3) {
        m = std::move(m).set(F::k(i), F::t(-i));
        model[i] = -i;
        const typename M::key_type kk = F::k(i + 1);
        m = std::move(m).set(kk, F::t(7));
        model[i + 1] = 7;
        m = std::move(m).erase(F::k(i + 2));
        model.erase(i + 2);
        m = std::move(m).insert(F::v(n + i, 1));
        model.emplace(n + i, 1);
        m = std::move(m).insert(F::v(i, 12345)); // present: unchanged
        m = std::move(m).update(F::k(i), [](const auto& x) {
            return ht::make<typename M::mapped_type>(ht::get(x) * 2);
        });
        model[i] *= 2;
        HT_ASSERT(m.size() == model.size());
        HT_ASSERT(ht::get(old.at(F::k(i))) == 10 * i);
    }
    CHECK(ht::snapshot(m) == model_snapshot(model));
    CHECK(ht::snapshot(old) == old_snap);
    require_valid(m);
    require_valid(old);

    // A moved-from version is empty and takes a new value.
    M donor = F::build(10);
    M taken = std::move(donor).set(F::k(3), F::t(0));
    CHECK(donor.empty()); // NOLINT(bugprone-use-after-move)
    donor = taken.erase(F::k(3));
    CHECK(donor.size() == 9);
    // Erase down to empty and grow again.
    for (i64 i = 0; i < 10; ++i)
        taken = std::move(taken).erase(F::k(i));
    CHECK(taken.empty());
    CHECK(taken == M());
    taken = std::move(taken).set(F::k(1), F::t(1));
    CHECK(taken.size() == 1);
    require_valid(taken);
}

TEMPLATE_TEST_CASE("persistent_map: update() calls f once with the old or a value-initialized "
                   "value",
                   "[persistent][map]", PMAP_TYPES) {
    using M = TestType;
    using F = pfix<M>;
    using T = typename M::mapped_type;
    ht::leak_guard guard;
    const M base = F::build(100);
    int calls = 0;
    const M absent = base.update(F::k(500), [&](const T& old) {
        ++calls;
        CHECK(old == T{}); // value-initialized
        return F::t(41);
    });
    CHECK(calls == 1);
    CHECK(ht::get(absent.at(F::k(500))) == 41);
    CHECK_FALSE(base.contains(F::k(500)));

    calls = 0;
    const M present = base.update(F::k(7), [&](const T& old) {
        ++calls;
        CHECK(ht::get(old) == 70);
        return F::t(ht::get(old) + 1);
    });
    CHECK(calls == 1);
    CHECK(ht::get(present.at(F::k(7))) == 71);
    CHECK(ht::get(base.at(F::k(7))) == 70);
    CHECK(present.size() == base.size());

    // f returning something convertible to T, and f taken by value (a mutable lambda).
    M m = base;
    m = std::move(m).update(F::k(8), [n = 0](const T& old) mutable {
        ++n;
        return F::t(ht::get(old) + n);
    });
    CHECK(ht::get(m.at(F::k(8))) == 81);
    require_valid(m);
    require_valid(absent);
    require_valid(present);
}

// ---------------------------------------------------------------------------------------------
// transient_map

TEMPLATE_TEST_CASE("transient_map: every modifier, against a model", "[persistent][transient]",
                   PMAP_TYPES) {
    using M = TestType;
    using F = pfix<M>;
    using K = typename M::key_type;
    using T = typename M::mapped_type;
    using TR = typename M::transient_type;
    ht::leak_guard guard;
    for (i64 n : {0, 5, 100, 1000}) {
        INFO("size " << n);
        const M base = F::build(n);
        const auto before = ht::snapshot(base);
        auto model = map_model(n);
        TR t = base.transient();
        CHECK(t.size() == base.size());
        CHECK(share_nodes(t, base));
        const i64 a = n + 1, b = n + 2; // absent keys

        // insert
        {
            auto r = t.insert(F::v(a, 1));
            CHECK(r.second);
            CHECK(ht::get(r.first->first) == a);
            model[a] = 1;
            auto r2 = t.insert(F::v(a, 2));
            CHECK_FALSE(r2.second);
            CHECK(ht::get(r2.first->second) == 1);
            auto r3 = t.insert(std::pair<K, T>(F::k(b), F::t(3))); // insert(P&&)
            CHECK(r3.second);
            model[b] = 3;
            auto it = t.insert(t.cbegin(), F::v(n + 3, 4));
            CHECK(ht::get(it->second) == 4);
            model[n + 3] = 4;
        }
        // emplace, emplace_hint
        {
            auto r = t.emplace(F::k(n + 4), F::t(5));
            CHECK(r.second);
            model[n + 4] = 5;
            auto r2 = t.emplace(std::piecewise_construct, std::forward_as_tuple(F::k(n + 5)),
                                std::forward_as_tuple(F::t(6)));
            CHECK(r2.second);
            model[n + 5] = 6;
            auto r3 = t.emplace(F::v(n + 5, 99));
            CHECK_FALSE(r3.second);
            auto it = t.emplace_hint(t.cend(), F::k(n + 6), F::t(7));
            CHECK(ht::get(it->first) == n + 6);
            model[n + 6] = 7;
        }
        // try_emplace: does not touch its arguments when the key is present
        {
            const K kk = F::k(n + 7);
            auto r = t.try_emplace(kk, F::t(8));
            CHECK(r.second);
            model[n + 7] = 8;
            T mv = F::t(9);
            auto r2 = t.try_emplace(F::k(n + 7), std::move(mv));
            CHECK_FALSE(r2.second);
            CHECK(ht::get(mv) == 9); // not moved from
            CHECK(ht::get(r2.first->second) == 8);
            auto it = t.try_emplace(t.cbegin(), F::k(n + 8), F::t(10));
            CHECK(ht::get(it->second) == 10);
            model[n + 8] = 10;
            auto it2 = t.try_emplace(t.cbegin(), kk, F::t(11));
            CHECK(ht::get(it2->second) == 8);
        }
        // insert_or_assign
        {
            auto r = t.insert_or_assign(F::k(n + 9), F::t(12));
            CHECK(r.second);
            model[n + 9] = 12;
            const K kk = F::k(n + 9);
            auto r2 = t.insert_or_assign(kk, F::t(13));
            CHECK_FALSE(r2.second);
            CHECK(ht::get(r2.first->second) == 13);
            model[n + 9] = 13;
            if (n > 0) {
                auto it = t.insert_or_assign(t.cbegin(), F::k(0), F::t(-100));
                CHECK(ht::get(it->second) == -100);
                model[0] = -100;
            }
        }
        // operator[] and at: written in place after the path is the transient's own
        {
            t[F::k(n + 10)] = F::t(14);
            model[n + 10] = 14;
            const K kk = F::k(n + 11);
            CHECK(ht::get(t[kk]) == 0); // value-initialized
            model[n + 11] = 0;
            if (n > 1) {
                t[F::k(1)] = F::t(-1);
                model[1] = -1;
                t.at(F::k(n - 1)) = F::t(-2);
                model[n - 1] = -2;
            }
            const TR& ct = t;
            CHECK(ht::get(ct.at(F::k(n + 10))) == 14);
#if HT_EXCEPTIONS
            CHECK_THROWS_AS(t.at(F::k(n + 500)), std::out_of_range);
            CHECK_THROWS_AS(ct.at(F::k(n + 500)), std::out_of_range);
#endif
        }
        CHECK(t.size() == model.size());
        CHECK(ht::snapshot(t) == model_snapshot(model));
        require_valid(t);
        // erase(key), erase(iterator), erase(range)
        {
            CHECK(t.erase(F::k(a)) == 1);
            model.erase(a);
            CHECK(t.erase(F::k(a)) == 0);
            auto it = t.find(F::k(b));
            REQUIRE(it != t.end());
            auto next = std::next(it);
            const bool last = next == t.end();
            const i64 next_key = last ? 0 : ht::get(next->first);
            auto after = t.erase(it); // returns the iterator to the element that followed
            if (last)
                CHECK(after == t.end());
            else
                CHECK(ht::get(after->first) == next_key);
            model.erase(b);
            if (n >= 5) {
                // erase(first, last) of three elements.
                auto first = t.cbegin();
                std::vector<i64> gone;
                auto last = first;
                for (int i = 0; i < 3; ++i, ++last)
                    gone.push_back(ht::get(last->first));
                auto r = t.erase(first, last);
                for (i64 g : gone)
                    model.erase(g);
                CHECK((r == t.end() || model.count(ht::get(r->first)) == 1));
            }
        }
        CHECK(t.size() == model.size());
        CHECK(ht::snapshot(t) == model_snapshot(model));
        for (const auto& e : model) {
            HT_ASSERT(t.contains(F::k(e.first)));
            HT_ASSERT(t.count(F::k(e.first)) == 1);
            HT_ASSERT(ht::get(t.find(F::k(e.first))->second) == e.second);
        }
        require_valid(t);
        // The version it came from never changed.
        CHECK(ht::snapshot(base) == before);
        require_valid(base);
        // Range insert into a non-empty transient and into an empty one (built in one pass):
        // of equal keys the first wins, present keys stay.
        {
            std::vector<typename M::value_type> range;
            for (i64 i = 0; i < n + 40; i += 2)
                range.push_back(F::v(i, -7));
            range.push_back(F::v(0, -8));
            t.insert(range.begin(), range.end());
            for (i64 i = 0; i < n + 40; i += 2)
                model.emplace(i, -7);
            CHECK(ht::snapshot(t) == model_snapshot(model));
            TR fresh = M().transient();
            fresh.insert(range.begin(), range.end());
            std::map<i64, i64> fresh_model;
            for (i64 i = 0; i < n + 40; i += 2)
                fresh_model.emplace(i, -7);
            CHECK(ht::snapshot(fresh) == model_snapshot(fresh_model));
            require_valid(fresh);
            fresh.insert(range.begin(), range.end()); // all present now
            CHECK(fresh.size() == fresh_model.size());
            require_valid(t);
        }
        CHECK(ht::snapshot(base) == before);
        // initializer_list assignment, clear
        t = {F::v(1, 1), F::v(2, 2)};
        CHECK(t.size() == 2);
        t.clear();
        CHECK(t.empty());
        CHECK(t.begin() == t.end());
        t.insert(F::v(3, 3));
        CHECK(t.size() == 1);
        CHECK(ht::snapshot(base) == before);
    }
}

TEMPLATE_TEST_CASE("transient_map: erase(iterator) loops over a transient that shares its "
                   "nodes with a living version",
                   "[persistent][transient]", PMAP_TYPES) {
    using M = TestType;
    using F = pfix<M>;
    using TR = typename M::transient_type;
    ht::leak_guard guard;
    for (i64 n : {1, 2, 3, 33, 500, 2000}) {
        for (i64 mod : {1, 2, 3, 7}) {
            INFO("size " << n << ", erasing keys divisible by " << mod);
            const M base = F::build(n);
            const auto before = ht::snapshot(base);
            const M alias = base; // another version holding the root
            // From the version itself, or taking the nodes of a copy (still shared).
            TR t = (n + mod) % 2 ? base.transient() : M(alias).transient();
            auto model = map_model(n);
            std::size_t visited = 0;
            std::set<i64> seen;
            for (auto it = t.begin(); it != t.end();) {
                ++visited;
                const i64 key = ht::get(it->first);
                HT_ASSERT(seen.insert(key).second); // each element visited once
                if (key % mod == 0) {
                    it = t.erase(it);
                    model.erase(key);
                } else {
                    ++it;
                }
            }
            CHECK(visited == static_cast<std::size_t>(n));
            CHECK(ht::snapshot(t) == model_snapshot(model));
            require_valid(t);
            CHECK(ht::snapshot(base) == before);
            require_valid(base);
            // A version taken now, then the rest erased from the transient.
            const M mid = t.persistent();
            for (auto it = t.begin(); it != t.end();)
                it = t.erase(it);
            CHECK(t.empty());
            CHECK(ht::snapshot(mid) == model_snapshot(model));
            require_valid(mid);
            CHECK(ht::snapshot(base) == before);
        }
    }
}

TEMPLATE_TEST_CASE("transient_map: persistent() and transient() in both value categories",
                   "[persistent][transient]", PMAP_TYPES) {
    using M = TestType;
    using F = pfix<M>;
    using TR = typename M::transient_type;
    ht::leak_guard guard;
    const i64 n = 300;
    const M base = F::build(n);
    const auto before = ht::snapshot(base);

    // transient() const&: shares every node; the version is unchanged by the transient.
    TR t = base.transient();
    CHECK(share_nodes(t, base));
    auto model = map_model(n);
    for (i64 i = 0; i < 50; ++i) {
        t[F::k(i)] = F::t(-i);
        model[i] = -i;
    }
    // persistent() const&: O(1), shares the transient's nodes; later changes do not show.
    const M v1 = t.persistent();
    CHECK(share_nodes(v1, t));
    const auto v1_snap = model_snapshot(model);
    for (i64 i = 0; i < 50; ++i) {
        t.erase(F::k(i));
        t.insert_or_assign(F::k(n + i), F::t(i));
        model.erase(i);
        model[n + i] = i;
    }
    const M v2 = t.persistent();
    const auto v2_snap = model_snapshot(model);
    t.clear();
    t[F::k(1)] = F::t(1);
    CHECK(ht::snapshot(v1) == v1_snap);
    CHECK(ht::snapshot(v2) == v2_snap);
    // persistent() &&: takes the nodes; the transient is left empty and usable.
    const auto* first = &*t.begin();
    const M v3 = std::move(t).persistent();
    CHECK(t.empty()); // NOLINT(bugprone-use-after-move)
    CHECK(&*v3.begin() == first);
    CHECK(v3.size() == 1);
    t.insert(F::v(2, 2));
    CHECK(t.size() == 1);
    CHECK(v3.size() == 1);
    CHECK(ht::snapshot(base) == before);
    require_valid(v1);
    require_valid(v2);
    require_valid(v3);

    // transient() &&: takes the version's nodes (left empty).
    M own = F::build(n);
    const auto own_addr = addresses(own);
    TR t2 = std::move(own).transient();
    CHECK(own.empty()); // NOLINT(bugprone-use-after-move)
    CHECK(addresses(t2) == own_addr);
    // A transient alone with its nodes writes present keys in place.
    t2[F::k(5)] = F::t(55);
    CHECK(addresses(t2) == own_addr);
    own = std::move(t2).persistent();
    CHECK(addresses(own) == own_addr);
    CHECK(ht::get(own.at(F::k(5))) == 55);

    // Moving and swapping transients.
    TR t3 = base.transient();
    TR t4(std::move(t3));
    CHECK(t4.size() == base.size());
    TR t5;
    t5 = std::move(t4);
    CHECK(t5.size() == base.size());
    TR t6 = F::build(3).transient();
    t5.swap(t6);
    CHECK(t5.size() == 3);
    swap(t5, t6);
    CHECK(t5.size() == base.size());
    CHECK(share_nodes(t5, base));
    require_valid(t5);
}

// ---------------------------------------------------------------------------------------------
// persistent_set and transient_set

TEMPLATE_TEST_CASE("persistent_set: construction, lookups, copies, ==", "[persistent][set]",
                   PSET_TYPES) {
    using S = TestType;
    using F = pfix<S>;
    ht::leak_guard guard;
    {
        const S s;
        CHECK(s.empty());
        CHECK(s.begin() == s.end());
        CHECK_FALSE(s.contains(F::k(1)));
        CHECK(s.max_size() > 0);
        const S a{typename S::hasher(), typename S::key_equal(), typename S::allocator_type()};
        CHECK(a == s);
        const S il{F::k(1), F::k(2), F::k(1)};
        CHECK(il.size() == 2);
        std::vector<typename S::key_type> range;
        for (i64 i = 0; i < 100; ++i)
            range.push_back(F::k(i % 60));
        const S r(range.begin(), range.end());
        CHECK(ht::snapshot(r) == model_snapshot(set_model(60)));
        require_valid(r);
    }
    for (i64 n : {1, 33, 1000}) {
        INFO("size " << n);
        const S s = F::build(n);
        for (i64 i = 0; i < n + 10; ++i) {
            HT_ASSERT(s.contains(F::k(i)) == (i < n));
            HT_ASSERT(s.count(F::k(i)) == (i < n ? 1u : 0u));
            auto it = s.find(F::k(i));
            HT_ASSERT((it != s.end()) == (i < n));
            if (it != s.end()) HT_ASSERT(ht::get(*it) == i);
        }
        CHECK(ht::snapshot(s) == model_snapshot(set_model(n)));
        const S copy(s);
        CHECK(share_nodes(copy, s));
        CHECK(copy == s);
        S other;
        for (i64 i = n; i-- > 0;)
            other = other.insert(F::k(i));
        CHECK(other == s);
        CHECK_FALSE(other != s);
        CHECK(s.erase(F::k(0)) != s);
        CHECK(s.insert(F::k(n)) != s);
        CHECK(s.erase(F::k(0)).insert(F::k(n)) != s);
        S moved(std::move(other));
        CHECK(other.empty()); // NOLINT(bugprone-use-after-move)
        CHECK(moved == s);
        S sw = F::build(2);
        sw.swap(moved);
        CHECK(sw == s);
        swap(sw, moved);
        CHECK(moved == s);
        require_valid(s);
    }
}

TEMPLATE_TEST_CASE("persistent_set: updates of lvalues and rvalues", "[persistent][set]",
                   PSET_TYPES) {
    using S = TestType;
    using F = pfix<S>;
    ht::leak_guard guard;
    for (i64 n : {0, 1, 40, 900}) {
        INFO("size " << n);
        const S base = F::build(n);
        const auto before = ht::snapshot(base);
        const auto before_addr = addresses(base);
        for (i64 i = 0; i<n + 3; i += n> 100 ? 5 : 1) {
            const bool present = i < n;
            const S ins = base.insert(F::k(i));
            HT_ASSERT(ins.size() == base.size() + (present ? 0 : 1));
            HT_ASSERT(ins.contains(F::k(i)));
            if (present) HT_ASSERT(share_nodes(ins, base));
            const typename S::key_type kk = F::k(i);
            HT_ASSERT(base.insert(kk) == ins);
            const S e = base.erase(F::k(i));
            HT_ASSERT(e.size() == base.size() - (present ? 1 : 0));
            HT_ASSERT(!e.contains(F::k(i)));
            if (!present) HT_ASSERT(share_nodes(e, base));
            HT_ASSERT(base.contains(F::k(i)) == present);
        }
        CHECK(ht::snapshot(base) == before);
        CHECK(addresses(base) == before_addr);
        require_valid(base);

        // && updates, with the base alive.
        S m = base;
        auto model = set_model(n);
        for (i64 i = 0; i < n + 50; i += 2) {
            m = std::move(m).erase(F::k(i));
            model.erase(i);
            m = std::move(m).insert(F::k(n + i));
            model.insert(n + i);
            const typename S::key_type kk = F::k(i + 1);
            m = std::move(m).insert(kk);
            model.insert(i + 1);
        }
        CHECK(ht::snapshot(m) == model_snapshot(model));
        CHECK(ht::snapshot(base) == before);
        require_valid(m);
    }
}

TEMPLATE_TEST_CASE("transient_set: modifiers, erase loops, persistent()",
                   "[persistent][set][transient]", PSET_TYPES) {
    using S = TestType;
    using F = pfix<S>;
    using TR = typename S::transient_type;
    ht::leak_guard guard;
    for (i64 n : {0, 3, 64, 1500}) {
        INFO("size " << n);
        const S base = F::build(n);
        const auto before = ht::snapshot(base);
        auto model = set_model(n);
        TR t = base.transient();
        CHECK(share_nodes(t, base));
        CHECK(t.insert(F::k(n)).second);
        CHECK_FALSE(t.insert(F::k(n)).second);
        const typename S::key_type kk = F::k(n + 1);
        CHECK(t.insert(kk).second);
        CHECK(ht::get(*t.insert(t.cbegin(), F::k(n + 2))) == n + 2);
        CHECK(t.emplace(F::k(n + 3)).second);
        CHECK(ht::get(*t.emplace_hint(t.cend(), F::k(n + 4))) == n + 4);
        for (i64 i = n; i <= n + 4; ++i)
            model.insert(i);
        CHECK(t.erase(F::k(n + 4)) == 1);
        CHECK(t.erase(F::k(n + 4)) == 0);
        model.erase(n + 4);
        auto it = t.find(F::k(n + 3));
        REQUIRE(it != t.end());
        t.erase(it);
        model.erase(n + 3);
        CHECK(ht::snapshot(t) == model_snapshot(model));
        const S v1 = t.persistent();
        // Erase every other element while iterating.
        for (auto jt = t.begin(); jt != t.end();) {
            if (ht::get(*jt) % 2 == 0) {
                model.erase(ht::get(*jt));
                jt = t.erase(jt);
            } else {
                ++jt;
            }
        }
        CHECK(ht::snapshot(t) == model_snapshot(model));
        require_valid(t);
        CHECK(v1.size() == static_cast<std::size_t>(n) + 3);
        require_valid(v1);
        const S v2 = std::move(t).persistent();
        CHECK(t.empty()); // NOLINT(bugprone-use-after-move)
        CHECK(ht::snapshot(v2) == model_snapshot(model));
        // transient() && on a version alone with its nodes.
        S own = F::build(n);
        TR t2 = std::move(own).transient();
        CHECK(own.empty()); // NOLINT(bugprone-use-after-move)
        t2.clear();
        CHECK(t2.empty());
        CHECK(ht::snapshot(base) == before);
        require_valid(base);
    }
}

// ---------------------------------------------------------------------------------------------
// Allocation: O(1) copies, no-op updates, in-place && updates, path copying

namespace {

using alloc_pair = ht::test_alloc<std::pair<const i64, i64>>;
template <unsigned B, class Hash = hamt::hash<i64>>
using apmap = pmap<i64, i64, B, hamt::thread_safe, Hash, alloc_pair>;

template <class M>
M build_in(ht::alloc_state& st, i64 n) {
    typename M::transient_type t =
        M(typename M::hasher(), typename M::key_equal(), typename M::allocator_type(&st))
            .transient();
    ht::fill(t, 0, n);
    return std::move(t).persistent();
}

template <class M>
void allocation_properties(i64 n) {
    INFO("size " << n << ", bits " << ht::bits_of<M>::value);
    ht::alloc_state st;
    {
        M m = build_in<M>(st, n);
        CHECK(m.get_allocator() == typename M::allocator_type(&st));
        CHECK(st.allocs > 0);
        CHECK(static_cast<long>(st.live.size()) ==
              static_cast<long>(hamt::debug::stats(m).nodes)); // one allocation per node
        long a = st.allocs;

        // Copies allocate nothing.
        const M copy(m);
        M assigned;
        assigned = m;
        CHECK(st.allocs == a);
        CHECK(copy.get_allocator() == m.get_allocator());

        // Updates that change nothing allocate nothing and share every node.
        const M same1 = m.insert({0, 1});
        const M same2 = m.erase(n + 5);
        const M same3 = m.erase(-1);
        CHECK(st.allocs == a);
        CHECK(share_nodes(same1, m));
        CHECK(share_nodes(same2, m));
        CHECK(share_nodes(same3, m));
        CHECK(same1 == m);
        M r = m;
        r = std::move(r).insert({1, 2});
        r = std::move(r).erase(n + 7);
        CHECK(st.allocs == a);
        CHECK(share_nodes(r, m));

        // An lvalue update copies one path: at most one node per level (plus the new sub-node
        // of a split) — never the whole trie.
        const std::size_t depth = hamt::debug::stats(m).max_depth;
        const M changed = m.set(3, -3);
        CHECK(st.allocs - a >= 1);
        CHECK(st.allocs - a <= static_cast<long>(depth) + 1);
        a = st.allocs;
        const M grown = m.set(n + 100, 1);
        CHECK(st.allocs - a <= static_cast<long>(ht::collision_depth(ht::bits_of<M>::value)) + 2);
        a = st.allocs;
        const M shrunk = m.erase(4);
        CHECK(st.allocs - a <= static_cast<long>(depth) + 1);
        CHECK(ht::get(m.at(3)) == 30);
        CHECK(m.contains(4));
        CHECK_FALSE(m.contains(n + 100));

        // && on a version that alone holds its nodes: assigning a present key and erasing
        // change nodes in place, allocating nothing.
        M alone = build_in<M>(st, n);
        a = st.allocs;
        alone = std::move(alone).set(3, -3);
        alone = std::move(alone).update(5, [](i64 x) { return x + 1; });
        for (i64 i = 0; i < n; i += 2)
            alone = std::move(alone).erase(i);
        CHECK(st.allocs == a);
        CHECK(ht::get(alone.at(5)) == 51);
        ht::check(alone);
        // The same on a version that shares its nodes copies them (once per node).
        M shared = m;
        shared = std::move(shared).set(3, -3);
        CHECK(st.allocs > a);
        a = st.allocs;
        shared = std::move(shared).set(3, -4); // its path is now its own
        CHECK(st.allocs == a);
        CHECK(ht::get(m.at(3)) == 30);

        // Transients: a shared node is copied once, the first time it is touched.
        typename M::transient_type t = m.transient();
        a = st.allocs;
        t[3] = -3;
        const long first_touch = st.allocs - a;
        CHECK(first_touch >= 1);
        t[3] = -4;
        t.at(3) = -5;
        t.insert_or_assign(3, -6);
        CHECK(st.allocs - a == first_touch);
        CHECK(ht::get(m.at(3)) == 30);
        // A transient alone with its nodes: erase and assignment in place.
        typename M::transient_type t2 = build_in<M>(st, n).transient();
        a = st.allocs;
        t2[7] = 0;
        for (auto it = t2.begin(); it != t2.end();)
            it = t2.erase(it);
        CHECK(st.allocs == a);
        CHECK(t2.get_allocator() == m.get_allocator());
        CHECK(t.persistent().get_allocator() == m.get_allocator());

        ht::check(m);
        ht::check(changed);
        ht::check(grown);
        ht::check(shrunk);
        ht::check(shared);
    }
    // Every node went back to the allocator it came from.
    CHECK(st.errors == 0);
    CHECK(st.live.empty());
    CHECK(st.allocs == st.deallocs);
}

} // namespace

TEST_CASE("persistent_map: copies and no-op updates allocate nothing; && updates change nodes "
          "in place; lvalue updates copy one path",
          "[persistent][allocator]") {
    for (i64 n : {10, 200, 5000}) {
        allocation_properties<apmap<5>>(n);
        allocation_properties<apmap<2>>(n);
        allocation_properties<apmap<6>>(n);
    }
    allocation_properties<apmap<5, ht::low_bits_hash>>(100);
}

TEST_CASE("persistent_set: no-op updates allocate nothing and share the nodes",
          "[persistent][allocator][set]") {
    using S = pset<i64, 5, hamt::single_thread, hamt::hash<i64>, ht::test_alloc<i64>>;
    ht::alloc_state st;
    {
        typename S::transient_type t =
            S(typename S::hasher(), typename S::key_equal(), typename S::allocator_type(&st))
                .transient();
        ht::fill(t, 0, 1000);
        const S s = std::move(t).persistent();
        const long a = st.allocs;
        const S c(s);
        const S i = s.insert(5);
        const S e = s.erase(1000);
        S r = s;
        r = std::move(r).insert(6);
        r = std::move(r).erase(-6);
        CHECK(st.allocs == a);
        CHECK(share_nodes(i, s));
        CHECK(share_nodes(e, s));
        CHECK(share_nodes(r, s));
        CHECK(i == s);
        S alone = std::move(r);
        alone = alone.insert(2000); // now alone with its path
        const long b = st.allocs;
        alone = std::move(alone).erase(2000);
        CHECK(st.allocs == b);
    }
    CHECK(st.errors == 0);
    CHECK(st.live.empty());
}

TEST_CASE("persistent_map: == hashes nothing and shortcuts a shared root", "[persistent][map]") {
    using M = pmap<i64, i64, 5, hamt::thread_safe, counting_hash>;
    typename M::transient_type t = M().transient();
    for (i64 i = 0; i < 20000; ++i)
        t[i] = i;
    const M a = std::move(t).persistent();
    const M b = a.erase(777);
    const M c = a.set(778, -1);
    const M d = b.insert({777, 777});
    const M e(a);
    counting_hash::calls = 0;
    CHECK(a != b);
    CHECK(a != c);
    CHECK(a == d); // equal contents, different nodes on one path
    CHECK(a == e);
    CHECK(b != c);
    CHECK(counting_hash::calls == 0);
}

TEST_CASE("persistent containers: heterogeneous lookup and erase", "[persistent][hash]") {
    std::vector<std::string> keys;
    for (i64 i = 0; i < 300; ++i)
        keys.push_back(ht::make<std::string>(i));
    pm_transparent m;
    ps_transparent s;
    for (const auto& k : keys) {
        m = std::move(m).set(k, static_cast<i64>(k.size()));
        s = std::move(s).insert(k);
    }
    for (const auto& k : keys) {
        const std::string_view v = k;
        HT_ASSERT(m.contains(v));
        HT_ASSERT(m.count(v) == 1);
        HT_ASSERT(m.find(v) != m.end());
        HT_ASSERT(m.find(v)->first == k);
        HT_ASSERT(m.contains(k.c_str()));
        HT_ASSERT(s.contains(v));
        HT_ASSERT(s.count(v) == 1);
        HT_ASSERT(*s.find(v) == k);
    }
    const std::string_view missing = "missing";
    CHECK_FALSE(m.contains(missing));
    CHECK(m.find(missing) == m.end());
    CHECK(m.count(missing) == 0);
    CHECK(s.find(missing) == s.end());
    const pm_transparent m2 = m.erase(std::string_view(keys[5]));
    CHECK(m2.size() == m.size() - 1);
    CHECK_FALSE(m2.contains(std::string_view(keys[5])));
    CHECK(m.contains(std::string_view(keys[5])));
    const pm_transparent m3 = m.erase(missing);
    CHECK(share_nodes(m3, m));
    pm_transparent m4 = m;
    m4 = std::move(m4).erase(std::string_view(keys[6]));
    m4 = std::move(m4).erase("1");
    CHECK(m4.size() == m.size() - 2);
    const ps_transparent s2 = s.erase(std::string_view(keys[7]));
    CHECK(s2.size() == s.size() - 1);
    ps_transparent s3 = s;
    s3 = std::move(s3).erase(std::string_view(keys[8]));
    CHECK(s3.size() == s.size() - 1);
    // The transients have hamt::map's heterogeneous members.
    auto t = m.transient();
    CHECK_FALSE(t.contains(missing));
    CHECK(t.find(std::string_view(keys[9])) != t.end());
    CHECK(t.erase(std::string_view(keys[9])) == 1);
    CHECK(m.contains(std::string_view(keys[9])));
    ht::check(m);
    ht::check(m2);
    ht::check(s3);
}

TEST_CASE("persistent containers: versions and transients with unequal stateful allocators",
          "[persistent][allocator]") {
    using M = apmap<5>;
    using TR = M::transient_type;
    ht::alloc_state s1, s2, s3;
    {
        const M a = build_in<M>(s1, 500);
        const M b = build_in<M>(s2, 50);
        // A version takes the other's nodes and allocator on assignment; swap exchanges them.
        M c = b;
        c = a;
        CHECK(c.get_allocator() == alloc_pair(&s1));
        CHECK(share_nodes(c, a));
        M d = b;
        d.swap(c);
        CHECK(d.get_allocator() == alloc_pair(&s1));
        CHECK(c.get_allocator() == alloc_pair(&s2));
        CHECK(share_nodes(c, b));
        // Moving a transient to another allocator copies its elements into that allocator's
        // nodes; moving it with its own allocator takes its nodes.
        TR t1 = a.transient();
        TR t2(std::move(t1), alloc_pair(&s3));
        CHECK(t1.empty()); // NOLINT(bugprone-use-after-move)
        CHECK(t2.size() == a.size());
        CHECK(t2.get_allocator() == alloc_pair(&s3));
        CHECK(ht::snapshot(t2) == ht::snapshot(a));
        CHECK(addresses(t2) != addresses(a));
        ht::check(t2);
        TR t3(std::move(t2), alloc_pair(&s3));
        CHECK(t3.size() == a.size());
        // Move assignment between unequal, non-propagating allocators copies too.
        TR t4 = b.transient();
        t4 = std::move(t3);
        CHECK(t4.get_allocator() == alloc_pair(&s2));
        CHECK(ht::snapshot(t4) == ht::snapshot(a));
        t4[1] = -1;
        const M e = std::move(t4).persistent();
        CHECK(e.get_allocator() == alloc_pair(&s2));
        CHECK(ht::get(e.at(1)) == -1);
        CHECK(ht::get(a.at(1)) == 10);
        ht::check(e);
        ht::check(a);
    }
    for (auto* st : {&s1, &s2, &s3}) {
        CHECK(st->errors == 0);
        CHECK(st->live.empty());
    }
}

TEST_CASE("persistent_map: == with a seeded hasher compares contents", "[persistent][map]") {
    // Two seeds give two shapes for one key set: == looks elements up then.
    using M = pmap<i64, i64, 5, hamt::thread_safe, ht::seeded_hash>;
    M a(ht::seeded_hash(1)), b(ht::seeded_hash(2));
    for (i64 i = 0; i < 2000; ++i) {
        a = std::move(a).set(i, i);
        b = std::move(b).set(1999 - i, 1999 - i);
    }
    CHECK(a == b);
    CHECK(a != b.set(5, 6));
    CHECK(a != b.erase(5));
    CHECK(a.erase(5) == b.erase(5));
    CHECK(M(a) == a);
}

// ---------------------------------------------------------------------------------------------
// Colliding hashers: collision nodes shared between versions

namespace {

template <class M>
void collisions_shared(i64 n) {
    using F = pfix<M>;
    ht::leak_guard guard;
    INFO("keys " << n << ", bits " << ht::bits_of<M>::value);
    const M base = F::build(n);
    const auto before = ht::snapshot(base);
    const auto before_addr = addresses(base);
    const std::size_t collision_nodes = hamt::debug::stats(base).collision_nodes;
    REQUIRE(collision_nodes > 0);
    ht::check(base);

    // One version erases keys one by one (down to one entry per collision node, then none);
    // the others keep every collision node.
    std::vector<M> history{base};
    M v = base;
    auto model = F::model(n);
    for (i64 i = 0; i < n; ++i) {
        if (i % 2 == 0) {
            v = v.erase(F::k(i));
        } else {
            v = std::move(v).erase(F::k(i));
        }
        model.erase(i);
        history.push_back(v);
        HT_ASSERT(v.size() == model.size());
        ht::check(v);
    }
    CHECK(v.empty());
    CHECK(ht::snapshot(base) == before);
    CHECK(addresses(base) == before_addr);
    CHECK(hamt::debug::stats(base).collision_nodes == collision_nodes);
    // Each kept version holds exactly keys [i, n).
    for (std::size_t h = 0; h < history.size(); ++h) {
        auto expect = F::model(n);
        for (i64 i = 0; i < static_cast<i64>(h); ++i)
            expect.erase(i);
        HT_ASSERT(ht::snapshot(history[h]) == model_snapshot(expect));
        ht::check(history[h]);
    }

    // Growing a collision node in one version, assigning in one, erasing in a transient.
    const M grown = base.insert(F::v(n + 16, 1)); // same low bits as key n
    CHECK(grown.size() == base.size() + 1);
    const M grown2 = grown.insert(F::v(n + 32, 2));
    typename M::transient_type t = grown2.transient();
    for (i64 i = 0; i < n; i += 3)
        t.erase(F::k(i));
    for (auto it = t.begin(); it != t.end();) {
        if (ht::get(ht::key_of(*it)) % 3 == 1)
            it = t.erase(it);
        else
            ++it;
    }
    ht::check(t);
    if constexpr (F::is_map) {
        const M assigned = base.set(F::k(1), F::t(-1));
        CHECK(ht::get(assigned.at(F::k(1))) == -1);
        CHECK(ht::get(base.at(F::k(1))) == 10);
        ht::check(assigned);
    }
    CHECK(grown2.size() == base.size() + 2);
    CHECK(ht::snapshot(base) == before);
    CHECK(addresses(base) == before_addr);
    ht::check(grown2);
    ht::check(base);
}

} // namespace

TEST_CASE("persistent containers: collision nodes shared between versions",
          "[persistent][collisions]") {
    collisions_shared<pmap<i64, i64, 5, hamt::thread_safe, ht::constant_hash>>(2);
    collisions_shared<pmap<i64, i64, 5, hamt::thread_safe, ht::constant_hash>>(9);
    collisions_shared<pmap<i64, i64, 2, hamt::single_thread, ht::constant_hash>>(30);
    collisions_shared<pmap<i64, i64, 5, hamt::thread_safe, ht::low_bits_hash>>(64);
    collisions_shared<pmap<i64, i64, 6, hamt::thread_safe, ht::low_bits_hash>>(200);
    collisions_shared<pmap<std::string, std::string, 2, hamt::thread_safe, ht::low_bits_hash>>(100);
    collisions_shared<pmap<counted, counted, 3, hamt::thread_safe, ht::constant_hash>>(12);
    collisions_shared<pset<i64, 5, hamt::thread_safe, ht::constant_hash>>(10);
    collisions_shared<pset<std::string, 2, hamt::thread_safe, ht::low_bits_hash>>(70);
}

// ---------------------------------------------------------------------------------------------
// Counting elements: every element destroyed exactly once

namespace {

// Distinct elements over all versions (an element of a shared node counts once).
template <class Versions>
std::size_t distinct_elements(const Versions& vs) {
    std::set<const void*> seen;
    for (const auto& v : vs)
        for (const auto& e : v)
            seen.insert(&e);
    return seen.size();
}

} // namespace

TEST_CASE("persistent containers: counted elements, each destroyed exactly once",
          "[persistent][counted]") {
    ht::leak_guard guard;
    using M = pm_counted_b2;
    using F = pfix<M>;
    {
        std::vector<M> vs;
        vs.push_back(F::build(200));
        CHECK(counted::stats.live == 2 * 200);
        std::uint64_t rng = 12345;
        auto rnd = [&](std::uint64_t n) {
            rng = ht::mix64(rng + 0x9E3779B97F4A7C15ull);
            return rng % n;
        };
        for (int op = 0; op < 3000; ++op) {
            const std::size_t i = rnd(vs.size());
            const i64 k = static_cast<i64>(rnd(400));
            switch (rnd(8)) {
            case 0:
                vs.push_back(vs[i].set(F::k(k), F::t(op)));
                break;
            case 1:
                vs.push_back(vs[i].erase(F::k(k)));
                break;
            case 2:
                vs[i] = std::move(vs[i]).set(F::k(k), F::t(op));
                break;
            case 3:
                vs[i] = std::move(vs[i]).erase(F::k(k));
                break;
            case 4: {
                auto t = vs[i].transient();
                for (int j = 0; j < 10; ++j) {
                    t[F::k(static_cast<i64>(rnd(400)))] = F::t(j);
                    t.erase(F::k(static_cast<i64>(rnd(400))));
                }
                vs.push_back(rnd(2) ? t.persistent() : std::move(t).persistent());
                break;
            }
            case 5:
                vs.push_back(vs[i]);
                break;
            case 6:
                vs.push_back(
                    vs[i].update(F::k(k), [](const counted& c) { return counted(c.value() + 1); }));
                break;
            default:
                if (vs.size() > 1) {
                    std::swap(vs[i], vs.back());
                    vs.pop_back();
                }
                break;
            }
            if (vs.size() > 60) vs.erase(vs.begin() + static_cast<long>(rnd(vs.size())));
            // Exactly the elements of the distinct nodes are alive: nothing leaked, nothing
            // kept by a dead version, no element shared by two versions destroyed early.
            if (op % 50 == 0) {
                HT_ASSERT(counted::stats.live == 2 * static_cast<long>(distinct_elements(vs)));
                for (const auto& v : vs)
                    ht::check(v);
            }
        }
        CHECK(counted::stats.live == 2 * static_cast<long>(distinct_elements(vs)));
        CHECK(counted::stats.errors == 0);
        // Drop the versions from the oldest.
        while (!vs.empty())
            vs.erase(vs.begin());
    }
    CHECK(counted::stats.live == 0);
    CHECK(counted::stats.constructed() == counted::stats.dtor);

    // Sets, and transients that outlive every version.
    {
        using S = ps_counted;
        std::vector<typename S::transient_type> ts;
        {
            S s = pfix<S>::build(100);
            S s2 = s.erase(counted(3));
            ts.push_back(s.transient());
            ts.push_back(std::move(s2).transient());
            ts.back().insert(counted(1000));
        }
        CHECK(ts[0].size() == 100);
        CHECK(ts[1].size() == 100);
        ts[0].clear();
        CHECK(counted::stats.live == static_cast<long>(distinct_elements(ts)));
    }
    CHECK(counted::stats.live == 0);
}
