// hamt::diff: what changed between two containers of one type, by walking both tries at once.
//
//   hamt::diff(before, after, added, removed, changed)   maps: persistent_map, map
//   hamt::diff(before, after, added, removed)            sets: persistent_set, set
//
// added(const value_type&) is called for each element only in `after`, removed(...) for each
// only in `before`, and changed(const value_type& old, const value_type& now) for each key in
// both whose mapped values differ (T's operator==). Order: by hash fragments, depth first.
//
// No key is hashed, and a subtree both containers share (pointer-identical nodes: versions
// derived from one another share all an update did not touch) is skipped whole: for related
// versions the cost is proportional to the number of differences times the depth, not to the
// size. For two unrelated containers it is O(n + m). Both must hash alike (the same hash
// function; for a stateful one the same state), as == requires. The callbacks must not change
// either container; what they throw propagates, and nothing is changed.
#pragma once

#include <type_traits>
#include <utility>

#include "detail/structure.hpp"

namespace hamt {
namespace detail {
template <class C, class = void>
struct has_mapped_type : std::false_type {};
template <class C>
struct has_mapped_type<C, std::void_t<typename C::mapped_type>> : std::true_type {};
} // namespace detail

template <class C, class Added, class Removed, class Changed,
          class = std::enable_if_t<detail::has_mapped_type<C>::value>>
void diff(const C& before, const C& after, Added&& added, Removed&& removed, Changed&& changed) {
    using access = detail::trie_access<detail::structure_tag>;
    access::diff(access::engine(before), access::engine(after), added, removed, changed);
}

template <class C, class Added, class Removed,
          class = std::enable_if_t<!detail::has_mapped_type<C>::value>>
void diff(const C& before, const C& after, Added&& added, Removed&& removed) {
    using access = detail::trie_access<detail::structure_tag>;
    auto never = [](const typename C::value_type&, const typename C::value_type&) {};
    access::diff(access::engine(before), access::engine(after), added, removed, never);
}

} // namespace hamt
