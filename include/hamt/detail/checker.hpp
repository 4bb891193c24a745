// Invariant checker and statistics over the trie engine; see hamt/debug.hpp.
#pragma once

#include <cstddef>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "trie.hpp"

namespace hamt::debug {

// Thrown by check_invariants with a description of the first violation found.
struct invariant_error : std::logic_error {
    using std::logic_error::logic_error;
};

struct trie_stats {
    std::size_t size = 0;             // elements
    std::size_t nodes = 0;            // nodes, collision nodes included
    std::size_t collision_nodes = 0;  // nodes of keys whose full 64-bit hashes are equal
    std::size_t max_depth = 0;        // deepest node (the root is at depth 0)
    std::size_t node_bytes = 0;       // bytes of live node blocks, slack included (shared
                                      // tries: whole allocations, as shared_bytes counts them)
    std::size_t arena_bytes = 0;      // bytes the node arena obtained from the allocator
    std::size_t root_table_level = 0; // levels a lookup skips through the root table (0: none;
                                      // hamt::map and hamt::set only, root_table.hpp)
};

} // namespace hamt::debug

namespace hamt::detail {

template <>
struct trie_access<void> {
    template <class Container>
    static const auto& engine(const Container& c) noexcept {
        return c.t_;
    }

    template <class Trie>
    struct walker {
        using layout_t = typename Trie::layout_t;
        using slot = typename Trie::slot;
        static constexpr unsigned cd = layout_t::collision_depth;

        const Trie& t;
        debug::trie_stats stats{};
        unsigned path[cd + 1] = {};
        bool check;

        [[noreturn]] void fail(const std::string& what) const {
#if HAMT_HAS_EXCEPTIONS
            throw debug::invariant_error("hamt invariant violated: " + what);
#else
            std::fprintf(stderr, "hamt invariant violated: %s\n", what.c_str());
            std::abort();
#endif
        }
        void require(bool ok, const char* what, unsigned depth) const {
            if (!ok) fail(std::string(what) + " (depth " + std::to_string(depth) + ")");
        }

        // Returns the number of entries under slot s.
        HAMT_NOINLINE std::size_t walk(const slot& s, unsigned depth) {
            ++stats.nodes;
            if (depth > stats.max_depth) stats.max_depth = depth;
            const std::size_t block = Trie::block_granules(s, depth);
            // Shared tries: the node's whole allocation (count header, any tail erase kept), as
            // trie::subtree_bytes and so debug::shared_bytes count it; with block bytes here,
            // shared_bytes(a, a) exceeded stats(a).node_bytes, and README's snapshot cost
            // stats(b).node_bytes - shared_bytes(a, b) wrapped around below zero.
            if constexpr (Trie::shared)
                stats.node_bytes += Trie::arena_t::allocation_bytes(layout_t::base(s));
            else
                stats.node_bytes += block * layout_t::granule;
            if (check)
                require((s.tagged & layout_t::tag_mask) <= layout_t::max_slack, "slack", depth);
            if constexpr (Trie::shared) {
                if (check)
                    require(Trie::arena_t::use_count(layout_t::base(s)) >= 1,
                            "shared node with a zero reference count", depth);
            }
            if (depth == cd) {
                ++stats.collision_nodes;
                const std::size_t n = s.datamap;
                const auto* es = Trie::collision_entries(s);
                if (check) {
                    require(n >= 2, "collision node with fewer than two entries", depth);
                    require(n <= s.nodemap, "collision node count above capacity", depth);
                    const auto h0 = t.hash_of(Trie::key_of(es[0]));
                    for (std::size_t i = 0; i < n; ++i) {
                        const auto h = t.hash_of(Trie::key_of(es[i]));
                        require(h == h0, "collision node entries with different hashes", depth);
                        for (unsigned d = 0; d < cd; ++d)
                            require(Trie::fragment_of(h, d) == path[d],
                                    "collision entry off its hash path", depth);
                        for (std::size_t j = 0; j < i; ++j)
                            require(!t.equal_keys(Trie::key_of(es[i]), Trie::key_of(es[j])),
                                    "duplicate key in collision node", depth);
                    }
                }
                return n;
            }
            const std::size_t nc = layout_t::child_count(s), ne = layout_t::entry_count(s);
            if (check) {
                require((s.datamap & s.nodemap) == 0, "datamap and nodemap overlap", depth);
                require(nc + ne > 0, "empty node", depth);
                if (depth > 0)
                    require(!(nc == 0 && ne == 1), "lone entry not inlined in parent", depth);
                require(block >= layout_t::granules(nc, ne), "block smaller than contents", depth);
            }
            std::size_t total = ne;
            const auto* es = layout_t::entries(s);
            auto map = s.datamap;
            for (std::size_t i = 0; i < ne; ++i, map &= map - 1) {
                const unsigned frag = lowest_bit_index(map);
                if (check) {
                    const auto h = t.hash_of(Trie::key_of(es[i]));
                    require(Trie::fragment_of(h, depth) == frag, "entry in the wrong slot", depth);
                    for (unsigned d = 0; d < depth; ++d)
                        require(Trie::fragment_of(h, d) == path[d], "entry off its hash path",
                                depth);
                }
            }
            map = s.nodemap;
            for (std::size_t c = 0; c < nc; ++c, map &= map - 1) {
                path[depth] = lowest_bit_index(map);
                const std::size_t sub = walk(*layout_t::child(s, c), depth + 1);
                if (check) require(sub >= 2, "sub-node with fewer than two entries", depth + 1);
                total += sub;
            }
            return total;
        }

        void run() {
            const slot& root = t.root_;
            stats.arena_bytes = t.arena_.reserved_bytes();
            if constexpr (!Trie::shared) {
                stats.root_table_level = t.table().level();
                if (check && !t.table().consistent(root))
                    fail("the root table does not match the trie");
            }
            if (root.tagged == 0) {
                if (check) {
                    require(root.datamap == 0 && root.nodemap == 0, "empty root with bitmaps", 0);
                    require(t.size() == 0, "empty root but size() != 0", 0);
                }
                return;
            }
            const std::size_t n = walk(root, 0);
            stats.size = n;

            if (check && n != t.size())
                fail("size() is " + std::to_string(t.size()) + " but the trie holds " +
                     std::to_string(n));
        }
    };

    template <class Trie>
    static debug::trie_stats walk(const Trie& t, bool check) {
        walker<Trie> w{t, {}, {}, check};
        w.run();
        return w.stats;
    }
};

} // namespace hamt::detail
