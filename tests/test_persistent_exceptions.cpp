// Exception injection into the persistent containers. The hasher, the key comparison,
// counted's value/default/copy constructors and the allocator are fault points (support.hpp);
// one of them is armed to throw on its Nth call, and N sweeps over every call an operation makes
// until it completes without a throw.
//
// Each operation runs on a target version inside a family of versions that share nodes with it
// (a copy of the target's base, versions derived from it by set / erase / a transient); the
// target itself is a plain copy (every node shared), a derived version (its own path, the rest
// shared) or a version alone with its nodes (&& updates change it in place). After a throw:
//
//  - persistent updates, lvalue and && (insert, set, erase, update): the target has its old
//    contents (the strong guarantee; for && the documented "a throw leaves the version with its
//    old contents");
//  - transient modifiers (insert, emplace, try_emplace, insert_or_assign, operator[], at,
//    erase(key), erase(iterator)): the transient has its old contents, as hamt::map's
//    single-element operations;
//  - every other version is intact (contents and hamt::debug::check_invariants);
//  - nothing leaked: the live counted objects are exactly the elements of the distinct nodes of
//    all versions, and once the family is gone every counted object and every allocation of the
//    test allocator is returned.
//
// Also: a throwing f in update(), range construction (no leak), and copies, transient() and
// persistent() reach no fault point at all. Element types: counted, and a counted whose move
// constructor may throw, so that nodes are rebuilt by copying (element_ops::copy_to_rebuild).
#include "support.hpp"

#include <functional>
#include <optional>
#include <set>

namespace {

using i64 = std::int64_t;
using ht::alloc_state;
using ht::counted;
using ht::fault;
using ht::faults;

// A counted whose move constructor is not noexcept: the engine copies elements (a fault point)
// to rebuild a node instead of moving them.
struct copy_counted : counted {
    using counted::counted;
    copy_counted() = default;
    copy_counted(const copy_counted&) = default;
    // NOLINTNEXTLINE(performance-noexcept-move-constructor): the point of the type
    copy_counted(copy_counted&& o) noexcept(false) : counted(static_cast<counted&&>(o)) {}
    copy_counted& operator=(const copy_counted&) = default;
    copy_counted& operator=(copy_counted&&) = default;
    ~copy_counted() = default;
};

} // namespace

namespace ht {
template <>
struct conv<copy_counted> {
    static copy_counted make(std::int64_t i) { return copy_counted(i); }
    static std::int64_t get(const copy_counted& c) { return c.value(); }
};
} // namespace ht

namespace {

static_assert(!std::is_nothrow_move_constructible_v<copy_counted>);

long points_swept = 0;
void report_points(const char* what) {
    if (std::getenv("HAMT_TEST_VERBOSE"))
        WARN(what << ": " << points_swept << " fault points swept");
    points_swept = 0;
}

template <unsigned B, class BaseHash = ht::counted_hash, class Policy = hamt::thread_safe,
          class T = counted>
using xmap = hamt::persistent_map<counted, T, ht::throwing_hash<BaseHash>, ht::throwing_equal,
                                  ht::test_alloc<std::pair<const counted, T>>, Policy, B>;
template <unsigned B, class BaseHash = ht::counted_hash, class Policy = hamt::thread_safe>
using xset = hamt::persistent_set<counted, ht::throwing_hash<BaseHash>, ht::throwing_equal,
                                  ht::test_alloc<counted>, Policy, B>;

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

template <class M>
constexpr long counted_per_element() {
    return ht::is_map_v<M> ? 2 : 1;
}

// The counted objects that must be alive: those of the distinct elements of the versions (an
// element of a node shared by several versions counts once) and of the containers given.
template <class M, class... Cs>
long live_elements(const std::vector<M>& versions, const Cs&... cs) {
    std::set<const void*> seen;
    auto add = [&](const auto& c) {
        for (const auto& e : c)
            seen.insert(&e);
    };
    for (const auto& v : versions)
        add(v);
    (add(cs), ...);
    return counted_per_element<M>() * static_cast<long>(seen.size());
}

constexpr i64 new_key = 100005; // & 0xF == 5: collides with key 5 under low_bits_hash

// ---------------------------------------------------------------------------------------------
// Families of versions

enum class target_kind { copy, derived, alone };
const target_kind all_targets[] = {target_kind::copy, target_kind::derived, target_kind::alone};
const char* target_name(target_kind k) {
    switch (k) {
    case target_kind::copy:
        return "a copy (every node shared)";
    case target_kind::derived:
        return "a derived version (own path)";
    default:
        return "a version alone with its nodes";
    }
}

template <class M>
struct pf {
    using K = typename M::key_type;
    using V = typename M::value_type;
    using TR = typename M::transient_type;
    static constexpr bool is_map = ht::is_map_v<M>;
    static K k(i64 i) { return K(i); }
    static V v(i64 i, i64 x) {
        if constexpr (is_map)
            return V(K(i), typename M::mapped_type(x));
        else
            return (void)x, K(i);
    }

    // Keys [0, n) (maps: mapped 10 * key), through a transient; faults must be disarmed.
    static M build(alloc_state& st, i64 n) {
        TR t = M(typename M::hasher(), typename M::key_equal(), typename M::allocator_type(&st))
                   .transient();
        ht::fill(t, 0, n);
        return std::move(t).persistent();
    }

    // The versions around a target: built once per sweep (and checked after every throw),
    // while the target is made afresh for every fault point, so that each run starts from the
    // same shapes and counts.
    struct family {
        alloc_state* st;
        i64 n;
        std::vector<M> others;
        std::vector<ht::snapshot_t<M>> snaps; // of others

        family(alloc_state& state, i64 size) : st(&state), n(size) {
            M base = build(state, n);
            others.push_back(base);
            if constexpr (is_map) {
                others.push_back(base.set(k(0), typename M::mapped_type(-1)));
            } else {
                others.push_back(base.insert(k(n + 50)));
            }
            others.push_back(base.erase(k(n / 2)));
            {
                TR t = base.transient();
                t.insert(v(n + 51, 3));
                t.erase(k(1));
                others.push_back(t.persistent());
            }
            for (const auto& o : others)
                snaps.push_back(ht::snapshot(o));
        }

        // The target: shares every node with others[0], or its own path and the rest, or
        // nothing.
        M make_target(target_kind kind) const {
            switch (kind) {
            case target_kind::copy:
                return others[0];
            case target_kind::derived:
                return others[0].erase(k(n - 1)).insert(v(n + 52, 4));
            default:
                return build(*st, n);
            }
        }

        // Every version other than the target is as built, and valid.
        bool others_intact() const {
            for (std::size_t i = 0; i < others.size(); ++i) {
                if (ht::snapshot(others[i]) != snaps[i]) return false;
                ht::check(others[i]);
            }
            return true;
        }
    };
};

// ---------------------------------------------------------------------------------------------
// Persistent update forms

template <class M>
struct update_op {
    const char* name;
    bool rvalue; // gives up the target
    std::function<M(M&, const std::function<void()>&)> run;
};

template <class M>
std::vector<update_op<M>> persistent_ops() {
    using F = pf<M>;
    using K = typename M::key_type;
    using V = typename M::value_type;
    using Arm = const std::function<void()>&;
    std::vector<update_op<M>> ops;
    auto both = [&](const char* lname, const char* rname, auto fn) {
        ops.push_back({lname, false, [fn](M& m, Arm arm) { return fn(std::as_const(m), arm); }});
        ops.push_back({rname, true, [fn](M& m, Arm arm) { return fn(std::move(m), arm); }});
    };
    both("insert(const value_type&) new", "&& insert(const value_type&) new",
         [](auto&& m, Arm arm) {
             const V v = F::v(new_key, 1);
             arm();
             return std::forward<decltype(m)>(m).insert(v);
         });
    both("insert(value_type&&) new", "&& insert(value_type&&) new", [](auto&& m, Arm arm) {
        V v = F::v(new_key, 1);
        arm();
        return std::forward<decltype(m)>(m).insert(std::move(v));
    });
    both("insert existing", "&& insert existing", [](auto&& m, Arm arm) {
        const V v = F::v(0, 1);
        arm();
        return std::forward<decltype(m)>(m).insert(v);
    });
    both("erase existing", "&& erase existing", [](auto&& m, Arm arm) {
        const K k(3);
        arm();
        return std::forward<decltype(m)>(m).erase(k);
    });
    both("erase absent", "&& erase absent", [](auto&& m, Arm arm) {
        const K k(new_key);
        arm();
        return std::forward<decltype(m)>(m).erase(k);
    });
    if constexpr (F::is_map) {
        using T = typename M::mapped_type;
        both("set(const key&) new", "&& set(const key&) new", [](auto&& m, Arm arm) {
            const K k(new_key);
            T v(1);
            arm();
            return std::forward<decltype(m)>(m).set(k, std::move(v));
        });
        both("set(key&&) new", "&& set(key&&) new", [](auto&& m, Arm arm) {
            K k(new_key);
            const T v(1);
            arm();
            return std::forward<decltype(m)>(m).set(std::move(k), v);
        });
        both("set existing", "&& set existing", [](auto&& m, Arm arm) {
            const K k(2);
            const T v(-2);
            arm();
            return std::forward<decltype(m)>(m).set(k, v);
        });
        both("set(key&&) existing", "&& set(key&&) existing", [](auto&& m, Arm arm) {
            K k(2);
            T v(-2);
            arm();
            return std::forward<decltype(m)>(m).set(std::move(k), std::move(v));
        });
        both("update existing", "&& update existing", [](auto&& m, Arm arm) {
            const K k(4);
            arm();
            return std::forward<decltype(m)>(m).update(
                k, [](const T& old) { return T(ht::get(old) + 1); });
        });
        both("update new", "&& update new", [](auto&& m, Arm arm) {
            const K k(new_key);
            arm();
            return std::forward<decltype(m)>(m).update(
                k, [](const T& old) { return T(ht::get(old) + 1); });
        });
    }
    return ops;
}

void require_clean(const alloc_state& st) {
    CHECK(st.errors == 0);
    CHECK(st.live.empty());
}

template <class M>
void sweep_persistent(i64 size) {
    using F = pf<M>;
    ht::leak_guard guard;
    const auto noop = [] {};
    for (const auto& o : persistent_ops<M>()) {
        for (target_kind kind : all_targets) {
            ht::snapshot_t<M> expected;
            {
                alloc_state st;
                const typename F::family fam(st, size);
                M target = fam.make_target(kind);
                expected = ht::snapshot(o.run(target, noop));
            }
            for (fault f : all_faults) {
                long throws = 0;
                alloc_state st;
                {
                    const typename F::family fam(st, size);
                    for (long n = 1;; ++n) {
                        INFO(o.name << " on " << target_name(kind) << ", size " << size
                                    << ", fault " << fault_name(f) << " on call " << n);
                        bool threw = false;
                        bool ok = true;
                        auto expect = [&ok](bool cond, const char* what) {
                            if (!cond) {
                                ok = false;
                                FAIL_CHECK(what);
                            }
                        };
                        const std::size_t allocations_before = st.live.size();
                        const long live_before = counted::stats.live;
                        {
                            M target = fam.make_target(kind);
                            const auto target_snap = ht::snapshot(target);
                            std::optional<M> r;
                            try {
                                r.emplace(o.run(target, [&] { faults::arm(f, n); }));
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
                                expect(ht::snapshot(target) == target_snap,
                                       "a throwing update changed the version it was applied to");
                                ht::check(target);
                                expect(counted::stats.live == live_elements<M>(fam.others, target),
                                       "element leak (live counted objects != distinct elements)");
                            } else {
                                expect(ht::snapshot(*r) == expected, "wrong result");
                                ht::check(*r);
                                if (!o.rvalue)
                                    expect(ht::snapshot(target) == target_snap,
                                           "an lvalue update changed its source");
                                expect(counted::stats.live ==
                                           live_elements<M>(fam.others, target, *r),
                                       "element leak (live counted objects != distinct elements)");
                            }
                            expect(fam.others_intact(), "another version changed");
                        }
                        expect(counted::stats.live == live_before, "element leak");
                        expect(st.live.size() == allocations_before, "allocation leak");
                        expect(st.errors == 0, "bad deallocation");
                        if (!threw || !ok) break;
                        REQUIRE(n < 100000);
                    }
                }
                CHECK(counted::stats.live == 0);
                require_clean(st);
                if (f == fault::hash) {
                    INFO(o.name);
                    CHECK(throws > 0); // every update hashes its key
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Transient modifiers

template <class TR>
struct transient_op {
    const char* name;
    std::function<void(TR&, const std::function<void()>&)> run;
    // All or nothing (single-element modifiers). erase(first, last) erases one element after
    // another, each of which may copy a shared node: a throw keeps the elements not yet erased.
    bool strong = true;
};

template <class M>
std::vector<transient_op<typename M::transient_type>> transient_ops() {
    using F = pf<M>;
    using TR = typename M::transient_type;
    using K = typename M::key_type;
    using V = typename M::value_type;
    using Arm = const std::function<void()>&;
    std::vector<transient_op<TR>> ops = {
        {"insert(const value_type&)",
         [=](TR& t, Arm arm) {
             const V v = F::v(new_key, 1);
             arm();
             t.insert(v);
         }},
        {"insert(value_type&&)",
         [=](TR& t, Arm arm) {
             V v = F::v(new_key, 1);
             arm();
             t.insert(std::move(v));
         }},
        {"insert(hint, value_type)",
         [=](TR& t, Arm arm) {
             const V v = F::v(new_key, 1);
             arm();
             t.insert(t.cbegin(), v);
         }},
        {"insert existing",
         [=](TR& t, Arm arm) {
             const V v = F::v(0, 1);
             arm();
             t.insert(v);
         }},
        {"erase(key) existing",
         [=](TR& t, Arm arm) {
             const K k(3);
             arm();
             t.erase(k);
         }},
        {"erase(key) absent",
         [=](TR& t, Arm arm) {
             const K k(new_key);
             arm();
             t.erase(k);
         }},
        {"erase(iterator)",
         [=](TR& t, Arm arm) {
             auto it = t.find(K(2));
             if (it == t.end()) it = t.begin();
             arm();
             if (it != t.end()) t.erase(it);
         }},
        {"erase(first, last)",
         [=](TR& t, Arm arm) {
             auto first = t.cbegin();
             auto last = first;
             for (int i = 0; i < 3 && last != t.cend(); ++i)
                 ++last;
             arm();
             t.erase(first, last);
         },
         false},
    };
    if constexpr (F::is_map) {
        using T = typename M::mapped_type;
        std::vector<transient_op<TR>> more = {
            {"insert(P&&)",
             [=](TR& t, Arm arm) {
                 std::pair<K, T> p(K(new_key), T(1));
                 arm();
                 t.insert(std::move(p));
             }},
            {"emplace(key, mapped)",
             [=](TR& t, Arm arm) {
                 K k(new_key);
                 T v(1);
                 arm();
                 t.emplace(std::move(k), std::move(v));
             }},
            {"emplace(piecewise)",
             [=](TR& t, Arm arm) {
                 arm();
                 t.emplace(std::piecewise_construct, std::forward_as_tuple(new_key),
                           std::forward_as_tuple(1));
             }},
            {"emplace_hint",
             [=](TR& t, Arm arm) {
                 const K k(new_key);
                 const T v(1);
                 arm();
                 t.emplace_hint(t.cbegin(), k, v);
             }},
            {"try_emplace(const key&)",
             [=](TR& t, Arm arm) {
                 const K k(new_key);
                 arm();
                 t.try_emplace(k, 1);
             }},
            {"try_emplace(key&&)",
             [=](TR& t, Arm arm) {
                 K k(new_key);
                 T v(1);
                 arm();
                 t.try_emplace(std::move(k), std::move(v));
             }},
            {"try_emplace existing",
             [=](TR& t, Arm arm) {
                 const K k(0);
                 arm();
                 t.try_emplace(k, 1);
             }},
            {"insert_or_assign new",
             [=](TR& t, Arm arm) {
                 const K k(new_key);
                 T v(1);
                 arm();
                 t.insert_or_assign(k, std::move(v));
             }},
            {"insert_or_assign existing",
             [=](TR& t, Arm arm) {
                 const K k(0);
                 const T v(-3);
                 arm();
                 t.insert_or_assign(k, v);
             }},
            {"operator[] new",
             [=](TR& t, Arm arm) {
                 const K k(new_key);
                 arm();
                 t[k] = T(1);
             }},
            {"operator[](key&&) existing",
             [=](TR& t, Arm arm) {
                 K k(1);
                 arm();
                 (void)t[std::move(k)];
             }},
            {"at existing (write)",
             [=](TR& t, Arm arm) {
                 const K k(2);
                 T v(-7);
                 arm();
                 if (t.contains(k)) t.at(k) = std::move(v);
             }},
        };
        ops.insert(ops.end(), more.begin(), more.end());
    } else {
        std::vector<transient_op<TR>> more = {
            {"emplace",
             [=](TR& t, Arm arm) {
                 arm();
                 t.emplace(new_key);
             }},
            {"emplace_hint",
             [=](TR& t, Arm arm) {
                 arm();
                 t.emplace_hint(t.cend(), new_key);
             }},
        };
        ops.insert(ops.end(), more.begin(), more.end());
    }
    return ops;
}

// How the transient is made from the family: from the target (which stays, sharing its nodes),
// or taking the nodes of a target alone with them (it changes them in place).
template <class M>
typename M::transient_type make_transient(M& target, target_kind kind) {
    if (kind == target_kind::alone) return std::move(target).transient();
    return target.transient();
}

template <class M>
void sweep_transient(i64 size) {
    using F = pf<M>;
    using TR = typename M::transient_type;
    ht::leak_guard guard;
    const auto noop = [] {};
    for (const auto& o : transient_ops<M>()) {
        for (target_kind kind : all_targets) {
            ht::snapshot_t<M> expected;
            {
                alloc_state st;
                const typename F::family fam(st, size);
                M target = fam.make_target(kind);
                TR t = make_transient(target, kind);
                o.run(t, noop);
                expected = ht::snapshot(t);
            }
            for (fault f : all_faults) {
                alloc_state st;
                {
                    const typename F::family fam(st, size);
                    for (long n = 1;; ++n) {
                        INFO("transient " << o.name << " from " << target_name(kind) << ", size "
                                          << size << ", fault " << fault_name(f) << " on call "
                                          << n);
                        bool threw = false;
                        bool ok = true;
                        auto expect = [&ok](bool cond, const char* what) {
                            if (!cond) {
                                ok = false;
                                FAIL_CHECK(what);
                            }
                        };
                        const std::size_t allocations_before = st.live.size();
                        const long live_before = counted::stats.live;
                        {
                            M target = fam.make_target(kind);
                            const auto target_snap = ht::snapshot(target);
                            TR t = make_transient(target, kind);
                            const auto before = ht::snapshot(t);
                            try {
                                o.run(t, [&] { faults::arm(f, n); });
                            } catch (const ht::injected_error&) {
                                threw = true;
                            } catch (const std::bad_alloc&) {
                                threw = true;
                            }
                            const bool fired = faults::armed == fault::none;
                            faults::disarm();
                            expect(threw == fired, "the injected exception was swallowed");
                            if (threw) {
                                ++points_swept;
                                if (o.strong) {
                                    expect(ht::snapshot(t) == before,
                                           "a throwing transient modifier changed the transient");
                                } else {
                                    const auto now = ht::snapshot(t);
                                    expect(std::includes(before.begin(), before.end(), now.begin(),
                                                         now.end()),
                                           "erase(first, last) left an element it did not have");
                                }
                            } else {
                                expect(ht::snapshot(t) == expected, "wrong result");
                            }
                            ht::check(t);
                            if (kind != target_kind::alone) {
                                expect(ht::snapshot(target) == target_snap,
                                       "the transient's source version changed");
                                ht::check(target);
                            }
                            expect(fam.others_intact(), "another version changed");
                            expect(counted::stats.live == live_elements<M>(fam.others, target, t),
                                   "element leak (live counted objects != distinct elements)");
                            // The transient's contents as a version, valid.
                            const M p = std::move(t).persistent();
                            ht::check(p);
                        }
                        expect(counted::stats.live == live_before, "element leak");
                        expect(st.live.size() == allocations_before, "allocation leak");
                        expect(st.errors == 0, "bad deallocation");
                        if (!threw || !ok) break;
                        REQUIRE(n < 100000);
                    }
                }
                CHECK(counted::stats.live == 0);
                require_clean(st);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// update() with a throwing f; range construction; operations that reach no fault point

template <class M>
void throwing_update_function(i64 size) {
    using F = pf<M>;
    using T = typename M::mapped_type;
    ht::leak_guard guard;
    for (target_kind kind : all_targets) {
        for (i64 key : {i64(0), i64(3), new_key}) {
            for (bool rvalue : {false, true}) {
                INFO("update(" << key << ") on " << target_name(kind) << ", size " << size
                               << (rvalue ? ", &&" : ", lvalue"));
                alloc_state st;
                {
                    const typename F::family fam(st, size);
                    M target = fam.make_target(kind);
                    const auto target_snap = ht::snapshot(target);
                    int calls = 0;
                    auto f = [&](const T&) -> T {
                        ++calls;
                        throw ht::injected_error();
                    };
                    const typename M::key_type k(key);
                    bool threw = false;
                    try {
                        const M r = rvalue ? std::move(target).update(k, f)
                                           : std::as_const(target).update(k, f);
                        (void)r;
                    } catch (const ht::injected_error&) {
                        threw = true;
                    }
                    CHECK(threw);
                    CHECK(calls == 1);
                    CHECK(ht::snapshot(target) == target_snap);
                    ht::check(target);
                    CHECK(fam.others_intact());
                }
                CHECK(counted::stats.live == 0);
                require_clean(st);
            }
        }
    }
}

// With repeats, every key is in the range twice (so no node is all distinct entries, which the
// build makes by another path); without, once.
template <class M>
void range_construction(i64 size, bool repeats = true) {
    using F = pf<M>;
    ht::leak_guard guard;
    std::vector<typename M::value_type> range;
    const i64 keys = repeats ? size / 2 + 1 : size;
    for (i64 i = 0; i < size; ++i)
        range.push_back(F::v(i % keys, i));
    const long live_range = counted::stats.live;
    for (fault f : all_faults) {
        for (long n = 1;; ++n) {
            INFO("range constructor, size " << size << (repeats ? " with" : " without")
                                            << " repeats, fault " << fault_name(f) << " on call "
                                            << n);
            alloc_state st;
            bool threw = false;
            try {
                faults::arm(f, n);
                const M m(range.begin(), range.end(), typename M::hasher(), typename M::key_equal(),
                          typename M::allocator_type(&st));
                faults::disarm();
                CHECK(m.size() == static_cast<std::size_t>(keys));
                ht::check(m);
            } catch (const ht::injected_error&) {
                threw = true;
            } catch (const std::bad_alloc&) {
                threw = true;
            }
            faults::disarm();
            REQUIRE(counted::stats.live == live_range);
            REQUIRE(st.errors == 0);
            REQUIRE(st.live.empty());
            if (!threw) break;
            ++points_swept;
            REQUIRE(n < 100000);
        }
    }
}

// Copies, assignment, swap, transient(), persistent() and lookups reach no fault point but
// the hash and key comparison of the lookups.
template <class M>
void no_fault_points(i64 size) {
    using F = pf<M>;
    using TR = typename M::transient_type;
    ht::leak_guard guard;
    alloc_state st;
    {
        M m = F::build(st, size);
        const M other = F::build(st, 3);
        const auto hits = [] {
            std::vector<long> h(std::begin(faults::hits), std::end(faults::hits));
            return h;
        };
        const auto before = hits();
        {
            M c(m);
            M a;
            a = m;
            a = std::move(c);
            M b(other);
            b.swap(a);
            swap(a, b);
            TR t1 = m.transient();
            TR t2 = M(m).transient();
            M p1 = t1.persistent();
            M p2 = std::move(t2).persistent();
            TR t3 = std::move(t1);
            t3.clear();
            HT_ASSERT(p1 == m); // shares the root: no comparison of keys
            HT_ASSERT(p2 == m);
            for (auto it = m.begin(); it != m.end(); ++it)
                (void)*it;
        }
        CHECK(hits() == before);
        // Lookups: only hash and key comparison.
        const long ctor = faults::hits[static_cast<int>(fault::construct)];
        const long alloc = faults::hits[static_cast<int>(fault::allocate)];
        std::vector<typename M::key_type> keys;
        for (i64 i = 0; i < size + 5; ++i)
            keys.emplace_back(i);
        const long ctor_keys = faults::hits[static_cast<int>(fault::construct)];
        for (const auto& k : keys) {
            (void)m.find(k);
            (void)m.contains(k);
            (void)m.count(k);
        }
        // No-op updates: a present insert, an absent erase.
        const M same = m.insert(F::v(0, 5)).erase(typename M::key_type(new_key));
        CHECK(same == m);
        CHECK(ctor_keys - ctor == size + 5);
        CHECK(faults::hits[static_cast<int>(fault::construct)] ==
              ctor_keys + (F::is_map ? 2 : 1) + 1); // the arguments
        CHECK(faults::hits[static_cast<int>(fault::allocate)] == alloc);
    }
    require_clean(st);
}

} // namespace

TEST_CASE("persistent exceptions: persistent updates, map B=5", "[persistent][exceptions]") {
    for (i64 size : {0, 1, 2, 33, 100})
        sweep_persistent<xmap<5>>(size);
    report_points("persistent updates, map B=5");
}
TEST_CASE("persistent exceptions: persistent updates, map B=2 and B=6, single_thread",
          "[persistent][exceptions]") {
    for (i64 size : {2, 5, 40})
        sweep_persistent<xmap<2, ht::counted_hash, hamt::single_thread>>(size);
    for (i64 size : {1, 64, 65})
        sweep_persistent<xmap<6>>(size);
    report_points("persistent updates, map B=2 and B=6");
}
TEST_CASE("persistent exceptions: persistent updates, colliding hashers",
          "[persistent][exceptions][collisions]") {
    for (i64 size : {1, 2, 12})
        sweep_persistent<xmap<3, ht::constant_hash>>(size);
    for (i64 size : {6, 50})
        sweep_persistent<xmap<5, ht::low_bits_hash>>(size);
    report_points("persistent updates, colliding hashers");
}
TEST_CASE("persistent exceptions: persistent updates, elements rebuilt by copying",
          "[persistent][exceptions]") {
    for (i64 size : {1, 2, 33, 70})
        sweep_persistent<xmap<5, ht::counted_hash, hamt::thread_safe, copy_counted>>(size);
    for (i64 size : {3, 20})
        sweep_persistent<xmap<3, ht::low_bits_hash, hamt::thread_safe, copy_counted>>(size);
    report_points("persistent updates, elements rebuilt by copying");
}
TEST_CASE("persistent exceptions: persistent_set updates", "[persistent][exceptions][set]") {
    for (i64 size : {0, 1, 33, 100})
        sweep_persistent<xset<5>>(size);
    for (i64 size : {2, 20})
        sweep_persistent<xset<2, ht::low_bits_hash>>(size);
    report_points("persistent_set updates");
}

TEST_CASE("persistent exceptions: transient modifiers, map", "[persistent][exceptions]") {
    for (i64 size : {0, 1, 33, 100})
        sweep_transient<xmap<5>>(size);
    for (i64 size : {3, 40})
        sweep_transient<xmap<2, ht::counted_hash, hamt::single_thread>>(size);
    for (i64 size : {2, 12})
        sweep_transient<xmap<3, ht::constant_hash>>(size);
    for (i64 size : {2, 40})
        sweep_transient<xmap<5, ht::counted_hash, hamt::thread_safe, copy_counted>>(size);
    report_points("transient modifiers, map");
}
TEST_CASE("persistent exceptions: transient modifiers, set", "[persistent][exceptions][set]") {
    for (i64 size : {0, 1, 50})
        sweep_transient<xset<5>>(size);
    for (i64 size : {2, 20})
        sweep_transient<xset<2, ht::low_bits_hash>>(size);
    report_points("transient modifiers, set");
}

TEST_CASE("persistent exceptions: a throwing f in update() changes nothing",
          "[persistent][exceptions]") {
    for (i64 size : {0, 1, 33, 100})
        throwing_update_function<xmap<5>>(size);
    throwing_update_function<xmap<3, ht::constant_hash>>(10);
    throwing_update_function<xmap<5, ht::counted_hash, hamt::thread_safe, copy_counted>>(40);
}

TEST_CASE("persistent exceptions: range construction leaks nothing", "[persistent][exceptions]") {
    range_construction<xmap<5>>(60);
    range_construction<xmap<2, ht::low_bits_hash>>(40);
    range_construction<xset<5>>(60);
    range_construction<xmap<5>>(60, false);
    range_construction<xset<3>>(40, false);
    report_points("range construction");
}

TEST_CASE("persistent exceptions: copies, transient(), persistent() and no-op updates reach no "
          "element constructor or allocation",
          "[persistent][exceptions]") {
    no_fault_points<xmap<5>>(300);
    no_fault_points<xmap<2, ht::constant_hash>>(30);
    no_fault_points<xset<6>>(300);
}
