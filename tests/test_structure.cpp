// Structural operations over pairs of versions: hamt::diff, the set algebra of
// <hamt/set_algebra.hpp>, hamt::debug::shared_bytes, and bulk construction (the persistent
// containers' range constructors, insert(first, last) on an empty transient).
//
//  - diff, differential: random pairs of versions (independent; one derived from the other by k
//    random edits, k = 0, 1, 10, 100, 10000; two versions of one base, each with its own edits;
//    equal by sharing and equal rebuilt; one or both empty; subsets; disjoint) against what
//    std::unordered_map / std::unordered_set models say, in both directions. A counting hasher
//    shows that diff hashes nothing; every element reported is the container's own (its
//    address); "diff(a, b) applied to a gives b". Maps: changed only when the values differ
//    (a version that re-sets equal values reports nothing). hamt::map / hamt::set pairs too.
//  - set algebra on the same pairs: each operation against the std::set_* algorithms, the
//    predicates, algebraic identities; every result passes check_invariants and equals (==,
//    node by node: canonical form) the same contents inserted one by one. Maps: set_union keeps
//    a's values, set_difference, merge_with / intersect_with with a non-idempotent f (a call
//    counter and a sum): f is called exactly once for every key in both, shared subtrees and
//    a version with itself included, with (key, a's value, b's value).
//  - both of the above also on every pair of subsets of a universe of four or five keys
//    (colliding or not), where the small shapes are.
//  - sharing, measured by shared_bytes: a with itself (its node bytes), unrelated and rebuilt
//    versions (0), versions one edit apart; a union or intersection of versions one edit apart
//    shares all of the input but a path and allocates at most one path; where one side is a
//    subset of the other, the union is the superset and the intersection the subset, whole.
//  - the stricter rule of issue 8, "every output subtree that equals an input subtree is that
//    input subtree", checked node by node on the results of every operation.
//  - bulk construction against element-by-element construction: duplicates (the first of a key
//    wins, as with insert), collisions (constant hash: one collision node), empty and single
//    element ranges, every kind of iterator, string keys, and counted elements (each kept
//    element constructed once; everything destroyed once).
//  - exception injection (not in a -fno-exceptions build): the hasher, key comparison, element
//    copy and allocator throw at their Nth call, N over every call that set_union /
//    set_intersection / set_difference / set_symmetric_difference / merge_with / intersect_with
//    and bulk construction make; merge_with's and intersect_with's f and diff's callbacks throw
//    at their Nth call. Inputs intact (contents, invariants), nothing leaked.
//
// Runs use fixed seeds, printed; a failure names the configuration, the seed and the kind of
// pair. HAMT_FUZZ_SCALE=<factor> scales the sizes and the edit counts (the sharing checks only
// down: their bound of one path assumes collision nodes of about the sizes given).
#include "support.hpp"

#include <cstdio>
#include <iterator>
#include <list>
#include <map>
#include <random>

namespace ht_structure {
struct probe_tag;

// What the node-by-node reuse check found in a result.
struct reuse_report {
    std::size_t reused = 0;           // result subtrees that are an input's subtree at that place
    std::size_t rebuilt = 0;          // result subtrees equal to an input's there, but not it
    std::size_t rebuilt_bytes = 0;    // bytes of their nodes that are new (not the input's)
    std::size_t rebuilt_elements = 0; // elements in those
};
} // namespace ht_structure

// Test-only access to the nodes (trie_access is the engine's friend for its debug walks): for a
// result r of an operation on a and b, finds the subtrees of r that hold the same elements as
// the subtree of a or b at the same place (the same hash prefix) without being that subtree.
namespace hamt::detail {
template <>
struct trie_access<ht_structure::probe_tag> {
    template <class Trie, class Proj>
    struct prober {
        using layout_t = typename Trie::layout_t;
        using slot = typename Trie::slot;
        using value_type = typename Trie::value_type;
        using bitmap_t = decltype(slot{}.nodemap);
        using item =
            std::decay_t<decltype(std::declval<Proj&>()(std::declval<const value_type&>()))>;
        static constexpr unsigned cd = layout_t::collision_depth;

        const Trie& t;
        Proj& proj;
        ht_structure::reuse_report report{};

        void collect(const slot& s, unsigned depth, std::vector<item>& out) const {
            if (depth == cd) {
                const value_type* es = Trie::collision_entries(s);
                for (std::size_t i = 0, n = s.datamap; i < n; ++i)
                    out.push_back(proj(es[i]));
                return;
            }
            const std::size_t nc = layout_t::child_count(s), ne = layout_t::entry_count(s);
            const value_type* es = layout_t::entries(s);
            for (std::size_t i = 0; i < ne; ++i)
                out.push_back(proj(es[i]));
            for (std::size_t c = 0; c < nc; ++c)
                collect(*layout_t::child(s, c), depth + 1, out);
        }
        std::vector<item> contents(const slot& s, unsigned depth) const {
            std::vector<item> out;
            collect(s, depth, out);
            std::sort(out.begin(), out.end());
            return out;
        }
        static std::size_t rank(bitmap_t map, bitmap_t bit) {
            std::size_t n = 0;
            for (bitmap_t m = static_cast<bitmap_t>(map & (bit - 1)); m;
                 m = static_cast<bitmap_t>(m & (m - 1)))
                ++n;
            return n;
        }
        static const slot* child_at(const slot* s, bitmap_t bit) {
            if (!s || !(s->nodemap & bit)) return nullptr;
            return layout_t::child(*s, rank(s->nodemap, bit));
        }
        // Bytes of the nodes of r not in x, a subtree with the same elements (so, in canonical
        // form, the same shape).
        std::size_t fresh_bytes(const slot& r, const slot& x, unsigned depth) const {
            if (layout_t::base(r) == layout_t::base(x)) return 0;
            std::size_t bytes = Trie::arena_t::allocation_bytes(layout_t::base(r)); // shared
            if (depth < cd)
                for (std::size_t c = 0, nc = layout_t::child_count(r); c < nc; ++c)
                    bytes += fresh_bytes(*layout_t::child(r, c), *layout_t::child(x, c), depth + 1);
            return bytes;
        }
        void walk(const slot& r, const slot* a, const slot* b, unsigned depth) {
            const std::byte* rb = layout_t::base(r);
            if ((a && layout_t::base(*a) == rb) || (b && layout_t::base(*b) == rb)) {
                ++report.reused;
                return;
            }
            if (a || b) {
                const std::vector<item> rc = contents(r, depth);
                const slot* same = a && contents(*a, depth) == rc   ? a
                                   : b && contents(*b, depth) == rc ? b
                                                                    : nullptr;
                if (same) {
                    ++report.rebuilt;
                    report.rebuilt_bytes += fresh_bytes(r, *same, depth);
                    report.rebuilt_elements += rc.size();
                    return;
                }
            }
            if (depth == cd) return;
            for (bitmap_t all = r.nodemap; all; all = static_cast<bitmap_t>(all & (all - 1))) {
                const bitmap_t bit = static_cast<bitmap_t>(all & (~all + 1));
                walk(*layout_t::child(r, rank(r.nodemap, bit)), child_at(a, bit), child_at(b, bit),
                     depth + 1);
            }
        }
    };

    template <class C, class Proj>
    static ht_structure::reuse_report probe(const C& r, const C& a, const C& b, Proj proj) {
        using Trie = std::decay_t<decltype(r.t_)>;
        prober<Trie, Proj> p{r.t_, proj};
        auto root_of = [](const C& c) -> const typename Trie::slot* {
            return c.t_.root_.tagged ? &c.t_.root_ : nullptr;
        };
        if (r.t_.root_.tagged) p.walk(r.t_.root_, root_of(a), root_of(b), 0);
        return p.report;
    }
};
} // namespace hamt::detail

namespace {

using i64 = std::int64_t;
using str = std::string;

double fuzz_scale() {
    double scale = 1.0;
    if (const char* env = std::getenv("HAMT_FUZZ_SCALE")) {
        const double f = std::atof(env);
        if (f > 0) scale *= f;
    }
    return scale;
}

std::size_t scaled(std::size_t n, std::size_t floor = 8) {
    return std::max(floor, static_cast<std::size_t>(static_cast<double>(n) * fuzz_scale()));
}

// A hasher that counts its calls (all test hashers here wrap one): diff must not change the count.
long hash_calls = 0;
template <class Base>
struct counting : Base {
    template <class K>
    std::size_t operator()(const K& k) const {
        ++hash_calls;
        return Base::operator()(k);
    }
};

template <class K>
using std_hash = counting<hamt::hash<K>>;
using low_hash = counting<ht::low_bits_hash>;
using const_hash = counting<ht::constant_hash>;

template <class K, unsigned B, class H = std_hash<K>, class Policy = hamt::thread_safe>
using pset = hamt::persistent_set<K, H, std::equal_to<K>, std::allocator<K>, Policy, B>;
template <class K, class T, unsigned B, class H = std_hash<K>, class Policy = hamt::thread_safe>
using pmap = hamt::persistent_map<K, T, H, std::equal_to<K>, std::allocator<std::pair<const K, T>>,
                                  Policy, B>;

// The hamt::map / hamt::set of a persistent type (same key, hasher, allocator, bits).
template <class P>
struct plain_of;
template <class K, class H, class E, class A, class TP, unsigned B>
struct plain_of<hamt::persistent_set<K, H, E, A, TP, B>> {
    using type = hamt::set<K, H, E, A, B>;
};
template <class K, class T, class H, class E, class A, class TP, unsigned B>
struct plain_of<hamt::persistent_map<K, T, H, E, A, TP, B>> {
    using type = hamt::map<K, T, H, E, A, B>;
};

template <class C, class = void>
struct has_transient : std::false_type {};
template <class C>
struct has_transient<C, std::void_t<typename C::transient_type>> : std::true_type {};

// Elements as integers: a set's key, or a map's (key, mapped) pair; models hold the same.
template <class C, bool IsMap = ht::is_map_v<C>>
struct elems;
template <class C>
struct elems<C, false> {
    using K = typename C::key_type;
    using V = typename C::value_type;
    using item = i64;
    using model = std::unordered_set<i64>;
    static V value(i64 x) { return ht::make<K>(x); }
    static i64 key(i64 x) { return x; }
    static item of(const V& v) { return ht::get(v); }
    static void put(model& m, i64 x) { m.insert(x); }
};
template <class C>
struct elems<C, true> {
    using K = typename C::key_type;
    using T = typename C::mapped_type;
    using V = typename C::value_type;
    using item = std::pair<i64, i64>;
    using model = std::unordered_map<i64, i64>;
    static V value(const item& x) { return V(ht::make<K>(x.first), ht::make<T>(x.second)); }
    static i64 key(const item& x) { return x.first; }
    static item of(const V& v) { return {ht::get(v.first), ht::get(v.second)}; }
    static void put(model& m, const item& x) { m[x.first] = x.second; }
};

// A model's contents in order (as ht::snapshot gives a container's).
template <class M>
auto sorted(const M& m) {
    using item =
        std::conditional_t<std::is_same_v<M, std::unordered_set<i64>>, i64, std::pair<i64, i64>>;
    std::vector<item> out(m.begin(), m.end());
    std::sort(out.begin(), out.end());
    return out;
}

template <class C>
void inv(const C& c) {
#if HT_EXCEPTIONS
    try {
        hamt::debug::check_invariants(c);
    } catch (const hamt::debug::invariant_error& e) {
        FAIL("hamt::debug::check_invariants: " << e.what());
    }
#else
    hamt::debug::check_invariants(c); // prints the violation and aborts
#endif
    HT_ASSERT(hamt::debug::stats(c).size == c.size());
}

template <class C>
std::size_t node_bytes(const C& c) {
    return hamt::debug::stats(c).node_bytes;
}

std::uint64_t rnd(std::mt19937_64& rng, std::uint64_t n) {
    return n == 0 ? 0 : rng() % n;
}

// A map value for key k: one of three, so that re-setting a key often gives it its old value.
i64 value_for(i64 k, std::mt19937_64& rng) {
    return 10 * k + static_cast<i64>(rnd(rng, 3));
}

// C from items inserted one at a time in a random order: persistent types through a transient's
// single-element insert (never the bulk path). `like` gives the hasher and the allocator.
template <class C>
C build(const std::vector<typename elems<C>::item>& items, std::mt19937_64& rng,
        const C& like = C()) {
    auto order = items;
    std::shuffle(order.begin(), order.end(), rng);
    if constexpr (has_transient<C>::value) {
        typename C::transient_type t(0, like.hash_function(), like.key_eq(), like.get_allocator());
        for (const auto& x : order)
            t.insert(elems<C>::value(x));
        return std::move(t).persistent();
    } else {
        C c(0, like.hash_function(), like.key_eq(), like.get_allocator());
        for (const auto& x : order)
            c.insert(elems<C>::value(x));
        return c;
    }
}

// n distinct keys from [0, range), mapped to key_map(k); maps: values by value_for.
template <class C, class KeyMap>
typename elems<C>::model random_model(std::mt19937_64& rng, std::size_t n, i64 range,
                                      KeyMap key_map) {
    typename elems<C>::model m;
    while (m.size() < n) {
        const i64 k = key_map(static_cast<i64>(rnd(rng, static_cast<std::uint64_t>(range))));
        if constexpr (ht::is_map_v<C>)
            m.emplace(k, value_for(k, rng));
        else
            m.insert(k);
    }
    return m;
}
template <class C>
typename elems<C>::model random_model(std::mt19937_64& rng, std::size_t n, i64 range) {
    return random_model<C>(rng, n, range, [](i64 k) { return k; });
}

// One random edit of a persistent version and its model, by an update on the version (lvalue
// or &&): an absent key is inserted, a present one erased; maps also give a present key a new
// value, which may be its old one, or explicitly its old one (new nodes, equal contents).
template <class P>
void edit_version(P& p, typename elems<P>::model& m, std::mt19937_64& rng, i64 range) {
    using K = typename P::key_type;
    const i64 k = static_cast<i64>(rnd(rng, static_cast<std::uint64_t>(range)));
    const bool present = m.count(k) != 0;
    const unsigned how = static_cast<unsigned>(rnd(rng, 10));
    const K key = ht::make<K>(k);
    if constexpr (ht::is_map_v<P>) {
        using T = typename P::mapped_type;
        if (!present) {
            const i64 v = value_for(k, rng);
            p = how < 5 ? p.set(key, ht::make<T>(v))
                        : std::move(p).insert(typename P::value_type(key, ht::make<T>(v)));
            m[k] = v;
        } else if (how < 4) {
            p = how < 2 ? p.erase(key) : std::move(p).erase(key);
            m.erase(k);
        } else if (how < 8) {
            const i64 v = value_for(k, rng);
            p = p.set(key, ht::make<T>(v));
            m[k] = v;
        } else {
            p = std::move(p).set(key, ht::make<T>(m[k]));
        }
    } else {
        if (!present) {
            p = how < 5 ? p.insert(key) : std::move(p).insert(key);
            m.insert(k);
        } else {
            p = how < 5 ? p.erase(key) : std::move(p).erase(key);
            m.erase(k);
        }
    }
}

// The same through a transient.
template <class Tr, class M>
void edit_transient(Tr& t, M& m, std::mt19937_64& rng, i64 range) {
    using K = typename Tr::key_type;
    const i64 k = static_cast<i64>(rnd(rng, static_cast<std::uint64_t>(range)));
    const bool present = m.count(k) != 0;
    const unsigned how = static_cast<unsigned>(rnd(rng, 10));
    const K key = ht::make<K>(k);
    if constexpr (ht::is_map_v<Tr>) {
        using T = typename Tr::mapped_type;
        if (!present || how >= 4) {
            const i64 v = !present || how < 8 ? value_for(k, rng) : m[k];
            if (!present && how < 5)
                t.insert(typename Tr::value_type(key, ht::make<T>(v)));
            else
                t.insert_or_assign(key, ht::make<T>(v));
            m[k] = v;
        } else {
            HT_ASSERT(t.erase(key) == 1);
            m.erase(k);
        }
    } else {
        if (!present) {
            HT_ASSERT(t.insert(key).second);
            m.insert(k);
        } else {
            HT_ASSERT(t.erase(key) == 1);
            m.erase(k);
        }
    }
}

// k random edits of p: up to 100 as updates of the version, more through a transient (taken
// from a copy or from p itself); either way p keeps sharing what the edits did not touch with
// every version it was copied from.
template <class P>
void edit(P& p, typename elems<P>::model& m, std::size_t k, std::mt19937_64& rng, i64 range) {
    if (k <= 100) {
        for (std::size_t i = 0; i < k; ++i)
            edit_version(p, m, rng, range);
        return;
    }
    auto t = rnd(rng, 2) ? p.transient() : std::move(p).transient();
    for (std::size_t i = 0; i < k; ++i)
        edit_transient(t, m, rng, range);
    p = std::move(t).persistent();
}

// Calls f(kind, a, b, model of a, model of b) for pairs of versions of every kind, about n
// elements each, keys from [0, 2n). Containers built from scratch take their hasher from
// like_a, or for the b of a pair built apart from a, from like_b.
template <class P, class F>
void for_each_case(std::mt19937_64& rng, std::size_t n, F&& f, const P& like_a = P(),
                   const P& like_b = P()) {
    using model = typename elems<P>::model;
    const i64 range = static_cast<i64>(2 * n);
    auto fresh = [&](model& m, std::size_t size, const P& like) {
        m = random_model<P>(rng, size, range);
        return build<P>(sorted(m), rng, like);
    };
    {
        model ma, mb;
        const P a = fresh(ma, n, like_a), b = fresh(mb, n / 2 + rnd(rng, n), like_b);
        f("independent", a, b, ma, mb);
    }
    for (const std::size_t k :
         {std::size_t(0), std::size_t(1), std::size_t(10), std::size_t(100), scaled(10000, 100)}) {
        model ma;
        const P a = fresh(ma, n, like_a);
        P b = a;
        model mb = ma;
        edit(b, mb, k, rng, range);
        f("b derived from a by " + std::to_string(k) + " random edits", a, b, ma, mb);
    }
    for (const std::size_t per_mille : {10, 100}) {
        model base_m;
        const P base = fresh(base_m, n, like_a);
        P a = base, b = base;
        model ma = base_m, mb = base_m;
        const std::size_t k = n * per_mille / 1000 + 1;
        edit(a, ma, k, rng, range);
        edit(b, mb, k, rng, range);
        f("two versions of one base, " + std::to_string(k) + " own edits each", a, b, ma, mb);
    }
    {
        model ma;
        const P a = fresh(ma, n, like_a);
        f("equal, sharing their root", a, P(a), ma, ma);
        f("equal, built apart", a, build<P>(sorted(ma), rng, like_b), ma, ma);
        f("one empty", a, P(like_b), ma, model());
        f("both empty", P(like_a), P(like_b), model(), model());
        P b = a;
        model mb = ma;
        for (const auto& x : sorted(ma))
            if (rnd(rng, 10) == 0) {
                b = b.erase(ht::make<typename P::key_type>(elems<P>::key(x)));
                mb.erase(elems<P>::key(x));
            }
        f("b = a with a tenth erased", a, b, ma, mb);
        model half;
        for (const auto& x : sorted(ma))
            if (rnd(rng, 2)) half.insert(x);
        f("b = half of a, built apart", a, build<P>(sorted(half), rng, like_b), ma, half);
    }
    {
        const model ma = random_model<P>(rng, n, range, [](i64 k) { return 2 * k; });
        const model mb = random_model<P>(rng, n, range, [](i64 k) { return 2 * k + 1; });
        f("disjoint", build<P>(sorted(ma), rng, like_a), build<P>(sorted(mb), rng, like_b), ma, mb);
    }
    if constexpr (ht::is_map_v<P>) {
        using K = typename P::key_type;
        using T = typename P::mapped_type;
        model ma;
        const P a = fresh(ma, n, like_a);
        P same = a, changed = a;
        model mc = ma;
        for (const auto& x : sorted(ma)) {
            if (rnd(rng, 8) == 0) same = same.set(ht::make<K>(x.first), ht::make<T>(x.second));
            if (rnd(rng, 8) == 0) {
                const i64 v = x.second + 1;
                changed = changed.set(ht::make<K>(x.first), ht::make<T>(v));
                mc[x.first] = v;
            }
        }
        f("b = a with an eighth re-set to equal values", a, same, ma, ma);
        f("b = a with an eighth given new values", a, changed, ma, mc);
    }
}

// ---------------------------------------------------------------------------------------------
// diff

// diff(before, after) against the models: what it reports, that it hashes nothing, that each
// element it passes is the container's own, and that applying it to `before` gives `after`.
template <class C, class M>
void check_diff(const C& before, const C& after, const M& m_before, const M& m_after) {
    using E = elems<C>;
    using V = typename C::value_type;
    using item = typename E::item;
    std::vector<const V*> added, removed;
    std::vector<std::pair<const V*, const V*>> changed;
    auto on_added = [&](const V& v) { added.push_back(&v); };
    auto on_removed = [&](const V& v) { removed.push_back(&v); };
    const long hashed = hash_calls;
    if constexpr (ht::is_map_v<C>) {
        hamt::diff(before, after, on_added, on_removed,
                   [&](const V& old, const V& now) { changed.emplace_back(&old, &now); });
    } else {
        hamt::diff(before, after, on_added, on_removed);
    }
    HT_ASSERT(hash_calls == hashed); // diff never hashes a key

    std::vector<item> want_added, want_removed, got_added, got_removed;
    std::vector<std::tuple<i64, i64, i64>> want_changed, got_changed; // key, old, now
    for (const auto& x : m_after) {
        const auto it = m_before.find(E::key(x));
        if (it == m_before.end()) {
            want_added.push_back(x);
        } else if constexpr (ht::is_map_v<C>) {
            if (it->second != x.second) want_changed.emplace_back(x.first, it->second, x.second);
        }
    }
    for (const auto& x : m_before)
        if (!m_after.count(E::key(x))) want_removed.push_back(x);
    for (const V* p : added)
        got_added.push_back(E::of(*p));
    for (const V* p : removed)
        got_removed.push_back(E::of(*p));
    for (const auto& c : changed) {
        HT_ASSERT(ht::get(ht::key_of(*c.first)) == ht::get(ht::key_of(*c.second)));
        if constexpr (ht::is_map_v<C>)
            got_changed.emplace_back(ht::get(c.first->first), ht::get(c.first->second),
                                     ht::get(c.second->second));
    }
    for (auto* v : {&want_added, &want_removed, &got_added, &got_removed})
        std::sort(v->begin(), v->end());
    std::sort(want_changed.begin(), want_changed.end());
    std::sort(got_changed.begin(), got_changed.end());
    HT_ASSERT(got_added == want_added);
    HT_ASSERT(got_removed == want_removed);
    HT_ASSERT(got_changed == want_changed);

    // The elements passed are those in the containers, not copies.
    for (const V* p : added) {
        const auto it = after.find(ht::key_of(*p));
        HT_ASSERT(it != after.end() && &*it == p);
    }
    for (const V* p : removed) {
        const auto it = before.find(ht::key_of(*p));
        HT_ASSERT(it != before.end() && &*it == p);
    }
    for (const auto& c : changed) {
        HT_ASSERT(&*before.find(ht::key_of(*c.first)) == c.first);
        HT_ASSERT(&*after.find(ht::key_of(*c.second)) == c.second);
    }

    // diff(before, after) applied to before gives after.
    auto apply = [&](auto& t) {
        for (const V* p : removed)
            HT_ASSERT(t.erase(ht::key_of(*p)) == 1);
        for (const V* p : added)
            HT_ASSERT(t.insert(*p).second);
        if constexpr (ht::is_map_v<C>)
            for (const auto& c : changed)
                HT_ASSERT(!t.insert_or_assign(c.second->first, c.second->second).second);
    };
    if constexpr (has_transient<C>::value) {
        auto t = before.transient();
        apply(t);
        const C result = std::move(t).persistent();
        HT_ASSERT(result == after);
        inv(result);
    } else {
        C t = before;
        apply(t);
        HT_ASSERT(t == after);
        inv(t);
    }
}

// The same pair as hamt::map / hamt::set (two independent tries): a built from its model, b a
// copy of a changed into b's model by erase, insert and insert_or_assign (so its nodes went
// through growth and collapse), which must equal b built directly.
template <class P, class M>
void check_plain_diff(const M& ma, const M& mb, std::mt19937_64& rng) {
    using C = typename plain_of<P>::type;
    using E = elems<C>;
    const C a = build<C>(sorted(ma), rng);
    C b = a;
    for (const auto& x : ma)
        if (!mb.count(E::key(x))) b.erase(ht::make<typename C::key_type>(E::key(x)));
    for (const auto& x : mb) {
        if constexpr (ht::is_map_v<C>)
            b.insert_or_assign(ht::make<typename C::key_type>(x.first),
                               ht::make<typename C::mapped_type>(x.second));
        else
            b.insert(ht::make<typename C::key_type>(x));
    }
    HT_ASSERT(ht::snapshot(b) == sorted(mb));
    inv(b);
    HT_ASSERT(b == build<C>(sorted(mb), rng));
    check_diff(a, b, ma, mb);
    check_diff(b, a, mb, ma);
}

// ---------------------------------------------------------------------------------------------
// Set algebra

// r has the expected contents, passes check_invariants, and equals (node by node) the same
// contents built one element at a time.
template <class P, class Item>
void check_result(const char* what, const P& r, const std::vector<Item>& expected,
                  std::mt19937_64& rng) {
    INFO(what);
    HT_ASSERT(ht::snapshot(r) == expected);
    inv(r);
    HT_ASSERT(r == build<P>(expected, rng, r));
}

template <class P>
void check_set_algebra(const P& a, const P& b, const std::unordered_set<i64>& ma,
                       const std::unordered_set<i64>& mb, std::mt19937_64& rng) {
    const auto sa = sorted(ma), sb = sorted(mb);
    std::vector<i64> eu, ei, ed, es;
    std::set_union(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(eu));
    std::set_intersection(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(ei));
    std::set_difference(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(ed));
    std::set_symmetric_difference(sa.begin(), sa.end(), sb.begin(), sb.end(),
                                  std::back_inserter(es));
    const P u = hamt::set_union(a, b);
    const P i = hamt::set_intersection(a, b);
    const P d = hamt::set_difference(a, b);
    const P s = hamt::set_symmetric_difference(a, b);
    check_result("set_union", u, eu, rng);
    check_result("set_intersection", i, ei, rng);
    check_result("set_difference", d, ed, rng);
    check_result("set_symmetric_difference", s, es, rng);
    HT_ASSERT((a | b) == u);
    HT_ASSERT((a & b) == i);
    HT_ASSERT((a - b) == d);
    HT_ASSERT((a ^ b) == s);
    HT_ASSERT(hamt::is_subset(a, b) == std::includes(sb.begin(), sb.end(), sa.begin(), sa.end()));
    HT_ASSERT(hamt::is_disjoint(a, b) == ei.empty());

    // Identities.
    HT_ASSERT((a | a) == a);
    HT_ASSERT((a & a) == a);
    HT_ASSERT((a - a).empty());
    HT_ASSERT((a ^ a).empty());
    HT_ASSERT((b | a) == u);
    HT_ASSERT((b & a) == i);
    HT_ASSERT((b ^ a) == s);
    HT_ASSERT((d | i) == a); // (a - b) | (a & b) == a
    const P d_ba = b - a;
    HT_ASSERT(s == (d | d_ba)); // a ^ b == (a - b) | (b - a)
    HT_ASSERT(hamt::is_subset(i, a) && hamt::is_subset(i, b));
    HT_ASSERT(hamt::is_subset(a, u) && hamt::is_subset(b, u) && hamt::is_subset(d, a));
    HT_ASSERT(hamt::is_disjoint(d, b) && hamt::is_disjoint(d, d_ba) && hamt::is_disjoint(s, i));
    HT_ASSERT((hamt::is_subset(a, b) && hamt::is_subset(b, a)) == (a == b));
    HT_ASSERT(u.size() + i.size() == a.size() + b.size());
    const P none(a.hash_function(), a.key_eq(), a.get_allocator());
    HT_ASSERT((a | none) == a && (none | a) == a);
    HT_ASSERT((a & none).empty() && (none & a).empty());
    HT_ASSERT((a - none) == a && (none - a).empty());
    HT_ASSERT((a ^ none) == a && (none ^ a) == a);
    HT_ASSERT(hamt::is_subset(none, a) && hamt::is_disjoint(a, none) && hamt::is_disjoint(none, a));
    HT_ASSERT(hamt::is_subset(a, none) == a.empty());
}

template <class P>
void check_map_algebra(const P& a, const P& b, const std::unordered_map<i64, i64>& ma,
                       const std::unordered_map<i64, i64>& mb, std::mt19937_64& rng) {
    using K = typename P::key_type;
    using T = typename P::mapped_type;
    using item = std::pair<i64, i64>;
    std::vector<item> want_union, want_diff, want_merge, want_inter;
    std::vector<i64> common;
    for (const auto& x : sorted(ma)) {
        want_union.push_back(x);
        const auto it = mb.find(x.first);
        if (it == mb.end()) {
            want_diff.push_back(x);
            want_merge.push_back(x);
        } else {
            common.push_back(x.first);
            want_merge.emplace_back(x.first, x.second + it->second);
            want_inter.emplace_back(x.first, 3 * x.second + it->second);
        }
    }
    for (const auto& x : sorted(mb))
        if (!ma.count(x.first)) {
            want_union.push_back(x);
            want_merge.push_back(x);
        }
    std::sort(want_union.begin(), want_union.end());
    std::sort(want_merge.begin(), want_merge.end());

    const P u = hamt::set_union(a, b);
    check_result("map set_union (a's values win)", u, want_union, rng);
    const P d = hamt::set_difference(a, b);
    check_result("map set_difference", d, want_diff, rng);

    // f is not idempotent (a sum, and its calls are counted): called once for each key in both,
    // with (key, a's value, b's value), shared subtrees included.
    std::vector<i64> calls;
    auto sum = [&](const K& k, const T& x, const T& y) {
        calls.push_back(ht::get(k));
        HT_ASSERT(ma.at(ht::get(k)) == ht::get(x) && mb.at(ht::get(k)) == ht::get(y));
        return ht::make<T>(ht::get(x) + ht::get(y));
    };
    const P m = hamt::merge_with(a, b, sum);
    std::sort(calls.begin(), calls.end());
    HT_ASSERT(calls == common);
    check_result("merge_with", m, want_merge, rng);
    calls.clear();
    const P i = hamt::intersect_with(a, b, [&](const K& k, const T& x, const T& y) {
        calls.push_back(ht::get(k));
        HT_ASSERT(ma.at(ht::get(k)) == ht::get(x) && mb.at(ht::get(k)) == ht::get(y));
        return ht::make<T>(3 * ht::get(x) + ht::get(y));
    });
    std::sort(calls.begin(), calls.end());
    HT_ASSERT(calls == common);
    check_result("intersect_with", i, want_inter, rng);

    // Identities; a with itself shares everything, and f is still called for every key.
    long n_calls = 0;
    auto keep_a = [&](const K&, const T& x, const T&) {
        ++n_calls;
        return x;
    };
    HT_ASSERT(hamt::merge_with(a, b, keep_a) == u);
    HT_ASSERT(n_calls == static_cast<long>(common.size()));
    HT_ASSERT(hamt::set_union(a, a) == a);
    HT_ASSERT(hamt::set_difference(a, a).empty());
    n_calls = 0;
    HT_ASSERT(hamt::merge_with(a, a, keep_a) == a);
    HT_ASSERT(n_calls == static_cast<long>(a.size()));
    n_calls = 0;
    HT_ASSERT(hamt::intersect_with(a, a, keep_a) == a);
    HT_ASSERT(n_calls == static_cast<long>(a.size()));
    // Node by node: where every value f returns equals the old one, the result is a's nodes;
    // where f changes every value, nothing of a shared subtree is kept (f's values are new).
    if (!a.empty()) {
        HT_ASSERT(hamt::debug::shared_bytes(hamt::merge_with(a, a, keep_a), a) == node_bytes(a));
        HT_ASSERT(hamt::debug::shared_bytes(hamt::intersect_with(a, a, keep_a), a) ==
                  node_bytes(a));
        auto plus_one = [](const K&, const T& x, const T&) { return ht::make<T>(ht::get(x) + 1); };
        const P up = hamt::merge_with(a, a, plus_one);
        HT_ASSERT(hamt::debug::shared_bytes(up, a) == 0);
        HT_ASSERT(up.size() == a.size());
        for (const auto& x : a)
            HT_ASSERT(ht::get(up.at(x.first)) == ht::get(x.second) + 1);
        inv(up);
    }
    n_calls = 0;
    HT_ASSERT(hamt::intersect_with(a, b, keep_a) == hamt::set_difference(a, d));
    HT_ASSERT(n_calls == static_cast<long>(common.size()));
    HT_ASSERT(hamt::set_union(d, i).size() == a.size());
    const P none(a.hash_function(), a.key_eq(), a.get_allocator());
    n_calls = 0;
    HT_ASSERT(hamt::set_union(a, none) == a && hamt::set_union(none, a) == a);
    HT_ASSERT(hamt::set_difference(a, none) == a && hamt::set_difference(none, a).empty());
    HT_ASSERT(hamt::merge_with(a, none, keep_a) == a && hamt::merge_with(none, a, keep_a) == a);
    HT_ASSERT(hamt::intersect_with(a, none, keep_a).empty());
    HT_ASSERT(n_calls == 0);
}

// Every kind of pair for one container type: diff both ways (also as hamt::map / hamt::set),
// the set algebra both ways.
template <class P>
void run_pairs(const char* name, std::uint64_t seed, std::size_t n0) {
    const std::size_t n = scaled(n0);
    std::printf("structure pairs: %s, seed 0x%llX, n %zu\n", name,
                static_cast<unsigned long long>(seed), n);
    std::fflush(stdout);
    std::mt19937_64 rng(seed);
    using M = typename elems<P>::model;
    for_each_case<P>(
        rng, n, [&](const std::string& kind, const P& a, const P& b, const M& ma, const M& mb) {
            INFO(name << ", seed 0x" << std::hex << seed << std::dec << ", n " << n << ", pair: "
                      << kind << " (sizes " << ma.size() << " and " << mb.size() << ")");
            HT_ASSERT(ht::snapshot(a) == sorted(ma));
            HT_ASSERT(ht::snapshot(b) == sorted(mb));
            inv(a);
            inv(b);
            check_diff(a, b, ma, mb);
            check_diff(b, a, mb, ma);
            check_plain_diff<P>(ma, mb, rng);
            if constexpr (ht::is_map_v<P>) {
                check_map_algebra(a, b, ma, mb, rng);
                check_map_algebra(b, a, mb, ma, rng);
            } else {
                check_set_algebra(a, b, ma, mb, rng);
                check_set_algebra(b, a, mb, ma, rng);
            }
            // The inputs are unchanged.
            HT_ASSERT(ht::snapshot(a) == sorted(ma));
            HT_ASSERT(ht::snapshot(b) == sorted(mb));
        });
}

} // namespace

TEST_CASE("diff and set algebra: set<int64>, B=5, B=2, B=6", "[structure][diff][algebra]") {
    run_pairs<pset<i64, 5>>("set<int64> B=5", 0x57C0001, 2000);
    HT_FULL_ONLY(run_pairs<pset<i64, 2>>("set<int64> B=2", 0x57C0002, 700);)
    HT_FULL_ONLY(run_pairs<pset<i64, 6, std_hash<i64>, hamt::single_thread>>(
                     "set<int64> B=6 single_thread", 0x57C0003, 1500);)
}

// Inputs of more than 65,536 elements in all, which the merges prefetch for (algebra.hpp).
TEST_CASE("diff and set algebra: large sets (independent; 500 edits apart)",
          "[structure][algebra]") {
    using P = pset<i64, 5>;
    std::mt19937_64 rng(0x57C0004);
    INFO("seed 0x57C0004");
    const std::size_t n = 40000;
    const i64 range = static_cast<i64>(3 * n);
    std::unordered_set<i64> ma = random_model<P>(rng, n, range),
                            mb = random_model<P>(rng, n, range);
    const P a = build<P>(sorted(ma), rng, P()), b = build<P>(sorted(mb), rng, P());
    check_set_algebra(a, b, ma, mb, rng);
    P c = a;
    std::unordered_set<i64> mc = ma;
    edit(c, mc, 500, rng, range);
    check_set_algebra(a, c, ma, mc, rng);
    check_set_algebra(c, a, mc, ma, rng);
}

TEST_CASE("diff and set algebra: set<int64> with colliding hashes", "[structure][diff][algebra]") {
    run_pairs<pset<i64, 5, low_hash>>("set<int64> B=5, hash = key & 0xF", 0x57C0011, 300);
    HT_FULL_ONLY(
        run_pairs<pset<i64, 2, low_hash>>("set<int64> B=2, hash = key & 0xF", 0x57C0012, 200);)
    HT_FULL_ONLY(
        run_pairs<pset<i64, 5, const_hash>>("set<int64> B=5, constant hash", 0x57C0013, 60);)
    HT_FULL_ONLY(
        run_pairs<pset<i64, 6, const_hash>>("set<int64> B=6, constant hash", 0x57C0014, 40);)
}

TEST_CASE("diff and set algebra: set<string>", "[structure][diff][algebra]") {
    run_pairs<pset<str, 5>>("set<string> B=5", 0x57C0021, 800);
    HT_FULL_ONLY(
        run_pairs<pset<str, 3, low_hash>>("set<string> B=3, hash = key & 0xF", 0x57C0022, 200);)
    HT_FULL_ONLY(
        run_pairs<pset<str, 2, const_hash>>("set<string> B=2, constant hash", 0x57C0023, 40);)
}

TEST_CASE("diff and map algebra: map<int64, int64>", "[structure][diff][algebra]") {
    run_pairs<pmap<i64, i64, 5>>("map<int64, int64> B=5", 0x57C0031, 1500);
    HT_FULL_ONLY(run_pairs<pmap<i64, i64, 2>>("map<int64, int64> B=2", 0x57C0032, 500);)
    HT_FULL_ONLY(run_pairs<pmap<i64, i64, 6>>("map<int64, int64> B=6", 0x57C0033, 800);)
    HT_FULL_ONLY(run_pairs<pmap<i64, i64, 5, low_hash>>("map<int64, int64> B=5, hash = key & 0xF",
                                                        0x57C0034, 250);)
    HT_FULL_ONLY(run_pairs<pmap<i64, i64, 3, const_hash>>("map<int64, int64> B=3, constant hash",
                                                          0x57C0035, 50);)
}

TEST_CASE("diff and map algebra: map<string, string>", "[structure][diff][algebra]") {
    run_pairs<pmap<str, str, 5>>("map<string, string> B=5", 0x57C0041, 600);
    HT_FULL_ONLY(run_pairs<pmap<str, str, 2, low_hash>>("map<string, string> B=2, hash = key & 0xF",
                                                        0x57C0042, 150);)
}

namespace {

// The same pairs under a stateful hasher (ht::seeded_hash): a pair built apart may hash with
// other seeds (the same key at other places in the two tries), a pair derived from one
// another shares its hasher with its nodes.
template <class P>
void run_seeded_pairs(const char* name, std::uint64_t seed, std::size_t n0, std::uint64_t seed_a,
                      std::uint64_t seed_b) {
    const std::size_t n = scaled(n0);
    std::printf("structure pairs: %s, seed 0x%llX, n %zu, hash seeds 0x%llX and 0x%llX\n", name,
                static_cast<unsigned long long>(seed), n, static_cast<unsigned long long>(seed_a),
                static_cast<unsigned long long>(seed_b));
    std::fflush(stdout);
    std::mt19937_64 rng(seed);
    using M = typename elems<P>::model;
    const P like_a{typename P::hasher(seed_a)}, like_b{typename P::hasher(seed_b)};
    for_each_case<P>(
        rng, n,
        [&](const std::string& kind, const P& a, const P& b, const M& ma, const M& mb) {
            INFO(name << ", seed 0x" << std::hex << seed << ", hash seeds 0x" << seed_a << " and 0x"
                      << seed_b << std::dec << ", pair: " << kind << " (sizes " << ma.size()
                      << " and " << mb.size() << ")");
            HT_ASSERT(ht::snapshot(a) == sorted(ma));
            HT_ASSERT(ht::snapshot(b) == sorted(mb));
            check_diff(a, b, ma, mb);
            check_diff(b, a, mb, ma);
            if constexpr (ht::is_map_v<P>) {
                check_map_algebra(a, b, ma, mb, rng);
                check_map_algebra(b, a, mb, ma, rng);
            } else {
                check_set_algebra(a, b, ma, mb, rng);
                check_set_algebra(b, a, mb, ma, rng);
            }
        },
        like_a, like_b);
}

} // namespace

TEST_CASE("diff and set algebra: stateful hashers, pairs hashing with different seeds",
          "[structure][diff][algebra][seeded]") {
    run_seeded_pairs<pset<i64, 5, ht::seeded_hash>>("set<int64> B=5, seeded_hash", 0x57C0051, 600,
                                                    0x1234, 0xABCDEF);
    HT_FULL_ONLY(run_seeded_pairs<pset<i64, 2, ht::seeded_hash>>(
                     "set<int64> B=2, seeded_hash, one seed", 0x57C0052, 300, 0x77, 0x77);)
    HT_FULL_ONLY(run_seeded_pairs<pmap<i64, i64, 4, ht::seeded_hash>>(
                     "map<int64, int64> B=4, seeded_hash", 0x57C0053, 500, 0x99, 0x4242);)
}

namespace {

// Every pair of subsets of a universe of four or five keys (maps: values differ for some keys),
// b built apart and b derived from a by updates: the small shapes (a lone root entry against a
// chain to a collision node, a collision node of two against one of three, ...) that random
// pairs of many elements rarely make.
template <class P>
void run_small_pairs(const char* name, const std::vector<i64>& universe) {
    std::printf("structure small pairs: %s, all pairs of subsets of %zu keys\n", name,
                universe.size());
    std::fflush(stdout);
    using E = elems<P>;
    using K = typename P::key_type;
    using M = typename E::model;
    std::mt19937_64 rng(0x5A11 + universe.size());
    const unsigned subsets = 1u << universe.size();
    auto model_of = [&](unsigned mask, unsigned values) {
        M m;
        for (std::size_t i = 0; i < universe.size(); ++i)
            if (mask >> i & 1) {
                if constexpr (ht::is_map_v<P>)
                    m.emplace(universe[i], 10 * universe[i] + (values >> i & 1));
                else
                    m.insert(universe[i]);
            }
        return m;
    };
    for (unsigned ma_bits = 0; ma_bits < subsets; ++ma_bits)
        for (unsigned mb_bits = 0; mb_bits < subsets; ++mb_bits) {
            const M ma = model_of(ma_bits, 0), mb = model_of(mb_bits, mb_bits * 7 % subsets);
            const P a = build<P>(sorted(ma), rng);
            P derived = a;
            for (const auto& x : sorted(ma))
                if (!mb.count(E::key(x))) derived = derived.erase(ht::make<K>(E::key(x)));
            for (const auto& x : sorted(mb)) {
                if constexpr (ht::is_map_v<P>)
                    derived = derived.set(ht::make<K>(x.first),
                                          ht::make<typename P::mapped_type>(x.second));
                else
                    derived = derived.insert(ht::make<K>(x));
            }
            const P apart = build<P>(sorted(mb), rng);
            // Both orders are checked below: of the pairs built apart, (x, y) covers (y, x).
            for (const P* b : std::initializer_list<const P*>{&derived, &apart}) {
                if (b == &apart && mb_bits < ma_bits) continue;
                INFO(name << ", a = subset " << ma_bits << ", b = subset " << mb_bits
                          << (b == &derived ? ", derived from a" : ", built apart"));
                HT_ASSERT(ht::snapshot(*b) == sorted(mb));
                inv(*b);
                check_diff(a, *b, ma, mb);
                check_diff(*b, a, mb, ma);
                if constexpr (ht::is_map_v<P>) {
                    check_map_algebra(a, *b, ma, mb, rng);
                    check_map_algebra(*b, a, mb, ma, rng);
                } else {
                    check_set_algebra(a, *b, ma, mb, rng);
                    check_set_algebra(*b, a, mb, ma, rng);
                }
            }
            check_plain_diff<P>(ma, mb, rng);
        }
}

} // namespace

TEST_CASE("diff and set algebra: every pair of small sets and maps, colliding or not",
          "[structure][diff][algebra][small]") {
    // hash = key & 0xF: 0, 16 and 32 collide, and 1 and 17.
    const std::vector<i64> five{0, 1, 2, 3, 4}, low{0, 16, 32, 1, 17};
    run_small_pairs<pset<i64, 5>>("set<int64> B=5", {0, 1, 2, 3});
    HT_FULL_ONLY(run_small_pairs<pset<i64, 2, const_hash>>("set<int64> B=2, constant hash", five);)
    HT_FULL_ONLY(run_small_pairs<pset<i64, 3, low_hash>>("set<int64> B=3, hash = key & 0xF", low);)
    HT_FULL_ONLY(run_small_pairs<pmap<i64, i64, 4, const_hash>>(
                     "map<int64, int64> B=4, constant hash", {0, 1, 2, 3});)
    HT_FULL_ONLY(run_small_pairs<pmap<i64, i64, 5, low_hash>>(
                     "map<int64, int64> B=5, hash = key & 0xF", {0, 16, 32, 1});)
}

// ---------------------------------------------------------------------------------------------
// Sharing

namespace {

// Persistent containers whose allocations are counted.
template <class K, unsigned B, class H = std_hash<K>>
using aset = hamt::persistent_set<K, H, std::equal_to<K>, ht::test_alloc<K>, hamt::thread_safe, B>;
template <class K, class T, unsigned B, class H = std_hash<K>>
using amap = hamt::persistent_map<K, T, H, std::equal_to<K>, ht::test_alloc<std::pair<const K, T>>,
                                  hamt::thread_safe, B>;

// What one path of nodes may cost at most, as bytes the result of an operation on versions one
// edit apart may not share with its input (root to leaf, or to a collision node, at these
// sizes).
constexpr std::size_t path_bytes = 4096;

template <class P>
void check_sharing(const char* name, std::uint64_t seed, std::size_t n0) {
    using E = elems<P>;
    using K = typename P::key_type;
    using model = typename E::model;
    // Scaled down, never up: the path bound assumes collision nodes of about these sizes.
    const std::size_t n = std::min(n0, scaled(n0, 64));
    std::printf("structure sharing: %s, seed 0x%llX, n %zu\n", name,
                static_cast<unsigned long long>(seed), n);
    std::fflush(stdout);
    INFO(name << ", seed 0x" << std::hex << seed << std::dec << ", n " << n);
    std::mt19937_64 rng(seed);
    ht::alloc_state st;
    {
        const P like{typename P::hasher(), typename P::key_equal(),
                     typename P::allocator_type(&st)};
        const i64 range = static_cast<i64>(2 * n);
        const model ma = random_model<P>(rng, n, range);
        const P a = build<P>(sorted(ma), rng, like);
        const std::size_t na = node_bytes(a);
        HT_ASSERT(na > 0);

        // With itself and its copies: everything; with equal contents built apart, unrelated
        // versions and empty ones: nothing.
        HT_ASSERT(hamt::debug::shared_bytes(a, a) == na);
        const P copy = a;
        HT_ASSERT(hamt::debug::shared_bytes(a, copy) == na);
        HT_ASSERT(hamt::debug::shared_bytes(copy, a) == na);
        const P rebuilt = build<P>(sorted(ma), rng, like);
        HT_ASSERT(rebuilt == a); // (its node bytes may differ: slack depends on the history)
        HT_ASSERT(hamt::debug::shared_bytes(a, rebuilt) == 0);
        const P other = build<P>(sorted(random_model<P>(rng, n, range)), rng, like);
        HT_ASSERT(hamt::debug::shared_bytes(a, other) == 0);
        HT_ASSERT(hamt::debug::shared_bytes(other, a) == 0);
        const P none(like);
        HT_ASSERT(hamt::debug::shared_bytes(a, none) == 0);
        HT_ASSERT(hamt::debug::shared_bytes(none, a) == 0);
        HT_ASSERT(hamt::debug::shared_bytes(none, none) == 0);

        // Versions one edit apart: an insert, an erase, a replacement (erase one, insert
        // another), maps also a new value. Their union and intersection share all of `a` but
        // about a path, and allocate one path at most.
        const auto keys = sorted(ma);
        for (int e = 0; e < 40; ++e) {
            const int kind = e % (ht::is_map_v<P> ? 4 : 3);
            INFO("edit #" << e << " of kind " << kind);
            P b = a;
            model mb = ma;
            const i64 fresh_key = range + e; // absent from a
            const auto& old_item = keys[rnd(rng, keys.size())];
            const i64 old_key = E::key(old_item);
            if (kind == 0 || kind == 2) {
                if constexpr (ht::is_map_v<P>) {
                    b = b.set(ht::make<K>(fresh_key), ht::make<typename P::mapped_type>(7));
                    mb[fresh_key] = 7;
                } else {
                    b = b.insert(ht::make<K>(fresh_key));
                    mb.insert(fresh_key);
                }
            }
            if (kind == 1 || kind == 2) {
                b = b.erase(ht::make<K>(old_key));
                mb.erase(old_key);
            }
            if constexpr (ht::is_map_v<P>) {
                if (kind == 3) {
                    b = b.set(ht::make<K>(old_key),
                              ht::make<typename P::mapped_type>(mb[old_key] + 1));
                    ++mb[old_key];
                }
            }
            HT_ASSERT(ht::snapshot(b) == sorted(mb));
            const std::size_t sab = hamt::debug::shared_bytes(a, b);
            HT_ASSERT(sab == hamt::debug::shared_bytes(b, a));
            INFO("a: " << na << " node bytes, b: " << node_bytes(b) << ", shared " << sab);
            const std::size_t paths = kind == 2 ? 2 : 1; // a replacement changes two paths
            HT_ASSERT(sab < na && sab + paths * path_bytes >= na);
            HT_ASSERT(sab + paths * path_bytes >= node_bytes(b));

            const long before_union = st.allocs;
            const P u = hamt::set_union(a, b);
            const long union_allocs = st.allocs - before_union;
            INFO("union allocated " << union_allocs << " blocks, max depth "
                                    << hamt::debug::stats(u).max_depth);
            HT_ASSERT(union_allocs <= static_cast<long>(hamt::debug::stats(u).max_depth) + 1);
            HT_ASSERT(hamt::debug::shared_bytes(u, a) + path_bytes >= na);
            inv(u);
            if constexpr (!ht::is_map_v<P>) {
                const long before_inter = st.allocs;
                const P i = hamt::set_intersection(a, b);
                const long inter_allocs = st.allocs - before_inter;
                HT_ASSERT(inter_allocs <= static_cast<long>(hamt::debug::stats(a).max_depth) + 1);
                HT_ASSERT(hamt::debug::shared_bytes(i, a) + path_bytes >= na);
                inv(i);
                HT_ASSERT(u.size() + i.size() == a.size() + b.size());
            }
        }

        // One side a subset of the other (derived from it, or built apart): the union is the
        // superset and the intersection the subset, each whole and without an allocation.
        P derived = a;
        model m_derived = ma;
        for (const auto& x : keys)
            if (rnd(rng, 10) == 0) {
                derived = derived.erase(ht::make<K>(E::key(x)));
                m_derived.erase(E::key(x));
            }
        model m_half;
        for (const auto& x : keys)
            if (rnd(rng, 2)) m_half.insert(x);
        const P half = build<P>(sorted(m_half), rng, like);
        for (const P* sub : std::initializer_list<const P*>{&derived, &half, &none, &a}) {
            const std::size_t ns = node_bytes(*sub);
            const long before = st.allocs;
            const P u = hamt::set_union(a, *sub);
            HT_ASSERT(st.allocs == before);
            HT_ASSERT(u == a && hamt::debug::shared_bytes(u, a) == na && node_bytes(u) == na);
            if constexpr (!ht::is_map_v<P>) {
                const P u2 = hamt::set_union(*sub, a);
                const P i = hamt::set_intersection(a, *sub);
                const P i2 = hamt::set_intersection(*sub, a);
                HT_ASSERT(st.allocs == before);
                HT_ASSERT(hamt::debug::shared_bytes(u2, a) == na && node_bytes(u2) == na);
                HT_ASSERT(i == *sub && hamt::debug::shared_bytes(i, *sub) == ns &&
                          node_bytes(i) == ns);
                HT_ASSERT(hamt::debug::shared_bytes(i2, *sub) == ns && node_bytes(i2) == ns);
                HT_ASSERT(hamt::is_subset(*sub, a));
            }
        }
        if constexpr (!ht::is_map_v<P>) {
            // A version with its own edits on both sides of a common base: the union shares at
            // least what the base and `a` still share (union is built on `a`, the larger).
            P grown = a;
            model m_grown = ma;
            for (int e = 0; e < 10; ++e) {
                grown = grown.insert(ht::make<K>(range + 100 + e));
                m_grown.insert(range + 100 + e);
            }
            const P u = hamt::set_union(grown, derived);
            HT_ASSERT(u == grown);
            HT_ASSERT(hamt::debug::shared_bytes(u, grown) == node_bytes(grown));
        }
    }
    CHECK(st.errors == 0);
    CHECK(st.live.empty());
}

} // namespace

// A result holds references to nodes of both inputs, so afterwards neither input may change
// those nodes in place: not even one built by a transient and updated only by std::move since
// (a trie that nobody shared skips the reference checks until it is copied). Found by
// fuzz_persistent (fuzz/regressions/persistent/crash-413ebc71...).
TEST_CASE("sharing: inputs updated in place after a set operation leave the result intact",
          "[structure][sharing][algebra]") {
    using S = pset<i64, 5>;
    using M = pmap<i64, i64, 5>;
    auto fresh_set = [](i64 from, i64 to) {
        S::transient_type t;
        for (i64 k = from; k < to; ++k)
            t.insert(k);
        return std::move(t).persistent();
    };
    auto fresh_map = [](i64 from, i64 to) {
        M::transient_type t;
        for (i64 k = from; k < to; ++k)
            t.insert({k, k * 10});
        return std::move(t).persistent();
    };
    for (int op = 0; op < 4; ++op) {
        S a = fresh_set(0, 300), b = fresh_set(200, 400);
        const S r = op == 0 ? (a | b) : op == 1 ? (a & b) : op == 2 ? (a - b) : (a ^ b);
        const std::vector<i64> before(r.begin(), r.end());
        for (i64 k = 0; k < 500; k += 3) {
            a = std::move(a).erase(k);
            b = std::move(b).insert(k + 1000);
        }
        CHECK(std::vector<i64>(r.begin(), r.end()) == before);
        inv(r);
        inv(a);
        inv(b);
    }
    for (int op = 0; op < 2; ++op) {
        M a = fresh_map(0, 300), b = fresh_map(200, 400);
        const M r = op == 0 ? hamt::set_union(a, b) : hamt::set_difference(a, b);
        const std::vector<std::pair<i64, i64>> before(r.begin(), r.end());
        for (i64 k = 0; k < 500; k += 3) {
            a = std::move(a).set(k, -k);
            b = std::move(b).erase(k);
        }
        CHECK(std::vector<std::pair<i64, i64>>(r.begin(), r.end()) == before);
        inv(r);
        inv(a);
        inv(b);
    }
}

// set_union and set_difference of maps need no operator== on the mapped type: without it,
// b's elements never stand for a's (a's value wins) and only shared nodes are reused.
TEST_CASE("map algebra: a mapped type without operator==", "[structure][algebra]") {
    struct no_eq {
        i64 v;
    };
    using M = hamt::persistent_map<i64, no_eq>;
    M a, b;
    for (i64 k = 0; k < 300; ++k) {
        a = std::move(a).set(k, no_eq{k});
        b = std::move(b).set(k + 200, no_eq{-k});
    }
    const M u = hamt::set_union(a, b), d = hamt::set_difference(a, b);
    CHECK(u.size() == 500);
    CHECK(d.size() == 200);
    for (i64 k = 0; k < 500; ++k) {
        CHECK(u.at(k).v == (k < 300 ? k : 200 - k));
        CHECK(d.contains(k) == (k < 200));
    }
    const M v = hamt::set_union(u, a); // related: u holds a's values
    CHECK(v.size() == 500);
    inv(u);
    inv(d);
    inv(v);
}

TEST_CASE("sharing: shared_bytes, and results of versions one edit apart or subsets",
          "[structure][sharing]") {
    check_sharing<aset<i64, 5>>("set<int64> B=5", 0x5A4E0001, 5000);
    HT_FULL_ONLY(check_sharing<aset<i64, 2>>("set<int64> B=2", 0x5A4E0002, 3000);)
    HT_FULL_ONLY(check_sharing<aset<i64, 6>>("set<int64> B=6", 0x5A4E0003, 5000);)
    HT_FULL_ONLY(
        check_sharing<aset<i64, 5, low_hash>>("set<int64> B=5, hash = key & 0xF", 0x5A4E0004, 600);)
    HT_FULL_ONLY(check_sharing<aset<str, 4>>("set<string> B=4", 0x5A4E0005, 2000);)
    HT_FULL_ONLY(check_sharing<amap<i64, i64, 5>>("map<int64, int64> B=5", 0x5A4E0006, 4000);)
    HT_FULL_ONLY(check_sharing<amap<str, str, 3, low_hash>>(
                     "map<string, string> B=3, hash = key & 0xF", 0x5A4E0007, 160);)
}

// ---------------------------------------------------------------------------------------------
// Node-by-node reuse

namespace {

using probe = hamt::detail::trie_access<ht_structure::probe_tag>;

// Issue 8: "every output subtree that equals an input subtree is that input subtree". For
// each operation whose result is made of input elements (the set operations, map set_union
// and set_difference), on every kind of pair: counts the result's subtrees that hold exactly
// the elements of the subtree of a or b at the same place but are new nodes.
template <class P>
void check_reuse(const char* name, std::uint64_t seed, std::size_t n0) {
    const std::size_t n = scaled(n0);
    std::printf("structure reuse: %s, seed 0x%llX, n %zu\n", name,
                static_cast<unsigned long long>(seed), n);
    std::fflush(stdout);
    std::mt19937_64 rng(seed);
    using M = typename elems<P>::model;
    using V = typename P::value_type;
    auto proj = [](const V& v) { return elems<P>::of(v); };
    // Per operation: pairs checked, pairs with rebuilt subtrees, their totals, the worst pair.
    struct tally {
        int pairs = 0, failing = 0;
        std::size_t subtrees = 0, elements = 0, bytes = 0, worst = 0; // worst: bytes
        std::string worst_pair;
    };
    std::map<std::string, tally> by_op;
    for_each_case<P>(
        rng, n, [&](const std::string& kind, const P& a, const P& b, const M&, const M&) {
            auto check = [&](const char* op, bool swapped, const P& r) {
                const ht_structure::reuse_report rep = probe::probe(r, a, b, proj);
                tally& t = by_op[op];
                ++t.pairs;
                if (rep.rebuilt == 0) return;
                ++t.failing;
                t.subtrees += rep.rebuilt;
                t.elements += rep.rebuilt_elements;
                t.bytes += rep.rebuilt_bytes;
                if (rep.rebuilt_bytes > t.worst) {
                    t.worst = rep.rebuilt_bytes;
                    t.worst_pair = std::string(op) + (swapped ? "(b, a)" : "(a, b)") +
                                   ", pair: " + kind + " (sizes " + std::to_string(a.size()) +
                                   " and " + std::to_string(b.size()) +
                                   "): " + std::to_string(rep.rebuilt) + " subtrees rebuilt, " +
                                   std::to_string(rep.rebuilt_elements) + " elements, " +
                                   std::to_string(rep.rebuilt_bytes) + " bytes of new nodes";
                }
            };
            for (int order = 0; order < 2; ++order) {
                const P& x = order ? b : a;
                const P& y = order ? a : b;
                check("set_union", order, hamt::set_union(x, y));
                check("set_difference", order, hamt::set_difference(x, y));
                if constexpr (!ht::is_map_v<P>) {
                    check("set_intersection", order, hamt::set_intersection(x, y));
                    check("set_symmetric_difference", order, hamt::set_symmetric_difference(x, y));
                }
            }
        });
    for (const auto& [op, t] : by_op) {
        INFO(name << ", seed 0x" << std::hex << seed << std::dec << ", " << op << ": " << t.failing
                  << " of " << t.pairs << " results rebuilt subtrees an input has (" << t.subtrees
                  << " subtrees, " << t.elements << " elements, " << t.bytes
                  << " bytes of new nodes in all); the worst: " << t.worst_pair);
        CHECK(t.failing == 0);
    }
}

} // namespace

// Issue 8's rule, checked on every operation whose result is made of input elements.
TEST_CASE("reuse: every result subtree that equals an input's subtree at its place is that subtree",
          "[structure][sharing][reuse]") {
    check_reuse<pset<i64, 5>>("set<int64> B=5", 0x2E05E001, 1000);
    HT_FULL_ONLY(check_reuse<pset<i64, 2>>("set<int64> B=2", 0x2E05E002, 300);)
    HT_FULL_ONLY(
        check_reuse<pset<i64, 4, low_hash>>("set<int64> B=4, hash = key & 0xF", 0x2E05E003, 200);)
    HT_FULL_ONLY(check_reuse<pmap<i64, i64, 5>>("map<int64, int64> B=5", 0x2E05E004, 800);)
}

// ---------------------------------------------------------------------------------------------
// Bulk construction

namespace {

// An input iterator (single pass) over a forward range: the element-wise path of the range
// constructors and insert(first, last).
template <class It>
struct input_only {
    using iterator_category = std::input_iterator_tag;
    using value_type = typename std::iterator_traits<It>::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;
    It it;
    reference operator*() const { return *it; }
    input_only& operator++() {
        ++it;
        return *this;
    }
    input_only operator++(int) {
        input_only old = *this;
        ++it;
        return old;
    }
    bool operator==(const input_only& o) const { return it == o.it; }
    bool operator!=(const input_only& o) const { return it != o.it; }
};
template <class It>
input_only<It> input(It it) {
    return input_only<It>{it};
}

// A range of n elements with keys from [0, key_range) (duplicates when key_range < n); map
// values are the positions, so which of a key's elements was kept shows. Bulk construction
// (constructor, insert on an empty transient) must equal inserting one element after another
// (which keeps the first of a key) and pass check_invariants.
template <class P>
void check_bulk(const char* name, std::uint64_t seed, std::size_t n, i64 key_range) {
    using E = elems<P>;
    using K = typename P::key_type;
    using V = typename P::value_type;
    using item = typename E::item;
    INFO(name << ", seed 0x" << std::hex << seed << std::dec << ", " << n
              << " elements, keys from [0, " << key_range << ")");
    std::mt19937_64 rng(seed);
    std::vector<item> items;
    for (std::size_t i = 0; i < n; ++i) {
        const i64 k = static_cast<i64>(rnd(rng, static_cast<std::uint64_t>(key_range)));
        if constexpr (ht::is_map_v<P>)
            items.emplace_back(k, static_cast<i64>(i));
        else
            items.push_back(k);
    }
    typename E::model m; // the first of each key
    for (const item& x : items)
        if (!m.count(E::key(x))) E::put(m, x);
    const auto expected = sorted(m);
    std::vector<V> vals;
    for (const item& x : items)
        vals.push_back(E::value(x));

    // Element by element: a transient's insert, and updates of a version.
    typename P::transient_type t1;
    for (const V& v : vals)
        t1.insert(v);
    const P one = std::move(t1).persistent();
    HT_ASSERT(ht::snapshot(one) == expected);
    P updated;
    for (const V& v : vals)
        updated = std::move(updated).insert(v);
    HT_ASSERT(updated == one);

    // The range constructor: at most one hash per element.
    const long hashed = hash_calls;
    const P bulk(vals.begin(), vals.end());
    HT_ASSERT(hash_calls - hashed <= static_cast<long>(n));
    HT_ASSERT(ht::snapshot(bulk) == expected);
    inv(bulk);
    HT_ASSERT(bulk == one);
    if constexpr (std::is_same_v<typename P::hasher, const_hash>) {
        // Every key has one hash: one collision node at the end of a chain.
        const hamt::debug::trie_stats s = hamt::debug::stats(bulk);
        const std::size_t cd = ht::collision_depth(ht::bits_of<typename plain_of<P>::type>::value);
        if (m.size() >= 2) HT_ASSERT(s.collision_nodes == 1 && s.nodes == cd + 1);
    }

    // insert(first, last) on an empty transient; the transient stays usable, and a version
    // taken from it keeps its contents while the transient changes the (now shared) nodes.
    typename P::transient_type t2;
    t2.insert(vals.begin(), vals.end());
    inv(t2);
    HT_ASSERT(ht::snapshot(t2) == expected);
    const P taken = t2.persistent();
    HT_ASSERT(taken == one);
    auto m2 = m;
    for (int e = 0; e < 24; ++e)
        edit_transient(t2, m2, rng, key_range + 4);
    inv(t2);
    HT_ASSERT(ht::snapshot(t2) == sorted(m2));
    HT_ASSERT(taken == one);
    inv(taken);

    // Other iterators: bidirectional (bulk), input (element by element).
    const std::list<V> lst(vals.begin(), vals.end());
    const P from_list(lst.begin(), lst.end());
    HT_ASSERT(from_list == one);
    inv(from_list);
    const P from_input(input(vals.begin()), input(vals.end()));
    HT_ASSERT(from_input == one);
    typename P::transient_type t3;
    t3.insert(input(vals.begin()), input(vals.end()));
    HT_ASSERT(t3.persistent() == one);
    if constexpr (ht::is_map_v<P>) {
        // Pairs of a non-const key.
        std::vector<std::pair<K, typename P::mapped_type>> pairs(vals.begin(), vals.end());
        const P from_pairs(pairs.begin(), pairs.end());
        HT_ASSERT(from_pairs == one);
        inv(from_pairs);
        typename P::transient_type t4;
        t4.insert(pairs.begin(), pairs.end());
        HT_ASSERT(t4.persistent() == one);
    }

    // insert(first, last) on a transient that is not empty: the keys it has keep their values.
    std::vector<V> more;
    auto m5 = m;
    for (std::size_t i = 0; i < n / 2 + 3; ++i) {
        const i64 k = static_cast<i64>(rnd(rng, static_cast<std::uint64_t>(key_range + 8)));
        item x;
        if constexpr (ht::is_map_v<P>)
            x = item(k, static_cast<i64>(n + i));
        else
            x = k;
        more.push_back(E::value(x));
        if (!m5.count(k)) E::put(m5, x);
    }
    auto t5 = one.transient();
    t5.insert(more.begin(), more.end());
    inv(t5);
    HT_ASSERT(ht::snapshot(t5) == sorted(m5));
    HT_ASSERT(ht::snapshot(one) == expected);
}

template <class P>
void bulk_sizes(const char* name, std::uint64_t seed, std::size_t largest) {
    std::printf("structure bulk: %s, seed 0x%llX, up to %zu elements\n", name,
                static_cast<unsigned long long>(seed), largest);
    std::fflush(stdout);
    for (const std::size_t n :
         {std::size_t(0), std::size_t(1), std::size_t(2), std::size_t(3), std::size_t(5),
          std::size_t(17), std::size_t(40), std::size_t(100), largest}) {
        if (n > largest) continue;
        const i64 range = static_cast<i64>(n) + 1;
        check_bulk<P>(name, seed + n, n, range * 4);            // few duplicates
        check_bulk<P>(name, seed + n + 1000, n, range);         // some
        check_bulk<P>(name, seed + n + 2000, n, range / 3 + 1); // many
    }
}

} // namespace

TEST_CASE("bulk construction: sets", "[structure][bulk]") {
    bulk_sizes<pset<i64, 5>>("set<int64> B=5", 0xB01C0001, scaled(20000));
    HT_FULL_ONLY(bulk_sizes<pset<i64, 2>>("set<int64> B=2", 0xB01C0002, scaled(3000));)
    HT_FULL_ONLY(bulk_sizes<pset<i64, 6>>("set<int64> B=6", 0xB01C0003, scaled(5000));)
    HT_FULL_ONLY(bulk_sizes<pset<i64, 5, low_hash>>("set<int64> B=5, hash = key & 0xF", 0xB01C0004,
                                                    scaled(600));)
    HT_FULL_ONLY(
        bulk_sizes<pset<i64, 5, const_hash>>("set<int64> B=5, constant hash", 0xB01C0005, 150);)
    HT_FULL_ONLY(
        bulk_sizes<pset<i64, 2, const_hash>>("set<int64> B=2, constant hash", 0xB01C0006, 100);)
    HT_FULL_ONLY(bulk_sizes<pset<str, 5>>("set<string> B=5", 0xB01C0007, scaled(5000));)
    HT_FULL_ONLY(bulk_sizes<pset<str, 3, low_hash>>("set<string> B=3, hash = key & 0xF", 0xB01C0008,
                                                    scaled(400));)
}

TEST_CASE("bulk construction: maps (the first value of a key wins)", "[structure][bulk]") {
    bulk_sizes<pmap<i64, i64, 5>>("map<int64, int64> B=5", 0xB01C0011, scaled(10000));
    HT_FULL_ONLY(bulk_sizes<pmap<i64, i64, 2>>("map<int64, int64> B=2", 0xB01C0012, scaled(2000));)
    HT_FULL_ONLY(bulk_sizes<pmap<i64, i64, 6, low_hash>>("map<int64, int64> B=6, hash = key & 0xF",
                                                         0xB01C0013, scaled(500));)
    HT_FULL_ONLY(bulk_sizes<pmap<i64, i64, 3, const_hash>>("map<int64, int64> B=3, constant hash",
                                                           0xB01C0014, 120);)
    HT_FULL_ONLY(
        bulk_sizes<pmap<str, str, 5>>("map<string, string> B=5", 0xB01C0015, scaled(3000));)
    HT_FULL_ONLY(bulk_sizes<pmap<str, str, 4, const_hash>>("map<string, string> B=4, constant hash",
                                                           0xB01C0016, 80);)
}

TEST_CASE("bulk construction: initializer lists and single elements", "[structure][bulk]") {
    using S = pset<i64, 5>;
    using M = pmap<i64, i64, 5>;
    const S s{3, 1, 3, 2, 1};
    HT_ASSERT(ht::snapshot(s) == (std::vector<i64>{1, 2, 3}));
    inv(s);
    const M m{{1, 10}, {2, 20}, {1, 11}};
    HT_ASSERT(ht::snapshot(m) == (std::vector<std::pair<i64, i64>>{{1, 10}, {2, 20}}));
    inv(m);
    const S single{7};
    HT_ASSERT(single.size() == 1 && single.contains(7) && single == S().insert(7));
    inv(single);
    const std::vector<i64> none;
    const S empty_range(none.begin(), none.end());
    HT_ASSERT(empty_range.empty() && empty_range == S());
    inv(empty_range);
    S::transient_type t;
    t.insert(none.begin(), none.end());
    HT_ASSERT(t.empty());
    t.insert(single.begin(), single.end()); // from another container's iterators
    HT_ASSERT(t.persistent() == single);
}

TEST_CASE("bulk construction: counted elements, each kept element constructed once",
          "[structure][bulk][counted]") {
    ht::leak_guard guard;
    using ht::counted;
    using S = hamt::persistent_set<counted, ht::counted_hash, std::equal_to<counted>,
                                   std::allocator<counted>, hamt::thread_safe, 3>;
    using SL = hamt::persistent_set<counted, ht::low_bits_hash, std::equal_to<counted>,
                                    std::allocator<counted>, hamt::thread_safe, 5>;
    using M = hamt::persistent_map<counted, counted, ht::counted_hash, std::equal_to<counted>,
                                   std::allocator<std::pair<const counted, counted>>,
                                   hamt::thread_safe, 5>;
    std::mt19937_64 rng(0xB01C0021);
    const std::size_t n = scaled(4000);
    {
        std::vector<counted> keys;
        std::unordered_set<i64> distinct;
        for (std::size_t i = 0; i < n; ++i) {
            const i64 k = static_cast<i64>(rnd(rng, n / 3));
            keys.emplace_back(k);
            distinct.insert(k);
        }
        auto check_set = [&](auto&& make) {
            const long before = counted::stats.constructed();
            const auto s = make();
            HT_ASSERT(counted::stats.constructed() - before == static_cast<long>(distinct.size()));
            HT_ASSERT(s.size() == distinct.size());
            inv(s);
            std::vector<i64> want(distinct.begin(), distinct.end());
            std::sort(want.begin(), want.end());
            HT_ASSERT(ht::snapshot(s) == want);
            const auto s2 = s.insert(counted(-1)).erase(counted(0));
            HT_ASSERT(s2.size() == s.size() + 1 - (distinct.count(0) ? 1 : 0));
        };
        check_set([&] { return S(keys.begin(), keys.end()); });
        check_set([&] { return SL(keys.begin(), keys.end()); });
        check_set([&] {
            S::transient_type t;
            t.insert(keys.begin(), keys.end());
            return std::move(t).persistent();
        });

        std::vector<std::pair<const counted, counted>> pairs;
        std::unordered_map<i64, i64> first;
        for (std::size_t i = 0; i < n; ++i) {
            const i64 k = static_cast<i64>(rnd(rng, n / 2));
            pairs.emplace_back(counted(k), counted(static_cast<i64>(i)));
            first.emplace(k, static_cast<i64>(i));
        }
        const long before = counted::stats.constructed();
        const M m(pairs.begin(), pairs.end());
        HT_ASSERT(counted::stats.constructed() - before == 2 * static_cast<long>(first.size()));
        HT_ASSERT(ht::snapshot(m) == sorted(first));
        inv(m);
        M::transient_type t;
        t.insert(pairs.begin(), pairs.end());
        HT_ASSERT(t.persistent() == m);
    }
    CHECK(counted::stats.live == 0);
}

// ---------------------------------------------------------------------------------------------
// Exception injection

#if HT_EXCEPTIONS
namespace {

using ht::alloc_state;
using ht::counted;
using ht::fault;
using ht::faults;
using cpair = std::pair<const counted, counted>;

template <unsigned B, class BaseHash = ht::counted_hash>
using xset = hamt::persistent_set<counted, ht::throwing_hash<BaseHash>, ht::throwing_equal,
                                  ht::test_alloc<counted>, hamt::thread_safe, B>;
template <unsigned B, class BaseHash = ht::counted_hash>
using xmap = hamt::persistent_map<counted, counted, ht::throwing_hash<BaseHash>, ht::throwing_equal,
                                  ht::test_alloc<cpair>, hamt::thread_safe, B>;

const fault swept_faults[] = {fault::hash, fault::equal, fault::construct, fault::allocate};

const char* fault_name(fault f) {
    switch (f) {
    case fault::hash:
        return "hash";
    case fault::equal:
        return "key_equal";
    case fault::construct:
        return "element copy";
    case fault::allocate:
        return "allocate";
    default:
        return "none";
    }
}

long points_swept = 0; // runs in which the armed fault fired

// Runs op() with `kind` armed to throw at its 1st, 2nd, ... call, until a run completes without
// the fault firing (then check(result)). After each throw: intact() (the inputs), and as many
// counted objects and allocated blocks and bytes as before the run.
template <class Op, class Intact, class Check>
void sweep(fault kind, const alloc_state& st, Op&& op, Intact&& intact, Check&& check) {
    for (long n = 1;; ++n) {
        INFO(fault_name(kind) << " throws at its call #" << n);
        const long live = counted::stats.live;
        const std::size_t blocks = st.live.size(), bytes = st.live_bytes();
        bool threw = false;
        faults::arm(kind, n);
        try {
            const auto r = op();
            const bool fired = faults::armed != kind;
            faults::disarm();
            HT_ASSERT(!fired); // a fault that fired propagates
            check(r);
        } catch (const std::bad_alloc&) {
            threw = true;
        } catch (const ht::injected_error&) {
            threw = true;
        }
        faults::disarm();
        intact();
        HT_ASSERT(counted::stats.live == live);
        HT_ASSERT(st.live.size() == blocks && st.live_bytes() == bytes);
        if (!threw) return;
        ++points_swept;
        HT_ASSERT(n < 100000);
    }
}

// The same with f (of merge_with, intersect_with) or a diff callback throwing at its Nth call.
struct throw_at {
    long* calls;
    long at;
    void operator()() const {
        if (++*calls == at) throw ht::injected_error();
    }
};

template <class X>
X xbuild(alloc_state& st, const std::vector<typename elems<X>::item>& items) {
    typename X::transient_type t(0, typename X::hasher(), typename X::key_equal(),
                                 typename X::allocator_type(&st));
    for (const auto& x : items)
        t.insert(elems<X>::value(x));
    return std::move(t).persistent();
}

// Pairs of inputs: b derived from a (sharing all a few updates did not touch), and b built
// apart with half of its keys in a.
template <class X, class F>
void for_each_xpair(alloc_state& st, std::size_t n, F&& f) {
    using E = elems<X>;
    using item = typename E::item;
    std::vector<item> items;
    for (std::size_t i = 0; i < n; ++i) {
        if constexpr (ht::is_map_v<X>)
            items.emplace_back(static_cast<i64>(i), 10 * static_cast<i64>(i));
        else
            items.push_back(static_cast<i64>(i));
    }
    const X a = xbuild<X>(st, items);
    X b = a;
    for (std::size_t i = 0; i < n; i += 5)
        b = b.erase(counted(static_cast<i64>(i)));
    for (std::size_t i = n; i < n + n / 5; ++i) {
        if constexpr (ht::is_map_v<X>)
            b = b.insert(cpair(counted(static_cast<i64>(i)), counted(1)));
        else
            b = b.insert(counted(static_cast<i64>(i)));
    }
    if constexpr (ht::is_map_v<X>)
        for (std::size_t i = 1; i < n; i += 7)
            b = b.set(counted(static_cast<i64>(i)), counted(static_cast<i64>(i)));
    f("derived", a, b);
    std::vector<item> other;
    for (std::size_t i = n / 2; i < n + n / 2; ++i) {
        if constexpr (ht::is_map_v<X>)
            other.emplace_back(static_cast<i64>(i), 3 * static_cast<i64>(i));
        else
            other.push_back(static_cast<i64>(i));
    }
    f("built apart", a, xbuild<X>(st, other));
}

template <class X>
void sweep_set_ops(const char* name, std::size_t n) {
    ht::leak_guard guard;
    alloc_state st;
    {
        for_each_xpair<X>(st, n, [&](const char* kind, const X& a, const X& b) {
            const auto sa = ht::snapshot(a), sb = ht::snapshot(b);
            auto intact = [&] {
                HT_ASSERT(ht::snapshot(a) == sa && ht::snapshot(b) == sb);
                inv(a);
                inv(b);
            };
            using op_t = X (*)(const X&, const X&);
            const std::pair<const char*, op_t> ops[] = {
                {"set_union", [](const X& x, const X& y) { return hamt::set_union(x, y); }},
                {"set_intersection",
                 [](const X& x, const X& y) { return hamt::set_intersection(x, y); }},
                {"set_difference",
                 [](const X& x, const X& y) { return hamt::set_difference(x, y); }},
                {"set_symmetric_difference",
                 [](const X& x, const X& y) { return hamt::set_symmetric_difference(x, y); }},
            };
            for (const auto& entry : ops)
                for (int order = 0; order < 2; ++order) {
                    const char* op_name = entry.first;
                    const auto& op = entry.second;
                    const X& x = order ? b : a;
                    const X& y = order ? a : b;
                    const auto want = ht::snapshot(op(x, y));
                    for (const fault fk : swept_faults) {
                        INFO(name << ", pair " << kind << ", " << op_name
                                  << (order ? "(b, a)" : "(a, b)"));
                        sweep(
                            fk, st, [&] { return op(x, y); }, intact,
                            [&](const X& r) {
                                HT_ASSERT(ht::snapshot(r) == want);
                                inv(r);
                            });
                    }
                }
            // A throwing diff callback.
            for (long at = 1;; ++at) {
                long calls = 0;
                bool threw = false;
                try {
                    hamt::diff(
                        a, b,
                        [&](const counted&) {
                            throw_at{&calls, at}();
                        },
                        [&](const counted&) {
                            throw_at{&calls, at}();
                        });
                } catch (const ht::injected_error&) {
                    threw = true;
                }
                intact();
                if (!threw) break;
            }
        });
    }
    CHECK(st.errors == 0);
    CHECK(st.live.empty());
}

template <class X>
void sweep_map_ops(const char* name, std::size_t n) {
    ht::leak_guard guard;
    alloc_state st;
    {
        for_each_xpair<X>(st, n, [&](const char* kind, const X& a, const X& b) {
            const auto sa = ht::snapshot(a), sb = ht::snapshot(b);
            auto intact = [&] {
                HT_ASSERT(ht::snapshot(a) == sa && ht::snapshot(b) == sb);
                inv(a);
                inv(b);
            };
            // f: a sum, and (with `calls`/`at`) a throw at its Nth call.
            long calls = 0, at = 0;
            auto sum = [&](const counted&, const counted& x, const counted& y) {
                if (++calls == at) throw ht::injected_error();
                return counted(x.value() + y.value());
            };
            using op_t = std::function<X(const X&, const X&)>;
            const std::pair<const char*, op_t> ops[] = {
                {"set_union", [](const X& x, const X& y) { return hamt::set_union(x, y); }},
                {"set_difference",
                 [](const X& x, const X& y) { return hamt::set_difference(x, y); }},
                {"merge_with", [&](const X& x, const X& y) { return hamt::merge_with(x, y, sum); }},
                {"intersect_with",
                 [&](const X& x, const X& y) { return hamt::intersect_with(x, y, sum); }},
            };
            for (const auto& entry : ops)
                for (int order = 0; order < 2; ++order) {
                    const char* op_name = entry.first;
                    const auto& op = entry.second;
                    const X& x = order ? b : a;
                    const X& y = order ? a : b;
                    const auto want = ht::snapshot(op(x, y));
                    auto check = [&](const X& r) {
                        HT_ASSERT(ht::snapshot(r) == want);
                        inv(r);
                    };
                    for (const fault fk : swept_faults) {
                        INFO(name << ", pair " << kind << ", " << op_name
                                  << (order ? "(b, a)" : "(a, b)"));
                        sweep(
                            fk, st, [&] { return op(x, y); }, intact, check);
                    }
                    // f throws at its 1st, 2nd, ... call.
                    for (at = 1;; ++at) {
                        INFO(name << ", pair " << kind << ", " << op_name << ": f throws at call #"
                                  << at);
                        calls = 0;
                        const long live = counted::stats.live;
                        const std::size_t blocks = st.live.size();
                        bool threw = false;
                        try {
                            check(op(x, y));
                        } catch (const ht::injected_error&) {
                            threw = true;
                        }
                        intact();
                        HT_ASSERT(counted::stats.live == live && st.live.size() == blocks);
                        if (!threw) break;
                        ++points_swept;
                    }
                    at = 0;
                }
            for (long throw_call = 1;; ++throw_call) {
                long diff_calls = 0;
                bool threw = false;
                try {
                    hamt::diff(
                        a, b,
                        [&](const cpair&) {
                            throw_at{&diff_calls, throw_call}();
                        },
                        [&](const cpair&) {
                            throw_at{&diff_calls, throw_call}();
                        },
                        [&](const cpair&, const cpair&) {
                            throw_at{&diff_calls, throw_call}();
                        });
                } catch (const ht::injected_error&) {
                    threw = true;
                }
                intact();
                if (!threw) break;
            }
        });
    }
    CHECK(st.errors == 0);
    CHECK(st.live.empty());
}

// Bulk construction from a range with duplicates: the constructor, and insert(first, last) on
// an empty transient, which stays empty (and usable) after a throw.
template <class X>
void sweep_bulk(const char* name, std::size_t n) {
    ht::leak_guard guard;
    alloc_state st;
    {
        using V = typename X::value_type;
        std::vector<V> vals;
        for (std::size_t i = 0; i < n; ++i) {
            const i64 k = static_cast<i64>((i * 7) % (n / 2 + 1));
            if constexpr (ht::is_map_v<X>)
                vals.emplace_back(counted(k), counted(static_cast<i64>(i)));
            else
                vals.emplace_back(k);
        }
        const X want(vals.begin(), vals.end(), typename X::hasher(), typename X::key_equal(),
                     typename X::allocator_type(&st));
        const auto want_snap = ht::snapshot(want);
        auto intact = [&] {
            HT_ASSERT(ht::snapshot(want) == want_snap);
            HT_ASSERT(vals.size() == n);
        };
        auto check = [&](const X& r) {
            HT_ASSERT(r == want);
            inv(r);
        };
        for (const fault kind : swept_faults) {
            INFO(name << ", range constructor");
            sweep(
                kind, st,
                [&] {
                    return X(vals.begin(), vals.end(), typename X::hasher(),
                             typename X::key_equal(), typename X::allocator_type(&st));
                },
                intact, check);
        }
        for (const fault kind : swept_faults) {
            INFO(name << ", insert(first, last) on an empty transient");
            sweep(
                kind, st,
                [&] {
                    typename X::transient_type t(0, typename X::hasher(), typename X::key_equal(),
                                                 typename X::allocator_type(&st));
                    try {
                        t.insert(vals.begin(), vals.end());
                    } catch (...) {
                        faults::disarm();
                        HT_ASSERT(t.empty()); // strong guarantee
                        inv(t);
                        t.insert(vals.begin(), vals.end()); // still usable
                        HT_ASSERT(t.persistent() == want);
                        throw;
                    }
                    return std::move(t).persistent();
                },
                intact, check);
        }
    }
    CHECK(st.errors == 0);
    CHECK(st.live.empty());
}

void report_points(const char* what) {
    std::printf("structure faults: %s: %ld fault points swept\n", what, points_swept);
    std::fflush(stdout);
    points_swept = 0;
}

} // namespace

TEST_CASE("exceptions: set algebra on persistent_set, inputs intact, nothing leaked",
          "[structure][exceptions]") {
    sweep_set_ops<xset<5>>("set<counted> B=5", 24);
    sweep_set_ops<xset<2, ht::low_bits_hash>>("set<counted> B=2, hash = key & 0xF", 24);
    sweep_set_ops<xset<6, ht::constant_hash>>("set<counted> B=6, constant hash", 10);
    report_points("set algebra");
}

TEST_CASE("exceptions: map algebra (and a throwing f), inputs intact, nothing leaked",
          "[structure][exceptions]") {
    sweep_map_ops<xmap<5>>("map<counted, counted> B=5", 24);
    sweep_map_ops<xmap<3, ht::low_bits_hash>>("map<counted, counted> B=3, hash = key & 0xF", 24);
    report_points("map algebra");
}

TEST_CASE("exceptions: bulk construction, nothing leaked, an empty transient stays empty",
          "[structure][exceptions][bulk]") {
    sweep_bulk<xset<5>>("set<counted> B=5", 64);
    sweep_bulk<xset<3, ht::low_bits_hash>>("set<counted> B=3, hash = key & 0xF", 40);
    sweep_bulk<xset<5, ht::constant_hash>>("set<counted> B=5, constant hash", 16);
    sweep_bulk<xmap<5>>("map<counted, counted> B=5", 48);
    sweep_bulk<xmap<2, ht::low_bits_hash>>("map<counted, counted> B=2, hash = key & 0xF", 30);
    report_points("bulk construction");
}
#endif // HT_EXCEPTIONS
