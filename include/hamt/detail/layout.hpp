// Node layout: how a node's slots and entries sit in its one memory block.
//
//   parent's child slot (child_size bytes)           the node's block (granule-aligned)
//   +---------------------+---------+---------+      +---------+-----+---------+-------+-----+
//   | node address | slack | datamap | nodemap | ---> | child 0 | ... | child   | entry | ... |
//   +---------------------+---------+---------+      |  slot   |     | nc-1    |   0   |     |
//                                                    +---------+-----+---------+-------+-----+
//                                                    |<-- nc * child_size -->|<- ne * E ->|
//
// A node's bitmaps live in the slot that points at it (its parent's child slot, or the
// container's root slot), not in the node: a lookup reads one slot per level and jumps straight
// to the next slot, one dependent load per level. CHAMP separates the two kinds of slot: bit i of
// `datamap` means hash fragment i holds one entry stored inline, bit i of `nodemap` means it holds
// a sub-node; the two bitmaps are disjoint. Child slots come first, then entries, both in
// fragment order and indexed by popcount.
//
// The low bits of the node address (all nodes are granule-aligned, granule >= 8) carry the
// node's slack: how many granules its block has beyond the capacity its contents call for
// (capacity() below). Erase shrinks a node in place and records the slack instead of
// reallocating, so erase never allocates; insert uses the room before it reallocates.
//
// A child slot is at least as large as an entry (child_size >= sizeof(value_type)). Folding a
// sub-node back into its parent (canonical form) replaces a child slot by an entry, so it never
// grows the parent.
//
// Collision nodes sit at depth collision_depth (all 64 hash bits used). Their slot's datamap
// holds the entry count and nodemap the capacity in entries; they have no child slots.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "bits.hpp"

namespace hamt::detail {

inline constexpr std::size_t round_up(std::size_t n, std::size_t to) noexcept {
    return (n + to - 1) / to * to;
}

inline constexpr std::size_t max_of(std::size_t a, std::size_t b) noexcept {
    return a < b ? b : a;
}

template <class Value, unsigned Bits>
struct layout {
    using branching_t = branching<Bits>;
    using bitmap_t = typename branching_t::bitmap_t;

    // Where a parent (or the container) points at a node; see the diagram above.
    struct slot {
        std::uintptr_t tagged; // node address | slack granules; 0 for the empty root
        bitmap_t datamap;      // collision node: entry count
        bitmap_t nodemap;      // collision node: capacity in entries
    };

    static constexpr std::size_t granule = max_of(alignof(slot), alignof(Value));
    static constexpr std::size_t entry_size = sizeof(Value);
    static constexpr std::size_t child_size =
        round_up(max_of(sizeof(slot), sizeof(Value)), granule);
    static constexpr unsigned collision_depth = branching_t::collision_depth;

    static_assert(granule >= 8 && (granule & (granule - 1)) == 0, "granule is a power of two >= 8");
    static constexpr std::uintptr_t tag_mask = granule - 1;
    static constexpr std::size_t max_slack = tag_mask; // granules the tag can record

    static std::byte* base(const slot& s) noexcept {
        // The slack lives in the address's alignment bits (see above).
        // NOLINTNEXTLINE(performance-no-int-to-ptr)
        return reinterpret_cast<std::byte*>(s.tagged & ~tag_mask);
    }
    static std::size_t slack(const slot& s) noexcept { return s.tagged & tag_mask; }
    static std::uintptr_t tag(std::byte* base, std::size_t slack) noexcept {
        HAMT_ASSERT(slack <= max_slack);
        HAMT_ASSERT((reinterpret_cast<std::uintptr_t>(base) & tag_mask) == 0);
        return reinterpret_cast<std::uintptr_t>(base) | slack;
    }

    static constexpr std::size_t granules(std::size_t children, std::size_t entries) noexcept {
        return (children * child_size + entries * entry_size + granule - 1) / granule;
    }
    // Blocks come in size classes a little coarser than granules once nodes get big: a node's
    // block is capacity(its contents), so a large node grows in place for a few inserts before
    // it is reallocated, and fewer distinct sizes pass through the arena's free lists. Up to
    // `exact_limit` granules every size is a class; above, classes are 1/4 of a power of two
    // apart (at most 25% unused; large nodes are few, the many small ones stay exact).
    static constexpr std::size_t exact_limit = 16;
    static constexpr std::size_t capacity(std::size_t g) noexcept {
        if (g <= exact_limit) return g;
        const std::size_t step = highest_power_of_two(g) / 4;
        return (g + step - 1) & ~(step - 1);
    }
    static constexpr std::size_t node_granules(std::size_t children, std::size_t entries) noexcept {
        return capacity(granules(children, entries));
    }
    // The largest block of a regular node: every fragment a child slot (child_size >=
    // entry_size), plus the most slack the tag records.
    static constexpr std::size_t max_regular_granules =
        capacity(branching_t::branches * child_size / granule) + max_slack;
    static constexpr std::size_t collision_granules(std::size_t capacity) noexcept {
        return (capacity * entry_size + granule - 1) / granule;
    }

    static unsigned child_count(const slot& s) noexcept { return popcount(s.nodemap); }
    static unsigned entry_count(const slot& s) noexcept { return popcount(s.datamap); }

    static slot* children(const slot& s) noexcept { return reinterpret_cast<slot*>(base(s)); }
    static slot* child(const slot& s, std::size_t i) noexcept {
        return reinterpret_cast<slot*>(base(s) + i * child_size);
    }
    static Value* entries(const slot& s) noexcept {
        return reinterpret_cast<Value*>(base(s) + child_count(s) * child_size);
    }
    // A node's entries follow its child slots; for callers that have the child count.
    static Value* entries_after(std::byte* base, std::size_t children) noexcept {
        return reinterpret_cast<Value*>(base + children * child_size);
    }
    static Value* entry(const slot& s, std::size_t i) noexcept { return entries(s) + i; }

    // Size of the node's block in granules: the capacity for its contents plus the slack that
    // erasing left.
    static std::size_t block_granules(const slot& s) noexcept {
        return node_granules(child_count(s), entry_count(s)) + slack(s);
    }
    // The same when the caller has the counts (each popcount costs a CPU test in default x86-64
    // builds).
    static std::size_t block_granules(const slot& s, std::size_t children,
                                      std::size_t entries) noexcept {
        return node_granules(children, entries) + slack(s);
    }

    // Child slots are trivially copyable; they move with memmove.
    static void move_slots(std::byte* dst, const std::byte* src, std::size_t count) noexcept {
        if (count) std::memmove(dst, src, count * child_size);
    }
    static slot* slot_at(std::byte* p) noexcept { return reinterpret_cast<slot*>(p); }
    static std::byte* next_slot(const slot* s) noexcept {
        return const_cast<std::byte*>(reinterpret_cast<const std::byte*>(s)) + child_size;
    }
};

} // namespace hamt::detail
