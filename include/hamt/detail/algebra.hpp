// Set algebra node by node: the union, intersection, difference and symmetric difference of two
// tries of shared ownership (persistent containers) that hash alike, made by walking both at
// once. Canonical form puts an element at the same place in both, so each pair of nodes at one
// place is merged fragment by fragment:
//  - a fragment only one input has: its entry or whole subtree is kept or dropped;
//  - a node both inputs reach (pointer-identical) is the result there (union, intersection) or
//    vanishes (difference, symmetric difference) without being read;
//  - an entry meeting an entry or a subtree is treated as a one-element subtree (its key hashed
//    once) and merged the same way, so pairs of entries become the nodes an insert would make.
// Intersections and differences never build a one-element subtree: an entry meeting a subtree
// is settled by a lookup of its key there (filter_nodes, entry_meets_node); in unions and
// symmetric differences the fragments where the two nodes agree (one element or one subtree in
// both) are settled from the bitmaps, only the others merged one level down (unite_nodes), and
// two entries of different keys become the nodes an insert would make, without a merge
// (pair_node).
// Every result subtree that equals the input subtree at its place *is* that subtree (its
// reference count taken): a merged node whose items all equal one input's is that input's node.
// Until it is placed in a new node, such a subtree is passed up borrowed (no count taken), so
// an input left unchanged through several levels costs no reference-count traffic.
// A result with one entry and no child below the root is that entry, moved up, as erase folds
// it. The element count of the result is kept relative to `a` for union and intersection (the
// elements one input has alone: what differs) and counted directly for the differences (what
// they keep), so for related versions the cost follows what differs, not the size.
// With a combining function f (merge_with, intersect_with: maps, union or intersection), a key
// both inputs hold gets the value f(key, a_value, b_value), f called once per such key: a node
// both inputs reach is rebuilt with f applied to each of its elements (kept as it is where every
// value f returns compares equal to the old one), never taken whole unread.
// Strong guarantee: a throw (allocator, element copy, hash, f) drops what was built; inputs intact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <tuple>
#include <type_traits>
#include <utility>

#include "trie.hpp"

namespace hamt::detail {

struct algebra_tag;

enum class set_op { unite, intersect, subtract, symmetric };

// The merger's combining function: none (the set operations; a's element wins), or f.
struct no_combine {};

template <>
struct trie_access<algebra_tag> {
    template <class Container>
    static auto& engine(Container& c) noexcept {
        return c.t_;
    }

    template <class Trie, set_op Op, class Combine = no_combine>
    class merger {
        using layout_t = typename Trie::layout_t;
        using slot = typename Trie::slot;
        using value_type = typename Trie::value_type;
        using br = typename Trie::br;
        using bitmap_t = typename Trie::bitmap_t;
        using ops = typename Trie::ops;
        using pending_block = typename Trie::pending_block;
        using pending_chain = typename Trie::pending_chain;
        using value_alloc = typename Trie::value_alloc;
        static constexpr unsigned cd = layout_t::collision_depth;
        static constexpr std::size_t C = layout_t::child_size;
        static constexpr std::size_t branches = br::branches;

        static constexpr bool combining = !std::is_same_v<Combine, no_combine>;
        static_assert(
            !combining || (Trie::is_map && (Op == set_op::unite || Op == set_op::intersect)),
            "a combining function merges the values of maps, in a union or an intersection");

    public:
        // r: the (empty) result trie, whose arena and functions make the new nodes. combine:
        // f(key, a_value, b_value) -> the value of a key in both (when combining).
        explicit merger(Trie& r, Combine combine = {}) noexcept : r_(r), combine_(combine) {}
        merger(const merger&) = delete;
        merger& operator=(const merger&) = delete;
        ~merger() {
            while (carried_) {
                carried* next = carried_->next;
                value_alloc va = r_.make_value_alloc();
                ops::destroy(va, carried_->element());
                delete carried_;
                carried_ = next;
            }
        }

        // Makes r = a op b (both non-empty).
        void run(const Trie& a, const Trie& b) {
            // The result may take references to nodes of both: neither input may keep
            // changing its nodes in place unchecked (as a trie nobody shared may, see trie.hpp).
            a.sole_base::get().set(false);
            b.sole_base::get().set(false);
            prefetching_ = a.size_ + b.size_ > prefetch_threshold;
            const operand oa{&a.root_, nullptr, 0}, ob{&b.root_, nullptr, 0};
            const result m = merge(oa, ob, 0);
            // The root is never folded (depth 0), so m is a node or nothing.
            if (m.k == kind::node || m.k == kind::borrowed) {
                if (m.k == kind::borrowed) Trie::arena_t::retain(layout_t::base(m.s));
                r_.root_ = m.s;
                if constexpr (Op == set_op::unite)
                    r_.size_ = a.size_ + count_;
                else if constexpr (Op == set_op::intersect)
                    r_.size_ = a.size_ - count_;
                else
                    r_.size_ = count_;
                r_.sole_base::get().set(false);
            }
        }

    private:
        // A subtree of one input at the current place: a node, or one entry (with its hash).
        struct operand {
            const slot* s;
            const value_type* e;
            hash_t h;
        };
        enum class kind : unsigned char { none, entry, node, borrowed, unsettled };
        class children_guard;
        // The result at one place: nothing, an input's entry (copied when a node is built), a
        // new node (one reference owned), or an input's node (borrowed: no reference taken, so
        // that an input's node passed up unchanged through several levels costs no count
        // traffic; whoever places it takes one). same_a / same_b: equal to that operand, element
        // for element (the values too, for maps).
        struct result {
            kind k;
            const value_type* e;
            slot s;
            bool same_a, same_b;
        };

        // Whether b's element can stand for a's in the result: for maps, a mapped type without
        // == never does (a's value wins; only pointer-identical nodes are shared then).
        template <class V, class = void>
        struct comparable : std::false_type {};
        template <class V>
        struct comparable<
            V, std::void_t<decltype(std::declval<const V&>() == std::declval<const V&>())>>
            : std::true_type {};
        static bool same_mapped(const value_type& x, const value_type& y) {
            if constexpr (!Trie::is_map)
                return (void)x, (void)y, true;
            else if constexpr (comparable<decltype(x.second)>::value)
                return Trie::equal_mapped(x, y);
            else
                return (void)x, (void)y, false;
        }

        // ---- counting ----

        // The elements below slot s. A node without children (most, near the bottom) is counted
        // from its bitmaps in the parent's slot, without a call or a read of the node.
        HAMT_ALWAYS_INLINE static std::size_t subtree_size(const slot& s, unsigned depth) noexcept {
            if (depth == cd) return s.datamap;
            if (s.nodemap == 0) return layout_t::entry_count(s);
            return node_subtree_size(s, depth);
        }
        static std::size_t node_subtree_size(const slot& s, unsigned depth) noexcept {
            std::size_t n = layout_t::entry_count(s);
            for (std::size_t c = 0, nc = layout_t::child_count(s); c < nc; ++c)
                n += subtree_size(*layout_t::child(s, c), depth + 1);
            return n;
        }
        // An input's item taken (b's, for a union; either's, for the differences) or dropped
        // (a's, for an intersection) whole: counted as the operation's rule says.
        void count_item(const slot* child, unsigned depth) noexcept {
            count_ += child ? subtree_size(*child, depth) : 1;
        }

        // ---- merging ----

        result merge(const operand& a, const operand& b, unsigned depth) {
            if (a.s && b.s && layout_t::base(*a.s) == layout_t::base(*b.s)) {
                if constexpr (combining) {
                    return combine_shared(*a.s, depth);
                } else if constexpr (Op == set_op::unite || Op == set_op::intersect) {
                    return {kind::borrowed, nullptr, *a.s, true, true};
                } else {
                    return {kind::none, nullptr, slot{0, 0, 0}, false, false};
                }
            }
            // Two entries of one key never get here: merge_nodes settles every pair of entries
            // with equal keys itself.
            HAMT_ASSERT(!(a.e && b.e) || !r_.equal_keys(Trie::key_of(*a.e), Trie::key_of(*b.e)));
            if constexpr (Op == set_op::unite || Op == set_op::symmetric) {
                if (a.e && b.e) {
                    count_ += Op == set_op::unite ? 1 : 2; // b's (a union), both (symmetric)
                    return pair_node(*a.e, a.h, *b.e, b.h, depth);
                }
            }
            if (depth == cd) return merge_collisions(a, b);
            if constexpr (!combining && (Op == set_op::intersect || Op == set_op::subtract)) {
                // (Two entries are settled by their parent for these operations.)
                if (a.s && b.s) return filter_nodes(*a.s, *b.s, depth);
                if (!a.s) return entry_meets_node(a, *b.s, depth, true);
                if (!b.s) {
                    const result m = entry_meets_node(b, *a.s, depth, false);
                    if (m.k != kind::unsettled) return m;
                }
            }
            if constexpr (!combining && (Op == set_op::unite || Op == set_op::symmetric)) {
                if (a.s && b.s) return unite_nodes(*a.s, *b.s, depth);
            }
            return merge_nodes(a, b, depth);
        }

        // An intersection or difference of two nodes (not pointer-identical): a's items that b
        // holds (or does not). a's entries are settled in passes by what b has at their
        // fragments (an entry: keys compared; a subtree: a lookup there), each pass a loop
        // without data-dependent branches; a's children in fragment order (a pair of subtrees: a
        // merge one level down; a subtree meeting an entry: entry_meets_node; meeting nothing:
        // kept whole by a difference, dropped whole by an intersection). Where nothing changed
        // the result is a's node, and no list of entries is made.
        result filter_nodes(const slot& a, const slot& b, unsigned depth) {
            constexpr bool inter = Op == set_op::intersect;
            const bitmap_t ad = a.datamap, an = a.nodemap, bd = b.datamap, bn = b.nodemap;
            const bitmap_t am = ad | an, bm = bd | bn;
            const value_type* const ae = layout_t::entries(a);
            const value_type* const be = layout_t::entries(b);
            const std::byte* const ak = layout_t::base(a);
            const std::byte* const bk = layout_t::base(b);
            auto child_at = [](const std::byte* base, bitmap_t map, bitmap_t bit) {
                return reinterpret_cast<const slot*>(base + br::index(map, bit) * C);
            };
            if (prefetching_) {
                prefetch_children(ak, layout_t::child_count(a));
                prefetch_children(bk, layout_t::child_count(b));
            }
            // same_b: only an intersection can be b's node.
            bool same_a = true, same_b = inter;
            if constexpr (inter) {
                if (const bitmap_t a_only = am & static_cast<bitmap_t>(~bm)) {
                    same_a = false;
                    count_ += popcount(static_cast<bitmap_t>(ad & a_only));
                    for (bitmap_t c = an & a_only; c; c &= static_cast<bitmap_t>(c - 1))
                        count_ += subtree_size(*child_at(ak, an, c & (~c + 1)), depth + 1);
                }
                // b's items that meet nothing of a, or b's subtrees where a has an entry: the
                // result differs from b there.
                if ((bm & static_cast<bitmap_t>(~am)) | (bn & ad)) same_b = false;
            }
            // hit: a's entries whose key b holds.
            bitmap_t hit = 0;
            for (bitmap_t m = ad & bd; m; m &= static_cast<bitmap_t>(m - 1)) {
                const bitmap_t bit = static_cast<bitmap_t>(m & (~m + 1));
                const value_type* x = ae + br::index(ad, bit);
                const value_type* w = be + br::index(bd, bit);
                const bool equal = r_.equal_keys(Trie::key_of(*x), Trie::key_of(*w));
                hit |= equal ? bit : 0;
                if constexpr (inter) same_b = same_b && equal && same_mapped(*x, *w);
            }
            for (bitmap_t m = ad & bn; m; m &= static_cast<bitmap_t>(m - 1)) {
                const bitmap_t bit = static_cast<bitmap_t>(m & (~m + 1));
                const value_type* x = ae + br::index(ad, bit);
                const hash_t h = r_.hash_of(Trie::key_of(*x));
                const value_type* w = r_.template find_from<popcount_any>(
                    Trie::key_of(*x), child_at(bk, bn, bit), depth + 1, br::rest_at(h, depth + 1));
                hit |= w ? bit : 0;
            }
            // The entries of a the result keeps, and the count of what the operation counts
            // (an intersection: a's dropped; a difference: what it keeps).
            const bitmap_t kept = inter ? hit : static_cast<bitmap_t>(ad & ~hit);
            if (kept != ad) same_a = false;
            if constexpr (inter)
                count_ += popcount(static_cast<bitmap_t>(ad & bm & ~hit));
            else
                count_ += popcount(kept);

            const value_type* by_fragment[branches]; // entries the children's merges fold up
            bitmap_t folded = 0, nodemap = 0;
            children_guard kids(r_, depth + 1);
            for (bitmap_t m = inter ? an & bm : an; m; m &= static_cast<bitmap_t>(m - 1)) {
                const bitmap_t bit = static_cast<bitmap_t>(m & (~m + 1));
                const slot* ca = child_at(ak, an, bit);
                result r;
                if (bn & bit) {
                    const slot* cb = child_at(bk, bn, bit);
                    if (layout_t::base(*ca) == layout_t::base(*cb)) { // shared: kept or gone
                        if constexpr (inter) {
                            nodemap |= bit;
                            kids.push(*ca, false);
                        } else {
                            same_a = false;
                        }
                        continue;
                    }
                    r = merge(operand{ca, nullptr, 0}, operand{cb, nullptr, 0}, depth + 1);
                } else if (bd & bit) {
                    const value_type* y = be + br::index(bd, bit);
                    const operand ob{nullptr, y, r_.hash_of(Trie::key_of(*y))};
                    r = entry_meets_node(ob, *ca, depth + 1, false);
                    if (r.k == kind::unsettled)
                        r = merge_nodes(operand{ca, nullptr, 0}, ob, depth + 1);
                } else { // a difference: a's subtree kept whole
                    nodemap |= bit;
                    kids.push(*ca, false);
                    count_ += subtree_size(*ca, depth + 1);
                    continue;
                }
                same_a = same_a && r.same_a;
                same_b = same_b && r.same_b;
                if (r.k == kind::entry) {
                    folded |= bit;
                    by_fragment[lowest_bit_index(bit)] = r.e;
                } else if (r.k == kind::node || r.k == kind::borrowed) {
                    nodemap |= bit;
                    kids.push(r.s, r.k == kind::node);
                }
            }
            if (same_a) return reuse(a, true, same_b);
            if (same_b) return reuse(b, false, true);
            const bitmap_t datamap = kept | folded;
            const value_type* entries[branches];
            std::size_t ne = 0;
            for (bitmap_t m = datamap; m; m &= static_cast<bitmap_t>(m - 1)) {
                const bitmap_t bit = static_cast<bitmap_t>(m & (~m + 1));
                entries[ne++] =
                    (kept & bit) ? ae + br::index(ad, bit) : by_fragment[lowest_bit_index(bit)];
            }
            if (kids.size() == 0 && ne == 1 && depth > 0)
                return {kind::entry, entries[0], slot{0, 0, 0}, false, false};
            return make_node(kids, entries, ne, datamap, nodemap);
        }

        // A union or a symmetric difference of two nodes (not pointer-identical), settled by
        // bitmaps where the inputs agree: a fragment one input alone has keeps its item; one
        // where both hold the same element or the same subtree keeps it (union) or drops it
        // (symmetric difference); only the other fragments (conflicts: two keys, an entry and
        // a subtree, two subtrees) are merged one level down. The node is then assembled in
        // one pass over its bitmaps. For related versions almost every fragment agrees, so the
        // cost per item is a few instructions; where nothing changed the result is an input.
        result unite_nodes(const slot& a, const slot& b, unsigned depth) {
            constexpr bool uni = Op == set_op::unite;
            const bitmap_t ad = a.datamap, an = a.nodemap, bd = b.datamap, bn = b.nodemap;
            const bitmap_t am = ad | an, bm = bd | bn;
            const value_type* const ae = layout_t::entries(a);
            const value_type* const be = layout_t::entries(b);
            const std::byte* const ak = layout_t::base(a);
            const std::byte* const bk = layout_t::base(b);
            auto child_at = [](const std::byte* base, bitmap_t map, bitmap_t bit) {
                return reinterpret_cast<const slot*>(base + br::index(map, bit) * C);
            };
            // Fragments where both hold one element (equal keys) or one subtree: only the
            // fragments both inputs have are visited (a loop without data-dependent branches;
            // for independent inputs they are few).
            bitmap_t agree = 0;
            bool same_values = true; // b's values equal a's there (maps; a's win a union)
            for (bitmap_t m = ad & bd; m; m &= static_cast<bitmap_t>(m - 1)) {
                const bitmap_t bit = static_cast<bitmap_t>(m & (~m + 1));
                const value_type& x = ae[br::index(ad, bit)];
                const value_type& y = be[br::index(bd, bit)];
                const bool equal = r_.equal_keys(Trie::key_of(x), Trie::key_of(y));
                agree |= equal ? bit : 0;
                if constexpr (Trie::is_map && uni)
                    same_values = same_values && (!equal || same_mapped(x, y));
            }
            for (bitmap_t m = an & bn; m; m &= static_cast<bitmap_t>(m - 1)) {
                const bitmap_t bit = static_cast<bitmap_t>(m & (~m + 1));
                const bool shared = layout_t::base(*child_at(ak, an, bit)) ==
                                    layout_t::base(*child_at(bk, bn, bit));
                agree |= shared ? bit : 0;
            }
            const bitmap_t a_only = am & static_cast<bitmap_t>(~bm);
            const bitmap_t b_only = bm & static_cast<bitmap_t>(~am);
            const bitmap_t conflicts = am & bm & static_cast<bitmap_t>(~agree);
            if (prefetching_) { // the subtrees merged next (not the shared ones: never read)
                for (bitmap_t m = conflicts; m; m &= static_cast<bitmap_t>(m - 1)) {
                    const bitmap_t bit = static_cast<bitmap_t>(m & (~m + 1));
                    if (an & bit) prefetch_node(*child_at(ak, an, bit));
                    if (bn & bit) prefetch_node(*child_at(bk, bn, bit));
                }
            }
            // Counted: b's items alone (a union), every item kept (a symmetric difference).
            count_ += popcount(static_cast<bitmap_t>(bd & b_only));
            for (bitmap_t m = bn & b_only; m; m &= static_cast<bitmap_t>(m - 1))
                count_ += subtree_size(*child_at(bk, bn, m & (~m + 1)), depth + 1);
            if constexpr (!uni) {
                count_ += popcount(static_cast<bitmap_t>(ad & a_only));
                for (bitmap_t m = an & a_only; m; m &= static_cast<bitmap_t>(m - 1))
                    count_ += subtree_size(*child_at(ak, an, m & (~m + 1)), depth + 1);
            }
            // A union equals a where b adds nothing, b where a adds nothing; a symmetric
            // difference equals an input only where the other is empty, which it never is.
            bool same_a = uni && b_only == 0, same_b = uni && a_only == 0 && same_values;

            const value_type* by_fragment[branches]; // entries the conflicts' merges fold up
            bitmap_t folded = 0, merged = 0;
            children_guard made(r_, depth + 1); // the conflicts' subtrees, in fragment order
            for (bitmap_t m = conflicts; m; m &= static_cast<bitmap_t>(m - 1)) {
                const bitmap_t bit = static_cast<bitmap_t>(m & (~m + 1));
                operand oa{nullptr, nullptr, 0}, ob{nullptr, nullptr, 0};
                if (ad & bit) {
                    oa.e = ae + br::index(ad, bit);
                    oa.h = r_.hash_of(Trie::key_of(*oa.e));
                } else {
                    oa.s = child_at(ak, an, bit);
                }
                if (bd & bit) {
                    ob.e = be + br::index(bd, bit);
                    ob.h = r_.hash_of(Trie::key_of(*ob.e));
                } else {
                    ob.s = child_at(bk, bn, bit);
                }
                const result r = merge(oa, ob, depth + 1);
                same_a = same_a && r.same_a;
                same_b = same_b && r.same_b;
                if (r.k == kind::entry) {
                    folded |= bit;
                    by_fragment[lowest_bit_index(bit)] = r.e;
                } else if (r.k == kind::node || r.k == kind::borrowed) {
                    merged |= bit;
                    made.push(r.s, r.k == kind::node);
                }
            }
            if (same_a) return reuse(a, true, same_b);
            if (same_b) return reuse(b, false, true);

            // The result's items: each input's alone, the agreed ones (a union), the merged.
            const bitmap_t kept_a = uni ? a_only | agree : a_only;
            const bitmap_t datamap = (ad & kept_a) | (bd & b_only) | folded;
            const bitmap_t nodemap = (an & kept_a) | (bn & b_only) | merged;
            const value_type* entries[branches];
            std::size_t ne = 0;
            for (bitmap_t m = datamap; m; m &= static_cast<bitmap_t>(m - 1)) {
                const bitmap_t bit = static_cast<bitmap_t>(m & (~m + 1));
                entries[ne++] = (folded & bit) ? by_fragment[lowest_bit_index(bit)]
                                : (ad & bit)   ? ae + br::index(ad, bit)
                                               : be + br::index(bd, bit);
            }
            children_guard kids(r_, depth + 1);
            std::size_t next = 0; // the next of made's
            for (bitmap_t m = nodemap; m; m &= static_cast<bitmap_t>(m - 1)) {
                const bitmap_t bit = static_cast<bitmap_t>(m & (~m + 1));
                if (merged & bit)
                    kids.push(made.slot_at(next), made.owned_at(next)), ++next;
                else
                    kids.push(*child_at((an & bit) ? ak : bk, (an & bit) ? an : bn, bit), false);
            }
            made.disown(); // its owned subtrees are kids' now
            if (kids.size() == 0 && ne == 1 && depth > 0)
                return {kind::entry, entries[0], slot{0, 0, 0}, false, false};
            return make_node(kids, entries, ne, datamap, nodemap);
        }

        // Two entries of different keys (a's x, b's y, hashes known) as the subtree at depth: a
        // node of the two where their fragments first differ, below a chain of single-child
        // nodes for those they share (a collision node when their hashes are equal), as an
        // insert would make it.
        result pair_node(const value_type& x, hash_t hx, const value_type& y, hash_t hy,
                         unsigned depth) {
            unsigned bottom = depth;
            while (bottom < cd && br::fragment(hx, bottom) == br::fragment(hy, bottom))
                ++bottom;
            const bool collision = bottom == cd;
            pending_chain chain(r_.arena_);
            for (unsigned d = depth; d < bottom; ++d)
                chain.push(layout_t::node_granules(1, 0));
            pending_block nb;
            nb.acquire(r_.arena_,
                       collision ? layout_t::collision_granules(2) : layout_t::node_granules(0, 2));
            // A collision node lists a's element first, as merge_collisions does.
            const bool x_first = collision || br::fragment(hx, bottom) < br::fragment(hy, bottom);
            const value_type* const two[2] = {x_first ? &x : &y, x_first ? &y : &x};
            value_alloc va = r_.make_value_alloc();
            construct_copies(va, reinterpret_cast<value_type*>(nb.base), two, 2);
            slot child =
                collision
                    ? slot{layout_t::tag(nb.release(), 0), 2, 2}
                    : slot{layout_t::tag(nb.release(), 0),
                           static_cast<bitmap_t>(br::bit(hx, bottom) | br::bit(hy, bottom)), 0};
            chain.release();
            for (unsigned d = bottom; d-- > depth;) {
                std::byte* c = chain.node(d - depth);
                ::new (static_cast<void*>(c)) slot(child);
                child = slot{layout_t::tag(c, 0), 0, br::bit(hx, d)};
            }
            return {kind::node, nullptr, child, false, false};
        }

        // Asks for the nodes of a node's nc children, which a merge reads next, one after
        // another: their cache misses then overlap (they dominate once the tries outgrow the
        // caches). Only for inputs too large for the L2 cache (prefetching_): below that it
        // costs 8% of the instructions of a merge of two sets of 1K and saves nothing.
        static void prefetch_children(const std::byte* base, std::size_t nc) noexcept {
            for (std::size_t c = 0; c < nc; ++c)
                prefetch(layout_t::base(*reinterpret_cast<const slot*>(base + c * C)));
        }

        // Asks for a node's cache lines (the first max_lines), which its merge reads next.
        static void prefetch_node(const slot& s) noexcept {
            constexpr std::size_t line = 64, max_lines = 8;
            const std::byte* p = layout_t::base(s);
            const std::size_t bytes =
                layout_t::granules(layout_t::child_count(s), layout_t::entry_count(s)) *
                layout_t::granule;
            for (std::size_t off = 0; off < bytes && off < max_lines * line; off += line)
                prefetch(p + off);
        }

        // The node of these items (children in kids, entries by pointer, copied), or nothing.
        result make_node(children_guard& kids, const value_type* const* entries, std::size_t ne,
                         bitmap_t datamap, bitmap_t nodemap) {
            const std::size_t nc = kids.size();
            if (nc == 0 && ne == 0) return {kind::none, nullptr, slot{0, 0, 0}, false, false};
            value_alloc va = r_.make_value_alloc();
            pending_block nb;
            nb.acquire(r_.arena_, layout_t::node_granules(nc, ne));
            construct_copies(va, layout_t::entries_after(nb.base, nc), entries, ne);
            kids.place(nb.base); // the borrowed ones retained; all now the node's
            return {kind::node, nullptr, slot{layout_t::tag(nb.release(), 0), datamap, nodemap},
                    false, false};
        }

        // An intersection or difference where one input has an entry x (hash known) and the
        // other a node n: a lookup of x's key in n, from this depth, settles it (the entry is
        // kept or dropped; n kept whole or dropped whole), except for a difference that must
        // take b's entry out of a's node (unsettled: merged node by node).
        result entry_meets_node(const operand& x, const slot& n, unsigned depth, bool x_is_a) {
            const value_type* w = r_.template find_from<popcount_any>(Trie::key_of(*x.e), &n, depth,
                                                                      br::rest_at(x.h, depth));
            if constexpr (Op == set_op::intersect) {
                // a's items dropped are counted; n has two elements or more (canonical form),
                // so the result, one element at most, is never n.
                if (x_is_a) {
                    if (!w)
                        return ++count_, result{kind::none, nullptr, slot{0, 0, 0}, false, false};
                    return {kind::entry, x.e, slot{0, 0, 0}, true, false};
                }
                count_ += subtree_size(n, depth) - (w ? 1 : 0);
                if (!w) return {kind::none, nullptr, slot{0, 0, 0}, false, false};
                return {kind::entry, w, slot{0, 0, 0}, false, same_mapped(*w, *x.e)};
            } else {
                // The elements kept are counted; the result never equals b's operand.
                if (x_is_a) {
                    if (w) return {kind::none, nullptr, slot{0, 0, 0}, false, false};
                    return ++count_, result{kind::entry, x.e, slot{0, 0, 0}, true, false};
                }
                if (w) return {kind::unsettled, nullptr, slot{0, 0, 0}, false, false};
                count_ += subtree_size(n, depth);
                return reuse(n, true, false);
            }
        }

        // At collision depth: lists of full-hash-equal elements (n is tiny).
        result merge_collisions(const operand& a, const operand& b) {
            const value_type* ea = a.s ? Trie::collision_entries(*a.s) : a.e;
            const std::size_t na = a.s ? a.s->datamap : 1;
            const value_type* eb = b.s ? Trie::collision_entries(*b.s) : b.e;
            const std::size_t nb = b.s ? b.s->datamap : 1;
            auto find = [&](const value_type* es, std::size_t n, const value_type& v) {
                for (std::size_t i = 0; i < n; ++i)
                    if (r_.equal_keys(Trie::key_of(es[i]), Trie::key_of(v))) return es + i;
                return static_cast<const value_type*>(nullptr);
            };
            // The result's elements, by pointer into the inputs: at most na + nb.
            const value_type* small[16];
            std::unique_ptr<const value_type*[]> large;
            const value_type** out = small;
            if (na + nb > 16) {
                large.reset(new const value_type*[na + nb]);
                out = large.get();
            }
            std::size_t n = 0;
            bool same_a = true, same_b = true;
            made_elements made(*this, na);
            for (std::size_t i = 0; i < na; ++i) {
                const value_type* w = find(eb, nb, ea[i]);
                const bool keep =
                    Op == set_op::unite || (Op == set_op::intersect) == (w != nullptr);
                if (keep) {
                    if constexpr (combining) {
                        if (w) {
                            const value_type* m = made.make(ea[i], *w);
                            out[n++] = m;
                            same_a = same_a && same_mapped(*m, ea[i]);
                            same_b = same_b && same_mapped(*m, *w);
                            continue;
                        }
                    }
                    out[n++] = ea + i;
                    if (!w || !same_mapped(ea[i], *w)) same_b = false;
                    if constexpr (Op != set_op::unite && Op != set_op::intersect) ++count_;
                } else {
                    same_a = false;
                    if (w) same_b = false;
                    if constexpr (Op == set_op::intersect) ++count_;
                }
            }
            if constexpr (Op == set_op::unite || Op == set_op::symmetric) {
                for (std::size_t j = 0; j < nb; ++j) {
                    if (find(ea, na, eb[j])) continue;
                    out[n++] = eb + j;
                    same_a = false;
                    ++count_;
                }
            } else {
                if (n != nb) same_b = false;
            }
            if (n == 0) return {kind::none, nullptr, slot{0, 0, 0}, false, false};
            if (n == 1) return {kind::entry, lasting(made, out[0]), slot{0, 0, 0}, same_a, same_b};
            if (same_a && a.s) return reuse(*a.s, true, same_b);
            if (same_b && b.s) return reuse(*b.s, same_a, true);
            value_alloc va = r_.make_value_alloc();
            pending_block nb_block;
            nb_block.acquire(r_.arena_, layout_t::collision_granules(n));
            value_type* es = reinterpret_cast<value_type*>(nb_block.base);
            construct_copies(va, es, out, n);
            return {kind::node, nullptr,
                    slot{layout_t::tag(nb_block.release(), 0), static_cast<bitmap_t>(n),
                         static_cast<bitmap_t>(n)},
                    same_a, same_b};
        }

        // Below collision depth: fragment by fragment over the items of both operands.
        result merge_nodes(const operand& a, const operand& b, unsigned depth) {
            const bitmap_t ad = a.s ? a.s->datamap : br::bit(a.h, depth);
            const bitmap_t an = a.s ? a.s->nodemap : 0;
            const bitmap_t bd = b.s ? b.s->datamap : br::bit(b.h, depth);
            const bitmap_t bn = b.s ? b.s->nodemap : 0;
            const bitmap_t am = ad | an, bm = bd | bn;
            if (prefetching_ && a.s)
                prefetch_children(layout_t::base(*a.s), layout_t::child_count(*a.s));
            if (prefetching_ && b.s)
                prefetch_children(layout_t::base(*b.s), layout_t::child_count(*b.s));

            // The result's items in fragment order: entries by pointer, children as slots, each
            // either owned (a merge's result: one reference) or borrowed from an input.
            children_guard kids(r_, depth + 1);
            made_elements made(*this, branches);
            const value_type* entries[branches];
            bitmap_t datamap = 0, nodemap = 0;
            std::size_t ne = 0;
            bool same_a = true, same_b = true;
            // The fragments visited: all, except where an input's items alone are settled
            // here, without a visit: dropped from an intersection (a's counted) and, for a
            // difference, b's (whose operand the result never equals).
            bitmap_t visit = am | bm;
            if constexpr (Op == set_op::intersect) {
                if (const bitmap_t a_only = am & static_cast<bitmap_t>(~bm)) {
                    same_a = false;
                    count_ += popcount(static_cast<bitmap_t>(ad & a_only));
                    for (bitmap_t c = an & a_only; c; c &= static_cast<bitmap_t>(c - 1))
                        count_ += subtree_size(*layout_t::child(*a.s, br::index(an, c & (~c + 1))),
                                               depth + 1);
                }
                if (bm & static_cast<bitmap_t>(~am)) same_b = false;
                visit = am & bm;
            } else if constexpr (Op == set_op::subtract) {
                same_b = false;
                visit = am;
            }
            // This fragment's item of each input, an entry or a child slot, by cursors while
            // every fragment is visited, by popcount otherwise. (A one-entry operand's bitmap
            // has one bit: its index is 0.)
            const value_type* const a_entries = a.s ? layout_t::entries(*a.s) : a.e;
            const std::byte* const a_children = a.s ? layout_t::base(*a.s) : nullptr;
            const value_type* const b_entries = b.s ? layout_t::entries(*b.s) : b.e;
            const std::byte* const b_children = b.s ? layout_t::base(*b.s) : nullptr;
            const bool cursors = visit == (am | bm);
            std::size_t ai = 0, ac = 0, bi = 0, bc = 0;
            for (bitmap_t all = visit; all; all &= static_cast<bitmap_t>(all - 1)) {
                const bitmap_t bit = static_cast<bitmap_t>(all & (~all + 1));
                const bool in_a = am & bit, in_b = bm & bit;
                const value_type* xa = nullptr;
                const slot* ca = nullptr;
                if (ad & bit)
                    xa = a_entries + (cursors ? ai++ : br::index(ad, bit));
                else if (an & bit)
                    ca = reinterpret_cast<const slot*>(a_children +
                                                       (cursors ? ac++ : br::index(an, bit)) * C);
                const value_type* xb = nullptr;
                const slot* cb = nullptr;
                if (bd & bit)
                    xb = b_entries + (cursors ? bi++ : br::index(bd, bit));
                else if (bn & bit)
                    cb = reinterpret_cast<const slot*>(b_children +
                                                       (cursors ? bc++ : br::index(bn, bit)) * C);

                if (in_a && in_b) {
                    // A subtree both reach (what an update did not touch): kept whole, borrowed,
                    // or gone, without a call (merge would decide the same).
                    if constexpr (!combining) {
                        if (ca && cb && layout_t::base(*ca) == layout_t::base(*cb)) {
                            if constexpr (Op == set_op::unite || Op == set_op::intersect) {
                                nodemap |= bit;
                                kids.push(*ca, false);
                            } else {
                                same_a = same_b = false;
                            }
                            continue;
                        }
                    }
                    // Two entries: settled by their keys where the operation allows, without
                    // hashing (for related inputs most pairs are one element, seen by both).
                    if (xa && xb) {
                        if (r_.equal_keys(Trie::key_of(*xa), Trie::key_of(*xb))) {
                            if constexpr (combining) {
                                datamap |= bit;
                                const value_type* m = made.make(*xa, *xb);
                                entries[ne++] = m;
                                same_a = same_a && same_mapped(*m, *xa);
                                same_b = same_b && same_mapped(*m, *xb);
                            } else if constexpr (Op == set_op::unite || Op == set_op::intersect) {
                                datamap |= bit;
                                entries[ne++] = xa;
                                same_b = same_b && same_mapped(*xa, *xb);
                            } else {
                                same_a = same_b = false; // the element vanishes
                            }
                            continue;
                        }
                        if constexpr (Op == set_op::intersect) {
                            same_a = same_b = false; // both dropped
                            ++count_;
                            continue;
                        }
                        if constexpr (Op == set_op::subtract) {
                            datamap |= bit; // a's kept, b's dropped
                            entries[ne++] = xa;
                            same_b = false;
                            ++count_;
                            continue;
                        }
                    }
                    const operand oa{ca, xa, xa ? hash_item(a, xa) : 0};
                    const operand ob{cb, xb, xb ? hash_item(b, xb) : 0};
                    const result m = merge(oa, ob, depth + 1);
                    same_a = same_a && m.same_a;
                    same_b = same_b && m.same_b;
                    if (m.k == kind::entry) {
                        datamap |= bit;
                        entries[ne++] = m.e;
                    } else if (m.k == kind::node || m.k == kind::borrowed) {
                        nodemap |= bit;
                        kids.push(m.s, m.k == kind::node);
                    }
                    continue;
                }
                // One input only.
                constexpr bool keep_a = Op != set_op::intersect;
                constexpr bool keep_b = Op == set_op::unite || Op == set_op::symmetric;
                // Kept, it makes the result differ from the other input; dropped, from its own.
                if (in_a) {
                    if (!keep_a) {
                        same_a = false;
                        count_item(ca, depth + 1); // intersection: dropped from a
                        continue;
                    }
                    same_b = false;
                    if constexpr (Op != set_op::unite) count_item(ca, depth + 1);
                } else {
                    if (!keep_b) {
                        same_b = false;
                        continue;
                    }
                    same_a = false;
                    count_item(cb, depth + 1);
                }
                const value_type* x = in_a ? xa : xb;
                const slot* c = in_a ? ca : cb;
                if (x) {
                    datamap |= bit;
                    entries[ne++] = x;
                } else {
                    nodemap |= bit;
                    kids.push(*c, false);
                }
            }
            if (same_a) {
                if (a.s) return reuse(*a.s, true, same_b);
                return {kind::entry, a.e, slot{0, 0, 0}, true, same_b};
            }
            if (same_b) {
                if (b.s) return reuse(*b.s, false, true);
                return {kind::entry, b.e, slot{0, 0, 0}, false, true};
            }
            if (kids.size() == 0 && ne == 1 && depth > 0)
                return {kind::entry, lasting(made, entries[0]), slot{0, 0, 0}, false, false};
            return make_node(kids, entries, ne, datamap, nodemap);
        }

        // A node both inputs reach, when combining: the same shape, each element's value
        // f(key, v, v); the node itself where every value compares equal to its old one.
        result combine_shared(const slot& s, unsigned depth) {
            const bool collision = depth == cd;
            const std::size_t nc = collision ? 0 : layout_t::child_count(s);
            const std::size_t ne = collision ? s.datamap : layout_t::entry_count(s);
            const value_type* es = collision ? Trie::collision_entries(s) : layout_t::entries(s);
            children_guard kids(r_, depth + 1);
            bool same = true;
            for (std::size_t c = 0; c < nc; ++c) {
                const result m = combine_shared(*layout_t::child(s, c), depth + 1);
                same = same && m.same_a;
                kids.push(m.s, m.k == kind::node);
            }
            made_elements made(*this, ne);
            for (std::size_t i = 0; i < ne; ++i)
                same = same_mapped(*made.make(es[i], es[i]), es[i]) && same;
            if (same) return reuse(s, true, true);
            value_alloc va = r_.make_value_alloc();
            pending_block nb;
            nb.acquire(r_.arena_, collision ? layout_t::collision_granules(ne)
                                            : layout_t::node_granules(nc, ne));
            made.copy_to(va, collision ? reinterpret_cast<value_type*>(nb.base)
                                       : layout_t::entries_after(nb.base, nc));
            kids.place(nb.base);
            const slot out = collision ? slot{layout_t::tag(nb.release(), 0),
                                              static_cast<bitmap_t>(ne), static_cast<bitmap_t>(ne)}
                                       : slot{layout_t::tag(nb.release(), 0), s.datamap, s.nodemap};
            return {kind::node, nullptr, out, false, false};
        }

        // The elements f makes for one node (keys in both inputs), held until they are copied
        // into the node; storage taken at the first.
        class made_elements {
        public:
            made_elements(merger& m, std::size_t capacity) noexcept : m_(m), cap_(capacity) {}
            made_elements(const made_elements&) = delete;
            made_elements& operator=(const made_elements&) = delete;
            ~made_elements() {
                if (!p_) return;
                value_alloc va = m_.r_.make_value_alloc();
                ops::destroy(va, p_, n_);
                ::operator delete(static_cast<void*>(p_), std::align_val_t(alignof(value_type)));
            }
            // (key, f(key, x's value, y's value)); x is a's element, y b's.
            const value_type* make(const value_type& x, const value_type& y) {
                if constexpr (combining) {
                    HAMT_ASSERT(n_ < cap_);
                    if (!p_)
                        p_ = static_cast<value_type*>(::operator new(
                            cap_ * sizeof(value_type), std::align_val_t(alignof(value_type))));
                    value_alloc va = m_.r_.make_value_alloc();
                    ops::construct(va, p_ + n_, std::piecewise_construct,
                                   std::forward_as_tuple(x.first),
                                   std::forward_as_tuple(m_.combine_(x.first, x.second, y.second)));
                    return p_ + n_++;
                } else {
                    return (void)y, &x; // not called
                }
            }
            // std::less: e may point into an input, another object.
            bool holds(const value_type* e) const noexcept {
                const std::less<const value_type*> before;
                return p_ && !before(e, p_) && before(e, p_ + n_);
            }
            // Copies the elements, in order, to dst (n_ of them, uninitialized).
            void copy_to(value_alloc& va, value_type* dst) const {
                Trie::copy_entries(va, dst, p_, n_);
            }

        private:
            merger& m_;
            std::size_t cap_;
            value_type* p_ = nullptr;
            std::size_t n_ = 0;
        };

        // An element made by f that a merge returns alone (folded up to the parent) outlives
        // the merge's made_elements: it is copied to a list the merger frees at its end.
        struct carried {
            carried* next;
            alignas(value_type) unsigned char storage[sizeof(value_type)];
            value_type* element() noexcept { return reinterpret_cast<value_type*>(storage); }
        };
        const value_type* lasting(const made_elements& made, const value_type* e) {
            if (!made.holds(e)) return e;
            auto* c = new carried{carried_, {}};
            HAMT_TRY {
                value_alloc va = r_.make_value_alloc();
                ops::construct(va, c->element(), *e);
            }
            HAMT_CATCH_ALL {
                delete c;
                HAMT_RETHROW;
            }
            carried_ = c;
            return c->element();
        }

        // The hash of an operand's item: known for a one-entry operand, computed otherwise.
        hash_t hash_item(const operand& o, const value_type* x) const {
            if (!o.s) return o.h;
            return r_.hash_of(Trie::key_of(*x));
        }

        // An input's node, reused whole (borrowed).
        static result reuse(const slot& s, bool same_a, bool same_b) noexcept {
            return {kind::borrowed, nullptr, s, same_a, same_b};
        }

        static void construct_copies(value_alloc& va, value_type* dst, const value_type* const* src,
                                     std::size_t n) {
            std::size_t i = 0;
            HAMT_TRY {
                for (; i < n; ++i)
                    ops::construct(va, dst + i, *src[i]);
            }
            HAMT_CATCH_ALL {
                ops::destroy(va, dst, i);
                HAMT_RETHROW;
            }
        }

        // The child slots of a node being merged; the owned references are dropped unless the
        // node is made (place) or an input's node is reused instead.
        class children_guard {
        public:
            children_guard(Trie& r, unsigned depth) noexcept : r_(r), depth_(depth) {}
            children_guard(const children_guard&) = delete;
            children_guard& operator=(const children_guard&) = delete;
            ~children_guard() {
                for (std::size_t i = 0; i < n_; ++i)
                    if (owned_[i]) r_.release_subtree(slots_[i], depth_);
            }
            void push(const slot& s, bool owned) noexcept {
                slots_[n_] = s;
                owned_[n_] = owned;
                ++n_;
            }
            std::size_t size() const noexcept { return n_; }
            const slot& slot_at(std::size_t i) const noexcept { return slots_[i]; }
            bool owned_at(std::size_t i) const noexcept { return owned_[i]; }
            // Forgets the slots (another guard or a node holds them now).
            void disown() noexcept { n_ = 0; }
            // Moves the slots into a node's child area: each borrowed one takes a reference.
            void place(std::byte* base) noexcept {
                for (std::size_t i = 0; i < n_; ++i) {
                    if (!owned_[i]) Trie::arena_t::retain(layout_t::base(slots_[i]));
                    ::new (static_cast<void*>(base + i * C)) slot(slots_[i]);
                }
                n_ = 0;
            }

        private:
            Trie& r_;
            unsigned depth_;
            std::size_t n_ = 0;
            // Not zeroed (a merge of small nodes would spend more on that than on its work);
            // only the first n_ are ever read.
            slot slots_[branches];
            bool owned_[branches];
        };

        // Elements in both inputs above which the merge prefetches (see prefetch_children): about
        // 1 MiB of int64 nodes.
        static constexpr std::size_t prefetch_threshold = 1 << 16;
        Trie& r_;
        Combine combine_;
        bool prefetching_ = false;
        std::size_t count_ = 0;
        carried* carried_ = nullptr;
    };

    template <set_op Op, class Container>
    static Container apply(const Container& a, const Container& b) {
        Container out(a.hash_function(), a.key_eq(), a.get_allocator());
        auto& r = engine(out);
        merger<std::remove_reference_t<decltype(r)>, Op>(r).run(engine(a), engine(b));
        return out;
    }
    // The same with a combining function (see the top of the file): f(key, a_value, b_value).
    template <set_op Op, class Container, class F>
    static Container apply_with(const Container& a, const Container& b, F& f) {
        using T = typename Container::mapped_type;
        auto combine = [&f](const auto& key, const auto& x, const auto& y) {
            return T(f(key, x, y));
        };
        Container out(a.hash_function(), a.key_eq(), a.get_allocator());
        auto& r = engine(out);
        merger<std::remove_reference_t<decltype(r)>, Op, decltype(combine)>(r, combine)
            .run(engine(a), engine(b));
        return out;
    }
    template <class Container>
    static const auto& engine(const Container& c) noexcept {
        return c.t_;
    }
};

} // namespace hamt::detail
