// Debugging aids for hamt containers: an invariant checker (used by the tests and fuzzers) and
// shape statistics. Both walk the whole trie: O(n).
#pragma once

#include "detail/checker.hpp"

namespace hamt::debug {

// Throws invariant_error if the container's trie breaks an invariant (see detail/trie.hpp):
// bitmaps, canonical form, hash-path consistency, collision nodes, size.
template <class Container>
void check_invariants(const Container& c) {
    detail::trie_access<void>::walk(detail::trie_access<void>::engine(c), true);
}

template <class Container>
trie_stats stats(const Container& c) {
    return detail::trie_access<void>::walk(detail::trie_access<void>::engine(c), false);
}

} // namespace hamt::debug
