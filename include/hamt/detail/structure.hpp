// Walks over the structure of two tries at once: diff and shared_bytes. They compare node by
// node, so two tries must hash alike (the same hash function, as == requires), and they never
// hash a key: canonical form puts an element at the same place in both tries whenever the
// fragments of its hash lead there. A node both tries reach (pointer-identical: versions
// derived from one another share every node an update did not touch) is skipped whole, so for
// related versions the cost follows the differences, not the size.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "trie.hpp"

namespace hamt::detail {

struct structure_tag;

template <>
struct trie_access<structure_tag> {
    template <class Container>
    static const auto& engine(const Container& c) noexcept {
        return c.t_;
    }

    template <class Trie, class Added, class Removed, class Changed>
    struct differ {
        using layout_t = typename Trie::layout_t;
        using slot = typename Trie::slot;
        using value_type = typename Trie::value_type;
        static constexpr unsigned cd = layout_t::collision_depth;

        const Trie& t;
        Added& added;
        Removed& removed;
        Changed& changed;

        bool same_key(const value_type& a, const value_type& b) const {
            return t.equal_keys(Trie::key_of(a), Trie::key_of(b));
        }
        // Both hold the key of the other: report a change if the values differ.
        void matched(const value_type& before, const value_type& after) {
            if (!Trie::equal_mapped(before, after)) changed(before, after);
        }

        template <class F>
        HAMT_NOINLINE static void each(const slot& s, unsigned depth, F& f) {
            if (depth == cd) {
                const value_type* es = Trie::collision_entries(s);
                for (std::size_t i = 0, n = s.datamap; i < n; ++i)
                    f(es[i]);
                return;
            }
            const std::size_t nc = layout_t::child_count(s), ne = layout_t::entry_count(s);
            const value_type* es = layout_t::entries_after(layout_t::base(s), nc);
            for (std::size_t i = 0; i < ne; ++i)
                f(es[i]);
            for (std::size_t c = 0; c < nc; ++c)
                each(*layout_t::child(s, c), depth + 1, f);
        }
        void all_added(const slot& s, unsigned depth) {
            auto f = [&](const value_type& v) { added(v); };
            each(s, depth, f);
        }
        void all_removed(const slot& s, unsigned depth) {
            auto f = [&](const value_type& v) { removed(v); };
            each(s, depth, f);
        }
        // An entry of `before` against a subtree of `after` at the same place.
        void entry_vs_subtree(const value_type& e, const slot& s, unsigned depth) {
            bool found = false;
            auto f = [&](const value_type& v) {
                if (!found && same_key(e, v)) {
                    found = true;
                    matched(e, v);
                } else {
                    added(v);
                }
            };
            each(s, depth, f);
            if (!found) removed(e);
        }
        // A subtree of `before` against an entry of `after`.
        void subtree_vs_entry(const slot& s, unsigned depth, const value_type& e) {
            bool found = false;
            auto f = [&](const value_type& v) {
                if (!found && same_key(v, e)) {
                    found = true;
                    matched(v, e);
                } else {
                    removed(v);
                }
            };
            each(s, depth, f);
            if (!found) added(e);
        }

        HAMT_NOINLINE void walk(const slot& a, const slot& b, unsigned depth) {
            if (layout_t::base(a) == layout_t::base(b)) return; // shared (or both empty)
            if (depth == cd) {
                // Collision nodes hold one full hash each: compare as sets (tiny).
                const value_type* ea = Trie::collision_entries(a);
                const value_type* eb = Trie::collision_entries(b);
                for (std::size_t i = 0; i < a.datamap; ++i) {
                    const value_type* w = t.find_in_collision(b, Trie::key_of(ea[i]));
                    if (w)
                        matched(ea[i], *w);
                    else
                        removed(ea[i]);
                }
                for (std::size_t j = 0; j < b.datamap; ++j)
                    if (!t.find_in_collision(a, Trie::key_of(eb[j]))) added(eb[j]);
                return;
            }
            using bitmap_t = decltype(a.datamap);
            const std::size_t anc = a.tagged ? layout_t::child_count(a) : 0;
            const std::size_t bnc = b.tagged ? layout_t::child_count(b) : 0;
            const value_type* ea =
                a.tagged ? layout_t::entries_after(layout_t::base(a), anc) : nullptr;
            const value_type* eb =
                b.tagged ? layout_t::entries_after(layout_t::base(b), bnc) : nullptr;
            if (a.datamap == b.datamap && a.nodemap == b.nodemap) {
                // The usual case between related versions: the same shape, a few slots apart.
                for (std::size_t i = 0, ne = layout_t::entry_count(a); i < ne; ++i) {
                    if (same_key(ea[i], eb[i])) {
                        matched(ea[i], eb[i]);
                    } else {
                        removed(ea[i]);
                        added(eb[i]);
                    }
                }
                for (std::size_t c = 0; c < anc; ++c)
                    walk(*layout_t::child(a, c), *layout_t::child(b, c), depth + 1);
                return;
            }
            std::size_t ai = 0, bi = 0, ac = 0, bc = 0; // next entry / child of each
            for (bitmap_t all = a.datamap | a.nodemap | b.datamap | b.nodemap; all;
                 all &= static_cast<bitmap_t>(all - 1)) {
                const bitmap_t bit = static_cast<bitmap_t>(all & (~all + 1));
                const bool ad = a.datamap & bit, an = a.nodemap & bit;
                const bool bd = b.datamap & bit, bn = b.nodemap & bit;
                if (ad && bd) {
                    const value_type& x = ea[ai++];
                    const value_type& y = eb[bi++];
                    if (same_key(x, y)) {
                        matched(x, y);
                    } else {
                        removed(x);
                        added(y);
                    }
                } else if (ad && bn) {
                    entry_vs_subtree(ea[ai++], *layout_t::child(b, bc++), depth + 1);
                } else if (an && bd) {
                    subtree_vs_entry(*layout_t::child(a, ac++), depth + 1, eb[bi++]);
                } else if (an && bn) {
                    walk(*layout_t::child(a, ac++), *layout_t::child(b, bc++), depth + 1);
                } else if (ad) {
                    removed(ea[ai++]);
                } else if (an) {
                    all_removed(*layout_t::child(a, ac++), depth + 1);
                } else if (bd) {
                    added(eb[bi++]);
                } else {
                    all_added(*layout_t::child(b, bc++), depth + 1);
                }
            }
        }
    };

    template <class Trie, class Added, class Removed, class Changed>
    static void diff(const Trie& before, const Trie& after, Added& added, Removed& removed,
                     Changed& changed) {
        using hasher = typename Trie::hasher;
        if (!std::is_empty_v<hasher> && !before.shares_nodes_with(after)) {
            // A stateful hasher (hamt::seeded_hash, say) may place the same key differently in
            // two independent tries: look every element up instead. (Related versions share
            // their hasher with their nodes.)
            for (auto it = before.begin(), e = before.end(); it != e; ++it) {
                const auto& key = Trie::key_of(*it);
                const auto* w = after.find_ptr(key, after.hash_of(key));
                if (!w)
                    removed(*it);
                else if (!Trie::equal_mapped(*it, *w))
                    changed(*it, *w);
            }
            for (auto it = after.begin(), e = after.end(); it != e; ++it) {
                const auto& key = Trie::key_of(*it);
                if (!before.find_ptr(key, before.hash_of(key))) added(*it);
            }
            return;
        }
        differ<Trie, Added, Removed, Changed> d{before, added, removed, changed};
        d.walk(before.root_, after.root_, 0);
    }

    template <class Trie>
    static bool related(const Trie& a, const Trie& b) {
        return a.shares_nodes_with(b);
    }

    // Bytes of the node blocks reachable from both tries, each counted once. A node sits where
    // its hash prefix leads, so a node both reach is found by walking them in parallel, and
    // everything below a shared node is shared.
    template <class Trie>
    static std::size_t shared_bytes(const Trie& a, const Trie& b) {
        if (a.root_.tagged == 0 || b.root_.tagged == 0) return 0;
        return shared_below(a, a.root_, b.root_, 0);
    }
    template <class Trie, class Slot>
    static std::size_t shared_below(const Trie& t, const Slot& a, const Slot& b, unsigned depth) {
        using layout_t = typename Trie::layout_t;
        if (layout_t::base(a) == layout_t::base(b)) return t.subtree_bytes(a, depth);
        if (depth == layout_t::collision_depth) return 0;
        std::size_t bytes = 0, ac = 0, bc = 0;
        using bitmap_t = decltype(a.nodemap);
        for (bitmap_t all = a.nodemap | b.nodemap; all; all &= static_cast<bitmap_t>(all - 1)) {
            const bitmap_t bit = static_cast<bitmap_t>(all & (~all + 1));
            if ((a.nodemap & bit) && (b.nodemap & bit))
                bytes +=
                    shared_below(t, *layout_t::child(a, ac), *layout_t::child(b, bc), depth + 1);
            ac += (a.nodemap & bit) != 0;
            bc += (b.nodemap & bit) != 0;
        }
        return bytes;
    }
};

} // namespace hamt::detail
