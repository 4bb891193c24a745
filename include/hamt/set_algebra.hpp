// Set algebra on persistent_set and persistent_map. For related inputs (versions derived from
// one another: they share nodes) it is driven by hamt::diff, whose walk over both inputs skips
// every subtree they share, so the work follows what differs, not the size. For unrelated inputs
// (no node in common at the top) the set operations look elements up instead, and return an
// input itself when the result equals it.
//
//  persistent_set:  set_union(a, b)  a | b        set_intersection(a, b)  a & b
//                   set_difference(a, b)  a - b   set_symmetric_difference(a, b)  a ^ b
//                   is_subset(a, b)  (a ⊆ b)      is_disjoint(a, b)
//  persistent_map:  set_union(a, b)  keys of either, a's value wins
//                   set_difference(a, b)  entries of a whose key is not in b
//                   merge_with(a, b, f)  keys of either; f(key, a_value, b_value) for keys in both
//                   intersect_with(a, b, f)  keys in both, value f(key, a_value, b_value)
//
// Results are in canonical form (they are made by the engine's own insert and erase).
// Sharing: union and intersection start from a transient of `a`, so every subtree of `a` the
// result does not change is a's own node; difference and symmetric difference are built from
// the elements the walk reports, in one pass (bulk construction). merge_with and intersect_with
// call f exactly once for every key in both inputs, shared subtrees included (f need not be
// idempotent), so they visit every element of `b` (merge_with) or `a` (intersect_with). Both inputs
// must hash alike (one hash function), as for ==. Strong guarantee: a throw (allocator, element
// copy, f, the hash of an inserted element) leaves both inputs as they were and leaks nothing.
#pragma once

#include <cstddef>
#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

#include "diff.hpp"
#include "persistent_map.hpp"
#include "persistent_set.hpp"

namespace hamt {

namespace detail {
template <class C>
bool inputs_related(const C& a, const C& b) {
    using access = trie_access<structure_tag>;
    return access::related(access::engine(a), access::engine(b));
}

// Reads a vector of pointers to elements as a forward range of elements.
template <class V>
struct deref_iterator {
    using iterator_category = std::forward_iterator_tag;
    using value_type = V;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;
    const value_type* const* p;
    reference operator*() const { return **p; }
    deref_iterator& operator++() {
        ++p;
        return *this;
    }
    deref_iterator operator++(int) {
        deref_iterator old = *this;
        ++p;
        return old;
    }
    bool operator==(const deref_iterator& o) const { return p == o.p; }
    bool operator!=(const deref_iterator& o) const { return p != o.p; }
};

// The elements a walk reported, gathered as pointers into the inputs, built in one pass.
template <class S>
S build_from_pointers(const S& like, const std::vector<const typename S::value_type*>& items) {
    typename S::transient_type t(0, like.hash_function(), like.key_eq(), like.get_allocator());
    using it = deref_iterator<typename S::value_type>;
    t.insert(it{items.data()}, it{items.data() + items.size()});
    return std::move(t).persistent();
}
} // namespace detail

// ---- persistent_set -------------------------------------------------------------------------

template <class K, class H, class E, class A, class P, unsigned B>
[[nodiscard]] persistent_set<K, H, E, A, P, B>
set_union(const persistent_set<K, H, E, A, P, B>& a, const persistent_set<K, H, E, A, P, B>& b) {
    if (a.size() < b.size()) return set_union(b, a); // fewer elements to add
    auto t = a.transient();
    if (detail::inputs_related(a, b))
        hamt::diff(
            a, b, [&](const K& k) { t.insert(k); }, [](const K&) {});
    else
        for (const K& k : b)
            t.insert(k);
    return std::move(t).persistent();
}

template <class K, class H, class E, class A, class P, unsigned B>
[[nodiscard]] persistent_set<K, H, E, A, P, B>
set_intersection(const persistent_set<K, H, E, A, P, B>& a,
                 const persistent_set<K, H, E, A, P, B>& b) {
    if (a.size() > b.size()) return set_intersection(b, a); // fewer elements to remove
    if (detail::inputs_related(a, b)) {
        auto t = a.transient();
        hamt::diff(
            a, b, [](const K&) {}, [&](const K& k) { t.erase(k); });
        return std::move(t).persistent();
    }
    std::vector<const K*> common;
    for (const K& k : a)
        if (b.contains(k)) common.push_back(&k);
    if (common.size() == a.size()) return a;
    return detail::build_from_pointers(a, common);
}

template <class K, class H, class E, class A, class P, unsigned B>
[[nodiscard]] persistent_set<K, H, E, A, P, B>
set_difference(const persistent_set<K, H, E, A, P, B>& a,
               const persistent_set<K, H, E, A, P, B>& b) {
    std::vector<const K*> only_a;
    if (detail::inputs_related(a, b)) {
        hamt::diff(
            a, b, [](const K&) {}, [&](const K& k) { only_a.push_back(&k); });
    } else {
        for (const K& k : a)
            if (!b.contains(k)) only_a.push_back(&k);
        if (only_a.size() == a.size()) return a;
    }
    if (only_a.size() == a.size()) return a;
    return detail::build_from_pointers(a, only_a);
}

template <class K, class H, class E, class A, class P, unsigned B>
[[nodiscard]] persistent_set<K, H, E, A, P, B>
set_symmetric_difference(const persistent_set<K, H, E, A, P, B>& a,
                         const persistent_set<K, H, E, A, P, B>& b) {
    if (b.empty()) return a;
    if (a.empty()) return b;
    std::vector<const K*> one_side;
    auto take = [&](const K& k) { one_side.push_back(&k); };
    hamt::diff(a, b, take, take);
    return detail::build_from_pointers(a, one_side);
}

// Every element of a is in b.
template <class K, class H, class E, class A, class P, unsigned B>
[[nodiscard]] bool is_subset(const persistent_set<K, H, E, A, P, B>& a,
                             const persistent_set<K, H, E, A, P, B>& b) {
    if (a.size() > b.size()) return false;
    bool subset = true;
    hamt::diff(
        a, b, [](const K&) {}, [&](const K&) { subset = false; });
    return subset;
}

// No element is in both.
template <class K, class H, class E, class A, class P, unsigned B>
[[nodiscard]] bool is_disjoint(const persistent_set<K, H, E, A, P, B>& a,
                               const persistent_set<K, H, E, A, P, B>& b) {
    // Elements reported by the walk are in one input only; the others are in both.
    std::size_t one_side = 0;
    hamt::diff(
        a, b, [&](const K&) { ++one_side; }, [&](const K&) { ++one_side; });
    return one_side == a.size() + b.size();
}

template <class K, class H, class E, class A, class P, unsigned B>
[[nodiscard]] persistent_set<K, H, E, A, P, B>
operator|(const persistent_set<K, H, E, A, P, B>& a, const persistent_set<K, H, E, A, P, B>& b) {
    return set_union(a, b);
}
template <class K, class H, class E, class A, class P, unsigned B>
[[nodiscard]] persistent_set<K, H, E, A, P, B>
operator&(const persistent_set<K, H, E, A, P, B>& a, const persistent_set<K, H, E, A, P, B>& b) {
    return set_intersection(a, b);
}
template <class K, class H, class E, class A, class P, unsigned B>
[[nodiscard]] persistent_set<K, H, E, A, P, B>
operator-(const persistent_set<K, H, E, A, P, B>& a, const persistent_set<K, H, E, A, P, B>& b) {
    return set_difference(a, b);
}
template <class K, class H, class E, class A, class P, unsigned B>
[[nodiscard]] persistent_set<K, H, E, A, P, B>
operator^(const persistent_set<K, H, E, A, P, B>& a, const persistent_set<K, H, E, A, P, B>& b) {
    return set_symmetric_difference(a, b);
}

// ---- persistent_map -------------------------------------------------------------------------

// Keys of either; for a key in both, a's value.
template <class K, class T, class H, class E, class A, class P, unsigned B>
[[nodiscard]] persistent_map<K, T, H, E, A, P, B>
set_union(const persistent_map<K, T, H, E, A, P, B>& a,
          const persistent_map<K, T, H, E, A, P, B>& b) {
    using V = typename persistent_map<K, T, H, E, A, P, B>::value_type;
    auto t = a.transient();
    hamt::diff(
        a, b, [&](const V& v) { t.insert(v); }, [](const V&) {}, [](const V&, const V&) {});
    return std::move(t).persistent();
}

// The entries of a whose key is not in b.
template <class K, class T, class H, class E, class A, class P, unsigned B>
[[nodiscard]] persistent_map<K, T, H, E, A, P, B>
set_difference(const persistent_map<K, T, H, E, A, P, B>& a,
               const persistent_map<K, T, H, E, A, P, B>& b) {
    using V = typename persistent_map<K, T, H, E, A, P, B>::value_type;
    std::vector<const V*> only_a;
    hamt::diff(
        a, b, [](const V&) {}, [&](const V& v) { only_a.push_back(&v); },
        [](const V&, const V&) {});
    if (only_a.size() == a.size()) return a;
    return detail::build_from_pointers(a, only_a);
}

// Keys of either; for a key in both, the value f(key, a_value, b_value), f called once per
// such key.
template <class K, class T, class H, class E, class A, class P, unsigned B, class F>
[[nodiscard]] persistent_map<K, T, H, E, A, P, B>
merge_with(const persistent_map<K, T, H, E, A, P, B>& a,
           const persistent_map<K, T, H, E, A, P, B>& b, F&& f) {
    auto t = a.transient();
    for (const auto& v : b) {
        if (const auto it = a.find(v.first); it != a.end())
            t.insert_or_assign(v.first, T(f(v.first, std::as_const(it->second), v.second)));
        else
            t.insert(v);
    }
    return std::move(t).persistent();
}

// Keys in both, with the value f(key, a_value, b_value).
template <class K, class T, class H, class E, class A, class P, unsigned B, class F>
[[nodiscard]] persistent_map<K, T, H, E, A, P, B>
intersect_with(const persistent_map<K, T, H, E, A, P, B>& a,
               const persistent_map<K, T, H, E, A, P, B>& b, F&& f) {
    typename persistent_map<K, T, H, E, A, P, B>::transient_type t(0, a.hash_function(), a.key_eq(),
                                                                   a.get_allocator());
    for (const auto& v : a)
        if (const auto it = b.find(v.first); it != b.end())
            t.try_emplace(v.first, T(f(v.first, v.second, std::as_const(it->second))));
    return std::move(t).persistent();
}

} // namespace hamt
