// Ownership policies of the trie engine: who may change a node in place, and where node
// memory comes from. The engine is written once; the one primitive that differs is
// trie::own_path ("make the nodes on this path mine"), a no-op for exclusive ownership.
//
//  - exclusive (hamt::map, hamt::set): the container owns every node alone and changes it in
//    place; nodes come from the per-container node_arena.
//  - shared (persistent containers and their transients): a node may be reachable from many
//    versions and carries a reference count (counted_nodes). Before an update changes a node it
//    makes each node on its path its own, top-down: a node whose count is one (and whose parent
//    is already its own) is changed in place; a shared one is copied first, the copy taking a
//    reference to each child, and the original losing the reference the path held.
//
// The root table (root_table.hpp), shortcuts into the top of the trie for lookups, is a
// property of exclusive ownership: a version's update would have to copy it.
#pragma once

#include <cstddef>

#include "../fwd.hpp"
#include "arena.hpp"
#include "counted_nodes.hpp"
#include "root_table.hpp"

namespace hamt::detail {

struct exclusive_ownership {
    static constexpr bool shared = false;
    template <class Allocator, std::size_t Granule, std::size_t MaxPooledGranules,
              std::size_t MinRemainderGranules>
    using memory = node_arena<Allocator, Granule, MaxPooledGranules, MinRemainderGranules>;
    template <class Layout, class Allocator>
    using table = root_table<Layout, Allocator>;
};

template <class ThreadPolicy>
struct shared_ownership {
    static constexpr bool shared = true;
    using thread_policy = ThreadPolicy;
    template <class Allocator, std::size_t Granule, std::size_t, std::size_t>
    using memory = counted_nodes<Allocator, Granule, ThreadPolicy::atomic_counts>;
    template <class, class>
    using table = no_root_table;
};

} // namespace hamt::detail
