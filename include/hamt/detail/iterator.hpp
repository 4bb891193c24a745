// The forward iterator: a fixed-size stack of the child slots still to visit on the path from
// the root, and the run of entries of the current node. It never allocates.
//
// Order: a node's entries first (one contiguous run), then its children, depth first. An
// iterator may also stand on a single entry whose run was cut short (erase(iterator) returns
// one after folding a sub-node into an ancestor, so that the folded entry is visited once and
// iteration resumes with the ancestor's next child).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <type_traits>

#include "layout.hpp"

namespace hamt::detail {

template <class Trie>
struct trie_access;
template <class Policy, class Hash, class KeyEqual, class Allocator, unsigned Bits, class Ownership>
class trie;

HAMT_ALWAYS_INLINE void prefetch(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

// The position of an iterator; shared by iterator and const_iterator so that converting one
// to the other is a plain copy.
template <class Layout, class Value>
class iterator_state {
protected:
    using layout_t = Layout;
    using slot = typename layout_t::slot;
    static constexpr unsigned levels = layout_t::collision_depth + 1;

    template <class, class, class, class, unsigned, class>
    friend class trie;

    // A node on the path and the index of its next child slot to visit. Recording a level costs
    // two stores and no popcount, which keeps find() cheap.
    struct level {
        const std::byte* base;
        typename layout_t::bitmap_t nodemap; // 0 for a collision node
        std::uint32_t next;
    };

    // User-provided so that value-initialisation (T()) does not zero the path: end() and a
    // failed find() stay cheap.
    iterator_state() noexcept {} // NOLINT(modernize-use-equals-default): see above

    // Enters the node of slot `s` at `depth`: its children become pending and its entries the
    // current run. Returns false if it has no entries.
    bool enter(const slot& s, unsigned depth) noexcept {
        depth_ = depth;
        const std::byte* base = layout_t::base(s);
        std::size_t nc = 0, ne;
        if (depth == layout_t::collision_depth) {
            ne = s.datamap;
            stack_[depth] = level{base, 0, 0};
        } else {
            nc = layout_t::child_count(s);
            ne = layout_t::entry_count(s);
            stack_[depth] = level{base, s.nodemap, 0};
            // The first child is visited after the entries: fetch its node meanwhile.
            if (nc) prefetch(layout_t::base(*reinterpret_cast<const slot*>(base)));
        }
        if (ne == 0) return false;
        cur_ = reinterpret_cast<Value*>(const_cast<std::byte*>(base + nc * layout_t::child_size));
        last_ = cur_ + ne;
        return true;
    }

    // Moves to the next node with entries after the current run, or to end.
    HAMT_NOINLINE void advance() noexcept {
        unsigned depth = depth_;
        for (;;) {
            level& l = stack_[depth];
            if (l.next < popcount(l.nodemap)) {
                const slot& s =
                    *reinterpret_cast<const slot*>(l.base + l.next * layout_t::child_size);
                ++l.next;
                // And the next sibling's node, visited after this subtree.
                if (l.next < popcount(l.nodemap))
                    prefetch(layout_t::base(
                        *reinterpret_cast<const slot*>(l.base + l.next * layout_t::child_size)));
                if (enter(s, depth + 1)) return;
                depth = depth_;
                continue;
            }
            if (depth == 0) {
                cur_ = nullptr;
                return;
            }
            --depth;
        }
    }

    // Positions on the first entry of the trie under root slot `root`, or end.
    void begin_at(const slot& root) noexcept {
        cur_ = nullptr;
        if (root.tagged == 0) return;
        if (!enter(root, 0)) advance();
    }

    void increment() noexcept {
        HAMT_ASSERT(cur_ != nullptr);
        if (HAMT_UNLIKELY(++cur_ == last_)) advance();
    }

    // Only stack_[0..depth_] is meaningful; the rest is left unset (an iterator is copied often).
    Value* cur_ = nullptr;
    Value* last_ = nullptr;
    unsigned depth_ = 0;
    level stack_[levels];
};

template <class Layout, class Value, bool Const>
class trie_iterator : private iterator_state<Layout, Value> {
    using state = iterator_state<Layout, Value>;

    template <class, class, bool>
    friend class trie_iterator;
    template <class, class, class, class, unsigned, class>
    friend class trie;

public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::remove_const_t<Value>;
    using difference_type = std::ptrdiff_t;
    using pointer = std::conditional_t<Const, const Value*, Value*>;
    using reference = std::conditional_t<Const, const Value&, Value&>;

    // User-provided for the same reason as iterator_state's.
    trie_iterator() noexcept {} // NOLINT(modernize-use-equals-default)

    template <bool C = Const, class = std::enable_if_t<C>>
    trie_iterator(const trie_iterator<Layout, Value, false>& other) noexcept
        : state(static_cast<const state&>(other)) {}

    reference operator*() const noexcept { return *this->cur_; }
    pointer operator->() const noexcept { return this->cur_; }

    trie_iterator& operator++() noexcept {
        this->increment();
        return *this;
    }
    trie_iterator operator++(int) noexcept {
        trie_iterator old(*this);
        this->increment();
        return old;
    }

    friend bool operator==(const trie_iterator& a, const trie_iterator& b) noexcept {
        return a.cur_ == b.cur_;
    }
    friend bool operator!=(const trie_iterator& a, const trie_iterator& b) noexcept {
        return a.cur_ != b.cur_;
    }

private:
    state& position() noexcept { return *this; }
    const state& position() const noexcept { return *this; }
};

} // namespace hamt::detail
