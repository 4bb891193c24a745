// Element types: over-aligned (alignas(64)) keys and values, values without a default
// constructor, copy-only values, large values, and the construction accounting of the counted
// type (each operation constructs and destroys what it must, and lookups construct nothing).
// The generic parts also run for std::unordered_map.
#include "support.hpp"

#include <array>

namespace {

template <std::size_t Align>
struct alignas(Align) aligned_val {
    std::int64_t v = 0;
    aligned_val() = default;
    explicit aligned_val(std::int64_t x) : v(x) {}
    friend bool operator==(const aligned_val& a, const aligned_val& b) { return a.v == b.v; }
};

template <std::size_t Align>
struct aligned_hash {
    std::size_t operator()(const aligned_val<Align>& a) const {
        return static_cast<std::size_t>(ht::mix64(static_cast<std::uint64_t>(a.v)));
    }
};

struct no_default {
    std::int64_t v;
    explicit no_default(std::int64_t x) : v(x) {}
    no_default(const no_default&) = default;
    no_default& operator=(const no_default&) = default;
    friend bool operator==(const no_default& a, const no_default& b) { return a.v == b.v; }
};

// Copyable, not nothrow-movable (no move constructor: moves copy).
struct copy_only {
    std::string s;
    explicit copy_only(std::int64_t x) : s(std::to_string(x)) {}
    // Declared copy operations suppress the implicit moves; std::string's copy may throw.
    copy_only(const copy_only& o) = default;
    copy_only& operator=(const copy_only& o) = default;
    ~copy_only() = default;
};
static_assert(!std::is_nothrow_move_constructible_v<copy_only>);

bool aligned_to(const void* p, std::size_t a) {
    return reinterpret_cast<std::uintptr_t>(p) % a == 0;
}

template <class M, std::size_t Align>
void aligned_values_test() {
    M m;
    const std::int64_t n = 3000;
    for (std::int64_t i = 0; i < n; ++i)
        m.emplace(i, aligned_val<Align>(i * 3));
    ht::check(m);
    for (std::int64_t i = 0; i < n; ++i) {
        auto it = m.find(i);
        HT_ASSERT(it != m.end());
        HT_ASSERT(it->second.v == i * 3);
        HT_ASSERT(aligned_to(&it->second, Align));
        HT_ASSERT(aligned_to(&*it, Align));
    }
    for (auto& kv : m)
        HT_ASSERT(aligned_to(&kv.second, Align));
    for (std::int64_t i = 0; i < n; i += 2)
        m.erase(i);
    for (auto& kv : m)
        HT_ASSERT(aligned_to(&kv.second, Align) && kv.second.v == kv.first * 3);
    M copy(m);
    for (auto& kv : copy)
        HT_ASSERT(aligned_to(&kv.second, Align));
    CHECK(copy == m);
    CHECK(aligned_to(&m[-1], Align));
    ht::check(m);
}

template <class S, std::size_t Align>
void aligned_keys_test() {
    S s;
    for (std::int64_t i = 0; i < 2000; ++i)
        s.emplace(i);
    ht::check(s);
    for (const auto& k : s)
        HT_ASSERT(aligned_to(&k, Align));
    for (std::int64_t i = 0; i < 2000; ++i) {
        auto it = s.find(aligned_val<Align>(i));
        HT_ASSERT(it != s.end() && it->v == i && aligned_to(&*it, Align));
    }
}

template <class M>
void no_default_test() {
    M m;
    for (std::int64_t i = 0; i < 500; ++i) {
        m.emplace(i, no_default(i));
        m.try_emplace(i + 500, i + 500);
    }
    m.insert(typename M::value_type(1000, no_default(1000)));
    m.insert_or_assign(1000, no_default(-1));
    m.insert_or_assign(1001, no_default(1001));
    CHECK(m.size() == 1002);
    CHECK(m.at(1000).v == -1);
    for (std::int64_t i = 0; i < 1000; ++i)
        HT_ASSERT(m.at(i).v == i);
    M copy(m);
    CHECK(copy == m);
    for (std::int64_t i = 0; i < 1000; i += 3)
        m.erase(i);
    ht::check(m);
    copy = m;
    CHECK(copy == m);
}

template <class M>
void copy_only_test() {
    M m;
    for (std::int64_t i = 0; i < 800; ++i)
        m.try_emplace(i, i);
    for (std::int64_t i = 0; i < 800; i += 2)
        m.erase(i);
    ht::check(m);
    CHECK(m.size() == 400);
    for (std::int64_t i = 1; i < 800; i += 2)
        HT_ASSERT(m.at(i).s == std::to_string(i));
    M other;
    other.try_emplace(5000, 5000);
    other.merge(m);
    CHECK(other.size() == 401);
    ht::check(other);

    // Erasing while iterating: nodes are rebuilt by copying, folds move entries into ancestors,
    // and every element is still visited exactly once (found by fuzzing: the rebuilt node's
    // next child to visit was reset).
    for (int pass = 0; pass < 3; ++pass) {
        std::size_t visited = 0, kept = 0;
        const std::size_t before = other.size();
        for (auto it = other.begin(); it != other.end();) {
            ++visited;
            if (std::stoll(it->second.s) % 3 != pass % 3) {
                it = other.erase(it);
            } else {
                ++kept;
                ++it;
            }
        }
        CHECK(visited == before);
        CHECK(other.size() == kept);
        ht::check(other);
    }
}

template <class M>
void large_values_test() {
    M m;
    for (std::int64_t i = 0; i < 1500; ++i) {
        std::array<std::int64_t, 40> a{};
        a.fill(i);
        m.emplace(i, a);
    }
    ht::check(m);
    for (std::int64_t i = 0; i < 1500; ++i) {
        const auto& a = m.at(i);
        HT_ASSERT(a.front() == i && a.back() == i);
    }
    for (std::int64_t i = 0; i < 1500; i += 2)
        m.erase(i);
    for (auto& kv : m)
        HT_ASSERT(kv.second[20] == kv.first);
}

// What each operation constructs and destroys, with counted keys and values.
template <class M>
void accounting_test() {
    ht::leak_guard guard;
    using ht::counted;
    auto& st = counted::stats;
    M m;
    for (std::int64_t i = 0; i < 300; ++i)
        m.emplace(counted(i), counted(10 * i));
    const counted key(77), missing(-77);

    SECTION("lookups construct and destroy nothing") {
        const long constructed = st.constructed(), destroyed = st.dtor;
        for (int rep = 0; rep < 3; ++rep) {
            (void)m.find(key);
            (void)m.count(missing);
            (void)m.equal_range(key);
            (void)m.at(key);
            for (auto& kv : m)
                (void)kv;
        }
        CHECK(st.constructed() == constructed);
        CHECK(st.dtor == destroyed);
    }
    SECTION("failed inserts construct nothing they keep; try_emplace constructs nothing") {
        counted v(5);
        const long live = st.live;
        const long constructed = st.constructed();
        CHECK_FALSE(m.try_emplace(key, v).second);
        CHECK_FALSE(m.try_emplace(key, std::move(v)).second);
        CHECK(v.value() == 5);
        CHECK(st.constructed() == constructed);
        (void)m[key];
        CHECK(st.constructed() == constructed);
        CHECK_FALSE(m.insert_or_assign(key, counted(770)).second);
        CHECK(st.live == live);
    }
    SECTION("emplace with converting arguments constructs key and value once, copies none") {
        const long copies = st.copy_ctor, values = st.value_ctor;
        m.emplace(std::piecewise_construct, std::forward_as_tuple(1000),
                  std::forward_as_tuple(10000));
        CHECK(st.copy_ctor == copies);
        CHECK(st.value_ctor == values + 2);
        m.try_emplace(counted(1001), 10010);
        CHECK(st.copy_ctor == copies);
        CHECK(st.value_ctor == values + 4);
    }
    SECTION("operator[] on a new key copies the key once and default-constructs the value") {
        const long copies = st.copy_ctor, defaults = st.default_ctor;
        const counted k(5000);
        (void)m[k];
        CHECK(st.copy_ctor == copies + 1);
        CHECK(st.default_ctor == defaults + 1);
    }
    SECTION("erase destroys exactly the erased element, clear all") {
        const long live = st.live;
        CHECK(m.erase(key) == 1);
        CHECK(st.live == live - 2);
        m.erase(m.begin());
        CHECK(st.live == live - 4);
        m.clear();
        CHECK(st.live == live - 2L * 300);
    }
    SECTION("copy assignment over a non-empty container") {
        M other;
        for (std::int64_t i = 0; i < 50; ++i)
            other.emplace(counted(-i), counted(i));
        const long live = st.live;
        other = m;
        CHECK(st.live == live - 100 + 600);
        CHECK(other == m);
    }
    ht::check(m);
}

} // namespace

TEST_CASE("elements: over-aligned values", "[elements][aligned]") {
    using V64 = aligned_val<64>;
    using A64 = std::allocator<std::pair<const std::int64_t, V64>>;
    aligned_values_test<hamt::map<std::int64_t, V64>, 64>();
    aligned_values_test<
        hamt::map<std::int64_t, V64, hamt::hash<std::int64_t>, std::equal_to<std::int64_t>, A64, 2>,
        64>();
    aligned_values_test<
        hamt::map<std::int64_t, V64, hamt::hash<std::int64_t>, std::equal_to<std::int64_t>, A64, 6>,
        64>();
    aligned_values_test<hamt::map<std::int64_t, aligned_val<32>>, 32>();
    aligned_values_test<std::unordered_map<std::int64_t, V64>, 64>();
}

TEST_CASE("elements: over-aligned keys", "[elements][aligned]") {
    aligned_keys_test<hamt::set<aligned_val<64>, aligned_hash<64>>, 64>();
    aligned_keys_test<hamt::set<aligned_val<64>, aligned_hash<64>, std::equal_to<aligned_val<64>>,
                                std::allocator<aligned_val<64>>, 3>,
                      64>();
    aligned_keys_test<std::unordered_set<aligned_val<64>, aligned_hash<64>>, 64>();
}

TEST_CASE("elements: values without a default constructor", "[elements]") {
    no_default_test<hamt::map<std::int64_t, no_default>>();
    no_default_test<
        hamt::map<std::int64_t, no_default, hamt::hash<std::int64_t>, std::equal_to<std::int64_t>,
                  std::allocator<std::pair<const std::int64_t, no_default>>, 2>>();
    no_default_test<std::unordered_map<std::int64_t, no_default>>();
}

TEST_CASE("elements: copy-only values", "[elements]") {
    copy_only_test<hamt::map<std::int64_t, copy_only>>();
    copy_only_test<
        hamt::map<std::int64_t, copy_only, hamt::hash<std::int64_t>, std::equal_to<std::int64_t>,
                  std::allocator<std::pair<const std::int64_t, copy_only>>, 3>>();
    copy_only_test<
        hamt::map<std::int64_t, copy_only, ht::low_bits_hash, std::equal_to<std::int64_t>,
                  std::allocator<std::pair<const std::int64_t, copy_only>>, 3>>();
    copy_only_test<std::unordered_map<std::int64_t, copy_only>>();
}

TEST_CASE("elements: large values", "[elements]") {
    using big = std::array<std::int64_t, 40>;
    large_values_test<hamt::map<std::int64_t, big>>();
    large_values_test<
        hamt::map<std::int64_t, big, hamt::hash<std::int64_t>, std::equal_to<std::int64_t>,
                  std::allocator<std::pair<const std::int64_t, big>>, 6>>();
    large_values_test<std::unordered_map<std::int64_t, big>>();
}

TEST_CASE("elements: construction accounting, hamt", "[elements][counted]") {
    accounting_test<hamt::map<ht::counted, ht::counted, ht::counted_hash>>();
}
TEST_CASE("elements: construction accounting, hamt B=2", "[elements][counted]") {
    accounting_test<
        hamt::map<ht::counted, ht::counted, ht::counted_hash, std::equal_to<ht::counted>,
                  std::allocator<std::pair<const ht::counted, ht::counted>>, 2>>();
}
TEST_CASE("elements: construction accounting, std::unordered_map", "[elements][counted]") {
    accounting_test<std::unordered_map<ht::counted, ht::counted, ht::counted_hash>>();
}
