// libFuzzer target for hamt::persistent_map / persistent_set and their transients: each input is
// a program over four version variables and two transient variables of one variant (byte 0),
// every variable checked against its own std::unordered_map / std::unordered_set model. The
// operations derive versions from one another (lvalue updates, && updates and chains of them,
// copies, moves, drops, range construction), open transients on versions (by copy or by taking
// the version), change them with hamt::map's modifiers and turn them back into versions
// (persistent() & and &&), and compare versions and transients with ==. Since versions share
// nodes, a change that leaks into a node another version holds shows as a mismatch in that
// other version, which is checked after every operation that touched it and all together every
// 16th operation. See fuzz_support.hpp for the reader, elements, hashers and allocator, and
// fuzz/README.md for the input format and running.
#include "fuzz_support.hpp"

#include <hamt/persistent_map.hpp>
#include <hamt/persistent_set.hpp>
#include <hamt/set_algebra.hpp>

namespace hfuzz {
struct root_tag;
} // namespace hfuzz

// The root node of a version (through the engine's access point, as hamt::debug's checker): two
// versions share their root exactly when these are equal.
template <>
struct hamt::detail::trie_access<hfuzz::root_tag> {
    template <class C>
    static auto root(const C& c) noexcept {
        return c.t_.root_.tagged;
    }
};

namespace hfuzz {

// Input after byte 0: per version variable, then per transient variable, a hasher mode and an
// allocator id (as in driver); then opcodes (pdriver::op_code) and their arguments.
template <class P>
class pdriver {
public:
    static constexpr bool is_map = is_map_container<P>::value;
    static constexpr std::size_t versions = 4;
    static constexpr std::size_t transients = 2;
    using T = typename P::transient_type;
    using K = typename P::key_type;
    using V = typename container_traits<P>::mapped_type;
    using model_t = typename container_traits<P>::model_type;
    using value_type = typename P::value_type;
    using hasher = typename P::hasher;
    using key_equal = typename P::key_equal;
    using allocator_type = typename P::allocator_type;
    using const_iterator = typename P::const_iterator;
    using titerator = typename T::iterator;

    // Variables larger than `big` are fully checked after every 8th operation only; none grows
    // past `max_size` (see driver).
    static constexpr std::size_t big = 128;
    static constexpr std::size_t max_size = 1024;

    explicit pdriver(reader& in) : in_(in) {
        for (std::size_t i = 0; i < versions; ++i) {
            const unsigned mode = in_.byte();
            const int alloc_id = in_.byte() & 1;
            v_[i] = P(make_hasher(mode), key_equal(), make_alloc(alloc_id));
        }
        for (std::size_t i = 0; i < transients; ++i) {
            const unsigned mode = in_.byte();
            const int alloc_id = in_.byte() & 1;
            t_[i] = std::make_unique<T>(0, make_hasher(mode), key_equal(), make_alloc(alloc_id));
        }
    }

    void run() {
        long index = 0;
        static const bool trace = std::getenv("HFUZZ_TRACE") != nullptr;
        while (!in_.empty()) {
            context::op_index = index;
            step();
            if (index % 16 == 15) check_all();
            if (trace) {
                std::fprintf(stderr, "op #%ld %-40s sizes", index, context::op);
                for (std::size_t i = 0; i < versions; ++i)
                    std::fprintf(stderr, " %zu", mv_[i].size());
                std::fprintf(stderr, " | transients");
                for (std::size_t i = 0; i < transients; ++i)
                    std::fprintf(stderr, " %zu", mt_[i].size());
                std::fprintf(stderr, "\n");
            }
            ++index;
        }
        context::op = "final check";
        check_all();
    }

private:
    // ---- construction helpers ---------------------------------------------------------------

    static hasher make_hasher(unsigned mode) {
        if constexpr (std::is_constructible_v<hasher, unsigned>)
            return hasher(mode);
        else
            return (void)mode, hasher();
    }
    static allocator_type make_alloc(int id) {
        if constexpr (std::is_constructible_v<allocator_type, int>)
            return allocator_type(id);
        else
            return (void)id, allocator_type();
    }

    static K key_from(std::uint64_t n) { return element_traits<K>::make(n); }
    K key() { return key_from(key_number(in_.byte())); }
    std::size_t var() { return in_.byte() % versions; }
    std::size_t tvar() { return in_.byte() % transients; }

    auto value() {
        if constexpr (is_map)
            return element_traits<V>::make(1000 + counter_++);
        else
            return 0;
    }
    value_type element(const K& k) {
        if constexpr (is_map)
            return value_type(k, value());
        else
            return k;
    }
    static const K& key_of(const value_type& v) {
        if constexpr (is_map)
            return v.first;
        else
            return v;
    }
    static std::uint64_t raw(const K& k) { return element_traits<K>::raw(k); }

    // Inserts into a model as insert() should have (the key's element unless present).
    static bool model_insert(model_t& m, const value_type& v) {
        if constexpr (is_map)
            return m.emplace(v.first, v.second).second;
        else
            return m.insert(v).second;
    }

    // ---- checks -----------------------------------------------------------------------------

    // The element at `it` of c has key k and, for maps, m's value for it.
    template <class C, class It>
    static void expect_at(const C& c, const model_t& m, It it, const K& k) {
        HFUZZ_CHECK(it != c.end());
        HFUZZ_CHECK(key_of(*it) == k);
        if constexpr (is_map) {
            auto e = m.find(k);
            HFUZZ_CHECK(e != m.end());
            HFUZZ_CHECK(it->second == e->second);
        }
    }

    // Invariants, iteration and every lookup of c (a version or a transient) against m.
    template <class C>
    static void check_contents(const C& c, const model_t& m, const char* what, std::size_t i) {
        HFUZZ_CHECK(c.size() == m.size());
        HFUZZ_CHECK(c.empty() == m.empty());
#if HAMT_HAS_EXCEPTIONS
        try {
            hamt::debug::check_invariants(c);
        } catch (const hamt::debug::invariant_error& e) {
            std::fprintf(stderr, "hamt fuzz: %s %zu: %s\n", what, i, e.what());
            fail(__FILE__, __LINE__, "check_invariants");
        }
#else
        (void)what, (void)i;
        hamt::debug::check_invariants(c); // prints the violation and aborts
#endif
        std::size_t n = 0;
        std::uint64_t visited_sum = 0, model_sum = 0;
        for (auto it = c.begin(); it != c.end(); ++it) {
            ++n;
            HFUZZ_CHECK(n <= m.size());
            visited_sum += hamt::mix64(model_hash<K>{}(key_of(*it)));
            expect_at(c, m, it, key_of(*it));
        }
        HFUZZ_CHECK(n == m.size());
        for (const auto& e : m) {
            const K& k = key_of(e);
            model_sum += hamt::mix64(model_hash<K>{}(k));
            expect_at(c, m, c.find(k), k);
            HFUZZ_CHECK(c.contains(k));
            HFUZZ_CHECK(c.count(k) == 1);
            if constexpr (is_map) HFUZZ_CHECK(c.at(k) == e.second);
        }
        HFUZZ_CHECK(visited_sum == model_sum); // some key visited twice, another never
    }

    void check_v_full(std::size_t i) const {
        check_contents(v_[i], mv_[i], "version", i);
    }
    void check_t_full(std::size_t i) const {
        check_contents(*t_[i], mt_[i], "transient", i);
    }
    bool full_now(std::size_t n) const {
        return n <= big || context::op_index % 8 == 0;
    }
    void check_v(std::size_t i) const {
        HFUZZ_CHECK(v_[i].size() == mv_[i].size());
        if (full_now(mv_[i].size())) check_v_full(i);
    }
    void check_t(std::size_t i) const {
        HFUZZ_CHECK(t_[i]->size() == mt_[i].size());
        if (full_now(mt_[i].size())) check_t_full(i);
    }
    // Every variable: after later versions were derived, every older one still holds its
    // contents.
    void check_all() const {
        for (std::size_t i = 0; i < versions; ++i)
            check_v_full(i);
        for (std::size_t i = 0; i < transients; ++i)
            check_t_full(i);
    }

    // `it` is an iterator of transient i that an insert or lookup returned: walking from it
    // visits exactly the elements that follow it in a walk from begin().
    void check_suffix(std::size_t i, titerator it) const {
        const T& c = *t_[i];
        if (it == c.end()) return;
        order_.clear();
        for (const value_type& v : c)
            order_.push_back(&v);
        auto pos = std::find(order_.begin(), order_.end(), &*it);
        HFUZZ_CHECK(pos != order_.end());
        for (; it != c.end(); ++it, ++pos) {
            HFUZZ_CHECK(pos != order_.end());
            HFUZZ_CHECK(*pos == &*it);
        }
        HFUZZ_CHECK(pos == order_.end());
    }
    // Walking transient i from `next` visits exactly the keys of `expected` (any order), once.
    void check_rest(std::size_t i, titerator next, const std::vector<K>& expected) const {
        std::unordered_set<K, model_hash<K>> want(expected.begin(), expected.end());
        std::size_t n = 0;
        for (; next != t_[i]->end(); ++next) {
            HFUZZ_CHECK(++n <= expected.size());
            HFUZZ_CHECK(want.erase(key_of(*next)) == 1);
            expect_at(*t_[i], mt_[i], next, key_of(*next));
        }
        HFUZZ_CHECK(want.empty());
    }
    std::vector<K> keys_in_order(std::size_t i) const {
        std::vector<K> keys;
        for (const value_type& v : *t_[i])
            keys.push_back(key_of(v));
        return keys;
    }
    // Versions share their root node (an update that changed nothing made no copy).
    static bool same_root(const P& a, const P& b) {
        using access = hamt::detail::trie_access<root_tag>;
        return access::root(a) == access::root(b);
    }

    // The variable an update of s goes to: an && update (bit 0 of how) mostly replaces s itself
    // (`v = std::move(v).set(k, x)`), unless bit 2 sends it elsewhere.
    static std::size_t target(std::size_t d, std::size_t s, unsigned how) {
        return (how & 1) && !(how & 4) ? s : d;
    }

    // After d = (an update of s): s unchanged (lvalue) or left empty (rvalue: it gave itself
    // up), d holds r with model m, and == between them agrees with the models.
    void finish(std::size_t d, std::size_t s, bool rvalue, P&& r, model_t&& m) {
        if (rvalue) {
            mv_[s].clear();
            check_v_full(s);
        } else {
            check_v(s);
            HFUZZ_CHECK((r == v_[s]) == (m == mv_[s]));
        }
        v_[d] = std::move(r);
        mv_[d] = std::move(m);
        check_v(d);
    }

    // ---- operations -------------------------------------------------------------------------

    enum op_code : unsigned {
        op_insert,
        op_set,
        op_erase,
        op_update,
        op_chain,
        op_copy,
        op_move,
        op_drop,
        op_swap,
        op_compare,
        op_lookup,
        op_iterate,
        op_construct_range,
        op_transient,
        op_t_insert,
        op_t_keyed,
        op_t_erase_key,
        op_t_erase_iterator,
        op_t_erase_loop,
        op_t_erase_range,
        op_t_clear,
        op_persistent,
        op_t_move,
        op_t_lookup,
        op_noop_update,
        op_t_compare,
        op_algebra,
        op_check_all,
        op_count
    };

    void step() {
        switch (in_.byte() % op_count) {
        case op_insert:
            return do_insert();
        case op_set:
            return do_set();
        case op_erase:
            return do_erase();
        case op_update:
            return do_update();
        case op_chain:
            return do_chain();
        case op_copy:
            return do_copy();
        case op_move:
            return do_move();
        case op_drop:
            return do_drop();
        case op_swap:
            return do_swap();
        case op_compare:
            return do_compare();
        case op_lookup:
            return do_lookup();
        case op_iterate:
            return do_iterate();
        case op_construct_range:
            return do_construct_range();
        case op_transient:
            return do_transient();
        case op_t_insert:
            return do_t_insert();
        case op_t_keyed:
            return do_t_keyed();
        case op_t_erase_key:
            return do_t_erase_key();
        case op_t_erase_iterator:
            return do_t_erase_iterator();
        case op_t_erase_loop:
            return do_t_erase_loop();
        case op_t_erase_range:
            return do_t_erase_range();
        case op_t_clear:
            return do_t_clear();
        case op_persistent:
            return do_persistent();
        case op_t_move:
            return do_t_move();
        case op_t_lookup:
            return do_t_lookup();
        case op_noop_update:
            return do_noop_update();
        case op_t_compare:
            return do_t_compare();
        case op_algebra:
            return do_algebra();
        default:
            context::op = "check all";
            return check_all();
        }
    }

    // d = s.insert(e) or std::move(s).insert(e), e by const& or by &&.
    void do_insert() {
        context::op = "insert";
        std::size_t d = var();
        const std::size_t s = var();
        const unsigned how = in_.byte();
        d = target(d, s, how);
        const K k = key();
        if (mv_[s].size() >= max_size && !mv_[s].count(k)) return;
        value_type e = element(k);
        model_t m = mv_[s];
        model_insert(m, e);
        const bool rvalue = how & 1;
        P r = rvalue ? ((how & 2) ? std::move(v_[s]).insert(std::move(e))
                                  : std::move(v_[s]).insert(std::as_const(e)))
                     : ((how & 2) ? v_[s].insert(std::move(e)) : v_[s].insert(std::as_const(e)));
        finish(d, s, rvalue, std::move(r), std::move(m));
    }

    // Maps: d = s.set(k, v) (k by const& or &&; insert or assign). Sets: insert by &&.
    void do_set() {
        context::op = is_map ? "set" : "insert(&&)";
        std::size_t d = var();
        const std::size_t s = var();
        const unsigned how = in_.byte();
        d = target(d, s, how);
        const K k = key();
        if (mv_[s].size() >= max_size && !mv_[s].count(k)) return;
        const bool rvalue = how & 1;
        model_t m = mv_[s];
        K moved = k;
        if constexpr (is_map) {
            auto v = value();
            m.insert_or_assign(k, v);
            P r = rvalue ? ((how & 2) ? std::move(v_[s]).set(std::move(moved), v)
                                      : std::move(v_[s]).set(k, v))
                         : ((how & 2) ? v_[s].set(std::move(moved), v) : v_[s].set(k, v));
            finish(d, s, rvalue, std::move(r), std::move(m));
        } else {
            m.insert(k);
            P r =
                rvalue ? std::move(v_[s]).insert(std::move(moved)) : v_[s].insert(std::move(moved));
            finish(d, s, rvalue, std::move(r), std::move(m));
        }
    }

    void do_erase() {
        context::op = "erase";
        std::size_t d = var();
        const std::size_t s = var();
        const unsigned how = in_.byte();
        const bool rvalue = how & 1;
        d = target(d, s, how);
        const K k = key();
        model_t m = mv_[s];
        m.erase(k);
        P r = rvalue ? std::move(v_[s]).erase(k) : v_[s].erase(k);
        HFUZZ_CHECK(!r.contains(k));
        finish(d, s, rvalue, std::move(r), std::move(m));
    }

    // Maps: d = s.update(k, f), f called once with the old value (value-initialized when
    // absent; element types that have no default constructor get set instead). Sets: erase of
    // a key of s, if any.
    void do_update() {
        context::op = is_map ? "update" : "erase(present key)";
        std::size_t d = var();
        const std::size_t s = var();
        const unsigned how = in_.byte();
        const bool rvalue = how & 1;
        d = target(d, s, how);
        K k = key();
        model_t m = mv_[s];
        if constexpr (is_map) {
            if (m.size() >= max_size && !m.count(k)) return;
            auto now = value();
            if constexpr (std::is_default_constructible_v<V>) {
                const auto found = m.find(k);
                const V old = found == m.end() ? V{} : found->second;
                int calls = 0;
                auto f = [&](const V& o) {
                    ++calls;
                    HFUZZ_CHECK(o == old);
                    return now;
                };
                m.insert_or_assign(k, now);
                P r = rvalue ? std::move(v_[s]).update(k, f) : v_[s].update(k, f);
                HFUZZ_CHECK(calls == 1);
                finish(d, s, rvalue, std::move(r), std::move(m));
            } else {
                m.insert_or_assign(k, now);
                P r = rvalue ? std::move(v_[s]).set(k, now) : v_[s].set(k, now);
                finish(d, s, rvalue, std::move(r), std::move(m));
            }
        } else {
            if (!m.empty())
                k = *std::next(m.begin(), static_cast<std::ptrdiff_t>(raw(k) % m.size()));
            m.erase(k);
            P r = rvalue ? std::move(v_[s]).erase(k) : v_[s].erase(k);
            finish(d, s, rvalue, std::move(r), std::move(m));
        }
    }

    // d = s (copy, or s itself given up), then up to 15 && updates on d: the first copies the
    // path it shares, the rest change in place what d alone holds.
    void do_chain() {
        context::op = "chain of && updates";
        const std::size_t d = var(), s = var();
        const unsigned how = in_.byte();
        const unsigned n = how % 16;
        const bool take = how & 16;
        P cur = take ? std::move(v_[s]) : v_[s];
        model_t m = mv_[s];
        if (take) {
            mv_[s].clear();
            check_v_full(s);
        } else {
            HFUZZ_CHECK(same_root(cur, v_[s]) && cur == v_[s]);
        }
        for (unsigned j = 0; j < n; ++j) {
            const unsigned kind = in_.byte() % 3;
            const K k = key();
            if (kind == 2 || (m.size() >= max_size && !m.count(k))) {
                m.erase(k);
                cur = std::move(cur).erase(k);
            } else if (kind == 0) {
                value_type e = element(k);
                model_insert(m, e);
                cur = std::move(cur).insert(std::move(e));
            } else if constexpr (is_map) {
                auto v = value();
                m.insert_or_assign(k, v);
                cur = std::move(cur).set(k, v);
            } else {
                m.insert(k);
                cur = std::move(cur).insert(k);
            }
            HFUZZ_CHECK(cur.size() == m.size());
        }
        if (!take) check_v(s);
        v_[d] = std::move(cur);
        mv_[d] = std::move(m);
        check_v_full(d);
    }

    // d = s (copy assignment), d = P(s) (copy construction), or s = s.
    void do_copy() {
        context::op = "copy";
        const std::size_t d = var(), s = var();
        const unsigned how = in_.byte() % 3;
        if (how == 0) {
            P& r = (v_[d] = v_[s]);
            HFUZZ_CHECK(&r == &v_[d]);
        } else if (how == 1) {
            P copy(v_[s]);
            HFUZZ_CHECK(same_root(copy, v_[s]));
            v_[d] = copy;
        } else {
            P& self = v_[s];
            v_[s] = self;
        }
        if (how != 2) {
            mv_[d] = mv_[s];
            HFUZZ_CHECK(same_root(v_[d], v_[s]));
            HFUZZ_CHECK(v_[d] == v_[s]);
        }
        check_v(d);
        check_v(s);
    }

    // d = std::move(s), d = P(std::move(s)), or s = std::move(s): the source is left empty.
    void do_move() {
        context::op = "move";
        const std::size_t d = var(), s = var();
        const unsigned how = in_.byte() % 3;
        if (how == 2) {
            P& self = v_[s];
            v_[s] = std::move(self); // no change
            check_v_full(s);
            return;
        }
        if (how == 0) {
            P& r = (v_[d] = std::move(v_[s]));
            HFUZZ_CHECK(&r == &v_[d]);
        } else {
            P moved(std::move(v_[s]));
            v_[d] = std::move(moved);
        }
        if (d != s) {
            mv_[d] = std::move(mv_[s]);
            mv_[s].clear();
            check_v_full(s);
        }
        check_v_full(d);
    }

    // d is dropped for a fresh empty version with its own hasher and allocator.
    void do_drop() {
        context::op = "drop";
        const std::size_t d = var();
        const unsigned mode = in_.byte();
        const int alloc_id = in_.byte() & 1;
        v_[d] = P(make_hasher(mode), key_equal(), make_alloc(alloc_id));
        mv_[d].clear();
        check_v_full(d);
    }

    // Member swap, hamt::swap (ADL) and std::swap: versions swap everything, allocators too.
    void do_swap() {
        context::op = "swap";
        const std::size_t a = var(), b = var();
        const unsigned how = in_.byte() % 3;
        const allocator_type alloc_a = v_[a].get_allocator(), alloc_b = v_[b].get_allocator();
        if (how == 0) {
            v_[a].swap(v_[b]);
        } else if (how == 1) {
            using std::swap;
            swap(v_[a], v_[b]);
        } else if (a != b) {
            std::swap(v_[a], v_[b]);
        }
        if (a != b) {
            std::swap(mv_[a], mv_[b]);
            HFUZZ_CHECK(v_[a].get_allocator() == alloc_b);
            HFUZZ_CHECK(v_[b].get_allocator() == alloc_a);
        }
        check_v_full(a);
        check_v_full(b);
    }

    void do_compare() {
        context::op = "operator==";
        const std::size_t a = var(), b = var();
        const bool expect = mv_[a] == mv_[b];
        HFUZZ_CHECK((v_[a] == v_[b]) == expect);
        HFUZZ_CHECK((v_[b] == v_[a]) == expect);
        HFUZZ_CHECK((v_[a] != v_[b]) == !expect);
        if (same_root(v_[a], v_[b])) HFUZZ_CHECK(expect);
    }

    // hamt::diff of two versions against their models, then d = a op b: for sets union,
    // intersection, difference, symmetric difference; for maps set_union (a's value wins),
    // set_difference, merge_with and intersect_with (f called once per common key, here
    // returning b's value). The inputs must be intact afterwards; versions share nodes with
    // the result (node-by-node merge) whenever their allocators compare equal.
    void do_algebra() {
        context::op = "diff and set algebra";
        const std::size_t d = var(), a = var(), b = var();
        const unsigned how = in_.byte() % 4;
        const P& x = v_[a];
        const P& y = v_[b];
        const model_t& mx = mv_[a];
        const model_t& my = mv_[b];
        std::size_t added = 0, removed = 0, changed = 0;
        if constexpr (is_map) {
            hamt::diff(
                x, y,
                [&](const value_type& v) {
                    HFUZZ_CHECK(!mx.count(v.first) && my.count(v.first));
                    ++added;
                },
                [&](const value_type& v) {
                    HFUZZ_CHECK(mx.count(v.first) && !my.count(v.first));
                    ++removed;
                },
                [&](const value_type& o, const value_type& n) {
                    HFUZZ_CHECK(mx.count(o.first) && my.count(n.first));
                    HFUZZ_CHECK(mx.at(o.first) == o.second && my.at(n.first) == n.second);
                    HFUZZ_CHECK(!(o.second == n.second));
                    ++changed;
                });
        } else {
            hamt::diff(
                x, y,
                [&](const value_type& k) {
                    HFUZZ_CHECK(!mx.count(k) && my.count(k));
                    ++added;
                },
                [&](const value_type& k) {
                    HFUZZ_CHECK(mx.count(k) && !my.count(k));
                    ++removed;
                });
        }
        model_t m;
        std::size_t common = 0, differing = 0;
        for (const auto& e : mx) {
            const auto w = my.find(key_of(e));
            if (w == my.end()) continue;
            ++common;
            if constexpr (is_map) differing += !(w->second == e.second);
        }
        HFUZZ_CHECK(removed == mx.size() - common);
        HFUZZ_CHECK(added == my.size() - common);
        HFUZZ_CHECK(changed == differing);
        // The result's model: what it takes of a (with b's value for the common keys of
        // merge_with and intersect_with), then b's elements whose key a lacks.
        for (const auto& e : mx) {
            const auto w = my.find(key_of(e));
            const bool in_b = w != my.end();
            if constexpr (is_map) {
                if (in_b && how >= 2)
                    m.emplace(e.first, w->second);
                else if (how == 0 || (!in_b && how != 3))
                    m.insert(e);
            } else {
                if (how == 0 || (how == 1) == in_b) m.insert(e);
            }
        }
        const bool takes_b_only = is_map ? how == 0 || how == 2 : how == 0 || how == 3;
        if (takes_b_only)
            for (const auto& e : my)
                if (!mx.count(key_of(e))) m.insert(e);
        if (m.size() > max_size) return;
        P r;
        std::size_t calls = 0;
        if constexpr (is_map) {
            auto f = [&](const K& k, const V& av, const V& bv) {
                HFUZZ_CHECK(mx.count(k) && mx.at(k) == av && my.count(k) && my.at(k) == bv);
                ++calls;
                return bv;
            };
            if (how == 0) r = hamt::set_union(x, y);
            if (how == 1) r = hamt::set_difference(x, y);
            if (how == 2) r = hamt::merge_with(x, y, f);
            if (how == 3) r = hamt::intersect_with(x, y, f);
            HFUZZ_CHECK(calls == (how >= 2 ? common : 0));
        } else {
            if (how == 0) r = x | y;
            if (how == 1) r = x & y;
            if (how == 2) r = x - y;
            if (how == 3) r = x ^ y;
        }
        check_v(a);
        check_v(b);
        v_[d] = std::move(r);
        mv_[d] = std::move(m);
        check_v_full(d);
    }

    // find, contains, count, and at() for maps (throwing std::out_of_range when absent).
    void do_lookup() {
        context::op = "lookup";
        const std::size_t i = var();
        const K k = key();
        const P& c = v_[i];
        const bool present = mv_[i].count(k) != 0;
        HFUZZ_CHECK(c.contains(k) == present);
        HFUZZ_CHECK(c.count(k) == (present ? 1u : 0u));
        const_iterator it = c.find(k);
        if (present) {
            expect_at(c, mv_[i], it, k);
        } else {
            HFUZZ_CHECK(it == c.end());
        }
        if constexpr (is_map) {
            if (present) {
                HFUZZ_CHECK(c.at(k) == mv_[i].at(k));
            } else {
#if HAMT_HAS_EXCEPTIONS
                bool threw = false;
                try {
                    (void)c.at(k);
                } catch (const std::out_of_range&) {
                    threw = true;
                }
                HFUZZ_CHECK(threw);
#endif
            }
        }
    }

    // A full walk, post-increment, and an iterator at a position walking on like find's.
    void do_iterate() {
        context::op = "iterate";
        const std::size_t i = var();
        const std::size_t pos_arg = in_.u16();
        const P& c = v_[i];
        std::size_t n = 0;
        for (auto it = c.cbegin(); it != c.cend(); it++)
            ++n;
        HFUZZ_CHECK(n == mv_[i].size());
        if (n == 0) {
            HFUZZ_CHECK(c.begin() == c.end());
            return;
        }
        auto it = std::next(c.begin(), static_cast<std::ptrdiff_t>(pos_arg % n));
        auto found = c.find(key_of(*it));
        HFUZZ_CHECK(found == it);
        for (; it != c.end(); ++it, ++found)
            HFUZZ_CHECK(found == it);
        HFUZZ_CHECK(found == c.end());
        check_v_full(i);
    }

    // d = P(first, last, d's hasher, equal, allocator) over keys start + j * stride, every third
    // one given twice (the first element of a key wins, as insert).
    void do_construct_range() {
        context::op = "construct from a range";
        const std::size_t d = var();
        const std::uint64_t start = in_.u16();
        const std::uint64_t stride = 1 + in_.byte();
        const std::size_t n = in_.byte() % 65;
        std::vector<value_type> values;
        for (std::size_t j = 0; j < n; ++j) {
            values.push_back(element(key_from(start + j * stride)));
            if (j % 3 == 0) values.push_back(element(key_from(start + j * stride)));
        }
        model_t m;
        for (const value_type& v : values)
            model_insert(m, v);
        v_[d] = P(values.begin(), values.end(), v_[d].hash_function(), key_equal(),
                  v_[d].get_allocator());
        mv_[d] = std::move(m);
        check_v_full(d);
    }

    // Transient t opened on version s: by copy (s keeps its contents), or by taking s.
    void do_transient() {
        context::op = "transient()";
        const std::size_t t = tvar(), s = var();
        const bool take = in_.byte() & 1;
        if (take) {
            t_[t] = std::make_unique<T>(std::move(v_[s]).transient());
            mt_[t] = std::move(mv_[s]);
            mv_[s].clear();
            check_v_full(s);
        } else {
            t_[t] = std::make_unique<T>(v_[s].transient());
            mt_[t] = mv_[s];
            check_v(s);
        }
        check_t_full(t);
    }

    // insert(const&), insert(&&), insert(hint, ...), emplace, emplace_hint; maps also the
    // insert(P&&) template with a std::pair<K, V>.
    void do_t_insert() {
        context::op = "transient insert";
        const std::size_t i = tvar();
        const unsigned how = in_.byte() % 6;
        const K k = key();
        if (mt_[i].size() >= max_size && !mt_[i].count(k)) return;
        T& c = *t_[i];
        value_type v = element(k);
        const bool expect = model_insert(mt_[i], v);
        std::pair<titerator, bool> r;
        switch (how) {
        case 0:
            r = c.insert(std::as_const(v));
            break;
        case 1:
            r = c.insert(std::move(v));
            break;
        case 2:
            r = {c.insert(c.cbegin(), std::as_const(v)), expect};
            break;
        case 3:
            r = c.emplace(std::as_const(v));
            break;
        case 4:
            r = {c.emplace_hint(c.cend(), std::as_const(v)), expect};
            break;
        default:
            if constexpr (is_map) {
                std::pair<K, V> p(v.first, v.second);
                r = c.insert(std::move(p));
            } else {
                // Not a key_type: the element is constructed aside, then moved in.
                r = c.emplace(element_traits<K>::arg(k));
            }
            break;
        }
        HFUZZ_CHECK(r.second == expect);
        expect_at(c, mt_[i], r.first, k);
        check_suffix(i, r.first);
        check_t(i);
    }

    // Maps: try_emplace (const& or && key), insert_or_assign, operator[] (write or read),
    // at() = v on a present key. Sets: erase by iterator from find (or nothing).
    void do_t_keyed() {
        context::op = is_map ? "transient try_emplace / insert_or_assign / [] / at"
                             : "transient erase(find(k))";
        const std::size_t i = tvar();
        const unsigned how = in_.byte() % 6;
        const K k = key();
        T& c = *t_[i];
        model_t& m = mt_[i];
        if constexpr (is_map) {
            if (m.size() >= max_size && !m.count(k)) return;
            auto v = value();
            switch (how) {
            case 0: {
                const bool expect = m.emplace(k, v).second;
                auto r = c.try_emplace(k, v);
                HFUZZ_CHECK(r.second == expect);
                expect_at(c, m, r.first, k);
                check_suffix(i, r.first);
                break;
            }
            case 1: {
                const bool expect = m.emplace(k, v).second;
                K moved = k;
                auto r = c.try_emplace(std::move(moved), v);
                HFUZZ_CHECK(r.second == expect);
                expect_at(c, m, r.first, k);
                break;
            }
            case 2: {
                const bool expect = m.insert_or_assign(k, v).second;
                auto r = c.insert_or_assign(k, v);
                HFUZZ_CHECK(r.second == expect);
                expect_at(c, m, r.first, k);
                check_suffix(i, r.first);
                break;
            }
            case 3:
                if constexpr (std::is_default_constructible_v<V>) {
                    c[K(k)] = v;
                    m[k] = v;
                }
                break;
            case 4:
                if constexpr (std::is_default_constructible_v<V>) {
                    const V got = c[k];
                    HFUZZ_CHECK(got == m[k]);
                }
                break;
            default: {
                auto e = m.find(k);
                if (e == m.end()) return;
                c.at(k) = v;
                e->second = v;
                break;
            }
            }
            if (m.count(k)) expect_at(c, m, c.find(k), k);
        } else {
            (void)how;
            auto it = c.find(k);
            if (it == c.end()) {
                HFUZZ_CHECK(!m.count(k));
                return;
            }
            c.erase(it);
            m.erase(k);
            HFUZZ_CHECK(!c.contains(k));
        }
        check_t(i);
    }

    void do_t_erase_key() {
        context::op = "transient erase(key)";
        const std::size_t i = tvar();
        const K k = key();
        const std::size_t expect = mt_[i].erase(k);
        HFUZZ_CHECK(t_[i]->erase(k) == expect);
        HFUZZ_CHECK(!t_[i]->contains(k));
        check_t(i);
    }

    // erase(iterator) at a found key or a position: returns the iterator to the element that
    // followed, even when the path had to be copied first.
    void do_t_erase_iterator() {
        context::op = "transient erase(iterator)";
        const std::size_t i = tvar();
        T& c = *t_[i];
        const bool by_key = in_.byte() & 1;
        const std::size_t pos_arg = in_.u16();
        const K k = key();
        if (c.empty()) return;
        const std::vector<K> order = keys_in_order(i);
        std::size_t p = pos_arg % order.size();
        if (by_key && mt_[i].count(k)) {
            p = static_cast<std::size_t>(std::find(order.begin(), order.end(), k) - order.begin());
            HFUZZ_CHECK(p < order.size());
        }
        titerator it = by_key && mt_[i].count(k)
                           ? c.find(k)
                           : std::next(c.begin(), static_cast<std::ptrdiff_t>(p));
        HFUZZ_CHECK(key_of(*it) == order[p]);
        mt_[i].erase(order[p]);
        titerator next = c.erase(it);
        HFUZZ_CHECK(c.size() == mt_[i].size());
        HFUZZ_CHECK(!c.contains(order[p]));
        if (p + 1 < order.size()) {
            HFUZZ_CHECK(next != c.end());
            HFUZZ_CHECK(key_of(*next) == order[p + 1]);
        } else {
            HFUZZ_CHECK(next == c.end());
        }
        check_rest(i, next,
                   std::vector<K>(order.begin() + static_cast<std::ptrdiff_t>(p) + 1, order.end()));
        check_t(i);
    }

    // The erase-while-iterating loop over a transient whose nodes may be shared with versions.
    void do_t_erase_loop() {
        context::op = "transient erase-while-iterating";
        const std::size_t i = tvar();
        const unsigned pattern = in_.byte();
        const unsigned period = 1 + in_.byte() % 9;
        T& c = *t_[i];
        std::unordered_set<K, model_hash<K>> visited;
        std::size_t n = 0;
        for (auto it = c.begin(); it != c.end(); ++n) {
            const K k = key_of(*it);
            HFUZZ_CHECK(visited.insert(k).second);
            expect_at(c, mt_[i], it, k);
            if ((pattern >> (n % period % 8)) & 1) {
                mt_[i].erase(k);
                it = c.erase(it);
                HFUZZ_CHECK(!c.contains(k));
            } else {
                ++it;
            }
        }
        HFUZZ_CHECK(visited.size() == n);
        for (const auto& e : mt_[i])
            HFUZZ_CHECK(visited.count(key_of(e)) == 1);
        check_t(i);
    }

    // erase(first, last) over positions [a, b) of the iteration order.
    void do_t_erase_range() {
        context::op = "transient erase(first, last)";
        const std::size_t i = tvar();
        T& c = *t_[i];
        const std::size_t a_arg = in_.u16(), b_arg = in_.u16();
        const std::vector<K> order = keys_in_order(i);
        const std::size_t a = a_arg % (order.size() + 1);
        const std::size_t b = a + b_arg % (order.size() - a + 1);
        auto first = std::next(c.cbegin(), static_cast<std::ptrdiff_t>(a));
        auto last = std::next(c.cbegin(), static_cast<std::ptrdiff_t>(b));
        for (std::size_t j = a; j < b; ++j)
            mt_[i].erase(order[j]);
        titerator next = c.erase(first, last);
        HFUZZ_CHECK(c.size() == mt_[i].size());
        for (std::size_t j = a; j < b; ++j)
            HFUZZ_CHECK(!c.contains(order[j]));
        if (b < order.size()) {
            HFUZZ_CHECK(next != c.end());
            HFUZZ_CHECK(key_of(*next) == order[b]);
        } else {
            HFUZZ_CHECK(next == c.end());
        }
        check_rest(i, next,
                   std::vector<K>(order.begin() + static_cast<std::ptrdiff_t>(b), order.end()));
        check_t(i);
    }

    void do_t_clear() {
        context::op = "transient clear";
        const std::size_t i = tvar();
        t_[i]->clear();
        mt_[i].clear();
        HFUZZ_CHECK(t_[i]->begin() == t_[i]->end());
        check_t_full(i);
    }

    // d = t.persistent() (t goes on: its later changes must not reach d) or
    // std::move(t).persistent() (t left empty).
    void do_persistent() {
        context::op = "persistent()";
        const std::size_t d = var(), t = tvar();
        const bool take = in_.byte() & 1;
        if (take) {
            v_[d] = std::move(*t_[t]).persistent();
            mv_[d] = std::move(mt_[t]);
            mt_[t].clear();
        } else {
            v_[d] = t_[t]->persistent();
            mv_[d] = mt_[t];
        }
        check_t_full(t);
        check_v_full(d);
    }

    // Transient move assignment (allocators as hamt::map's: elements copied out of shared
    // nodes when they differ and do not propagate), move construction, member and hamt::swap
    // (swap needs equal or propagating allocators, as for the std containers).
    void do_t_move() {
        context::op = "transient move / swap";
        const std::size_t a = tvar(), b = tvar();
        const unsigned how = in_.byte() % 4;
        if (how == 0) {
            T& r = (*t_[a] = std::move(*t_[b])); // self-move-assignment when a == b: no change
            HFUZZ_CHECK(&r == t_[a].get());
            if (a != b) {
                mt_[a] = std::move(mt_[b]);
                mt_[b].clear();
            }
        } else if (how == 1) {
            auto moved = std::make_unique<T>(std::move(*t_[b]));
            model_t m = std::move(mt_[b]);
            mt_[b].clear();
            check_t_full(b);
            t_[a] = std::move(moved);
            mt_[a] = std::move(m);
        } else {
            constexpr bool pocs =
                std::allocator_traits<allocator_type>::propagate_on_container_swap::value;
            if (!pocs && t_[a]->get_allocator() != t_[b]->get_allocator()) return;
            if (how == 2) {
                t_[a]->swap(*t_[b]);
            } else {
                using std::swap;
                swap(*t_[a], *t_[b]);
            }
            if (a != b) std::swap(mt_[a], mt_[b]);
        }
        check_t_full(a);
        check_t_full(b);
    }

    // Lookups on a transient, and the walk on from find's iterator.
    void do_t_lookup() {
        context::op = "transient lookup";
        const std::size_t i = tvar();
        const K k = key();
        const T& c = *t_[i];
        const bool present = mt_[i].count(k) != 0;
        HFUZZ_CHECK(c.contains(k) == present);
        HFUZZ_CHECK(c.count(k) == (present ? 1u : 0u));
        auto it = c.find(k);
        auto range = c.equal_range(k);
        HFUZZ_CHECK(range.first == it);
        if (present) {
            expect_at(c, mt_[i], it, k);
            HFUZZ_CHECK(std::distance(range.first, range.second) == 1);
            check_suffix(i, it);
            if constexpr (is_map) HFUZZ_CHECK(c.at(k) == mt_[i].at(k));
        } else {
            HFUZZ_CHECK(it == c.end() && range.second == c.end());
        }
    }

    // Updates that change nothing (insert of a present key, erase of an absent one, by & and
    // by &&) allocate nothing and give a version sharing the original's root.
    void do_noop_update() {
        context::op = "update that changes nothing";
        const std::size_t i = var();
        const K k = key();
        const unsigned how = in_.byte() % 4;
        const model_t& m = mv_[i];
        const std::size_t live = ledger::live().size();
        if (how < 2) {
            if (m.empty()) return;
            const K present =
                key_of(*std::next(m.begin(), static_cast<std::ptrdiff_t>(raw(k) % m.size())));
            value_type e = element(present);
            if (how == 0) {
                P r = v_[i].insert(e);
                HFUZZ_CHECK(same_root(r, v_[i]));
            } else {
                P keep = v_[i];
                P r = std::move(v_[i]).insert(e);
                HFUZZ_CHECK(same_root(r, keep));
                v_[i] = std::move(r);
            }
        } else {
            if (m.count(k)) return;
            if (how == 2) {
                P r = v_[i].erase(k);
                HFUZZ_CHECK(same_root(r, v_[i]));
            } else {
                P keep = v_[i];
                P r = std::move(v_[i]).erase(k);
                HFUZZ_CHECK(same_root(r, keep));
                v_[i] = std::move(r);
            }
        }
        HFUZZ_CHECK(ledger::live().size() == live);
        check_v(i);
    }

    // transient == transient (container_base's ==), and t.persistent() == version.
    void do_t_compare() {
        context::op = "transient ==";
        const std::size_t t = tvar(), v = var();
        const std::size_t other = 1 - t;
        HFUZZ_CHECK((*t_[t] == *t_[other]) == (mt_[t] == mt_[other]));
        HFUZZ_CHECK((*t_[t] != *t_[other]) == !(mt_[t] == mt_[other]));
        const P snapshot = t_[t]->persistent();
        HFUZZ_CHECK((snapshot == v_[v]) == (mt_[t] == mv_[v]));
    }

    reader& in_;
    P v_[versions];
    model_t mv_[versions];
    std::unique_ptr<T> t_[transients];
    model_t mt_[transients];
    std::uint64_t counter_ = 0;
    mutable std::vector<const value_type*> order_; // check_suffix's scratch
};

} // namespace hfuzz

namespace {

using i64 = std::int64_t;
using hfuzz::fuzz_alloc;
using hfuzz::fuzz_hash;
using hfuzz::pdriver;
using hfuzz::run;
using hfuzz::tracked;

// Persistent containers with the input-chosen hasher and an allocator with ids. (Versions take
// their source's allocator whole, propagating or not; transients follow hamt::map's rules.)
template <class K, class V, unsigned Bits, bool Propagate, class Policy = hamt::thread_safe>
using pmap = hamt::persistent_map<K, V, fuzz_hash<K>, std::equal_to<K>,
                                  fuzz_alloc<std::pair<const K, V>, Propagate>, Policy, Bits>;
template <class K, unsigned Bits, bool Propagate, class Policy = hamt::thread_safe>
using pset =
    hamt::persistent_set<K, fuzz_hash<K>, std::equal_to<K>, fuzz_alloc<K, Propagate>, Policy, Bits>;

// Appending keeps the meaning of committed inputs; reordering or removing changes it. (Nine
// variants: each costs about 8 s of compile time in every build that has the replay test.)
const hfuzz::variant variants[] = {
    {run<hamt::persistent_map<i64, i64>, pdriver>,
     "persistent_map<int64, int64> (hamt::hash, std::allocator, B=5)"},
    {run<pmap<i64, i64, 5, false>, pdriver>, "persistent_map<int64, int64> B=5"},
    {run<pmap<i64, i64, 2, true>, pdriver>,
     "persistent_map<int64, int64> B=2, propagating allocator"},
    {run<pmap<i64, i64, 6, false, hamt::single_thread>, pdriver>,
     "persistent_map<int64, int64> B=6, single_thread"},
    {run<pmap<std::string, std::string, 3, true>, pdriver>,
     "persistent_map<string, string> B=3, propagating allocator"},
    {run<pmap<i64, tracked, 4, false>, pdriver>,
     "persistent_map<int64, tracked (copy-rebuilt)> B=4"},
    {run<pset<i64, 5, true>, pdriver>, "persistent_set<int64> B=5, propagating allocator"},
    {run<hamt::persistent_set<i64, std::hash<i64>, std::equal_to<i64>, std::allocator<i64>,
                              hamt::thread_safe, 1>,
         pdriver>,
     "persistent_set<int64> (std::hash mixed, B=1)"},
    {run<pset<tracked, 4, false, hamt::single_thread>, pdriver>,
     "persistent_set<tracked (copy-rebuilt)> B=4, single_thread"},
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    hfuzz::run_variant(variants, data, size);
    return 0;
}
