// Debugging aids for hamt containers: an invariant checker (used by the tests and fuzzers) and
// shape statistics. Both walk the whole trie: O(n).
#pragma once

#include "detail/checker.hpp"
#include "detail/structure.hpp"

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

// Bytes of the nodes that a and b share (reachable from both; each counted once): what a
// snapshot costs is the size of one version minus what it shares with the other. O(shared
// nodes' count of the path to them, plus the unshared top levels).
template <class Container>
std::size_t shared_bytes(const Container& a, const Container& b) {
    using access = detail::trie_access<detail::structure_tag>;
    return access::shared_bytes(access::engine(a), access::engine(b));
}

} // namespace hamt::debug
