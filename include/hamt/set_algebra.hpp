// Set algebra on persistent_set and persistent_map.
//
//  persistent_set:  set_union(a, b)  a | b        set_intersection(a, b)  a & b
//                   set_difference(a, b)  a - b   set_symmetric_difference(a, b)  a ^ b
//                   is_subset(a, b)  (a ⊆ b)      is_disjoint(a, b)
//  persistent_map:  set_union(a, b)  keys of either, a's value wins
//                   set_difference(a, b)  entries of a whose key is not in b
//                   merge_with(a, b, f)  keys of either; f(key, a_value, b_value) for keys in both
//                   intersect_with(a, b, f)  keys in both, value f(key, a_value, b_value)
//
// The set operations (and the map's set_union and set_difference) merge the two tries node by
// node (detail/algebra.hpp): a subtree one input has alone is kept or dropped whole, a subtree
// both share is the result there or vanishes without being read, and every result subtree
// equal to an input's subtree at its place is that subtree. For versions derived from one
// another the cost follows what differs, not the size. Inputs must hash alike, as for ==; with
// a stateful hasher, inputs that share no node are combined by looking elements up instead.
// is_subset and is_disjoint walk the two with hamt::diff. merge_with and intersect_with merge
// node by node too and call f exactly once for every key in both inputs, shared subtrees
// included (f need not be idempotent): a subtree both share is rebuilt with f's values (and kept
// as it is where every value f returns compares equal to the old one), so their cost follows
// what differs plus the keys in both. Results are in canonical form. Strong guarantee: a throw
// (allocator, element copy, f, a hash) leaves both inputs as they were and leaks nothing.
#pragma once

#include <cstddef>
#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/algebra.hpp"
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

// Whether a and b can be merged node by node: the result holds nodes of both, so their
// allocators must be able to free each other's blocks (compare equal), and they must hash
// alike. A stateless hasher always does; a stateful one (seeded, say) is trusted to only for
// versions derived from one another (they share nodes). Otherwise elements are looked up and
// copied into nodes of a's allocator.
template <class C>
bool mergeable(const C& a, const C& b) {
    if (!(a.get_allocator() == b.get_allocator())) return false;
    if constexpr (std::is_empty_v<typename C::hasher>)
        return true;
    else
        return inputs_related(a, b);
}

template <set_op Op, class C>
C merge(const C& a, const C& b) {
    return trie_access<algebra_tag>::apply<Op>(a, b);
}

template <class C>
C empty_like(const C& a) {
    return C(a.hash_function(), a.key_eq(), a.get_allocator());
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
    if (b.empty()) return a;
    if (a.empty()) return b;
    if (detail::mergeable(a, b)) return detail::merge<detail::set_op::unite>(a, b);
    auto t = a.transient();
    for (const K& k : b)
        t.insert(k);
    return std::move(t).persistent();
}

template <class K, class H, class E, class A, class P, unsigned B>
[[nodiscard]] persistent_set<K, H, E, A, P, B>
set_intersection(const persistent_set<K, H, E, A, P, B>& a,
                 const persistent_set<K, H, E, A, P, B>& b) {
    if (a.empty()) return a;
    if (b.empty()) return detail::empty_like(a);
    if (detail::mergeable(a, b)) return detail::merge<detail::set_op::intersect>(a, b);
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
    if (a.empty() || b.empty()) return a;
    if (detail::mergeable(a, b)) return detail::merge<detail::set_op::subtract>(a, b);
    std::vector<const K*> only_a;
    for (const K& k : a)
        if (!b.contains(k)) only_a.push_back(&k);
    if (only_a.size() == a.size()) return a;
    return detail::build_from_pointers(a, only_a);
}

template <class K, class H, class E, class A, class P, unsigned B>
[[nodiscard]] persistent_set<K, H, E, A, P, B>
set_symmetric_difference(const persistent_set<K, H, E, A, P, B>& a,
                         const persistent_set<K, H, E, A, P, B>& b) {
    if (b.empty()) return a;
    if (a.empty()) return b;
    if (detail::mergeable(a, b)) return detail::merge<detail::set_op::symmetric>(a, b);
    std::vector<const K*> one_side;
    for (const K& k : a)
        if (!b.contains(k)) one_side.push_back(&k);
    for (const K& k : b)
        if (!a.contains(k)) one_side.push_back(&k);
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
    if (b.empty()) return a;
    if (a.empty()) return b;
    if (detail::mergeable(a, b)) return detail::merge<detail::set_op::unite>(a, b);
    auto t = a.transient();
    for (const auto& v : b)
        t.insert(v);
    return std::move(t).persistent();
}

// The entries of a whose key is not in b.
template <class K, class T, class H, class E, class A, class P, unsigned B>
[[nodiscard]] persistent_map<K, T, H, E, A, P, B>
set_difference(const persistent_map<K, T, H, E, A, P, B>& a,
               const persistent_map<K, T, H, E, A, P, B>& b) {
    if (a.empty() || b.empty()) return a;
    if (detail::mergeable(a, b)) return detail::merge<detail::set_op::subtract>(a, b);
    using V = typename persistent_map<K, T, H, E, A, P, B>::value_type;
    std::vector<const V*> only_a;
    for (const V& v : a)
        if (!b.contains(v.first)) only_a.push_back(&v);
    if (only_a.size() == a.size()) return a;
    return detail::build_from_pointers(a, only_a);
}

// Keys of either; for a key in both, the value f(key, a_value, b_value), f called once per
// such key.
template <class K, class T, class H, class E, class A, class P, unsigned B, class F>
[[nodiscard]] persistent_map<K, T, H, E, A, P, B>
merge_with(const persistent_map<K, T, H, E, A, P, B>& a,
           const persistent_map<K, T, H, E, A, P, B>& b, F&& f) {
    if (b.empty()) return a;
    if (a.empty()) return b;
    if (detail::mergeable(a, b))
        return detail::trie_access<detail::algebra_tag>::apply_with<detail::set_op::unite>(a, b, f);
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
    if (a.empty() || b.empty())
        return persistent_map<K, T, H, E, A, P, B>(a.hash_function(), a.key_eq(),
                                                   a.get_allocator());
    if (detail::mergeable(a, b))
        return detail::trie_access<detail::algebra_tag>::apply_with<detail::set_op::intersect>(a, b,
                                                                                               f);
    typename persistent_map<K, T, H, E, A, P, B>::transient_type t(0, a.hash_function(), a.key_eq(),
                                                                   a.get_allocator());
    for (const auto& v : a)
        if (const auto it = b.find(v.first); it != b.end())
            t.try_emplace(v.first, T(f(v.first, v.second, std::as_const(it->second))));
    return std::move(t).persistent();
}

} // namespace hamt
