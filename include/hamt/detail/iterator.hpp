// The forward iterator: a fixed-size stack of the child slots still to visit on the path from
// the root, and the run of entries of the current node. It never allocates.
//
// Iterators that find() and the modifiers return start *unresolved*: they record the element,
// the trie's root slot at that moment and the element's hash, not the path. A lookup whose
// iterator is only dereferenced then costs a few stores the optimizer can drop, at -O2 as at
// -O3, instead of two per level into an array it cannot. The first increment (or erase at it)
// descends again from the recorded root by the hash: every operation that changes a node on
// that path invalidates the iterator, so the path found is the one find() walked.
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

    using hash_t = std::uint64_t;
    using branching_t = typename layout_t::branching_t;
    // depth_ of an unresolved iterator (see the top of the file).
    static constexpr unsigned unresolved = levels;
    // What an unresolved iterator records in place of the path.
    struct origin {
        slot root;
        hash_t hash;
    };

    // User-provided so that value-initialisation (T()) does not zero the path: end() and a
    // failed find() stay cheap.
    iterator_state() noexcept {} // NOLINT(modernize-use-equals-default): see above

    // An unresolved iterator to element p (hash h) of the trie whose root slot is `root`. Its
    // run ends after p, so that the first increment takes advance(), which resolves it.
    HAMT_ALWAYS_INLINE void set_unresolved(const Value* p, const slot& root, hash_t h) noexcept {
        cur_ = const_cast<Value*>(p);
        last_ = cur_ + 1;
        depth_ = unresolved;
        origin_ = origin{root, h};
    }

    // Records the path of an unresolved iterator (it stays on its element); no-op otherwise.
    void resolve() noexcept {
        if (depth_ != unresolved) return;
        const origin o = origin_; // the path overwrites it
        descend(&o.root, 0, cur_, o.hash);
    }

    // Completes the iterator to element p (hash h) from slot s at `depth` down: s is the slot
    // of the node on p's path at that depth, and the levels above are already recorded.
    void descend(const slot* s, unsigned depth, const Value* p, hash_t h) noexcept {
        using br = branching_t;
        constexpr unsigned cd = layout_t::collision_depth;
        hash_t rest = br::rest_at(h, depth);
        for (; depth < cd; ++depth) {
            const auto bit = br::next_bit(rest);
            const std::byte* base = layout_t::base(*s);
            if (s->nodemap & bit) {
                const unsigned i = br::index(s->nodemap, bit);
                stack_[depth] = level{base, s->nodemap, i + 1};
                s = reinterpret_cast<const slot*>(base + i * layout_t::child_size);
                continue;
            }
            HAMT_ASSERT(s->datamap & bit);
            stack_[depth] = level{base, s->nodemap, 0};
            depth_ = depth;
            cur_ = const_cast<Value*>(p);
            last_ = layout_t::entries(*s) + layout_t::entry_count(*s);
            return;
        }
        const std::byte* base = layout_t::base(*s);
        stack_[cd] = level{base, 0, 0};
        depth_ = cd;
        cur_ = const_cast<Value*>(p);
        last_ = reinterpret_cast<Value*>(const_cast<std::byte*>(base)) + s->datamap;
    }

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
        if (depth_ == unresolved) {
            // increment() stepped past the element: resolve on it, then step again.
            --cur_;
            resolve();
            if (++cur_ != last_) return;
        }
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

    // Only stack_[0..depth_] is meaningful (origin_ when unresolved); the rest is left unset
    // (an iterator is copied often).
    Value* cur_ = nullptr;
    Value* last_ = nullptr;
    unsigned depth_ = 0;
    union {
        level stack_[levels];
        origin origin_;
    };
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
