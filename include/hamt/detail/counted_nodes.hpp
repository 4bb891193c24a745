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
// With std::allocator (and without HAMT_NO_POOL), freed blocks of up to `cached_units` units go to
// a per-thread cache, one free list per size, at most `cache_depth` blocks each, and the next
// node of that size on that thread takes one: an update frees and allocates a few nodes of
// nearly the sizes it freed, so most allocations are a pop. A block freed on another thread
// than the one that allocated it goes to the freeing thread's cache (as with malloc). The cache
// of a thread goes back to the allocator when the thread exits; blocks freed after that go to
// the allocator directly.
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

// Built with ThreadSanitizer (clang's __has_feature, GCC's __SANITIZE_THREAD__): see release().
#if defined(__SANITIZE_THREAD__)
#define HAMT_DETAIL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HAMT_DETAIL_TSAN 1
#endif
#endif
#ifndef HAMT_DETAIL_TSAN
#define HAMT_DETAIL_TSAN 0
#endif

namespace hamt::detail {

// The per-thread cache of freed node blocks for one granule size (see above).
template <std::size_t Granule>
struct node_block_cache {
    static constexpr std::size_t cached_units = 128;
    static constexpr std::uint32_t cache_depth = 32;
    using unit = arena_unit<Granule>;

    struct free_block {
        free_block* next;
    };
    // Trivially destructible, so that it can still be read after the thread's destructors ran.
    struct state {
        free_block* heads[cached_units + 1];
        std::uint32_t counts[cached_units + 1];
        bool flush_registered;
        bool closed; // the thread is exiting: free directly
    };
    static state& local() noexcept {
        static thread_local state s{};
        return s;
    }
    // Returns the cached blocks when the thread exits.
    struct flusher {
        ~flusher() {
            state& s = local();
            s.closed = true;
            std::allocator<unit> a;
            for (std::size_t units = 1; units <= cached_units; ++units) {
                for (free_block* b = s.heads[units]; b;) {
                    free_block* next = b->next;
                    a.deallocate(reinterpret_cast<unit*>(b), units);
                    b = next;
                }
                // Later allocations on this thread (destructors of statics and of later
                // thread_locals) must not pop what was just freed.
                s.heads[units] = nullptr;
                s.counts[units] = 0;
            }
        }
    };

    static unit* pop(std::size_t units) noexcept {
        state& s = local();
        free_block* b = s.closed ? nullptr : s.heads[units];
        if (!b) return nullptr;
        s.heads[units] = b->next;
        --s.counts[units];
        return reinterpret_cast<unit*>(b);
    }
    static bool push(unit* p, std::size_t units) noexcept {
        state& s = local();
        if (s.closed || s.counts[units] >= cache_depth) return false;
        if (HAMT_UNLIKELY(!s.flush_registered)) {
            s.flush_registered = true;
            static thread_local flusher f;
            (void)f;
        }
        s.heads[units] = ::new (static_cast<void*>(p)) free_block{s.heads[units]};
        ++s.counts[units];
        return true;
    }
};

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

#ifndef HAMT_NO_POOL
    static constexpr bool use_cache = std::is_same_v<unit_alloc, std::allocator<unit>>;
#else
    static constexpr bool use_cache = false;
#endif
    using cache = node_block_cache<Granule>;

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

    unit_alloc& allocator() noexcept {
        return alloc_base::get();
    }
    const unit_alloc& allocator() const noexcept {
        return alloc_base::get();
    }
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
        unit* raw = nullptr;
        if constexpr (use_cache) {
            if (total <= cache::cached_units) raw = cache::pop(total);
        }
        if (!raw) {
            unit_pointer fancy = unit_traits::allocate(allocator(), total);
            raw = std::addressof(*fancy);
        }
        ::new (static_cast<void*>(raw)) header{count_t(1), static_cast<std::uint32_t>(total)};
        return reinterpret_cast<std::byte*>(raw + header_units);
    }
    // Frees a node block (its count is one, or zero after release()).
    void deallocate(std::byte* p, std::size_t) noexcept {
        header* h = header_of(p);
        const std::size_t total = h->units;
        h->~header();
        unit* raw = reinterpret_cast<unit*>(h);
        if constexpr (use_cache) {
            if (total <= cache::cached_units && cache::push(raw, total)) return;
        }
        unit_traits::deallocate(allocator(), std::pointer_traits<unit_pointer>::pointer_to(*raw),
                                total);
    }
    // The node keeps its whole allocation; deallocate() reads the true size from the header.
    void release_tail(std::byte*, std::size_t, std::size_t) noexcept {}
    void release_all() noexcept {}
    void reserve(std::size_t) noexcept {}
    std::size_t reserved_bytes() const noexcept {
        return 0;
    }
    // Every node is a separate allocation: destruction always walks the trie.
    std::size_t direct_count() const noexcept {
        return 1;
    }

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
#if HAMT_DETAIL_TSAN
            // ThreadSanitizer does not model std::atomic_thread_fence, so it would report the
            // destruction of every node released by several threads as a data race (GCC also
            // warns, -Wtsan). Under TSan the same ordering comes from an acquire-release
            // decrement, which it does model (as Rust's Arc and folly do).
            return header_of(node)->count.fetch_sub(1, std::memory_order_acq_rel) == 1;
#else
            if (header_of(node)->count.fetch_sub(1, std::memory_order_release) != 1) return false;
            std::atomic_thread_fence(std::memory_order_acquire);
            return true;
#endif
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
    // Bytes of the node's whole allocation, header and any tail erase kept (the allocator's
    // own overhead not included).
    static std::size_t allocation_bytes(const std::byte* node) noexcept {
        return static_cast<std::size_t>(header_of(node)->units) * Granule;
    }
};

} // namespace hamt::detail
