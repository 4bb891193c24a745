// The per-container node arena.
//
// Nodes are carved from blocks obtained through the container's allocator (rebound to a
// granule-sized unit). Freed nodes go to a free list per size class (size in granules) and are
// reused by the next node of that size. Blocks are returned only by release_all(), when the
// container is destroyed or cleared; a container of trivially destructible elements then frees
// its memory without walking the trie.
//
// Block sizes grow with the arena (an eighth of what it holds, between 512 bytes and 256 KiB),
// so small containers stay small and large ones waste at most one partial block.
//
// Nodes larger than the largest regular node (only big collision nodes) bypass the pool and go
// to the allocator directly. With HAMT_NO_POOL every node does, behind a small prefix that
// records its true size, so AddressSanitizer sees every node's lifetime.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include "bits.hpp"
#include "config.hpp"
#include "ebo.hpp"

namespace hamt::detail {

template <std::size_t Granule>
struct alignas(Granule) arena_unit {
    unsigned char bytes[Granule];
};

template <class Allocator, std::size_t Granule>
using arena_allocator_t =
    typename std::allocator_traits<Allocator>::template rebind_alloc<arena_unit<Granule>>;

template <class Allocator, std::size_t Granule, std::size_t MaxPooledGranules,
          std::size_t MinRemainderGranules>
class node_arena : private ebo_storage<arena_allocator_t<Allocator, Granule>, struct arena_tag> {
    using unit = arena_unit<Granule>;
    using unit_alloc = arena_allocator_t<Allocator, Granule>;
    using alloc_base = ebo_storage<unit_alloc, struct arena_tag>;
    using unit_traits = std::allocator_traits<unit_alloc>;
    using unit_pointer = typename unit_traits::pointer;

    static constexpr std::size_t min_block_bytes = 512;
    static constexpr std::size_t max_block_bytes = std::size_t(256) * 1024;

    struct free_node {
        free_node* next;
    };
    struct block_header {
        block_header* next;
        std::size_t units;
        unit_pointer fancy; // the allocator's own pointer, for deallocate
    };
    static constexpr std::size_t class_words = (MaxPooledGranules + 1 + 63) / 64;

    // Lives at the start of the first block.
    struct pool_state {
        unit* bump;
        unit* bump_end;
        block_header* blocks;
        std::size_t reserved_units;
        std::uint64_t nonempty[class_words]; // bit c: heads[c] holds a free block
        free_node* heads[MaxPooledGranules + 1];
    };

    static constexpr std::size_t units_for(std::size_t bytes) noexcept {
        return (bytes + Granule - 1) / Granule;
    }
    static constexpr std::size_t header_units = units_for(sizeof(block_header));
    static constexpr std::size_t state_units = units_for(sizeof(pool_state));

public:
    static constexpr std::size_t granule = Granule;

    node_arena() = default;
    explicit node_arena(const Allocator& a) noexcept : alloc_base(unit_alloc(a)) {}
    node_arena(const node_arena&) = delete;
    node_arena& operator=(const node_arena&) = delete;
    ~node_arena() { HAMT_ASSERT(state_ == nullptr && direct_count_ == 0); }

    // Moves the blocks of `other` into this arena (which must hold none).
    void adopt(node_arena& other) noexcept {
        HAMT_ASSERT(state_ == nullptr && direct_count_ == 0);
        state_ = std::exchange(other.state_, nullptr);
        direct_count_ = std::exchange(other.direct_count_, 0);
    }
    void swap(node_arena& other) noexcept {
        std::swap(state_, other.state_);
        std::swap(direct_count_, other.direct_count_);
    }
    void swap_allocators(node_arena& other) noexcept {
        using std::swap;
        swap(alloc_base::get(), other.alloc_base::get());
    }
    unit_alloc& allocator() noexcept { return alloc_base::get(); }
    const unit_alloc& allocator() const noexcept { return alloc_base::get(); }

    // A granule-aligned block of `granules` granules. Throws what the allocator throws.
    HAMT_ALWAYS_INLINE std::byte* allocate(std::size_t granules) {
        HAMT_ASSERT(granules > 0);
#ifndef HAMT_NO_POOL
        if (HAMT_LIKELY(granules <= MaxPooledGranules && state_ != nullptr)) {
            if (free_node* n = state_->heads[granules]) {
                pop_free(n, granules);
                return reinterpret_cast<std::byte*>(n);
            }
        }
        return allocate_slow(granules);
#else
        return allocate_direct(granules);
#endif
    }

    // Returns a block obtained from allocate(granules) (or shrunk by release_tail to that size).
    void deallocate(std::byte* p, std::size_t granules) noexcept {
#ifndef HAMT_NO_POOL
        if (HAMT_LIKELY(granules <= MaxPooledGranules)) {
            push_free(p, granules);
            return;
        }
#endif
        deallocate_direct(p, granules);
    }

    // The block at p of `granules` granules keeps only its first `keep`; the tail becomes free.
    // Only for pooled blocks; a no-op with HAMT_NO_POOL (the node keeps its whole allocation and
    // deallocate() finds the true size in the prefix).
    void release_tail(std::byte* p, std::size_t granules, std::size_t keep) noexcept {
        HAMT_ASSERT(keep > 0 && keep < granules && granules <= MaxPooledGranules);
#ifndef HAMT_NO_POOL
        push_free(p + keep * Granule, granules - keep);
#else
        (void)p, (void)granules, (void)keep;
#endif
    }

    // Frees every block. Nodes must not be used afterwards; pooled nodes need no deallocate().
    void release_all() noexcept {
        if (!state_) return;
        block_header* b = state_->blocks;
        state_ = nullptr;
        while (b) {
            block_header* next = b->next;
            unit_pointer fancy = b->fancy;
            std::size_t units = b->units;
            b->~block_header();
            unit_traits::deallocate(allocator(), fancy, units);
            b = next;
        }
    }

    // Makes sure about `bytes` more can be carved without calling the allocator again.
    void reserve(std::size_t bytes) {
#ifndef HAMT_NO_POOL
        std::size_t want = units_for(bytes);
        std::size_t have = state_ ? static_cast<std::size_t>(state_->bump_end - state_->bump) : 0;
        if (want > have) add_block(want);
#else
        (void)bytes;
#endif
    }

    // Bytes obtained from the allocator for pooled blocks (0 with HAMT_NO_POOL).
    std::size_t reserved_bytes() const noexcept {
        return state_ ? state_->reserved_units * Granule : 0;
    }
    // Live nodes allocated outside the pool (all of them with HAMT_NO_POOL); while there are
    // any, destroying the container must walk the trie to free them.
    std::size_t direct_count() const noexcept {
        return direct_count_;
    }

private:
    void push_free(std::byte* p, std::size_t granules) noexcept {
        HAMT_ASSERT(state_ != nullptr && granules > 0 && granules <= MaxPooledGranules);
        free_node* n = ::new (static_cast<void*>(p)) free_node{state_->heads[granules]};
        state_->heads[granules] = n;
        state_->nonempty[granules / 64] |= std::uint64_t(1) << (granules % 64);
    }
    void pop_free(free_node* n, std::size_t granules) noexcept {
        if (!(state_->heads[granules] = n->next))
            state_->nonempty[granules / 64] &= ~(std::uint64_t(1) << (granules % 64));
    }

    // The smallest class from `c` up with a free block, or 0.
    std::size_t free_class_from(std::size_t c) const noexcept {
        for (std::size_t w = c / 64; w < class_words; ++w) {
            std::uint64_t bits = state_->nonempty[w];
            if (w == c / 64) bits &= ~std::uint64_t(0) << (c % 64);
            if (bits) return w * 64 + lowest_bit_index(bits);
        }
        return 0;
    }

    // Without a free block of the exact size, a free block of a larger class is split before the
    // bump region is used: nodes grow by reallocation, so the free lists of the sizes that nodes
    // have outgrown would otherwise only ever hold garbage.
    HAMT_NOINLINE std::byte* allocate_slow(std::size_t granules) {
        if (granules > MaxPooledGranules) return allocate_direct(granules);
        if (state_) {
            // Prefer a split whose remainder is large enough for a small node.
            std::size_t c = free_class_from(granules + MinRemainderGranules);
            if (!c) c = free_class_from(granules + 1);
            if (c) {
                free_node* n = state_->heads[c];
                pop_free(n, c);
                auto* p = reinterpret_cast<std::byte*>(n);
                push_free(p + granules * Granule, c - granules);
                return p;
            }
            if (static_cast<std::size_t>(state_->bump_end - state_->bump) >= granules) {
                unit* p = state_->bump;
                state_->bump += granules;
                return reinterpret_cast<std::byte*>(p);
            }
        }
        return allocate_new_block(granules);
    }
    HAMT_NOINLINE std::byte* allocate_new_block(std::size_t granules) {
        add_block(granules);
        unit* p = state_->bump;
        state_->bump += granules;
        return reinterpret_cast<std::byte*>(p);
    }

    // Adds a block with room for at least `units` after its header and makes it the bump region;
    // what is left of the previous bump region goes to a free list.
    void add_block(std::size_t units) {
        const std::size_t need = header_units + (state_ ? 0 : state_units) + units;
        std::size_t want = state_ ? state_->reserved_units / 8 : 0;
        const std::size_t lo = units_for(min_block_bytes), hi = units_for(max_block_bytes);
        want = want < lo ? lo : (want > hi ? hi : want);
        const std::size_t total = need > want ? need : want;

        unit_pointer fancy = unit_traits::allocate(allocator(), total);
        unit* raw = std::addressof(*fancy);
        auto* header = ::new (static_cast<void*>(raw)) block_header{nullptr, total, fancy};
        unit* carve = raw + header_units;
        if (!state_) {
            state_ = ::new (static_cast<void*>(carve)) pool_state{};
            carve += state_units;
        } else {
            // What is left of the old bump region goes to the free lists.
            unit* p = state_->bump;
            std::size_t left = static_cast<std::size_t>(state_->bump_end - p);
            while (left > 0) {
                std::size_t chunk = left < MaxPooledGranules ? left : MaxPooledGranules;
                push_free(reinterpret_cast<std::byte*>(p), chunk);
                p += chunk;
                left -= chunk;
            }
        }
        header->next = state_->blocks;
        state_->blocks = header;
        state_->reserved_units += total;
        state_->bump = carve;
        state_->bump_end = raw + total;
    }

    // Direct allocations carry a prefix with the allocator's pointer and their true size.
    struct direct_prefix {
        unit_pointer fancy;
        std::size_t units;
    };

    std::byte* allocate_direct(std::size_t granules) {
        std::size_t total = granules + units_for(sizeof(direct_prefix));
        unit_pointer fancy = unit_traits::allocate(allocator(), total);
        unit* raw = std::addressof(*fancy);
        ::new (static_cast<void*>(raw)) direct_prefix{fancy, total};
        ++direct_count_;
        return reinterpret_cast<std::byte*>(raw + units_for(sizeof(direct_prefix)));
    }
    void deallocate_direct(std::byte* p, std::size_t) noexcept {
        // Back to the prefix through the integer address: GCC's -Warray-bounds otherwise takes
        // p for the start of an object (the node) and flags the step before it.
        const std::uintptr_t address =
            reinterpret_cast<std::uintptr_t>(p) - units_for(sizeof(direct_prefix)) * Granule;
        // NOLINTNEXTLINE(performance-no-int-to-ptr)
        auto* prefix = reinterpret_cast<direct_prefix*>(address);
        unit_pointer fancy = prefix->fancy;
        std::size_t total = prefix->units;
        prefix->~direct_prefix();
        unit_traits::deallocate(allocator(), fancy, total);
        --direct_count_;
    }

    pool_state* state_ = nullptr;
    std::size_t direct_count_ = 0;
};

} // namespace hamt::detail
