// Node memory for shared (persistent) tries: every node block carries a reference count.
//
//   allocation:  | header: count, units | node block (granule-aligned) ... |
//                                       ^ the address the trie sees
//
// A node may be reachable from many versions, which may live on different threads and die in
// any order, so there is no per-container arena: each node comes from the Allocator (rebound to
// granule units) and goes back to it when its count drops to zero. The header records the
// allocation's true size, so a node that erase shrank in place (release_tail) frees correctly.
//
// Counts: `Atomic` counts are std::atomic. Taking a reference is a relaxed increment (the taker
// already holds one, as with std::shared_ptr); dropping one is a release decrement, and the
// thread that drops the last reference fences with acquire before it destroys the node, so every
// other thread's use of the node happens before. "Am I the only owner" (unique) is an acquire
// load: an in-place change after it happens after every other owner's last use (WG21 P0521).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include "arena.hpp"
#include "config.hpp"
#include "ebo.hpp"

namespace hamt::detail {

template <class Allocator, std::size_t Granule, bool Atomic>
class counted_nodes
    : private ebo_storage<arena_allocator_t<Allocator, Granule>, struct counted_nodes_tag> {
    using unit = arena_unit<Granule>;
    using unit_alloc = arena_allocator_t<Allocator, Granule>;
    using alloc_base = ebo_storage<unit_alloc, struct counted_nodes_tag>;
    using unit_traits = std::allocator_traits<unit_alloc>;
    using unit_pointer = typename unit_traits::pointer;
    using count_t = std::conditional_t<Atomic, std::atomic<std::uint32_t>, std::uint32_t>;

    struct header {
        count_t count;
        std::uint32_t units; // of the whole allocation, header included
    };
    static constexpr std::size_t header_units = (sizeof(header) + Granule - 1) / Granule;

    static header* header_of(const std::byte* node) noexcept {
        // Through the integer address, as in node_arena::deallocate_direct (GCC -Warray-bounds).
        const std::uintptr_t address =
            reinterpret_cast<std::uintptr_t>(node) - header_units * Granule;
        // NOLINTNEXTLINE(performance-no-int-to-ptr)
        return reinterpret_cast<header*>(address);
    }

public:
    static constexpr std::size_t granule = Granule;
    static constexpr bool atomic = Atomic;

    counted_nodes() = default;
    explicit counted_nodes(const Allocator& a) noexcept : alloc_base(unit_alloc(a)) {}
    counted_nodes(const counted_nodes&) = delete;
    counted_nodes& operator=(const counted_nodes&) = delete;

    unit_alloc& allocator() noexcept { return alloc_base::get(); }
    const unit_alloc& allocator() const noexcept { return alloc_base::get(); }
    void swap_allocators(counted_nodes& other) noexcept {
        using std::swap;
        swap(alloc_base::get(), other.alloc_base::get());
    }
    // Nodes belong to no container: moving or swapping contents moves no memory state.
    void adopt(counted_nodes&) noexcept {}
    void swap(counted_nodes&) noexcept {}

    // A new node block of `granules` granules with a count of one. Throws what the allocator
    // throws.
    std::byte* allocate(std::size_t granules) {
        HAMT_ASSERT(granules > 0);
        const std::size_t total = granules + header_units;
        unit_pointer fancy = unit_traits::allocate(allocator(), total);
        unit* raw = std::addressof(*fancy);
        ::new (static_cast<void*>(raw)) header{count_t(1), static_cast<std::uint32_t>(total)};
        return reinterpret_cast<std::byte*>(raw + header_units);
    }
    // Frees a node block (its count is one, or zero after release()).
    void deallocate(std::byte* p, std::size_t) noexcept {
        header* h = header_of(p);
        const std::size_t total = h->units;
        h->~header();
        unit* raw = reinterpret_cast<unit*>(h);
        unit_traits::deallocate(allocator(), std::pointer_traits<unit_pointer>::pointer_to(*raw),
                                total);
    }
    // The node keeps its whole allocation; deallocate() reads the true size from the header.
    void release_tail(std::byte*, std::size_t, std::size_t) noexcept {}
    void release_all() noexcept {}
    void reserve(std::size_t) noexcept {}
    std::size_t reserved_bytes() const noexcept { return 0; }
    // Every node is a separate allocation: destruction always walks the trie.
    std::size_t direct_count() const noexcept { return 1; }

    // ---- counts --------------------------------------------------------------------------------

    static void retain(const std::byte* node) noexcept {
        if constexpr (Atomic)
            header_of(node)->count.fetch_add(1, std::memory_order_relaxed);
        else
            ++header_of(node)->count;
    }
    // Drops one reference; true if it was the last (the caller then destroys the node).
    static bool release(const std::byte* node) noexcept {
        if constexpr (Atomic) {
            if (header_of(node)->count.fetch_sub(1, std::memory_order_release) != 1) return false;
            std::atomic_thread_fence(std::memory_order_acquire);
            return true;
        } else {
            return --header_of(node)->count == 0;
        }
    }
    // True if the caller holds the only reference: the node may be changed in place.
    static bool unique(const std::byte* node) noexcept {
        if constexpr (Atomic)
            return header_of(node)->count.load(std::memory_order_acquire) == 1;
        else
            return header_of(node)->count == 1;
    }
    static std::uint32_t use_count(const std::byte* node) noexcept {
        if constexpr (Atomic)
            return header_of(node)->count.load(std::memory_order_relaxed);
        else
            return header_of(node)->count;
    }
    // Bytes a node block of `granules` takes with its header (the allocator's own overhead
    // not included).
    static constexpr std::size_t allocation_bytes(std::size_t granules) noexcept {
        return (granules + header_units) * Granule;
    }
};

} // namespace hamt::detail
