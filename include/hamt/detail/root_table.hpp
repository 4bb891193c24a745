// The root table of exclusively owned tries (hamt::map, hamt::set): a directly indexed array of
// shortcuts into the top of the trie, so that a lookup in a large map starts `level` levels down
// instead of at the root (Bagwell's "root hash table", Ideal Hash Trees, 2001, kept beside the
// trie rather than in place of its top levels).
//
// Entry i (i < 2^(Bits * level)) is the address of the deepest slot, at most `level` levels
// down, on the path of every hash whose low Bits * level bits are i, with that slot's depth in
// the address's low bits (slots are 8-byte aligned; depths are below 8). A lookup reads the
// entry, shifts the hash by the depth and walks on from there as from the root. The trie keeps
// its shape, so iteration, comparison, copies and the checker do not see the table.
//
// Invariant (checked by hamt::debug::check_invariants): every entry is what fill() computes
// from the current trie. It points into the child array of a node less than `level` deep, or
// at a child slot of the root; so the table stays right while no node less than `level` deep
// changes (its child slots would move), and the trie repairs the entries below such a node
// after changing it (refill). The root slot itself, which moves with the container, is never
// an entry: a table is built only while every fragment of the root is a child.
//
// Sizes: `level` is the largest L >= 2 with 8 * 2^(Bits * L) <= size (so the nodes at depth
// L - 1 hold 8 entries per fragment on average, almost never an entry of their own, and changes
// above depth L are rare), 2^(Bits * L) <= 2^20, L <= 7. The table is at most one pointer per
// 8 entries. It grows before an insert; when erasing takes the size below 3/4 of the level's
// threshold it takes fewer levels in the same memory, or goes, so erase never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "config.hpp"

namespace hamt::detail {

template <class Layout, class Allocator>
class root_table {
    using slot = typename Layout::slot;
    using br = typename Layout::branching_t;
    using bitmap_t = typename br::bitmap_t;
    static constexpr unsigned bits = br::bits;
    static constexpr std::uintptr_t depth_mask = 7;
    static_assert(alignof(slot) >= 8,
                  "root table entries keep a depth in a slot address's low bits");
    using entry_alloc =
        typename std::allocator_traits<Allocator>::template rebind_alloc<std::uintptr_t>;
    using entry_traits = std::allocator_traits<entry_alloc>;

public:
    static constexpr unsigned min_level = 2;
    static constexpr unsigned max_level = [] {
        unsigned l = min_level;
        while (l < 7 && bits * (l + 1) <= 20 && l + 1 + 2 <= Layout::collision_depth)
            ++l;
        return l;
    }();
    // The size from which a table of `level` levels pays (see the top of the file).
    static constexpr std::size_t threshold(unsigned level) noexcept {
        return std::size_t(8) << (bits * level);
    }

    root_table() = default;
    root_table(const root_table&) = delete;
    root_table& operator=(const root_table&) = delete;
    ~root_table() { HAMT_ASSERT(entries_ == nullptr); } // the trie releases it (release)

    // ---- lookup ----

    const std::uintptr_t* entries() const noexcept { return entries_; }
    std::uintptr_t mask() const noexcept { return mask_; }
    unsigned level() const noexcept { return level_; }
    static const slot* slot_of(std::uintptr_t e) noexcept {
        // NOLINTNEXTLINE(performance-no-int-to-ptr)
        return reinterpret_cast<const slot*>(e & ~depth_mask);
    }
    static unsigned depth_of(std::uintptr_t e) noexcept {
        return static_cast<unsigned>(e & depth_mask);
    }

    // ---- upkeep, called by the trie ----

    // Before an insert into a trie of `size` entries: whether the table should grow first.
    bool wants_growth(std::size_t size) const noexcept { return size >= grow_at_; }
    // After an erase: whether the table should take fewer levels (or go).
    bool wants_shrink(std::size_t size) const noexcept {
        return entries_ && size < threshold(level_) / 4 * 3;
    }

    // Builds the table for a trie of `size` entries whose root slot is `root` (replacing the
    // current one), or none if the size calls for none or the root is not full. May throw
    // (allocation); the old table is kept then.
    void rebuild(const slot& root, std::size_t size, const Allocator& a) {
        const unsigned level = level_for(size);
        if (level < min_level || !root_is_full(root)) {
            release(a);
            // Try again when the trie has doubled (a root that is not full at this size has an
            // unusual hash; doubling keeps the retries' cost linear).
            grow_at_ = level < min_level ? threshold(min_level) : 2 * size;
            return;
        }
        if (level > capacity_) {
            entry_alloc ea(a);
            // Fancy pointers (offset_ptr, ...) as in arena.hpp: kept raw, rebuilt to free.
            std::uintptr_t* fresh = &*entry_traits::allocate(ea, std::size_t(1) << (bits * level));
            release(a);
            entries_ = fresh;
            capacity_ = static_cast<std::uint8_t>(level);
        }
        set_level(root, level);
    }

    // After erasing took the size below 3/4 of the level's threshold: fewer levels in the same
    // memory (never allocates), or no table below the smallest level's.
    void shrink(const slot& root, std::size_t size, const Allocator& a) noexcept {
        const unsigned level = level_for(size);
        if (level < min_level || !root_is_full(root)) {
            release(a);
            return;
        }
        set_level(root, level);
    }

    // Frees the table (the trie is emptied, destroyed, or erased below the level's size).
    void release(const Allocator& a) noexcept {
        if (entries_) {
            entry_alloc ea(a);
            entry_traits::deallocate(
                ea, std::pointer_traits<typename entry_traits::pointer>::pointer_to(*entries_),
                std::size_t(1) << (bits * capacity_));
        }
        entries_ = nullptr;
        level_ = capacity_ = 0;
        mask_ = 0;
        grow_at_ = threshold(min_level);
    }

    // The node of slot s, at depth (< level; `prefix`: the hash whose low bits lead to it)
    // changed: its child slots may have moved. Recomputes the entries below it. False if the
    // table must go (the root lost a child: an entry would have to point at the root slot).
    [[nodiscard]] bool refill(const slot& root, const slot& s, unsigned depth,
                              std::uintptr_t prefix) noexcept {
        HAMT_ASSERT(entries_ && depth < level_);
        if (depth == 0 && !root_is_full(root)) return false;
        fill(s, depth, prefix & ((std::uintptr_t(1) << (bits * depth)) - 1));
        return true;
    }

    void swap(root_table& o) noexcept {
        std::swap(entries_, o.entries_);
        std::swap(mask_, o.mask_);
        std::swap(level_, o.level_);
        std::swap(capacity_, o.capacity_);
        std::swap(grow_at_, o.grow_at_);
    }

    // Whether every entry is what fill would compute now (the checker's test).
    bool consistent(const slot& root) const noexcept {
        if (!entries_) return true;
        if (!root_is_full(root)) return false;
        return matches(root, 0, 0);
    }

private:
    static unsigned level_for(std::size_t size) noexcept {
        unsigned level = 0;
        while (level < max_level && size >= threshold(level + 1))
            ++level;
        return level;
    }
    // Uses the first 2^(bits * level) entries of the allocation; the root is full.
    void set_level(const slot& root, unsigned level) noexcept {
        HAMT_ASSERT(entries_ && min_level <= level && level <= capacity_ && root_is_full(root));
        mask_ = static_cast<std::uint32_t>((std::uintptr_t(1) << (bits * level)) - 1);
        level_ = static_cast<std::uint8_t>(level);
        fill(root, 0, 0);
        grow_at_ = level < max_level ? threshold(level + 1) : static_cast<std::size_t>(-1);
    }
    static bool root_is_full(const slot& root) noexcept {
        constexpr bitmap_t all =
            static_cast<bitmap_t>(~bitmap_t(0) >> (sizeof(bitmap_t) * 8 - br::branches));
        return root.tagged != 0 && root.nodemap == all;
    }
    static std::uintptr_t entry(const slot& s, unsigned depth) noexcept {
        return reinterpret_cast<std::uintptr_t>(&s) | depth;
    }

    // The entries whose low bits are `prefix` (bits * depth of them), below slot s at depth.
    void fill(const slot& s, unsigned depth, std::uintptr_t prefix) noexcept {
        if (depth == level_) {
            entries_[prefix] = entry(s, depth);
            return;
        }
        const unsigned shift = bits * depth;
        const std::uintptr_t self = entry(s, depth);
        const bitmap_t nodemap = s.nodemap;
        if (depth + 1 == level_) {
            // One entry per fragment: a child slot (child slots are consecutive), or s.
            auto child = reinterpret_cast<std::uintptr_t>(Layout::children(s));
            for (unsigned f = 0; f < br::branches; ++f) {
                const std::uintptr_t i = prefix | (std::uintptr_t(f) << shift);
                if ((nodemap >> f) & 1) {
                    entries_[i] = child | (depth + 1);
                    child += Layout::child_size;
                } else {
                    entries_[i] = self;
                }
            }
            return;
        }
        std::size_t c = 0;
        const std::size_t step = std::size_t(1) << (shift + bits);
        for (unsigned f = 0; f < br::branches; ++f) {
            const std::uintptr_t p = prefix | (std::uintptr_t(f) << shift);
            if ((nodemap >> f) & 1) {
                fill(*Layout::child(s, c++), depth + 1, p);
            } else {
                // Every hash with this prefix stops at s (an entry of s, or nothing).
                for (std::size_t i = p; i <= mask_; i += step)
                    entries_[i] = self;
            }
        }
    }

    bool matches(const slot& s, unsigned depth, std::uintptr_t prefix) const noexcept {
        if (depth == level_) return entries_[prefix] == entry(s, depth);
        std::size_t c = 0;
        for (unsigned f = 0; f < br::branches; ++f) {
            const std::uintptr_t p = prefix | (std::uintptr_t(f) << (bits * depth));
            if (s.nodemap & (bitmap_t(1) << f)) {
                if (!matches(*Layout::child(s, c++), depth + 1, p)) return false;
            } else {
                const std::size_t step = std::size_t(1) << (bits * (depth + 1));
                for (std::size_t i = p; i <= mask_; i += step)
                    if (entries_[i] != entry(s, depth)) return false;
            }
        }
        return true;
    }

    std::uintptr_t* entries_ = nullptr;
    // Compact: the table's fields sit in the container object next to the root slot.
    std::uint32_t mask_ = 0; // 2^(bits * level) - 1 < 2^20
    std::uint8_t level_ = 0;
    std::uint8_t capacity_ = 0; // the level the allocation was made for
    std::size_t grow_at_ = threshold(min_level);
};

// Shared ownership: no table (a version's updates would have to copy it).
struct no_root_table {};

} // namespace hamt::detail
