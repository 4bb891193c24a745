// The trie engine: lookup, insert, erase, copy and destruction over the node layout, written
// once for maps and sets (Policy says how to get the key out of an element).
//
// Invariants (checked by hamt::debug::check_invariants):
//  - the root slot is {0, 0, 0} exactly when the container is empty;
//  - a node's datamap and nodemap are disjoint; entries and child slots are in fragment order;
//  - canonical form: a node below the root holds at least two entries in its subtree, and a node
//    below the root with no child slots holds at least two entries (a lone entry lives inline in
//    its parent); so equal key sets give equal shapes;
//  - an entry at depth d sits at the fragments of its hash for depths 0..d;
//  - collision nodes sit at collision_depth, hold >= 2 entries with one full hash, distinct keys;
//  - size_ is the number of entries.
//
// Ownership (ownership.hpp): with exclusive ownership the trie changes its nodes in place and
// takes memory from the per-container node_arena. With shared ownership nodes are reference
// counted and may be reachable from other versions; every update first makes the nodes on its
// path its own (own_path: unique nodes stay, shared ones are copied), after which the same
// in-place primitives apply. Lookup, iteration, comparison and the checker do not differ.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "../hash.hpp"
#include "arena.hpp"
#include "bits.hpp"
#include "ebo.hpp"
#include "elements.hpp"
#include "iterator.hpp"
#include "layout.hpp"
#include "ownership.hpp"

namespace hamt::detail {

template <class H, class = void>
struct is_avalanching : std::false_type {};
template <class H>
struct is_avalanching<H, std::void_t<typename H::is_avalanching>> : std::true_type {};

template <class H, class E, class = void>
struct is_transparent_pair : std::false_type {};
template <class H, class E>
struct is_transparent_pair<H, E,
                           std::void_t<typename H::is_transparent, typename E::is_transparent>>
    : std::true_type {};

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

// Shared ownership: true while no other trie has shared this one's nodes since it was last
// empty, so that every node it reaches is its alone and own_path has nothing to check (a
// transient built from empty). Cleared by copy_from on both sides; a relaxed atomic because
// copying one const version from several threads at once clears it concurrently.
struct sole_owner_flag {
    mutable std::atomic<bool> value{true};
    bool get() const noexcept { return value.load(std::memory_order_relaxed); }
    void set(bool v) const noexcept { value.store(v, std::memory_order_relaxed); }
};
// Exclusive ownership: nothing to record (an empty base).
struct no_sole_owner_flag {
    static constexpr bool get() noexcept { return false; }
    static void set(bool) noexcept {}
};

// Whether trie::bulk_build can take the range: forward iterators over value_type, or (maps)
// pairs whose first is the key, or (sets) keys; and how to read an element's key.
template <class It, class Policy, class = void>
struct bulk_buildable : std::false_type {};
template <class It, class Policy>
struct bulk_buildable<
    It, Policy,
    std::enable_if_t<std::is_base_of_v<std::forward_iterator_tag,
                                       typename std::iterator_traits<It>::iterator_category>>> {
    using item = std::remove_cv_t<std::remove_reference_t<decltype(*std::declval<It&>())>>;
    static constexpr bool check() {
        // The build keeps the address of each element: the range's elements must be objects.
        if constexpr (!std::is_lvalue_reference_v<decltype(*std::declval<It&>())>) {
            return false;
        } else if constexpr (Policy::is_map) {
            return std::is_same_v<item, typename Policy::value_type> ||
                   std::is_same_v<
                       item, std::pair<typename Policy::key_type, typename Policy::mapped_type>>;
        } else {
            return std::is_same_v<item, typename Policy::key_type>;
        }
    }
    static constexpr bool value = check();
};

template <class Policy, class Hash, class KeyEqual, class Allocator, unsigned Bits, class Ownership>
class trie
    : private ebo_storage<Hash, struct hash_tag>,
      private ebo_storage<KeyEqual, struct key_equal_tag>,
      private ebo_storage<
          std::conditional_t<Ownership::shared, sole_owner_flag, no_sole_owner_flag>,
          struct sole_owner_tag>,
      private ebo_storage<
          typename Ownership::template table<layout<typename Policy::value_type, Bits>, Allocator>,
          struct root_table_tag> {
    using hash_base = ebo_storage<Hash, struct hash_tag>;
    using equal_base = ebo_storage<KeyEqual, struct key_equal_tag>;
    using sole_base =
        ebo_storage<std::conditional_t<Ownership::shared, sole_owner_flag, no_sole_owner_flag>,
                    struct sole_owner_tag>;
    using table_t =
        typename Ownership::template table<layout<typename Policy::value_type, Bits>, Allocator>;
    using table_base = ebo_storage<table_t, struct root_table_tag>;

    template <class>
    friend struct trie_access;

public:
    using key_type = typename Policy::key_type;
    using value_type = typename Policy::value_type;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using hasher = Hash;
    using key_equal = KeyEqual;
    using allocator_type = Allocator;
    using reference = value_type&;
    using const_reference = const value_type&;
    using pointer = typename std::allocator_traits<Allocator>::pointer;
    using const_pointer = typename std::allocator_traits<Allocator>::const_pointer;

    using layout_t = layout<value_type, Bits>;
    using slot = typename layout_t::slot;
    // Shared nodes may belong to other versions too: elements are reached for writing only
    // through operations that own the path first, never through an iterator.
    static constexpr bool shared = Ownership::shared;
    using iterator = trie_iterator<layout_t, value_type, !Policy::is_map || shared>;
    using const_iterator = trie_iterator<layout_t, value_type, true>;

    static_assert(std::is_same_v<typename std::allocator_traits<Allocator>::value_type, value_type>,
                  "Allocator::value_type must be the container's value_type");

protected:
    using br = branching<Bits>;
    using bitmap_t = typename br::bitmap_t;
    using value_alloc =
        typename std::allocator_traits<Allocator>::template rebind_alloc<value_type>;
    using ops = element_ops<Policy, value_alloc>;
    using arena_t = typename Ownership::template memory<
        Allocator, layout_t::granule, layout_t::max_regular_granules, layout_t::granules(0, 2)>;
    using alloc_traits = std::allocator_traits<Allocator>;

    static constexpr unsigned cd = layout_t::collision_depth;
    static constexpr std::size_t C = layout_t::child_size;
    static constexpr std::size_t G = layout_t::granule;

public:
    // ---- construction -----------------------------------------------------------------------

    trie() = default;
    trie(const Hash& h, const KeyEqual& eq, const Allocator& a)
        : hash_base(h), equal_base(eq), arena_(a) {}
    ~trie() { destroy_all(); }

    trie(const trie&) = delete;
    trie& operator=(const trie&) = delete;

    // ---- observers --------------------------------------------------------------------------

    size_type size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    hasher hash_function() const { return hash_base::get(); }
    key_equal key_eq() const { return equal_base::get(); }
    allocator_type get_allocator() const noexcept { return allocator_type(arena_.allocator()); }
    size_type max_size() const noexcept {
        using va_traits = std::allocator_traits<value_alloc>;
        value_alloc va(arena_.allocator());
        std::size_t by_alloc = va_traits::max_size(va);
        std::size_t by_type = static_cast<std::size_t>(PTRDIFF_MAX) / sizeof(value_type);
        return by_alloc < by_type ? by_alloc : by_type;
    }

    // ---- hashing ----------------------------------------------------------------------------

    template <class K>
    hash_t hash_of(const K& key) const {
        if constexpr (is_avalanching<Hash>::value) {
            return static_cast<hash_t>(hash_base::get()(key));
        } else {
            return mix64(static_cast<hash_t>(hash_base::get()(key)));
        }
    }
    template <class A, class B>
    bool equal_keys(const A& a, const B& b) const {
        return equal_base::get()(a, b);
    }

    // ---- iteration --------------------------------------------------------------------------

    iterator begin() noexcept {
        iterator it;
        it.begin_at(root_);
        return it;
    }
    const_iterator begin() const noexcept {
        const_iterator it;
        it.begin_at(root_);
        return it;
    }
    iterator end() noexcept { return iterator(); }
    const_iterator end() const noexcept { return const_iterator(); }

    // ---- lookup -----------------------------------------------------------------------------

    // The element with `key` (hash h), or nullptr. Inlined into every lookup (find, contains,
    // count, at): at -O2 GCC would otherwise call it with the key spilled to memory.
    template <class K>
    HAMT_ALWAYS_INLINE value_type* find_ptr(const K& key, hash_t h) const {
#if defined(HAMT_POPCOUNT_DISPATCH)
        // Which popcount, decided once per lookup instead of once per level.
        if (HAMT_LIKELY(cpu_has_popcnt)) return find_ptr_with<popcount_insn>(key, h);
        return find_ptr_with<popcount_soft>(key, h);
#else
        return find_ptr_with<popcount_any>(key, h);
#endif
    }

    template <class Popcount, class K>
    HAMT_ALWAYS_INLINE value_type* find_ptr_with(const K& key, hash_t h) const {
        if constexpr (!shared) {
            // A large trie starts from its root table's shortcut (root_table.hpp). Two copies
            // of the walk: the one from the root keeps its constant start.
            if (const std::uintptr_t* t = table().entries()) {
                const std::uintptr_t e = t[h & table().mask()];
                const unsigned depth = table_t::depth_of(e);
                return find_from<Popcount>(key, table_t::slot_of(e), depth, h >> (Bits * depth));
            }
        }
        return find_from<Popcount>(key, &root_, 0, h);
    }

    // The walk of find_ptr from slot s at depth; rest: the hash with the fragments above shifted
    // out.
    template <class Popcount, class K>
    HAMT_ALWAYS_INLINE value_type* find_from(const K& key, const slot* s, unsigned depth,
                                             hash_t rest) const {
        for (; depth < cd; ++depth) {
            const bitmap_t bit = br::next_bit(rest);
            const std::byte* base = layout_t::base(*s);
            const bitmap_t nodemap = s->nodemap;
            if (nodemap & bit) {
                s = reinterpret_cast<const slot*>(
                    base + br::template index_with<Popcount>(nodemap, bit) * C);
                continue;
            }
            const bitmap_t datamap = s->datamap;
            if (datamap & bit) {
                value_type* e = reinterpret_cast<value_type*>(const_cast<std::byte*>(base) +
                                                              Popcount::count(nodemap) * C) +
                                br::template index_with<Popcount>(datamap, bit);
                return equal_keys(key, Policy::key_of(*e)) ? e : nullptr;
            }
            return nullptr;
        }
        return find_in_collision(*s, key);
    }

    // The same lookup as an iterator (end() if absent), unresolved (see iterator.hpp): it
    // records no path, so that a caller who only dereferences it pays for find_ptr alone.
    template <class It, class K>
    HAMT_ALWAYS_INLINE It find_iterator(const K& key, hash_t h) const {
        It it;
        if (value_type* e = find_ptr(key, h)) it.set_unresolved(e, root_, h);
        return it;
    }

    // ---- insertion --------------------------------------------------------------------------

    // Inserts the element made by make(value_type* raw) unless `key` (hash h) is present.
    // Returns the element with that key and whether it was inserted. Strong guarantee. With
    // `out`, also sets *out to an (unresolved) iterator to that element. With shared ownership the
    // path is made this trie's own only when the trie changes, or with OwnIfPresent (the caller
    // will write to the element).
    template <bool OwnIfPresent = false, class K, class Make, class It = void>
    HAMT_ALWAYS_INLINE std::pair<value_type*, bool> emplace_unique(hash_t h, const K& key,
                                                                   Make&& make, It* out = nullptr) {
        constexpr bool track = !std::is_void_v<It>;
        if constexpr (!shared) {
            // Before anything changes, so that a throw leaves the trie as it was.
            if (HAMT_UNLIKELY(table().wants_growth(size_)))
                table().rebuild(root_, size_, arena_.allocator());
        }
        slot* s = &root_;
        [[maybe_unused]] slot* path[shared ? cd + 1 : 1];
        if constexpr (shared) path[0] = s;
        [[maybe_unused]] auto own = [&](unsigned d, std::size_t want) {
            return own_path(path, d, want);
        };
        // The iterator is made last: own_path and the insert may change the root slot.
        [[maybe_unused]] auto done = [&](value_type* e) {
            if constexpr (track) out->set_unresolved(e, root_, h);
        };
        unsigned depth = 0;
        value_type* p;
        hash_t rest = h;
        if constexpr (!shared) start_at_table(h, s, depth, rest); // no path to record
        for (; depth < cd; ++depth) {
            const bitmap_t bit = br::next_bit(rest);
            if (s->nodemap & bit) {
                const unsigned i = br::index(s->nodemap, bit);
                s = layout_t::child(*s, i);
                if constexpr (shared) path[depth + 1] = s;
                continue;
            }
            if (s->datamap & bit) {
                const unsigned i = br::index(s->datamap, bit);
                p = layout_t::entry(*s, i);
                if (equal_keys(key, Policy::key_of(*p))) {
                    if constexpr (shared && OwnIfPresent) {
                        s = own(depth, 0);
                        p = layout_t::entry(*s, i);
                    }
                    done(p);
                    return {p, false};
                }
                if constexpr (shared)
                    s = own(depth, layout_t::node_granules(layout_t::child_count(*s) + 1,
                                                           layout_t::entry_count(*s) - 1));
                p = split(*s, depth, bit, i, h, make);
                if constexpr (!shared) relaid(*s, depth, h);
            } else {
                if constexpr (shared) {
                    if (s->tagged)
                        s = own(depth, layout_t::node_granules(layout_t::child_count(*s),
                                                               layout_t::entry_count(*s) + 1));
                }
                [[maybe_unused]] const std::uintptr_t before = s->tagged & ~layout_t::tag_mask;
                p = insert_entry(*s, bit, make);
                // In place, a new entry moves no child slot; a reallocated node moved them all.
                if constexpr (!shared)
                    if ((s->tagged & ~layout_t::tag_mask) != before) relaid(*s, depth, h);
            }
            ++size_;
            done(p);
            return {p, true};
        }
        bool inserted = false;
        p = find_in_collision(*s, key);
        if (!p) {
            if constexpr (shared) s = own(cd, layout_t::collision_granules(s->datamap + 1u));
            p = append_collision(*s, make);
            ++size_;
            inserted = true;
        } else if constexpr (shared && OwnIfPresent) {
            const std::size_t i = static_cast<std::size_t>(p - collision_entries(*s));
            s = own(cd, 0);
            p = collision_entries(*s) + i;
        }
        done(p);
        return {p, inserted};
    }

    // The element with `key` (hash h), or nullptr, for writing: with shared ownership the path
    // to it is made this trie's own first.
    template <class K>
    value_type* find_for_update(const K& key, hash_t h) {
        if constexpr (!shared) {
            return find_ptr(key, h);
        } else {
            slot* path[cd + 1];
            path[0] = &root_;
            slot* s = &root_;
            hash_t rest = h;
            for (unsigned depth = 0; depth < cd; ++depth) {
                const bitmap_t bit = br::next_bit(rest);
                if (s->nodemap & bit) {
                    s = layout_t::child(*s, br::index(s->nodemap, bit));
                    path[depth + 1] = s;
                    continue;
                }
                if (!(s->datamap & bit)) return nullptr;
                const unsigned i = br::index(s->datamap, bit);
                if (!equal_keys(key, Policy::key_of(*layout_t::entry(*s, i)))) return nullptr;
                return layout_t::entry(*own_path(path, depth), i);
            }
            value_type* e = find_in_collision(*s, key);
            if (!e) return nullptr;
            const std::size_t i = static_cast<std::size_t>(e - collision_entries(*s));
            return collision_entries(*own_path(path, cd)) + i;
        }
    }

    // ---- erasure ----------------------------------------------------------------------------

    // Removes the element with `key` (hash h); returns the number removed.
    template <class K>
    size_type erase_key(const K& key, hash_t h) {
        slot* path[cd + 1];
        path[0] = &root_;
        slot* s = &root_;
        hash_t rest = h;
        unsigned depth = 0;
        if constexpr (!shared) {
            // From the root table's shortcut: the path above it is left unknown, marked by a
            // null slot just above (the root's, path[0], is always known), and fold() walks it
            // from the root in the rare case that it climbs that far.
            start_at_table(h, s, depth, rest);
            path[depth] = s;
            if (depth > 1) path[depth - 1] = nullptr;
        }
        for (; depth < cd; ++depth) {
            const bitmap_t bit = br::next_bit(rest);
            if (s->nodemap & bit) {
                s = layout_t::child(*s, br::index(s->nodemap, bit));
                path[depth + 1] = s;
                continue;
            }
            if (s->datamap & bit) {
                const unsigned i = br::index(s->datamap, bit);
                if (!equal_keys(key, Policy::key_of(*layout_t::entry(*s, i)))) return 0;
                if constexpr (shared) own_path(path, depth);
                const unsigned top = remove_entry<false>(path, depth, i, &h, nullptr);
                if constexpr (!shared) relaid_after_erase(path, top, &h);
                return 1;
            }
            return 0;
        }
        value_type* e = find_in_collision(*s, key);
        if (!e) return 0;
        const std::size_t i = static_cast<std::size_t>(e - collision_entries(*s));
        if constexpr (shared) own_path(path, cd);
        const unsigned top = remove_entry<false>(path, cd, i, &h, nullptr);
        if constexpr (!shared) relaid_after_erase(path, top, &h);
        return 1;
    }

    // Removes the element at `pos`; returns the iterator to the element after it.
    iterator erase_at(const_iterator pos) {
        HAMT_ASSERT(pos.cur_ != nullptr);
        pos.resolve(); // the path is read below
        slot* path[cd + 1];
        path[0] = &root_;
        iterator next = mutable_iterator(pos);
        if constexpr (shared) {
            // The path is taken from this trie's root by the child indices the iterator
            // recorded, not through the node addresses it holds: those nodes may be shared by
            // now (persistent() since the iterator was made) and are copied before the erase.
            // (resolve() walked the nodes from the root the iterator recorded: a writing call
            // since it was made, which may have copied the path, invalidates it; README.) The
            // entry's index comes from address arithmetic alone. Then the path is made this
            // trie's own and the iterator follows it (a copy has the layout of its original).
            const unsigned depth = pos.depth_;
            const std::size_t nc = depth == cd ? 0 : popcount(pos.stack_[depth].nodemap);
            const auto* old_entries =
                reinterpret_cast<const value_type*>(pos.stack_[depth].base + nc * C);
            const std::size_t j = static_cast<std::size_t>(pos.cur_ - old_entries);
            const std::size_t run_end = static_cast<std::size_t>(pos.last_ - old_entries);
            for (unsigned d = 0; d < depth; ++d)
                path[d + 1] = layout_t::child(*path[d], pos.stack_[d].next - 1);
            own_path(path, depth);
            for (unsigned d = 0; d <= depth; ++d)
                next.stack_[d].base = layout_t::base(*path[d]);
            value_type* entries =
                depth == cd ? collision_entries(*path[depth]) : layout_t::entries(*path[depth]);
            next.cur_ = entries + j;
            next.last_ = entries + run_end;
            remove_entry<true>(path, depth, j, nullptr, &next);
            return next;
        } else {
            for (unsigned d = 0; d < pos.depth_; ++d)
                path[d + 1] = const_cast<slot*>(reinterpret_cast<const slot*>(
                    pos.stack_[d].base + (pos.stack_[d].next - 1) * C));
            const slot& s = *path[pos.depth_];
            value_type* entries = pos.depth_ == cd ? collision_entries(s) : layout_t::entries(s);
            const unsigned top = remove_entry<true>(
                path, pos.depth_, static_cast<std::size_t>(next.cur_ - entries), nullptr, &next);
            relaid_after_erase(path, top, nullptr);
            return next;
        }
    }

    static iterator mutable_iterator(const const_iterator& pos) noexcept {
        iterator it;
        it.position() = pos.position();
        return it;
    }

    // ---- bulk construction --------------------------------------------------------------------

    // Builds this (empty) trie from the elements at [first, last), a forward range whose
    // elements have a key (bulk_buildable) and construct a value_type; of equal keys the first
    // wins, as with one insert after another. Hashes every key once, then builds the trie top
    // down: at each node the elements are bucketed by their fragment (a stable counting sort,
    // so equal keys keep their order) and each node is made once, at its final size. Strong
    // guarantee: on a throw this stays empty.
    template <class It>
    void bulk_build(It first, It last) {
        HAMT_ASSERT(size_ == 0 && root_.tagged == 0);
        using item = typename bulk_buildable<It, Policy>::item;
        using item_alloc = typename alloc_traits::template rebind_alloc<bulk_item<item>>;
        std::vector<bulk_item<item>, item_alloc> items{item_alloc(arena_.allocator())};
        items.reserve(static_cast<std::size_t>(std::distance(first, last)));
        for (It it = first; it != last; ++it)
            items.push_back({hash_of(bulk_key(*it)), std::addressof(*it)});
        if (items.empty()) return;
        std::vector<bulk_item<item>, item_alloc> scratch(items.size(), items[0],
                                                         item_alloc(arena_.allocator()));
        std::size_t count = 0;
        root_ = build_node(items.data(), items.size(), 0, scratch.data(), count);
        size_ = count;
        if constexpr (!shared) {
            HAMT_TRY {
                table().rebuild(root_, size_, arena_.allocator());
            }
            HAMT_CATCH_ALL {
                destroy_all();
                HAMT_RETHROW;
            }
        }
    }

    // ---- whole-container operations ---------------------------------------------------------

    // Destroys every element and returns all memory; the container is empty afterwards.
    void destroy_all() noexcept {
        if constexpr (shared) {
            if (root_.tagged != 0) release_subtree(root_, 0);
            root_ = slot{0, 0, 0};
            size_ = 0;
            sole_base::get().set(true);
            return;
        }
        if (root_.tagged != 0) {
            const bool walk = !(std::is_trivially_destructible_v<value_type> && ops::bitwise) ||
                              arena_.direct_count() != 0;
            if (walk) destroy_subtree(root_, 0, /*free_nodes=*/true);
        }
        if constexpr (!shared) table().release(arena_.allocator());
        arena_.release_all();
        root_ = slot{0, 0, 0};
        size_ = 0;
    }

    // Makes this (empty) trie a structural copy of `other`. On a throw this stays empty.
    // With shared ownership the copy shares other's nodes: O(1).
    void copy_from(const trie& other) {
        HAMT_ASSERT(size_ == 0 && root_.tagged == 0);
        if (other.root_.tagged == 0) return;
        if constexpr (shared) {
            arena_t::retain(layout_t::base(other.root_));
            root_ = other.root_;
            size_ = other.size_;
            sole_base::get().set(false);
            other.sole_base::get().set(false);
            return;
        }
        arena_.reserve(other.node_bytes());
        HAMT_TRY {
            root_ = clone(other.root_, 0);
            size_ = other.size_;
            if constexpr (!shared) table().rebuild(root_, size_, arena_.allocator());
        }
        HAMT_CATCH_ALL {
            destroy_all();
            HAMT_RETHROW;
        }
    }

    // Takes other's nodes (allocators must be equal or propagated already).
    void steal(trie& other) noexcept {
        HAMT_ASSERT(size_ == 0 && root_.tagged == 0);
        arena_.adopt(other.arena_);
        if constexpr (!shared) table().swap(other.table()); // it points into the nodes taken
        root_ = std::exchange(other.root_, slot{0, 0, 0});
        size_ = std::exchange(other.size_, 0);
        sole_base::get().set(other.sole_base::get().get());
        other.sole_base::get().set(true);
    }

    void swap_contents(trie& other) noexcept {
        if constexpr (!shared) table().swap(other.table());
        std::swap(root_, other.root_);
        std::swap(size_, other.size_);
        arena_.swap(other.arena_);
        const bool mine = sole_base::get().get();
        sole_base::get().set(other.sole_base::get().get());
        other.sole_base::get().set(mine);
    }
    static constexpr bool nothrow_swappable_functions =
        std::is_nothrow_swappable_v<Hash> && std::is_nothrow_swappable_v<KeyEqual>;
    void swap_functions(trie& other) noexcept(nothrow_swappable_functions) {
        using std::swap;
        swap(hash_base::get(), other.hash_base::get());
        swap(equal_base::get(), other.equal_base::get());
    }
    void assign_functions(const trie& other) {
        hash_base::get() = other.hash_base::get();
        equal_base::get() = other.equal_base::get();
    }
    void swap_allocators(trie& other) noexcept {
        arena_.swap_allocators(other.arena_);
    }
    void assign_allocator(const trie& other) noexcept {
        arena_.allocator() = other.arena_.allocator();
    }
    bool same_allocator(const trie& other) const noexcept {
        return arena_.allocator() == other.arena_.allocator();
    }

    void reserve_nodes(size_type n) {
        // About one node per three entries for random hashes (see README, "Memory").
        arena_.reserve(n * sizeof(value_type) + n / 3 * C);
    }

    // Bytes in live nodes, slack included.
    std::size_t node_bytes() const noexcept {
        return root_.tagged ? subtree_bytes(root_, 0) : 0;
    }

protected:
    // An element of the range being built (value_type, or a map's pair<Key, T>, or a set's
    // key), by address: the build is made once per element type, not per iterator type.
    template <class Item>
    struct bulk_item {
        hash_t h;
        const Item* p;
    };
    template <class Item>
    static const key_type& bulk_key(const Item& i) noexcept {
        if constexpr (Policy::is_map)
            return i.first;
        else
            return i;
    }

    // Items [0, n) share one full hash: keeps the first of each key (in order), returns how many.
    template <class Item>
    std::size_t keep_distinct(bulk_item<Item>* items, std::size_t n) const {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < n; ++i) {
            bool duplicate = false;
            for (std::size_t j = 0; j < kept && !duplicate; ++j)
                duplicate = equal_keys(bulk_key(*items[j].p), bulk_key(*items[i].p));
            if (!duplicate) items[kept++] = items[i];
        }
        return kept;
    }

    // The node for items [0, n) (n >= 1), which share the fragments of the depths below
    // `depth` (and, at collision depth, are distinct). scratch[0, n) is free for reordering.
    // Adds the elements made to `count`.
    template <class Item>
    HAMT_NOINLINE slot build_node(bulk_item<Item>* items, std::size_t n, unsigned depth,
                                  bulk_item<Item>* scratch, std::size_t& count) {
        value_alloc va = make_value_alloc();
        pending_block nb;
        if (depth == cd) {
            nb.acquire(arena_, layout_t::collision_granules(n));
            value_type* es = reinterpret_cast<value_type*>(nb.base);
            std::size_t i = 0;
            HAMT_TRY {
                for (; i < n; ++i)
                    ops::construct(va, es + i, *items[i].p);
            }
            HAMT_CATCH_ALL {
                ops::destroy(va, es, i);
                HAMT_RETHROW;
            }
            count += n;
            return slot{layout_t::tag(nb.release(), 0), static_cast<bitmap_t>(n),
                        static_cast<bitmap_t>(n)};
        }
        const unsigned shift = depth * Bits;
        auto frag = [shift](const bulk_item<Item>& item) {
            return static_cast<unsigned>((item.h >> shift) & br::mask);
        };
        // The many small nodes near the bottom whose items all differ in this level's fragment:
        // entries only, each constructed at its index, unsorted.
        if (n <= 16) {
            bitmap_t seen = 0, twice = 0;
            for (std::size_t i = 0; i < n; ++i) {
                // The elements are read in hash order, not the range's: ask for them early.
                prefetch(items[i].p);
                const bitmap_t bit = static_cast<bitmap_t>(bitmap_t(1) << frag(items[i]));
                twice |= seen & bit;
                seen |= bit;
            }
            if (twice == 0) {
                nb.acquire(arena_, layout_t::node_granules(0, n));
                value_type* es = layout_t::entries_after(nb.base, 0);
                std::size_t i = 0;
                HAMT_TRY {
                    for (; i < n; ++i) {
                        const bitmap_t bit = static_cast<bitmap_t>(bitmap_t(1) << frag(items[i]));
                        ops::construct(va, es + br::index(seen, bit), *items[i].p);
                    }
                }
                HAMT_CATCH_ALL {
                    // The ones made so far, at their indices.
                    for (std::size_t j = 0; j < i; ++j) {
                        const bitmap_t bit = static_cast<bitmap_t>(bitmap_t(1) << frag(items[j]));
                        ops::destroy(va, es + br::index(seen, bit));
                    }
                    HAMT_RETHROW;
                }
                count += n;
                return slot{layout_t::tag(nb.release(), 0), seen, 0};
            }
        }
        // Order by this level's fragment, stably (equal keys keep their order): insertion sort
        // for the other small nodes, a counting sort for large ones. Then size each group of
        // one fragment: one distinct key makes an entry, more a child node.
        struct group {
            unsigned fragment;
            std::size_t begin, len;
        };
        group groups[br::branches];
        std::size_t ng = 0;
        if (n <= 16) {
            for (std::size_t i = 1; i < n; ++i) {
                const bulk_item<Item> x = items[i];
                std::size_t j = i;
                for (; j > 0 && frag(items[j - 1]) > frag(x); --j)
                    items[j] = items[j - 1];
                items[j] = x;
            }
            for (std::size_t i = 0; i < n;) {
                std::size_t j = i + 1;
                while (j < n && frag(items[j]) == frag(items[i]))
                    ++j;
                groups[ng++] = {frag(items[i]), i, j - i};
                i = j;
            }
        } else {
            std::size_t start[br::branches + 1] = {};
            for (std::size_t i = 0; i < n; ++i)
                ++start[frag(items[i]) + 1];
            for (unsigned f = 0; f < br::branches; ++f)
                start[f + 1] += start[f];
            std::size_t next[br::branches];
            for (unsigned f = 0; f < br::branches; ++f)
                next[f] = start[f];
            for (std::size_t i = 0; i < n; ++i)
                scratch[next[frag(items[i])]++] = items[i];
            // The sorted copy becomes this node's items; the old items are scratch for the
            // children (each child uses only its own group's range of both buffers).
            std::swap(items, scratch);
            for (unsigned f = 0; f < br::branches; ++f)
                if (start[f + 1] > start[f]) groups[ng++] = {f, start[f], start[f + 1] - start[f]};
        }
        bitmap_t datamap = 0, nodemap = 0;
        std::size_t nc = 0, ne = 0;
        for (std::size_t g = 0; g < ng; ++g) {
            group& gr = groups[g];
            if (gr.len > 1) {
                bulk_item<Item>* first_item = items + gr.begin;
                bool one_hash = true;
                for (std::size_t i = 1; i < gr.len && one_hash; ++i)
                    one_hash = first_item[i].h == first_item[0].h;
                if (one_hash) gr.len = keep_distinct(first_item, gr.len);
            }
            const bitmap_t bit = static_cast<bitmap_t>(bitmap_t(1) << gr.fragment);
            if (gr.len == 1) {
                datamap |= bit;
                ++ne;
            } else {
                nodemap |= bit;
                ++nc;
            }
        }
        for (std::size_t g = 0; g < ng; ++g)
            if (groups[g].len == 1) prefetch(items[groups[g].begin].p);
        nb.acquire(arena_, layout_t::node_granules(nc, ne));
        value_type* es = layout_t::entries_after(nb.base, nc);
        std::size_t built_children = 0, built_entries = 0;
        const std::size_t count_before = count;
        HAMT_TRY {
            for (std::size_t g = 0; g < ng; ++g) {
                const group& gr = groups[g];
                if (gr.len == 1) {
                    ops::construct(va, es + built_entries, *items[gr.begin].p);
                    ++built_entries;
                } else {
                    ::new (static_cast<void*>(nb.base + built_children * C)) slot(
                        build_node(items + gr.begin, gr.len, depth + 1, scratch + gr.begin, count));
                    ++built_children;
                }
            }
        }
        HAMT_CATCH_ALL {
            ops::destroy(va, es, built_entries);
            for (std::size_t c = 0; c < built_children; ++c)
                destroy_subtree(*layout_t::slot_at(nb.base + c * C), depth + 1, true);
            count = count_before;
            HAMT_RETHROW;
        }
        count += ne;
        return slot{layout_t::tag(nb.release(), 0), datamap, nodemap};
    }

    // ---- ownership (shared) -----------------------------------------------------------------

    // Makes the nodes of path[0..depth] (path[0] is the root slot, path[d + 1] a child slot of
    // the node of path[d]) this trie's own, top-down, and re-aims path[] at the copies. Returns
    // path[depth]. `want`: the block, in granules, that the caller's change of the last node
    // will need, so that a copy is made with that room and the change happens in place. A no-op
    // with exclusive ownership.
    slot* own_path(slot** path, unsigned depth, std::size_t want = 0) {
        if constexpr (shared) {
            if (sole_base::get().get()) return path[depth];
            for (unsigned d = 0; d < depth; ++d) {
                const std::byte* old = layout_t::base(*path[d]);
                own(*path[d], d, 0);
                const std::byte* now = layout_t::base(*path[d]);
                if (now != old)
                    path[d + 1] =
                        layout_t::slot_at(const_cast<std::byte*>(now) +
                                          (reinterpret_cast<std::byte*>(path[d + 1]) - old));
            }
            own(*path[depth], depth, want);
        } else {
            (void)want;
        }
        return path[depth];
    }

    // Makes the node of slot s (at depth; s itself is in a node this trie owns, or the root
    // slot) this trie's own: kept if unique, else copied (the copy takes a reference to each
    // child) and the original released. Strong guarantee: on a throw nothing changed.
    void own(slot& s, unsigned depth, std::size_t want) {
        if (s.tagged == 0) return;
        std::byte* base = layout_t::base(s);
        if (HAMT_LIKELY(arena_t::unique(base))) return;
        value_alloc va = make_value_alloc();
        pending_block nb;
        if (depth == cd) {
            const std::size_t n = s.datamap;
            std::size_t cap = want * G / sizeof(value_type);
            if (cap < n) cap = n;
            nb.acquire(arena_, layout_t::collision_granules(cap));
            copy_entries(va, reinterpret_cast<value_type*>(nb.base), collision_entries(s), n);
            const slot old = s;
            s.tagged = layout_t::tag(nb.release(), 0);
            s.nodemap = static_cast<bitmap_t>(cap);
            release_subtree(old, depth);
            return;
        }
        const std::size_t nc = layout_t::child_count(s), ne = layout_t::entry_count(s);
        const std::size_t exact = layout_t::node_granules(nc, ne);
        const std::size_t block =
            want > exact && want - exact <= layout_t::max_slack ? want : exact;
        nb.acquire(arena_, block);
        copy_entries(va, layout_t::entries_after(nb.base, nc), layout_t::entries_after(base, nc),
                     ne);
        layout_t::move_slots(nb.base, base, nc);
        retain_children(nb.base, nc);
        const slot old = s;
        s.tagged = layout_t::tag(nb.release(), block - exact);
        release_subtree(old, depth);
    }

    // Drops the reference of slot s (at depth) to its node; the last one destroys the node's
    // elements, drops its children and frees it.
    void release_subtree(const slot& s, unsigned depth) noexcept {
        if (arena_t::release(layout_t::base(s))) destroy_node(s, depth);
    }

    // Destroys the node of slot s, whose last reference is gone: its elements, its references
    // to its children (most of which are shared and survive), its block.
    void destroy_node(const slot& s, unsigned depth) noexcept {
        std::byte* base = layout_t::base(s);
        value_alloc va = make_value_alloc();
        if (depth == cd) {
            ops::destroy(va, collision_entries(s), s.datamap);
        } else {
            const std::size_t nc = layout_t::child_count(s);
            // The slots are read into locals: the count stores could alias them otherwise.
            for (std::size_t c = 0; c < nc; ++c) {
                slot child;
                std::memcpy(static_cast<void*>(&child), base + c * C, sizeof(slot));
                if (arena_t::release(layout_t::base(child))) destroy_node(child, depth + 1);
            }
            ops::destroy(va, layout_t::entries_after(base, nc), layout_t::entry_count(s));
        }
        arena_.deallocate(base, block_granules(s, depth));
    }

    // Takes one reference on each of the nc children whose slots start at `slots`.
    static void retain_children(const std::byte* slots, std::size_t nc) noexcept {
        for (const std::byte *p = slots, *end = slots + nc * C; p != end; p += C) {
            std::uintptr_t tagged;
            std::memcpy(&tagged, p, sizeof tagged);
            // NOLINTNEXTLINE(performance-no-int-to-ptr)
            arena_t::retain(reinterpret_cast<const std::byte*>(tagged & ~layout_t::tag_mask));
        }
    }

public:
    // ---- comparison -------------------------------------------------------------------------

    // Equal contents (keys by KeyEqual, mapped values by ==). Canonical form gives equal
    // contents equal shapes under one hash function, so the tries are compared node by node:
    // no key is hashed, and a node both share is skipped whole. Only a stateful Hash (a seeded
    // one, say) can hash two containers differently; for it, shapes that differ are settled by
    // looking each element up (hamt::map promises == on contents alone).
    bool equal_contents(const trie& other) const {
        if (size_ != other.size_) return false;
        if (size_ == 0) return true;
        const compared c = compare_subtrees(root_, other.root_, 0);
        if (c != compared::shapes_differ || std::is_empty_v<Hash> || shares_nodes_with(other))
            return c == compared::equal;
        for (const_iterator it = begin(), e = end(); it != e; ++it) {
            const value_type* w =
                other.find_ptr(Policy::key_of(*it), other.hash_of(Policy::key_of(*it)));
            if (!w || !equal_mapped(*it, *w)) return false;
        }
        return true;
    }

    // Whether the two tries share nodes: versions derived from one another do (an update copies
    // one path; even many edits leave most of the bottom nodes shared), independently built
    // tries never do. Probes one path down from each child of the roots that both have, so
    // O(branches x depth). Set algebra and diff walk related tries together; == and diff trust
    // their shapes under a stateful hasher only then.
    bool shares_nodes_with(const trie& other) const noexcept {
        const trie& a = *this;
        const trie& b = other;
        if (a.root_.tagged == 0 || b.root_.tagged == 0) return false;
        // The children of both nodes at their common fragments, in order.
        auto common = [](const slot& x, const slot& y, auto&& visit) {
            std::size_t xc = 0, yc = 0;
            for (bitmap_t all = x.nodemap | y.nodemap; all; all &= static_cast<bitmap_t>(all - 1)) {
                const bitmap_t bit = static_cast<bitmap_t>(all & (~all + 1));
                if ((x.nodemap & bit) && (y.nodemap & bit))
                    if (visit(*layout_t::child(x, xc), *layout_t::child(y, yc))) return true;
                xc += (x.nodemap & bit) != 0;
                yc += (y.nodemap & bit) != 0;
            }
            return false;
        };
        if (layout_t::base(a.root_) == layout_t::base(b.root_)) return true;
        return common(a.root_, b.root_, [&](const slot& x0, const slot& y0) {
            const slot* x = &x0;
            const slot* y = &y0;
            for (unsigned depth = 1;; ++depth) {
                if (layout_t::base(*x) == layout_t::base(*y)) return true;
                if (depth >= cd) return false;
                const slot* nx = nullptr;
                const slot* ny = nullptr;
                common(*x, *y, [&](const slot& cx, const slot& cy) {
                    nx = &cx;
                    ny = &cy;
                    return true; // the first common child
                });
                if (!nx) return false;
                x = nx;
                y = ny;
            }
        });
    }

protected:
    enum class compared { equal, values_differ, shapes_differ };

    static bool equal_mapped(const value_type& a, const value_type& b) {
        if constexpr (Policy::is_map)
            return a.second == b.second;
        else
            return (void)a, (void)b, true;
    }
    compared compare_subtrees(const slot& a, const slot& b, unsigned depth) const {
        if (layout_t::base(a) == layout_t::base(b)) return compared::equal;
        if (depth == cd) {
            // Collision entries are in insertion order: compare as sets (n is tiny).
            const std::size_t n = a.datamap;
            if (n != b.datamap) return compared::shapes_differ;
            const value_type* ea = collision_entries(a);
            for (std::size_t i = 0; i < n; ++i) {
                const value_type* w = find_in_collision(b, Policy::key_of(ea[i]));
                if (!w) return compared::shapes_differ;
                if (!equal_mapped(ea[i], *w)) return compared::values_differ;
            }
            return compared::equal;
        }
        if (a.datamap != b.datamap || a.nodemap != b.nodemap) return compared::shapes_differ;
        const std::size_t nc = layout_t::child_count(a), ne = layout_t::entry_count(a);
        const value_type* ea = layout_t::entries_after(layout_t::base(a), nc);
        const value_type* eb = layout_t::entries_after(layout_t::base(b), nc);
        for (std::size_t i = 0; i < ne; ++i) {
            if (!equal_keys(Policy::key_of(ea[i]), Policy::key_of(eb[i])))
                return compared::shapes_differ;
            if (!equal_mapped(ea[i], eb[i])) return compared::values_differ;
        }
        for (std::size_t c = 0; c < nc; ++c) {
            const compared r =
                compare_subtrees(*layout_t::child(a, c), *layout_t::child(b, c), depth + 1);
            if (r != compared::equal) return r;
        }
        return compared::equal;
    }

    // ---- root table (exclusive ownership) ---------------------------------------------------

    table_t& table() noexcept {
        return table_base::get();
    }
    const table_t& table() const noexcept {
        return table_base::get();
    }

    // Where a walk for hash h may start: the table's shortcut (slot s at depth, rest: h with
    // the fragments above shifted out), if there is a table; s, depth and rest unchanged if not.
    void start_at_table(hash_t h, slot*& s, unsigned& depth, hash_t& rest) noexcept {
        if (const std::uintptr_t* t = table().entries()) {
            const std::uintptr_t e = t[h & table().mask()];
            depth = table_t::depth_of(e);
            s = const_cast<slot*>(table_t::slot_of(e));
            rest = h >> (Bits * depth);
        }
    }

    // The node of slot s at depth (on the path of hash h) changed: if the root table points
    // into it, its entries there are recomputed (root_table.hpp).
    void relaid(const slot& s, unsigned depth, hash_t h) noexcept {
        table_t& t = table();
        if (HAMT_LIKELY(depth >= t.level())) return;
        if (!t.refill(root_, s, depth, static_cast<std::uintptr_t>(h)))
            t.release(arena_.allocator());
    }
    // After an erase whose topmost node with moved child slots is path[top] (no_relayout:
    // none): the same, and the table shrinks with the trie. h: the erased hash, or (erase by
    // iterator) null, and the fragments are read off the path.
    void relaid_after_erase(slot* const* path, unsigned top, const hash_t* h) noexcept {
        table_t& t = table();
        if (HAMT_UNLIKELY(t.wants_shrink(size_))) {
            t.shrink(root_, size_, arena_.allocator()); // recomputes every entry
            return;
        }
        if (HAMT_LIKELY(top >= t.level())) return;
        hash_t prefix = 0;
        if (h) {
            prefix = *h;
        } else {
            for (unsigned d = 0; d < top; ++d) {
                const std::size_t ci =
                    static_cast<std::size_t>(
                        reinterpret_cast<const std::byte*>(path[d + 1]) -
                        reinterpret_cast<const std::byte*>(layout_t::children(*path[d]))) /
                    C;
                prefix |= hash_t(lowest_bit_index(select_bit(path[d]->nodemap, ci))) << (Bits * d);
            }
        }
        if (!t.refill(root_, *path[top], top, static_cast<std::uintptr_t>(prefix)))
            t.release(arena_.allocator());
    }

    // ---- node primitives --------------------------------------------------------------------

    static unsigned fragment_of(hash_t h, unsigned depth) noexcept {
        return br::fragment(h, depth);
    }
    static constexpr bool is_map = Policy::is_map;
    static const key_type& key_of(const value_type& v) noexcept {
        return Policy::key_of(v);
    }

    value_alloc make_value_alloc() const noexcept {
        return value_alloc(arena_.allocator());
    }

    static value_type* collision_entries(const slot& s) noexcept {
        return reinterpret_cast<value_type*>(layout_t::base(s));
    }
    static std::size_t collision_block(const slot& s) noexcept {
        return layout_t::collision_granules(s.nodemap);
    }
    static std::size_t block_granules(const slot& s, unsigned depth) noexcept {
        return depth == cd ? collision_block(s) : layout_t::block_granules(s);
    }

    template <class K>
    value_type* find_in_collision(const slot& s, const K& key) const {
        value_type* e = collision_entries(s);
        for (std::size_t i = 0, n = s.datamap; i < n; ++i)
            if (equal_keys(key, Policy::key_of(e[i]))) return e + i;
        return nullptr;
    }

    // The block for a node that grows to `need` granules (a capacity): small nodes that grow get
    // room for one more entry, so that the next insert into them happens in place; large ones
    // have that room from their capacity class already. Nodes made by splits stay exact: most
    // never grow.
    static std::size_t grown_block(std::size_t need) noexcept {
        constexpr std::size_t entry_granules = (sizeof(value_type) + G - 1) / G;
        constexpr std::size_t extra =
            entry_granules < layout_t::max_slack ? entry_granules : layout_t::max_slack;
        return need <= layout_t::exact_limit ? need + extra : need;
    }

    // Records `block` granules for a node that needs `used`, giving back slack the tag cannot
    // hold.
    void set_block(slot& s, std::byte* base, std::size_t block, std::size_t used) noexcept {
        std::size_t slack = block - used;
        // (Tiny nodes, as with 1 or 2 bits per level, never have more slack than the tag holds.)
        if constexpr (layout_t::max_regular_granules > layout_t::max_slack) {
            if (slack > layout_t::max_slack) {
                arena_.release_tail(base, block, used);
                slack = 0;
            }
        }
        s.tagged = layout_t::tag(base, slack);
    }

    // Frees a node given its slot and depth (elements already destroyed or relocated).
    void free_node(const slot& s, unsigned depth) noexcept {
        arena_.deallocate(layout_t::base(s), block_granules(s, depth));
    }

    // An allocated-but-unlinked node, freed on scope exit unless released: the building block
    // of the strong guarantee.
    class pending_block {
    public:
        pending_block() = default;
        pending_block(const pending_block&) = delete;
        pending_block& operator=(const pending_block&) = delete;
        ~pending_block() {
            if (base) arena_->deallocate(base, granules_);
        }
        void acquire(arena_t& arena, std::size_t granules) {
            HAMT_ASSERT(base == nullptr);
            arena_ = &arena;
            base = arena.allocate(granules);
            granules_ = granules;
        }
        std::byte* release() noexcept { return std::exchange(base, nullptr); }

        std::byte* base = nullptr;

    private:
        arena_t* arena_ = nullptr;
        std::size_t granules_ = 0;
    };

    // Single-child nodes allocated for a split, freed on scope exit unless released. Most
    // splits need none, so this costs two stores then.
    class pending_chain {
    public:
        explicit pending_chain(arena_t& arena) noexcept : arena_(arena) {}
        pending_chain(const pending_chain&) = delete;
        pending_chain& operator=(const pending_chain&) = delete;
        ~pending_chain() {
            for (unsigned i = 0; i < count_; ++i)
                arena_.deallocate(nodes_[i], layout_t::node_granules(1, 0));
        }
        void push(std::size_t granules) {
            nodes_[count_] = arena_.allocate(granules);
            ++count_;
        }
        std::byte* node(unsigned i) const noexcept { return nodes_[i]; }
        void release() noexcept { count_ = 0; }

    private:
        arena_t& arena_;
        unsigned count_ = 0;
        std::byte* nodes_[cd];
    };

    // Inserts a new entry at fragment `bit` of the regular node of slot s.
    template <class Make>
    value_type* insert_entry(slot& s, bitmap_t bit, Make& make) {
        value_alloc va = make_value_alloc();
        const std::size_t nc = layout_t::child_count(s), ne = layout_t::entry_count(s);
        const std::size_t k = br::index(s.datamap, bit);
        const std::size_t need = layout_t::node_granules(nc, ne + 1);
        std::byte* base = layout_t::base(s);
        const std::size_t block = s.tagged ? layout_t::block_granules(s) : 0;

        if constexpr (!ops::copy_to_rebuild) {
            if (need <= block) {
                value_type* es = layout_t::entries_after(base, nc);
                ops::relocate_backward(va, es + k + 1, es + k, ne - k);
                HAMT_TRY {
                    make(es + k);
                }
                HAMT_CATCH_ALL {
                    ops::relocate_forward(va, es + k, es + k + 1, ne - k);
                    HAMT_RETHROW;
                }
                s.datamap |= bit;
                s.tagged = layout_t::tag(base, block - need);
                return es + k;
            }
        }
        const std::size_t granules = grown_block(need);
        pending_block nb;
        nb.acquire(arena_, granules);
        value_type* nes = layout_t::entries_after(nb.base, nc);
        make(nes + k);
        if constexpr (ops::bitwise) {
            // Child slots and the entries before k are one run of bytes in both blocks.
            const std::size_t head = nc * C + k * sizeof(value_type);
            if (head) std::memcpy(nb.base, base, head);
            if (ne > k)
                std::memcpy(static_cast<void*>(nes + k + 1), base + head,
                            (ne - k) * sizeof(value_type));
        } else {
            if (ne) {
                value_type* es = layout_t::entries_after(base, nc);
                HAMT_TRY {
                    transfer_entries(va, nes, es, ne, npos, k);
                }
                HAMT_CATCH_ALL {
                    ops::destroy(va, nes + k);
                    HAMT_RETHROW;
                }
                ops::finish_transfer(va, es, ne);
            }
            layout_t::move_slots(nb.base, base, nc);
        }
        if (s.tagged) arena_.deallocate(base, block);
        s.datamap |= bit;
        s.tagged = layout_t::tag(nb.release(), granules - need);
        return nes + k;
    }

    // Appends a new entry to the collision node of slot s.
    template <class Make>
    value_type* append_collision(slot& s, Make& make) {
        value_alloc va = make_value_alloc();
        const std::size_t n = s.datamap, cap = s.nodemap;
        value_type* es = collision_entries(s);
        if (n < cap && !ops::copy_to_rebuild) {
            make(es + n);
            s.datamap = static_cast<bitmap_t>(n + 1);
            return es + n;
        }
        const std::size_t new_cap = n + n / 2 + 1;
        pending_block nb;
        nb.acquire(arena_, layout_t::collision_granules(new_cap));
        value_type* nes = reinterpret_cast<value_type*>(nb.base);
        make(nes + n);
        HAMT_TRY {
            transfer_entries(va, nes, es, n, npos, npos);
        }
        HAMT_CATCH_ALL {
            ops::destroy(va, nes + n);
            HAMT_RETHROW;
        }
        ops::finish_transfer(va, es, n);
        arena_.deallocate(layout_t::base(s), collision_block(s));
        s.tagged = layout_t::tag(nb.release(), 0);
        s.datamap = static_cast<bitmap_t>(n + 1);
        s.nodemap = static_cast<bitmap_t>(new_cap);
        return nes + n;
    }

    // Entry i of the node of slot s (at depth, fragment bit) and the new key (hash h) differ:
    // the entry becomes a sub-node holding both, below a chain of single-child nodes for the
    // fragments they still share.
    template <class Make>
    value_type* split(slot& s, unsigned depth, bitmap_t bit, std::size_t i, hash_t h, Make& make) {
        value_alloc va = make_value_alloc();
        value_type* old_entry = layout_t::entry(s, i);
        const hash_t h2 = hash_of(Policy::key_of(*old_entry));

        unsigned bottom_depth = depth + 1;
        while (bottom_depth < cd && br::fragment(h, bottom_depth) == br::fragment(h2, bottom_depth))
            ++bottom_depth;

        // Allocate everything first: bottom node, chain, and the node's new block if needed.
        const bool collision = bottom_depth == cd;
        const std::size_t bottom_granules =
            collision ? layout_t::collision_granules(2) : layout_t::node_granules(0, 2);
        pending_block bottom;
        bottom.acquire(arena_, bottom_granules);
        pending_chain chain(arena_);
        for (unsigned d = depth + 1; d < bottom_depth; ++d)
            chain.push(layout_t::node_granules(1, 0));
        const std::size_t nc = layout_t::child_count(s), ne = layout_t::entry_count(s);
        const std::size_t need = layout_t::node_granules(nc + 1, ne - 1);
        const std::size_t block = layout_t::block_granules(s, nc, ne);
        const bool in_place = !ops::copy_to_rebuild && need <= block;
        pending_block nb;
        if (!in_place) nb.acquire(arena_, grown_block(need));

        // The two entries of the bottom node: by fragment, or new last in a collision node.
        std::size_t new_index = 1;
        if (!collision)
            new_index = br::fragment(h, bottom_depth) < br::fragment(h2, bottom_depth) ? 0 : 1;
        value_type* bottom_entries = reinterpret_cast<value_type*>(bottom.base);
        make(bottom_entries + new_index);
        if constexpr (ops::copy_to_rebuild) {
            HAMT_TRY {
                ops::construct(va, bottom_entries + (1 - new_index), std::as_const(*old_entry));
            }
            HAMT_CATCH_ALL {
                ops::destroy(va, bottom_entries + new_index);
                HAMT_RETHROW;
            }
        } else {
            ops::relocate(va, bottom_entries + (1 - new_index), old_entry);
        }

        // The new child slot: the bottom node under its chain.
        slot child;
        if (collision) {
            child = slot{layout_t::tag(bottom.release(), 0), 2, 2};
        } else {
            child = slot{
                layout_t::tag(bottom.release(), 0),
                static_cast<bitmap_t>(br::bit(h, bottom_depth) | br::bit(h2, bottom_depth)), 0};
        }
        chain.release();
        for (unsigned d = bottom_depth; d-- > depth + 1;) {
            std::byte* c = chain.node(d - depth - 1);
            ::new (static_cast<void*>(c)) slot(child);
            child = slot{layout_t::tag(c, 0), 0, br::bit(h, d)};
        }

        const std::size_t ci = br::index(s.nodemap, bit);
        std::byte* base = layout_t::base(s);
        value_type* es = layout_t::entries_after(base, nc);
        if (in_place) {
            if constexpr (!ops::copy_to_rebuild) {
                // Entries move right past the new child slot; the hole at i closes.
                value_type* nes = reinterpret_cast<value_type*>(base + (nc + 1) * C);
                ops::relocate_backward(va, nes + i, es + i + 1, ne - 1 - i);
                ops::relocate_backward(va, nes, es, i);
                layout_t::move_slots(base + (ci + 1) * C, base + ci * C, nc - ci);
                ::new (static_cast<void*>(base + ci * C)) slot(child);
                s.tagged = layout_t::tag(base, block - need);
            }
        } else {
            value_type* nes = reinterpret_cast<value_type*>(nb.base + (nc + 1) * C);
            if constexpr (ops::copy_to_rebuild) {
                HAMT_TRY {
                    transfer_entries(va, nes, es, ne, i, npos);
                }
                HAMT_CATCH_ALL {
                    // Undo the subtree: its two elements, then its nodes.
                    destroy_subtree(child, depth + 1, true);
                    HAMT_RETHROW;
                }
                ops::finish_transfer(va, es, ne); // includes the old entry i
            } else {
                transfer_entries(va, nes, es, ne, i, npos);
            }
            layout_t::move_slots(nb.base, base, ci);
            ::new (static_cast<void*>(nb.base + ci * C)) slot(child);
            layout_t::move_slots(nb.base + (ci + 1) * C, base + ci * C, nc - ci);
            arena_.deallocate(base, block);
            s.tagged = layout_t::tag(nb.release(), grown_block(need) - need);
        }
        s.datamap &= static_cast<bitmap_t>(~bit);
        s.nodemap |= bit;

        // The new element: in the bottom node.
        const slot* b = &child;
        for (unsigned d = depth + 1; d < bottom_depth; ++d)
            b = layout_t::children(*b);
        return reinterpret_cast<value_type*>(layout_t::base(*b)) + new_index;
    }

    // Transfers entries src[0..n) except src[skip] into dst, leaving dst[gap] free (skip and gap
    // are npos or an index; not both). See element_ops::transfer for the exception behaviour.
    static void transfer_entries(value_alloc& va, value_type* dst, value_type* src, std::size_t n,
                                 std::size_t skip, std::size_t gap) {
        if (skip != npos) {
            ops::transfer(va, dst, src, skip);
            HAMT_TRY {
                ops::transfer(va, dst + skip, src + skip + 1, n - skip - 1);
            }
            HAMT_CATCH_ALL {
                if constexpr (ops::copy_to_rebuild) ops::destroy(va, dst, skip);
                HAMT_RETHROW;
            }
        } else if (gap != npos) {
            ops::transfer(va, dst, src, gap);
            HAMT_TRY {
                ops::transfer(va, dst + gap + 1, src + gap, n - gap);
            }
            HAMT_CATCH_ALL {
                if constexpr (ops::copy_to_rebuild) ops::destroy(va, dst, gap);
                HAMT_RETHROW;
            }
        } else {
            ops::transfer(va, dst, src, n);
        }
    }

    // Removes entry j of the node at path[depth], restoring canonical form. path[d]: the slot
    // at depth d on the way from the root (erase_key may leave those above the root table
    // unknown; fold completes them from h). h is the entry's hash if known (it saves looking
    // bits up). With Track, *next (a copy of the iterator at that entry) becomes the iterator
    // to the following element.
    // Returns the depth of the topmost node whose child slots moved (for the root table), or
    // no_relayout.
    template <bool Track>
    unsigned remove_entry(slot** path, unsigned depth, std::size_t j, const hash_t* h,
                          iterator* next) {
        slot& s = *path[depth];
        const bool is_collision = depth == cd;
        const std::size_t ne = is_collision ? s.datamap : layout_t::entry_count(s);
        const std::size_t nc = is_collision ? 0 : layout_t::child_count(s);
        // A node below the root left with one entry and no children folds into an ancestor.
        if (depth > 0 && nc == 0 && ne == 2) return fold<Track>(path, depth, j, h, next);
        value_alloc va = make_value_alloc();
        std::byte* base = layout_t::base(s);
        // (Counts computed once: each popcount costs a CPU test in default x86-64 builds.)
        value_type* es = layout_t::entries_after(base, nc);
        std::size_t run_end = 0; // index after the last entry of the iterator's run
        if constexpr (Track) run_end = static_cast<std::size_t>(next->last_ - es);

        if (ne == 1 && nc == 0) { // the root's last entry
            HAMT_ASSERT(depth == 0);
            ops::destroy(va, es);
            arena_.deallocate(base, layout_t::block_granules(s, 0, 1));
            s = slot{0, 0, 0};
            --size_;
            if constexpr (Track) next->cur_ = nullptr;
            return no_relayout; // the trie is empty: the table goes by its size
        }

        if constexpr (!ops::copy_to_rebuild) {
            ops::destroy(va, es + j);
            ops::relocate_forward(va, es + j, es + j + 1, ne - 1 - j);
            if (is_collision) {
                s.datamap = static_cast<bitmap_t>(ne - 1); // capacity stays; no slack tag
            } else {
                const std::size_t block = layout_t::block_granules(s, nc, ne);
                s.datamap &=
                    static_cast<bitmap_t>(~(h ? br::bit(*h, depth) : select_bit(s.datamap, j)));
                set_block(s, base, block, layout_t::node_granules(nc, ne - 1));
            }
        } else {
            // Rebuild by copying so that a throwing copy leaves the node as it was.
            const std::size_t granules = is_collision ? layout_t::collision_granules(ne - 1)
                                                      : layout_t::node_granules(nc, ne - 1);
            pending_block nb;
            nb.acquire(arena_, granules);
            value_type* nes = layout_t::entries_after(nb.base, nc);
            transfer_entries(va, nes, es, ne, j, npos);
            ops::destroy(va, es + j);
            ops::finish_transfer(va, es, j);
            ops::finish_transfer(va, es + j + 1, ne - j - 1);
            layout_t::move_slots(nb.base, base, nc);
            arena_.deallocate(base, block_granules(s, depth));
            if (is_collision) {
                s.datamap = static_cast<bitmap_t>(ne - 1);
                s.nodemap = static_cast<bitmap_t>(ne - 1);
            } else {
                s.datamap &= static_cast<bitmap_t>(~select_bit(s.datamap, j));
            }
            s.tagged = layout_t::tag(nb.release(), 0);
            es = nes;
            // The node moved; which of its children are still to visit did not change.
            if constexpr (Track) next->stack_[depth].base = layout_t::base(s);
        }
        --size_;
        if constexpr (Track) {
            // The run [j, run_end) lost its first element.
            if (j + 1 < run_end) {
                next->cur_ = es + j;
                next->last_ = es + run_end - 1;
            } else {
                next->depth_ = depth;
                next->advance();
            }
        }
        // In place the child slots stayed; rebuilt by copying, the node moved.
        return ops::copy_to_rebuild ? depth : no_relayout;
    }
    static constexpr unsigned no_relayout = cd + 1;

    // The node at path[depth] (below the root, two entries, no children) loses entry j; the
    // other entry r moves up to the nearest ancestor that keeps other contents (or the root),
    // replacing the child slot that led to it. Single-child nodes in between are freed.
    // Returns the ancestor's depth.
    template <bool Track>
    unsigned fold(slot** path, unsigned depth, std::size_t j, const hash_t* h, iterator* next) {
        value_alloc va = make_value_alloc();
        slot& n = *path[depth];
        value_type* n_entries = depth == cd ? collision_entries(n) : layout_t::entries(n);
        value_type* r = n_entries + (1 - j);
        bool r_pending = false;
        if constexpr (Track) r_pending = j == 0 && next->last_ == n_entries + 2;

        unsigned a = depth - 1;
        while (a > 0) {
            if (!path[a]) { // erase_key started below (erase by iterator records every slot)
                HAMT_ASSERT(h != nullptr);
                complete_path(path, a, *h);
            }
            if (path[a]->datamap != 0 || layout_t::child_count(*path[a]) != 1) break;
            --a;
        }
        slot& A = *path[a];
        std::byte* abase = layout_t::base(A);
        const std::size_t nc = layout_t::child_count(A), ne = layout_t::entry_count(A);
        const std::size_t ci =
            static_cast<std::size_t>(reinterpret_cast<std::byte*>(path[a + 1]) - abase) / C;
        const bitmap_t bit = h ? br::bit(*h, a) : select_bit(A.nodemap, ci);
        const std::size_t k = br::index(A.datamap, bit);
        const std::size_t block = layout_t::block_granules(A);
        const std::size_t need = layout_t::node_granules(nc - 1, ne + 1);

        // The nodes to free, read before A's slots move.
        slot doomed[cd + 1];
        for (unsigned d = a + 1; d <= depth; ++d)
            doomed[d] = *path[d];

        value_type* aes = layout_t::entries(A);
        value_type* new_entries;
        if constexpr (!ops::copy_to_rebuild) {
            // In place: child slot ci goes, entries move left by one child slot, r joins at k.
            ops::destroy(va, n_entries + j);
            layout_t::move_slots(abase + ci * C, abase + (ci + 1) * C, nc - 1 - ci);
            new_entries = reinterpret_cast<value_type*>(abase + (nc - 1) * C);
            ops::relocate_forward(va, new_entries, aes, k);
            ops::relocate_forward(va, new_entries + k + 1, aes + k, ne - k);
            ops::relocate(va, new_entries + k, r);
            A.nodemap &= static_cast<bitmap_t>(~bit);
            A.datamap |= bit;
            set_block(A, abase, block, need);
        } else {
            pending_block nb;
            nb.acquire(arena_, need);
            new_entries = reinterpret_cast<value_type*>(nb.base + (nc - 1) * C);
            transfer_entries(va, new_entries, aes, ne, npos, k);
            HAMT_TRY {
                ops::construct(va, new_entries + k, std::as_const(*r));
            }
            HAMT_CATCH_ALL {
                ops::destroy(va, new_entries, k);
                ops::destroy(va, new_entries + k + 1, ne - k);
                HAMT_RETHROW;
            }
            ops::finish_transfer(va, aes, ne);
            ops::destroy(va, n_entries, 2);
            layout_t::move_slots(nb.base, abase, ci);
            layout_t::move_slots(nb.base + ci * C, abase + (ci + 1) * C, nc - 1 - ci);
            arena_.deallocate(abase, block);
            A.nodemap &= static_cast<bitmap_t>(~bit);
            A.datamap |= bit;
            A.tagged = layout_t::tag(nb.release(), 0);
            abase = layout_t::base(A);
        }
        for (unsigned d = a + 1; d <= depth; ++d)
            free_node(doomed[d], d);
        --size_;

        if constexpr (Track) {
            next->depth_ = a;
            next->stack_[a] = {abase, A.nodemap, static_cast<std::uint32_t>(ci)};
            if (r_pending) {
                next->cur_ = new_entries + k;
                next->last_ = new_entries + k + 1;
            } else {
                next->advance();
            }
        }
        return a;
    }

    // path[1..depth] from the root along hash h (erase_key started below them).
    static void complete_path(slot** path, unsigned depth, hash_t h) noexcept {
        for (unsigned d = 0; d < depth; ++d)
            path[d + 1] = layout_t::child(*path[d], br::index(path[d]->nodemap, br::bit(h, d)));
    }

    // The bit of the idx-th set bit of map.
    static bitmap_t select_bit(bitmap_t map, std::size_t idx) noexcept {
        for (; idx > 0; --idx)
            map &= static_cast<bitmap_t>(map - 1);
        return static_cast<bitmap_t>(map & (~map + 1));
    }

    // A copy of the subtree of slot s at depth, with exact-size nodes.
    slot clone(const slot& s, unsigned depth) {
        value_alloc va = make_value_alloc();
        if (depth == cd) {
            const std::size_t n = s.datamap;
            pending_block nb;
            nb.acquire(arena_, layout_t::collision_granules(n));
            copy_entries(va, reinterpret_cast<value_type*>(nb.base), collision_entries(s), n);
            return slot{layout_t::tag(nb.release(), 0), s.datamap, s.datamap};
        }
        const std::size_t nc = layout_t::child_count(s), ne = layout_t::entry_count(s);
        pending_block nb;
        nb.acquire(arena_, layout_t::node_granules(nc, ne));
        std::size_t done = 0;
        HAMT_TRY {
            for (; done < nc; ++done)
                ::new (static_cast<void*>(nb.base + done * C))
                    slot(clone(*layout_t::child(s, done), depth + 1));
            copy_entries(va, reinterpret_cast<value_type*>(nb.base + nc * C), layout_t::entries(s),
                         ne);
        }
        HAMT_CATCH_ALL {
            for (std::size_t c = 0; c < done; ++c)
                destroy_subtree(*reinterpret_cast<slot*>(nb.base + c * C), depth + 1, true);
            HAMT_RETHROW;
        }
        return slot{layout_t::tag(nb.release(), 0), s.datamap, s.nodemap};
    }

    static void copy_entries(value_alloc& va, value_type* dst, const value_type* src,
                             std::size_t n) {
        if constexpr (ops::bitwise) {
            if (n)
                std::memcpy(static_cast<void*>(dst), static_cast<const void*>(src),
                            n * sizeof(value_type));
        } else {
            std::size_t i = 0;
            HAMT_TRY {
                for (; i < n; ++i)
                    ops::construct(va, dst + i, src[i]);
            }
            HAMT_CATCH_ALL {
                ops::destroy(va, dst, i);
                HAMT_RETHROW;
            }
        }
    }

    // Destroys the elements under slot s; with free_nodes, also returns the nodes.
    void destroy_subtree(const slot& s, unsigned depth, bool free_nodes) noexcept {
        value_alloc va = make_value_alloc();
        if (depth == cd) {
            ops::destroy(va, collision_entries(s), s.datamap);
        } else {
            const std::size_t nc = layout_t::child_count(s);
            for (std::size_t c = 0; c < nc; ++c)
                destroy_subtree(*layout_t::child(s, c), depth + 1, free_nodes);
            ops::destroy(va, layout_t::entries(s), layout_t::entry_count(s));
        }
        if (free_nodes) free_node(s, depth);
    }

    std::size_t subtree_bytes(const slot& s, unsigned depth) const noexcept {
        std::size_t bytes = block_granules(s, depth) * G;
        if constexpr (shared) bytes = arena_t::allocation_bytes(layout_t::base(s));
        if (depth < cd)
            for (std::size_t c = 0, nc = layout_t::child_count(s); c < nc; ++c)
                bytes += subtree_bytes(*layout_t::child(s, c), depth + 1);
        return bytes;
    }

    slot root_{0, 0, 0};
    size_type size_ = 0;
    arena_t arena_;
};

} // namespace hamt::detail
