// Exception injection. The hasher, the key comparison, counted's value/copy constructors and the
// allocator are fault points; one of them is armed to throw on its Nth call, and N sweeps over
// every call an operation makes (until the operation completes without a throw).
//
//  - Single-element insert forms (insert, insert with hint, emplace, emplace_hint,
//    try_emplace, insert_or_assign, operator[]): strong guarantee. After a throw the container
//    has its old contents, passes check_invariants, and no element or allocation leaked.
//  - Copy construction, copy assignment, range insert, merge: basic guarantee (valid,
//    invariants hold, no leak), plus: the source of a copy is unchanged, merge loses nothing.
//  - reserve: all or nothing.
//  - Lookups and erase call neither the allocator nor an element constructor.
// Containers: several BitsPerLevel and sizes, colliding hashers (equality calls in collision
// nodes), and std::unordered_map to check the harness itself.
#include "support.hpp"

#include <functional>

namespace {

// Fault points swept (runs in which the armed fault fired), reported with HAMT_TEST_VERBOSE=1.
long points_swept = 0;
void report_points(const char* what) {
    if (std::getenv("HAMT_TEST_VERBOSE"))
        WARN(what << ": " << points_swept << " fault points swept");
    points_swept = 0;
}

using ht::alloc_state;
using ht::counted;
using ht::fault;
using ht::faults;

using pair_t = std::pair<const counted, counted>;
template <unsigned B, class BaseHash = ht::counted_hash>
using xmap = hamt::map<counted, counted, ht::throwing_hash<BaseHash>, ht::throwing_equal,
                       ht::test_alloc<pair_t>, B>;
using xstd = std::unordered_map<counted, counted, ht::throwing_hash<>, ht::throwing_equal,
                                ht::test_alloc<pair_t>>;
template <unsigned B, class BaseHash = ht::counted_hash>
using xset =
    hamt::set<counted, ht::throwing_hash<BaseHash>, ht::throwing_equal, ht::test_alloc<counted>, B>;
using xstd_set =
    std::unordered_set<counted, ht::throwing_hash<>, ht::throwing_equal, ht::test_alloc<counted>>;

const fault all_faults[] = {fault::hash, fault::equal, fault::construct, fault::allocate};

const char* fault_name(fault f) {
    switch (f) {
    case fault::hash:
        return "hash";
    case fault::equal:
        return "key_equal";
    case fault::construct:
        return "element constructor";
    case fault::allocate:
        return "allocate";
    default:
        return "none";
    }
}

void require_clean_state(const alloc_state& s) {
    CHECK(s.errors == 0);
    CHECK(s.live.empty());
}

// A container with keys 0 .. n-1 (maps: mapped 10 * key), built with faults disarmed.
template <class M>
M build(alloc_state& st, std::int64_t n) {
    M m(0, typename M::hasher(), typename M::key_equal(), typename M::allocator_type(&st));
    ht::fill(m, 0, n);
    return m;
}

// An operation: prepares its arguments, calls arm() (which arms the fault), then runs.
template <class M>
struct op {
    const char* name;
    std::function<void(M&, const std::function<void()>&)> run;
};

constexpr std::int64_t new_key = 100005; // & 0xF == 5: collides with key 5 under low_bits_hash

template <class M>
std::vector<op<M>> map_ops() {
    using V = typename M::value_type;
    using Arm = const std::function<void()>&;
    const std::int64_t nk = new_key;
    return {
        {"insert(const value_type&)",
         [=](M& m, Arm arm) {
             const V v(counted(nk), counted(1));
             arm();
             m.insert(v);
         }},
        {"insert(value_type&&)",
         [=](M& m, Arm arm) {
             V v(counted(nk), counted(1));
             arm();
             m.insert(std::move(v));
         }},
        {"insert(P&&)",
         [=](M& m, Arm arm) {
             std::pair<counted, counted> p(counted(nk), counted(1));
             arm();
             m.insert(std::move(p));
         }},
        {"insert(hint, const value_type&)",
         [=](M& m, Arm arm) {
             const V v(counted(nk), counted(1));
             arm();
             m.insert(m.cbegin(), v);
         }},
        {"insert(hint, value_type&&)",
         [=](M& m, Arm arm) {
             V v(counted(nk), counted(1));
             arm();
             m.insert(m.cend(), std::move(v));
         }},
        {"emplace(key, mapped)",
         [=](M& m, Arm arm) {
             counted k(nk), v(1);
             arm();
             m.emplace(std::move(k), std::move(v));
         }},
        {"emplace(piecewise)",
         [=](M& m, Arm arm) {
             arm();
             m.emplace(std::piecewise_construct, std::forward_as_tuple(nk),
                       std::forward_as_tuple(1));
         }},
        {"emplace_hint",
         [=](M& m, Arm arm) {
             const counted k(nk), v(1);
             arm();
             m.emplace_hint(m.cbegin(), k, v);
         }},
        {"try_emplace(const key&)",
         [=](M& m, Arm arm) {
             const counted k(nk);
             arm();
             m.try_emplace(k, 1);
         }},
        {"try_emplace(key&&)",
         [=](M& m, Arm arm) {
             counted k(nk), v(1);
             arm();
             m.try_emplace(std::move(k), std::move(v));
         }},
        {"try_emplace(hint, key)",
         [=](M& m, Arm arm) {
             const counted k(nk);
             arm();
             m.try_emplace(m.cbegin(), k, 1);
         }},
        {"insert_or_assign(const key&) new",
         [=](M& m, Arm arm) {
             const counted k(nk);
             counted v(1);
             arm();
             m.insert_or_assign(k, std::move(v));
         }},
        {"insert_or_assign(key&&) new",
         [=](M& m, Arm arm) {
             counted k(nk);
             const counted v(1);
             arm();
             m.insert_or_assign(std::move(k), v);
         }},
        {"insert_or_assign(hint) new",
         [=](M& m, Arm arm) {
             const counted k(nk), v(1);
             arm();
             m.insert_or_assign(m.cbegin(), k, v);
         }},
        {"insert_or_assign existing",
         [=](M& m, Arm arm) {
             const counted k(0), v(-3);
             arm();
             m.insert_or_assign(k, v);
         }},
        {"operator[](const key&) new",
         [=](M& m, Arm arm) {
             const counted k(nk);
             arm();
             m[k] = counted(1);
         }},
        {"operator[](key&&) new",
         [=](M& m, Arm arm) {
             counted k(nk);
             arm();
             (void)m[std::move(k)];
         }},
        {"operator[] existing",
         [=](M& m, Arm arm) {
             const counted k(0);
             arm();
             (void)m[k];
         }},
        {"insert existing",
         [=](M& m, Arm arm) {
             const V v(counted(0), counted(1));
             arm();
             m.insert(v);
         }},
        {"emplace existing",
         [=](M& m, Arm arm) {
             arm();
             m.emplace(std::piecewise_construct, std::forward_as_tuple(0),
                       std::forward_as_tuple(1));
         }},
        {"try_emplace existing",
         [=](M& m, Arm arm) {
             const counted k(0);
             arm();
             m.try_emplace(k, 1);
         }},
    };
}

template <class S>
std::vector<op<S>> set_ops() {
    using Arm = const std::function<void()>&;
    const std::int64_t nk = new_key;
    return {
        {"insert(const key&)",
         [=](S& s, Arm arm) {
             const counted k(nk);
             arm();
             s.insert(k);
         }},
        {"insert(key&&)",
         [=](S& s, Arm arm) {
             counted k(nk);
             arm();
             s.insert(std::move(k));
         }},
        {"insert(hint, key)",
         [=](S& s, Arm arm) {
             const counted k(nk);
             arm();
             s.insert(s.cbegin(), k);
         }},
        {"emplace",
         [=](S& s, Arm arm) {
             arm();
             s.emplace(nk);
         }},
        {"emplace_hint",
         [=](S& s, Arm arm) {
             arm();
             s.emplace_hint(s.cend(), nk);
         }},
        {"insert existing",
         [=](S& s, Arm arm) {
             const counted k(0);
             arm();
             s.insert(k);
         }},
    };
}

// Elements in the container: two counted per map element, one per set element.
template <class M>
long counted_per_element() {
    return ht::is_map_v<M> ? 2 : 1;
}

// Sweeps the Nth-call fault over every call of every operation: strong guarantee.
template <class M>
void strong_guarantee(const std::vector<op<M>>& ops, std::int64_t size) {
    ht::leak_guard guard;
    const auto noop = [] {};
    for (const auto& o : ops) {
        // The result without faults.
        ht::snapshot_t<M> expected;
        {
            alloc_state st;
            M ref = build<M>(st, size);
            o.run(ref, noop);
            expected = ht::snapshot(ref);
        }
        for (fault f : all_faults) {
            long throws = 0;
            // On the first failure, report it and go on with the next fault kind.
            for (long n = 1;; ++n) {
                INFO("operation " << o.name << ", size " << size << ", fault " << fault_name(f)
                                  << " on call " << n);
                alloc_state st;
                bool threw = false;
                bool ok = true;
                auto expect = [&ok](bool cond, const char* what) {
                    if (!cond) {
                        ok = false;
                        FAIL_CHECK(what);
                    }
                };
                {
                    M m = build<M>(st, size);
                    const auto before = ht::snapshot(m);
                    try {
                        o.run(m, [&] { faults::arm(f, n); });
                    } catch (const ht::injected_error&) {
                        threw = true;
                    } catch (const std::bad_alloc&) {
                        threw = true;
                    }
                    const bool fired = faults::armed == fault::none;
                    faults::disarm();
                    expect(threw == fired, "the injected exception was swallowed");
                    if (threw) {
                        ++throws;
                        ++points_swept;
                        expect(ht::snapshot(m) == before,
                               "strong guarantee: contents changed by a throwing operation");
                    } else {
                        expect(ht::snapshot(m) == expected, "wrong result");
                    }
                    ht::check(m);
                    expect(counted::stats.live ==
                               counted_per_element<M>() * static_cast<long>(m.size()),
                           "element leak (live counted objects != elements)");
                }
                expect(st.errors == 0, "bad deallocation");
                expect(st.live.empty(), "allocation leak");
                if (!threw || !ok) break;
                REQUIRE(n < 100000);
            }
            // Every operation hashes its key at least once.
            if (f == fault::hash) {
                INFO("operation " << o.name);
                CHECK(throws > 0);
            }
        }
    }
}

// Basic guarantee for operations on many elements.
template <class M>
void basic_guarantee(std::int64_t size) {
    ht::leak_guard guard;
    const fault kinds[] = {fault::hash, fault::construct, fault::allocate};
    for (fault f : kinds) {
        for (long n = 1;; ++n) {
            INFO("fault " << fault_name(f) << " on call " << n << ", size " << size);
            alloc_state sa, sb;
            bool threw_any = false;
            {
                M src = build<M>(sa, size);
                const auto src_before = ht::snapshot(src);
                M dst = build<M>(sb, 7);
                std::vector<typename M::value_type> range;
                for (std::int64_t i = size / 2; i < size + 30; ++i) {
                    if constexpr (ht::is_map_v<M>) {
                        range.emplace_back(counted(i), counted(10 * i));
                    } else {
                        range.emplace_back(i);
                    }
                }
                auto attempt = [&](auto&& fn) {
                    faults::arm(f, n);
                    try {
                        fn();
                    } catch (const ht::injected_error&) {
                        threw_any = true;
                        ++points_swept;
                    } catch (const std::bad_alloc&) {
                        threw_any = true;
                        ++points_swept;
                    }
                    faults::disarm();
                };
                // Copy construction: the source is unchanged whatever happens.
                attempt([&] {
                    M copy(src);
                    HT_ASSERT(ht::snapshot(copy) == src_before);
                });
                REQUIRE(ht::snapshot(src) == src_before);
                ht::check(src);
                // Copy assignment: the target is valid.
                attempt([&] { dst = src; });
                ht::check(dst);
                REQUIRE(ht::snapshot(src) == src_before);
                // Range insert: valid, holds its old elements, and only elements of the range.
                M grow = build<M>(sb, size / 2);
                const auto grow_before = ht::snapshot(grow);
                attempt([&] { grow.insert(range.begin(), range.end()); });
                ht::check(grow);
                const auto grow_after = ht::snapshot(grow);
                REQUIRE(std::includes(grow_after.begin(), grow_after.end(), grow_before.begin(),
                                      grow_before.end()));
                REQUIRE(grow_after.size() <= static_cast<std::size_t>(size + 30));
                // Merge: valid, nothing lost. (libstdc++'s merge loses the element in flight
                // when growing its bucket array throws, so not checked for std.)
                M other = build<M>(sb, 3);
                if constexpr (ht::is_hamt_v<M>) {
                    attempt([&] { other.merge(grow); });
                    ht::check(other);
                    ht::check(grow);
                    REQUIRE(other.size() + grow.size() == 3 + grow_after.size());
                }
                // Reserve: all or nothing (it only obtains node memory).
                {
                    const auto before = ht::snapshot(grow);
                    attempt([&] { grow.reserve(grow.size() + 5000); });
                    ht::check(grow);
                    REQUIRE(ht::snapshot(grow) == before);
                }
                const long live = counted::stats.live;
                const long expected_live =
                    counted_per_element<M>() *
                        static_cast<long>(src.size() + dst.size() + grow.size() + other.size()) +
                    counted_per_element<M>() * static_cast<long>(range.size());
                REQUIRE(live == expected_live);
            }
            REQUIRE(sa.errors == 0);
            REQUIRE(sb.errors == 0);
            REQUIRE(sa.live.empty());
            REQUIRE(sb.live.empty());
            if (!threw_any) break;
            REQUIRE(n < 100000);
        }
    }
}

// Lookups and erase call no element constructor and no allocate.
template <class M>
void no_throw_on_lookup_and_erase(std::int64_t size) {
    ht::leak_guard guard;
    alloc_state st;
    {
        M m = build<M>(st, size);
        const long ctor_hits = faults::hits[static_cast<int>(fault::construct)];
        const long alloc_hits = faults::hits[static_cast<int>(fault::allocate)];
        std::vector<counted> keys;
        for (std::int64_t i = 0; i < size + 10; ++i)
            keys.emplace_back(i);
        const long ctor_hits_keys = faults::hits[static_cast<int>(fault::construct)];
        for (const auto& k : keys) {
            (void)m.find(k);
            (void)m.count(k);
            (void)m.equal_range(k);
        }
        for (auto it = m.begin(); it != m.end(); ++it)
            (void)*it;
        for (std::int64_t i = 0; i < size; i += 3)
            m.erase(keys[static_cast<std::size_t>(i)]);
        if (!m.empty()) m.erase(m.begin());
        if (m.size() > 4) m.erase(std::next(m.cbegin()), std::next(m.cbegin(), 3));
        for (auto it = m.begin(); it != m.end();) {
            if (ht::get(ht::key_of(*it)) % 2 == 0) {
                it = m.erase(it);
            } else {
                ++it;
            }
        }
        ht::check(m);
        m.clear();
        CHECK(ctor_hits_keys - ctor_hits == size + 10);
        CHECK(faults::hits[static_cast<int>(fault::construct)] == ctor_hits_keys);
        CHECK(faults::hits[static_cast<int>(fault::allocate)] == alloc_hits);
    }
    require_clean_state(st);
}

} // namespace

TEST_CASE("exceptions: strong guarantee, hamt::map B=5", "[exceptions]") {
    for (std::int64_t size : {0, 1, 31, 32, 33, 100})
        strong_guarantee(map_ops<xmap<5>>(), size);
    report_points("strong guarantee, hamt::map B=5");
}
TEST_CASE("exceptions: strong guarantee, hamt::map B=2", "[exceptions]") {
    for (std::int64_t size : {0, 2, 5, 60})
        strong_guarantee(map_ops<xmap<2>>(), size);
    report_points("strong guarantee, hamt::map B=2");
}
TEST_CASE("exceptions: strong guarantee, hamt::map B=6", "[exceptions]") {
    for (std::int64_t size : {1, 63, 64, 65})
        strong_guarantee(map_ops<xmap<6>>(), size);
    report_points("strong guarantee, hamt::map B=6");
}
TEST_CASE("exceptions: strong guarantee, hamt::map with full collisions", "[exceptions]") {
    for (std::int64_t size : {1, 2, 20}) {
        strong_guarantee(map_ops<xmap<3, ht::constant_hash>>(), size);
    }
    report_points("strong guarantee, hamt::map with full collisions");
}
TEST_CASE("exceptions: strong guarantee, hamt::map with few hash bits", "[exceptions]") {
    for (std::int64_t size : {6, 50})
        strong_guarantee(map_ops<xmap<5, ht::low_bits_hash>>(), size);
    report_points("strong guarantee, hamt::map with few hash bits");
}
TEST_CASE("exceptions: strong guarantee, hamt::set", "[exceptions]") {
    for (std::int64_t size : {0, 1, 33, 100})
        strong_guarantee(set_ops<xset<5>>(), size);
    for (std::int64_t size : {2, 20})
        strong_guarantee(set_ops<xset<2, ht::low_bits_hash>>(), size);
    report_points("strong guarantee, hamt::set");
}
TEST_CASE("exceptions: strong guarantee, std::unordered_map (checks the test)", "[exceptions]") {
    for (std::int64_t size : {0, 1, 33})
        strong_guarantee(map_ops<xstd>(), size);
    strong_guarantee(set_ops<xstd_set>(), 10);
    report_points("strong guarantee, std::unordered_map (checks the test)");
}

TEST_CASE("exceptions: basic guarantee of copy, copy assignment, range insert, merge",
          "[exceptions]") {
    basic_guarantee<xmap<5>>(40);
    basic_guarantee<xmap<2>>(25);
    basic_guarantee<xmap<3, ht::constant_hash>>(12);
    basic_guarantee<xset<5>>(40);
    report_points("basic guarantee of copy, copy assignment, range insert, merge");
}
TEST_CASE("exceptions: basic guarantee, std::unordered_map (checks the test)", "[exceptions]") {
    basic_guarantee<xstd>(30);
    report_points("basic guarantee, std::unordered_map (checks the test)");
}

TEST_CASE("exceptions: lookups and erase construct and allocate nothing", "[exceptions]") {
    no_throw_on_lookup_and_erase<xmap<5>>(500);
    no_throw_on_lookup_and_erase<xmap<2>>(200);
    no_throw_on_lookup_and_erase<xmap<3, ht::constant_hash>>(40);
    no_throw_on_lookup_and_erase<xset<6>>(300);
    no_throw_on_lookup_and_erase<xstd>(300);
}
