// Shared machinery of the hamt fuzz targets (fuzz_map.cpp, fuzz_set.cpp, and the reader,
// elements, hashers, allocator and dispatch for fuzz_persistent.cpp): the input reader,
// the hashers, allocator and element type the variants are instantiated with, and the driver
// that runs an input as a program of operations over several containers, each checked against
// a std::unordered_map / std::unordered_set model.
//
// Input format (every read past the end yields 0, so any byte string is a valid program):
//   byte 0              variant (which container type; see the target's variant table)
//   per variable        hasher mode (hash_mode below), allocator id (low bit)
//   then, until the input ends: an opcode byte and the operation's arguments (driver::step).
//
// Any mismatch prints what went wrong and calls std::abort(), which libFuzzer records as a
// crash and which fails the replay test. Builds with or without exceptions (without, at() on a
// missing key is not tried, and a broken invariant aborts inside check_invariants).
#pragma once

#include <hamt/debug.hpp>
#include <hamt/map.hpp>
#include <hamt/set.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace hfuzz {

// ---------------------------------------------------------------------------------------------
// Failure reporting

struct context {
    static inline const char* variant = "?";
    static inline const char* op = "setup";
    static inline long op_index = -1;
};

[[noreturn]] inline void fail(const char* file, int line, const char* what) {
    std::fprintf(stderr, "\nhamt fuzz: CHECK FAILED at %s:%d: %s\n  variant %s, op #%ld (%s)\n",
                 file, line, what, context::variant, context::op_index, context::op);
    std::fflush(stderr);
    std::abort();
}

#define HFUZZ_CHECK(...)                                                                           \
    do {                                                                                           \
        if (!(__VA_ARGS__)) ::hfuzz::fail(__FILE__, __LINE__, #__VA_ARGS__);                       \
    } while (false)

// ---------------------------------------------------------------------------------------------
// Input

class reader {
public:
    reader(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
    bool empty() const { return n_ == 0; }
    std::uint8_t byte() {
        if (n_ == 0) return 0;
        --n_;
        return *p_++;
    }
    std::uint16_t u16() {
        const unsigned lo = byte();
        return static_cast<std::uint16_t>(lo | (unsigned(byte()) << 8));
    }

private:
    const std::uint8_t* p_;
    std::size_t n_;
};

// ---------------------------------------------------------------------------------------------
// tracked: an element whose move constructor may throw but which can be copied, so hamt
// rebuilds nodes by copying (element_ops::copy_to_rebuild). It checks that it is never used
// after destruction or relocated by copying bytes (self pointer), and counts live objects.

class tracked {
public:
    static inline long live = 0;

    explicit tracked(std::int64_t v) : v_(v), self_(this) { ++live; }
    tracked(const tracked& o) : v_(o.get()), self_(this) { ++live; }
    tracked(tracked&& o) noexcept(false) : v_(o.get()), self_(this) { ++live; }
    tracked& operator=(const tracked& o) {
        check();
        v_ = o.get();
        return *this;
    }
    tracked& operator=(tracked&& o) noexcept(false) {
        check();
        v_ = o.get();
        return *this;
    }
    ~tracked() {
        check();
        magic_ = dead;
        --live;
    }
    std::int64_t get() const {
        check();
        return v_;
    }
    friend bool operator==(const tracked& a, const tracked& b) { return a.get() == b.get(); }
    friend bool operator!=(const tracked& a, const tracked& b) { return !(a == b); }

private:
    static constexpr std::uint32_t alive = 0xA11FEu, dead = 0xDEADu;
    void check() const {
        HFUZZ_CHECK(magic_ == alive); // used after destruction (or never constructed)
        HFUZZ_CHECK(self_ == this);   // relocated by copying bytes
    }
    std::int64_t v_;
    const tracked* self_;
    std::uint32_t magic_ = alive;
};

// ---------------------------------------------------------------------------------------------
// Keys and values made from small integers. Strings longer than the SSO buffer live on the heap,
// so AddressSanitizer sees a string relocated wrongly.

template <class T>
struct element_traits;

template <>
struct element_traits<std::int64_t> {
    static std::int64_t make(std::uint64_t n) { return static_cast<std::int64_t>(n); }
    static std::uint64_t raw(std::int64_t k) { return static_cast<std::uint64_t>(k); }
    static std::uint64_t full_hash(std::int64_t k) { return hamt::hash<std::int64_t>{}(k); }
    // An argument of another type that constructs the key (emplace's construct-aside path).
    static std::uint64_t arg(std::int64_t k) { return static_cast<std::uint64_t>(k); }
};

template <>
struct element_traits<std::string> {
    static std::string make(std::uint64_t n) {
        // Every third one is long (heap allocated); the number is always the trailing digits.
        if (n % 3 == 1) return "a-key-long-enough-to-live-on-the-heap-" + std::to_string(n);
        return "k" + std::to_string(n);
    }
    static std::uint64_t raw(const std::string& s) {
        std::uint64_t n = 0, scale = 1;
        for (std::size_t i = s.size(); i-- > 0 && s[i] >= '0' && s[i] <= '9'; scale *= 10)
            n += static_cast<std::uint64_t>(s[i] - '0') * scale;
        return n;
    }
    static std::uint64_t full_hash(const std::string& s) { return hamt::hash<std::string>{}(s); }
    static const char* arg(const std::string& s) { return s.c_str(); }
};

template <>
struct element_traits<tracked> {
    static tracked make(std::uint64_t n) { return tracked(static_cast<std::int64_t>(n)); }
    static std::uint64_t raw(const tracked& t) { return static_cast<std::uint64_t>(t.get()); }
    static std::uint64_t full_hash(const tracked& t) { return hamt::hash<std::int64_t>{}(t.get()); }
    static std::int64_t arg(const tracked& t) { return t.get(); }
};

// The models' hasher (std::hash has no specialisation for tracked).
template <class K>
struct model_hash {
    std::size_t operator()(const K& k) const {
        return static_cast<std::size_t>(element_traits<K>::full_hash(k));
    }
};

// A key from one input byte: mostly 0..191, the rest spread over the high bits (negative
// numbers included), so that identity-like hashers see more than the low fragments.
inline std::uint64_t key_number(std::uint8_t b) {
    if (b < 192) return b;
    return (std::uint64_t(b - 192) << 58) | (b & 3u);
}

// ---------------------------------------------------------------------------------------------
// Hasher with a mode chosen by the input, declared avalanching so hamt uses its value as is:
// full (hamt::hash), few low bits, constant (every key in one collision node), only the top
// bits (long chains of single-child nodes down to the last levels), identity, shifted
// (zero low fragments, then divergence), and sparse bits.

enum hash_mode : unsigned {
    full,
    low4,
    constant,
    high4,
    identity,
    shifted,
    sparse,
    hash_mode_count
};

template <class K>
struct fuzz_hash {
    using is_avalanching = void;
    unsigned mode = full;

    fuzz_hash() = default;
    explicit fuzz_hash(unsigned m) : mode(m % hash_mode_count) {}

    std::uint64_t operator()(const K& k) const {
        using t = element_traits<K>;
        switch (mode) {
        case low4:
            return t::raw(k) & 0xF;
        case constant:
            return UINT64_C(0xC0FFEE1234567891);
        case high4:
            return t::full_hash(k) & UINT64_C(0xF000000000000000);
        case identity:
            return t::raw(k);
        case shifted:
            return t::raw(k) << 40;
        case sparse:
            return t::full_hash(k) & UINT64_C(0x8421084210842108);
        default:
            return t::full_hash(k);
        }
    }
};

// ---------------------------------------------------------------------------------------------
// Allocator with an id: instances with different ids are unequal, and every deallocation must
// go to an allocator equal to the one that allocated, with the same size. Propagate says
// whether it follows the container on copy assignment, move assignment and swap.

struct ledger {
    struct record {
        int id;
        std::size_t bytes;
    };
    static std::unordered_map<const void*, record>& live() {
        static std::unordered_map<const void*, record> m;
        return m;
    }
};

template <class T, bool Propagate>
struct fuzz_alloc {
    using value_type = T;
    using propagate_on_container_copy_assignment = std::integral_constant<bool, Propagate>;
    using propagate_on_container_move_assignment = std::integral_constant<bool, Propagate>;
    using propagate_on_container_swap = std::integral_constant<bool, Propagate>;
    using is_always_equal = std::false_type;
    template <class U>
    struct rebind {
        using other = fuzz_alloc<U, Propagate>;
    };

    int id = 0;

    fuzz_alloc() = default;
    explicit fuzz_alloc(int i) : id(i) {}
    template <class U>
    fuzz_alloc(const fuzz_alloc<U, Propagate>& o) noexcept : id(o.id) {}

    T* allocate(std::size_t n) {
        T* p = std::allocator<T>{}.allocate(n);
        const bool fresh = ledger::live().emplace(p, ledger::record{id, n * sizeof(T)}).second;
        HFUZZ_CHECK(fresh);
        return p;
    }
    void deallocate(T* p, std::size_t n) {
        auto it = ledger::live().find(p);
        HFUZZ_CHECK(it != ledger::live().end());        // not allocated, or freed twice
        HFUZZ_CHECK(it->second.id == id);               // freed through an unequal allocator
        HFUZZ_CHECK(it->second.bytes == n * sizeof(T)); // freed with another size
        ledger::live().erase(it);
        std::allocator<T>{}.deallocate(p, n);
    }

    template <class U>
    friend bool operator==(const fuzz_alloc& a, const fuzz_alloc<U, Propagate>& b) {
        return a.id == b.id;
    }
    template <class U>
    friend bool operator!=(const fuzz_alloc& a, const fuzz_alloc<U, Propagate>& b) {
        return a.id != b.id;
    }
};

// ---------------------------------------------------------------------------------------------
// The driver

template <class C>
struct is_map_container {
    template <class X>
    static std::true_type test(typename X::mapped_type*);
    template <class X>
    static std::false_type test(...);
    static constexpr bool value = decltype(test<C>(nullptr))::value;
};

template <class C, bool IsMap = is_map_container<C>::value>
struct container_traits {
    using key_type = typename C::key_type;
    using mapped_type = void;
    using model_type = std::unordered_set<key_type, model_hash<key_type>>;
};
template <class C>
struct container_traits<C, true> {
    using key_type = typename C::key_type;
    using mapped_type = typename C::mapped_type;
    using model_type = std::unordered_map<key_type, mapped_type, model_hash<key_type>>;
};

template <class C>
class driver {
public:
    static constexpr bool is_map = is_map_container<C>::value;
    static constexpr std::size_t vars = 3;
    using K = typename C::key_type;
    using V = typename container_traits<C>::mapped_type;
    using model_t = typename container_traits<C>::model_type;
    using value_type = typename C::value_type;
    using hasher = typename C::hasher;
    using allocator_type = typename C::allocator_type;
    using iterator = typename C::iterator;
    using const_iterator = typename C::const_iterator;

    // Containers larger than `big` are fully checked after every 8th operation only (and at the
    // end); none grows past `max_size` (one collision node of that many keys costs O(n^2) to
    // check, which would otherwise hit libFuzzer's timeout).
    static constexpr std::size_t big = 128;
    static constexpr std::size_t max_size = 1024;

    explicit driver(reader& in) : in_(in) {
        for (std::size_t i = 0; i < vars; ++i) {
            const unsigned mode = in_.byte();
            const int alloc_id = in_.byte() & 1;
            c_[i] = std::make_unique<C>(0, make_hasher(mode), typename C::key_equal(),
                                        make_alloc(alloc_id));
        }
    }

    void run() {
        long index = 0;
        static const bool trace = std::getenv("HFUZZ_TRACE") != nullptr;
        while (!in_.empty()) {
            context::op_index = index;
            step();
            if (trace) {
                std::fprintf(stderr, "op #%ld %-40s sizes", index, context::op);
                for (std::size_t i = 0; i < vars; ++i)
                    std::fprintf(stderr, " %zu", m_[i].size());
                std::fprintf(stderr, "\n");
            }
            ++index;
        }
        context::op = "final check";
        for (std::size_t i = 0; i < vars; ++i)
            check_full(i);
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
    std::size_t var() { return in_.byte() % vars; }

    auto value() {
        if constexpr (is_map)
            return element_traits<V>::make(1000 + counter_++);
        else
            return 0;
    }
    // A value_type for key k (a fresh mapped value for maps).
    value_type element(const K& k) {
        if constexpr (is_map)
            return value_type(k, value());
        else
            return k;
    }

    // Also reads the models' elements: they have the containers' value_type.
    static_assert(std::is_same_v<typename model_t::value_type, value_type>);
    static const K& key_of(const value_type& v) {
        if constexpr (is_map)
            return v.first;
        else
            return v;
    }
    static std::uint64_t raw(const K& k) { return element_traits<K>::raw(k); }

    // ---- checks -----------------------------------------------------------------------------

    // The element at `it` has key k and, for maps, the model's value for it.
    void expect_at(std::size_t i, const_iterator it, const K& k) const {
        HFUZZ_CHECK(it != c_[i]->cend());
        HFUZZ_CHECK(key_of(*it) == k);
        if constexpr (is_map) {
            auto m = m_[i].find(k);
            HFUZZ_CHECK(m != m_[i].end());
            HFUZZ_CHECK(it->second == m->second);
        }
    }

    // Size consistency, after every operation.
    void check_size(std::size_t i) const {
        HFUZZ_CHECK(c_[i]->size() == m_[i].size());
        HFUZZ_CHECK(c_[i]->empty() == m_[i].empty());
    }

    // Invariants, iteration and lookups against the model. Iteration must visit as many
    // elements as the model holds, each in the model, and the same multiset of keys (a sum of
    // key hashes, cheaper than a set, catches a key visited twice in place of another).
    void check_full(std::size_t i) const {
        const C& c = *c_[i];
        const model_t& m = m_[i];
        check_size(i);
#if HAMT_HAS_EXCEPTIONS
        try {
            hamt::debug::check_invariants(c);
        } catch (const hamt::debug::invariant_error& e) {
            std::fprintf(stderr, "hamt fuzz: variable %zu: %s\n", i, e.what());
            fail(__FILE__, __LINE__, "check_invariants");
        }
#else
        hamt::debug::check_invariants(c); // prints the violation and aborts
#endif
        std::size_t n = 0;
        std::uint64_t visited_sum = 0, model_sum = 0;
        for (auto it = c.begin(); it != c.end(); ++it) {
            ++n;
            HFUZZ_CHECK(n <= m.size());
            visited_sum += hamt::mix64(model_hash<K>{}(key_of(*it)));
            expect_at(i, it, key_of(*it));
        }
        HFUZZ_CHECK(n == m.size());
        for (const auto& e : m) {
            const K& k = key_of(e);
            model_sum += hamt::mix64(model_hash<K>{}(k));
            expect_at(i, c.find(k), k);
            HFUZZ_CHECK(c.contains(k));
        }
        HFUZZ_CHECK(visited_sum == model_sum); // some key visited twice, another never
    }
    void check(std::size_t i) const {
        check_size(i);
        if (m_[i].size() <= big || context::op_index % 8 == 0) check_full(i);
    }

    // `it` is an iterator of c_[i] that a lookup or insert returned: walking from it visits
    // exactly the elements that follow it in a walk from begin().
    void check_suffix(std::size_t i, const_iterator it) const {
        const C& c = *c_[i];
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

    // The keys of c_[i] in iteration order.
    std::vector<K> keys_in_order(std::size_t i) const {
        std::vector<K> keys;
        for (const value_type& v : *c_[i])
            keys.push_back(key_of(v));
        return keys;
    }

    // Walking from `next` visits exactly the keys of `expected` (any order), each once.
    void check_rest(std::size_t i, const_iterator next, const std::vector<K>& expected) const {
        std::unordered_set<K, model_hash<K>> want(expected.begin(), expected.end());
        std::size_t n = 0;
        for (; next != c_[i]->cend(); ++next) {
            HFUZZ_CHECK(++n <= expected.size());
            HFUZZ_CHECK(want.erase(key_of(*next)) == 1);
            expect_at(i, next, key_of(*next));
        }
        HFUZZ_CHECK(want.empty());
    }

    // Inserts into the model as the container should have: returns whether it inserted.
    bool model_insert(std::size_t i, const value_type& v) {
        if constexpr (is_map)
            return m_[i].emplace(v.first, v.second).second;
        else
            return m_[i].insert(v).second;
    }

    // The result of an insertion of key k into c_[i]: inserted must equal `expect_inserted`, and
    // the iterator must be at k with the model's value and walk on correctly.
    void check_insert(std::size_t i, const std::pair<iterator, bool>& r, const K& k,
                      bool expect_inserted) {
        HFUZZ_CHECK(r.second == expect_inserted);
        expect_at(i, r.first, k);
        check_suffix(i, r.first);
    }

    bool can_grow(std::size_t i) const {
        return m_[i].size() < max_size;
    }

    // ---- operations -------------------------------------------------------------------------

    enum op_code : unsigned {
        op_insert,
        op_emplace,
        op_erase_key,
        op_erase_iterator,
        op_erase_loop,
        op_erase_range,
        op_lookup,
        op_copy_construct,
        op_copy_assign,
        op_move_construct,
        op_move_assign,
        op_clear,
        op_merge,
        op_swap,
        op_iterate,
        op_bulk_insert,
        op_reserve,
        op_compare,
        op_erase_if,
        op_stable_iterators,
        op_check_all,
        op_try_emplace,
        op_insert_or_assign,
        op_subscript,
        op_assign_through_iterator,
        op_count_
    };
    static constexpr unsigned op_count = is_map ? op_count_ : op_try_emplace;

    void step() {
        const unsigned op = in_.byte() % op_count;
        switch (op) {
        case op_insert:
            return do_insert();
        case op_emplace:
            return do_emplace();
        case op_erase_key:
            return do_erase_key();
        case op_erase_iterator:
            return do_erase_iterator();
        case op_erase_loop:
            return do_erase_loop();
        case op_erase_range:
            return do_erase_range();
        case op_lookup:
            return do_lookup();
        case op_copy_construct:
            return do_copy_construct();
        case op_copy_assign:
            return do_copy_assign();
        case op_move_construct:
            return do_move_construct();
        case op_move_assign:
            return do_move_assign();
        case op_clear:
            return do_clear();
        case op_merge:
            return do_merge();
        case op_swap:
            return do_swap();
        case op_iterate:
            return do_iterate();
        case op_bulk_insert:
            return do_bulk_insert();
        case op_reserve:
            return do_reserve();
        case op_compare:
            return do_compare();
        case op_erase_if:
            return do_erase_if();
        case op_stable_iterators:
            return do_stable_iterators();
        case op_check_all:
            return do_check_all();
        default:
            break;
        }
        if constexpr (is_map) {
            switch (op) {
            case op_try_emplace:
                return do_try_emplace();
            case op_insert_or_assign:
                return do_insert_or_assign();
            case op_subscript:
                return do_subscript();
            case op_assign_through_iterator:
                return do_assign_through_iterator();
            default:
                break;
            }
        }
    }

    // insert(const value_type&), insert(value_type&&), insert(hint, ...), and for maps the
    // insert(P&&) template with a std::pair<K, V>.
    void do_insert() {
        context::op = "insert";
        const std::size_t i = var();
        const unsigned how = in_.byte() % 5;
        const K k = key();
        if (!can_grow(i) && !m_[i].count(k)) return;
        C& c = *c_[i];
        value_type v = element(k);
        const bool expect = model_insert(i, v);
        switch (how) {
        case 0:
            check_insert(i, c.insert(std::as_const(v)), k, expect);
            break;
        case 1:
            check_insert(i, c.insert(std::move(v)), k, expect);
            break;
        case 2: {
            auto it = c.insert(c.cbegin(), std::as_const(v));
            expect_at(i, it, k);
            check_suffix(i, it);
            break;
        }
        case 3: {
            auto it = c.insert(c.cend(), std::move(v));
            expect_at(i, it, k);
            check_suffix(i, it);
            break;
        }
        default:
            if constexpr (is_map) {
                std::pair<K, V> p(v.first, v.second);
                check_insert(i, c.insert(std::move(p)), k, expect);
            } else {
                check_insert(i, c.insert(v), k, expect);
            }
            break;
        }
        check(i);
    }

    // emplace with the key among the arguments (looked up before constructing), and emplace of
    // arguments that must be built into an element first (piecewise for maps, a convertible
    // non-key argument for sets); emplace_hint.
    void do_emplace() {
        context::op = "emplace";
        const std::size_t i = var();
        const unsigned how = in_.byte() % 3;
        const K k = key();
        if (!can_grow(i) && !m_[i].count(k)) return;
        C& c = *c_[i];
        value_type v = element(k);
        const bool expect = model_insert(i, v);
        if (how == 2) {
            auto it = c.emplace_hint(c.cbegin(), v);
            expect_at(i, it, k);
            check_suffix(i, it);
        } else if constexpr (is_map) {
            if (how == 0) {
                check_insert(i, c.emplace(v.first, v.second), k, expect);
            } else {
                check_insert(i,
                             c.emplace(std::piecewise_construct, std::forward_as_tuple(v.first),
                                       std::forward_as_tuple(v.second)),
                             k, expect);
            }
        } else {
            if (how == 0) {
                check_insert(i, c.emplace(v), k, expect);
            } else {
                // Not a key_type: the element is constructed aside, then moved in.
                check_insert(i, c.emplace(element_traits<K>::arg(k)), k, expect);
            }
        }
        check(i);
    }

    void do_erase_key() {
        context::op = "erase(key)";
        const std::size_t i = var();
        const K k = key();
        const std::size_t expect = m_[i].erase(k);
        HFUZZ_CHECK(c_[i]->erase(k) == expect);
        HFUZZ_CHECK(!c_[i]->contains(k));
        check(i);
    }

    // erase(iterator) at a found key or at a position: returns the iterator to the element
    // that followed, and walking on from it visits exactly the elements that followed.
    void do_erase_iterator() {
        context::op = "erase(iterator)";
        const std::size_t i = var();
        C& c = *c_[i];
        const bool by_key = in_.byte() & 1;
        const bool as_const = in_.byte() & 1;
        const std::size_t pos_arg = in_.u16();
        const K k = key();
        if (c.empty()) return;
        const std::vector<K> order = keys_in_order(i);
        std::size_t p = pos_arg % order.size();
        if (by_key && m_[i].count(k)) {
            p = static_cast<std::size_t>(std::find(order.begin(), order.end(), k) - order.begin());
            HFUZZ_CHECK(p < order.size());
        }
        iterator it = by_key && m_[i].count(k)
                          ? c.find(k)
                          : std::next(c.begin(), static_cast<std::ptrdiff_t>(p));
        HFUZZ_CHECK(key_of(*it) == order[p]);
        m_[i].erase(order[p]);
        iterator next = as_const ? c.erase(const_iterator(it)) : c.erase(it);
        check_size(i);
        HFUZZ_CHECK(!c.contains(order[p]));
        if (p + 1 < order.size()) {
            HFUZZ_CHECK(next != c.end());
            HFUZZ_CHECK(key_of(*next) == order[p + 1]); // the element that followed
        } else {
            HFUZZ_CHECK(next == c.end());
        }
        check_rest(i, next,
                   std::vector<K>(order.begin() + static_cast<std::ptrdiff_t>(p) + 1, order.end()));
        check(i);
    }

    // The erase-while-iterating loop: every element is visited exactly once, whatever is erased.
    void do_erase_loop() {
        context::op = "erase-while-iterating";
        const std::size_t i = var();
        const unsigned pattern = in_.byte();
        const unsigned period = 1 + in_.byte() % 9;
        C& c = *c_[i];
        std::unordered_set<K, model_hash<K>> visited;
        std::size_t n = 0;
        for (auto it = c.begin(); it != c.end(); ++n) {
            const K k = key_of(*it);
            HFUZZ_CHECK(visited.insert(k).second);
            expect_at(i, it, k);
            // pattern bit (n mod period): 1 erases; 0xFF erases everything.
            if ((pattern >> (n % period % 8)) & 1) {
                m_[i].erase(k);
                it = c.erase(it);
                HFUZZ_CHECK(!c.contains(k));
            } else {
                ++it;
            }
        }
        HFUZZ_CHECK(visited.size() == n);
        for (const auto& e : m_[i])
            HFUZZ_CHECK(visited.count(key_of(e)) == 1);
        check(i);
    }

    // erase(first, last) over positions [a, b) of the iteration order.
    void do_erase_range() {
        context::op = "erase(first, last)";
        const std::size_t i = var();
        C& c = *c_[i];
        const std::size_t a_arg = in_.u16(), b_arg = in_.u16();
        const std::vector<K> order = keys_in_order(i);
        const std::size_t a = a_arg % (order.size() + 1);
        const std::size_t b = a + b_arg % (order.size() - a + 1);
        const_iterator first = std::next(c.cbegin(), static_cast<std::ptrdiff_t>(a));
        const_iterator last = std::next(c.cbegin(), static_cast<std::ptrdiff_t>(b));
        for (std::size_t j = a; j < b; ++j)
            m_[i].erase(order[j]);
        iterator next = c.erase(first, last);
        check_size(i);
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
        check(i);
    }

    // find, contains, count, equal_range (const and not), and at() for maps.
    void do_lookup() {
        context::op = "lookup";
        const std::size_t i = var();
        const K k = key();
        C& c = *c_[i];
        const C& cc = c;
        const bool present = m_[i].count(k) != 0;
        HFUZZ_CHECK(c.contains(k) == present);
        HFUZZ_CHECK(c.count(k) == (present ? 1u : 0u));
        auto it = c.find(k);
        auto cit = cc.find(k);
        auto range = c.equal_range(k);
        auto crange = cc.equal_range(k);
        if (present) {
            expect_at(i, it, k);
            expect_at(i, cit, k);
            HFUZZ_CHECK(const_iterator(it) == cit);
            HFUZZ_CHECK(range.first == it && crange.first == cit);
            HFUZZ_CHECK(std::distance(range.first, range.second) == 1);
            HFUZZ_CHECK(std::distance(crange.first, crange.second) == 1);
            check_suffix(i, it);
        } else {
            HFUZZ_CHECK(it == c.end() && cit == cc.end());
            HFUZZ_CHECK(range.first == c.end() && range.second == c.end());
            HFUZZ_CHECK(crange.first == cc.end() && crange.second == cc.end());
        }
        if constexpr (is_map) {
            if (present) {
                HFUZZ_CHECK(cc.at(k) == m_[i].at(k));
                HFUZZ_CHECK(c.at(k) == m_[i].at(k));
            } else {
#if HAMT_HAS_EXCEPTIONS
                bool threw = false;
                try {
                    (void)cc.at(k);
                } catch (const std::out_of_range&) {
                    threw = true;
                }
                HFUZZ_CHECK(threw);
#endif
            }
        }
    }

    // d = C(s) or C(s, alloc): a copy with the source's hasher.
    void do_copy_construct() {
        context::op = "copy construct";
        const std::size_t d = var(), s = var();
        const bool with_alloc = in_.byte() & 1;
        const int alloc_id = in_.byte() & 1;
        auto copy = with_alloc ? std::make_unique<C>(*c_[s], make_alloc(alloc_id))
                               : std::make_unique<C>(*c_[s]);
        HFUZZ_CHECK(copy->size() == c_[s]->size());
        c_[d] = std::move(copy);
        m_[d] = m_[s];
        check_full(d);
        check(s);
    }

    void do_copy_assign() {
        context::op = "copy assign";
        const std::size_t d = var(), s = var();
        C& dst = *c_[d];
        const C& src = *c_[s];
        C& r = (dst = src); // self-assignment when d == s
        HFUZZ_CHECK(&r == &dst);
        m_[d] = m_[s];
        check_full(d);
        check(s);
    }

    // d = C(std::move(s)) or C(std::move(s), alloc): the source is left empty (stolen, or its
    // elements moved out one by one when the allocators differ).
    void do_move_construct() {
        context::op = "move construct";
        const std::size_t d = var(), s = var();
        const bool with_alloc = in_.byte() & 1;
        const int alloc_id = in_.byte() & 1;
        auto moved = with_alloc ? std::make_unique<C>(std::move(*c_[s]), make_alloc(alloc_id))
                                : std::make_unique<C>(std::move(*c_[s]));
        model_t m = std::move(m_[s]);
        m_[s].clear();
        check_full(s);
        c_[d] = std::move(moved);
        m_[d] = std::move(m);
        check_full(d);
    }

    void do_move_assign() {
        context::op = "move assign";
        const std::size_t d = var(), s = var();
        C& dst = *c_[d];
        C& src = *c_[s];
        C& r = (dst = std::move(src)); // self-move-assignment when d == s: no change
        HFUZZ_CHECK(&r == &dst);
        if (d != s) {
            m_[d] = std::move(m_[s]);
            m_[s].clear();
            check_full(s);
        }
        check_full(d);
    }

    void do_clear() {
        context::op = "clear";
        const std::size_t i = var();
        c_[i]->clear();
        m_[i].clear();
        HFUZZ_CHECK(c_[i]->begin() == c_[i]->end());
        check_full(i);
    }

    // d.merge(s): the elements of s whose keys d lacks move to d; the rest stay in s.
    void do_merge() {
        context::op = "merge";
        const std::size_t d = var(), s = var();
        const bool rvalue = in_.byte() & 1;
        if (d != s && m_[d].size() + m_[s].size() > max_size) return;
        if (rvalue)
            c_[d]->merge(std::move(*c_[s]));
        else
            c_[d]->merge(*c_[s]);
        if (d != s) {
            for (auto it = m_[s].begin(); it != m_[s].end();) {
                if (m_[d].count(key_of(*it))) {
                    ++it;
                } else {
                    m_[d].insert(*it);
                    it = m_[s].erase(it);
                }
            }
        }
        check_full(d);
        check_full(s);
    }

    // Member swap, hamt::swap (ADL) and std::swap (by moves). Unequal allocators that do not
    // propagate cannot be swapped (undefined behaviour, as for the std containers).
    void do_swap() {
        context::op = "swap";
        const std::size_t a = var(), b = var();
        const unsigned how = in_.byte() % 3;
        constexpr bool pocs =
            std::allocator_traits<allocator_type>::propagate_on_container_swap::value;
        if (!pocs && c_[a]->get_allocator() != c_[b]->get_allocator()) return;
        const allocator_type alloc_a = c_[a]->get_allocator(), alloc_b = c_[b]->get_allocator();
        if (how == 0) {
            c_[a]->swap(*c_[b]);
        } else if (how == 1) {
            using std::swap;
            swap(*c_[a], *c_[b]);
        } else if (a != b) {
            std::swap(*c_[a], *c_[b]);
        }
        if (a != b) {
            std::swap(m_[a], m_[b]);
            if constexpr (pocs) {
                HFUZZ_CHECK(c_[a]->get_allocator() == alloc_b);
                HFUZZ_CHECK(c_[b]->get_allocator() == alloc_a);
            }
        }
        check_full(a);
        check_full(b);
    }

    // Iteration: a full walk, post-increment, multi-pass copies, and the suffix from a position.
    void do_iterate() {
        context::op = "iterate";
        const std::size_t i = var();
        const std::size_t pos_arg = in_.u16();
        const C& c = *c_[i];
        std::size_t n = 0;
        for (auto it = c.cbegin(); it != c.cend(); it++)
            ++n;
        HFUZZ_CHECK(n == m_[i].size());
        HFUZZ_CHECK(static_cast<std::size_t>(std::distance(c.begin(), c.end())) == n);
        if (n == 0) {
            HFUZZ_CHECK(c.begin() == c.end());
            return;
        }
        auto it = std::next(c.begin(), static_cast<std::ptrdiff_t>(pos_arg % n));
        auto copy = it;
        ++copy;
        HFUZZ_CHECK(it != copy);
        expect_at(i, it, key_of(*it));
        check_suffix(i, it);
        // The iterator find() returns for the element walks on like the one that reached it.
        auto found = c.find(key_of(*it));
        HFUZZ_CHECK(found == it);
        check_suffix(i, found);
        check_full(i);
    }

    // insert(first, last) of keys start + j * stride, or construction from such a range.
    void do_bulk_insert() {
        context::op = "insert(first, last)";
        const std::size_t i = var();
        const bool construct = in_.byte() % 4 == 0;
        const std::uint64_t start = in_.u16();
        const std::uint64_t stride = 1 + in_.byte();
        const std::size_t n = in_.byte() % 65;
        if (m_[i].size() + n > max_size) return;
        std::vector<value_type> values;
        for (std::size_t j = 0; j < n; ++j)
            values.push_back(element(key_from(start + j * stride)));
        if (construct) {
            auto fresh =
                std::make_unique<C>(values.begin(), values.end(), 0, c_[i]->hash_function(),
                                    c_[i]->key_eq(), c_[i]->get_allocator());
            c_[i] = std::move(fresh);
            m_[i].clear();
        } else {
            c_[i]->insert(values.begin(), values.end());
        }
        for (const value_type& v : values)
            model_insert(i, v);
        check_full(i);
    }

    void do_reserve() {
        context::op = "reserve";
        const std::size_t i = var();
        const std::size_t n = in_.u16() % (2 * max_size);
        c_[i]->reserve(n);
        check(i);
    }

    // operator== and operator!= against the models' equality.
    void do_compare() {
        context::op = "operator==";
        const std::size_t a = var(), b = var();
        const bool expect = m_[a] == m_[b];
        HFUZZ_CHECK((*c_[a] == *c_[b]) == expect);
        HFUZZ_CHECK((*c_[b] == *c_[a]) == expect);
        HFUZZ_CHECK((*c_[a] != *c_[b]) == !expect);
    }

    void do_erase_if() {
        context::op = "erase_if";
        const std::size_t i = var();
        const std::uint64_t mod = 1 + in_.byte() % 7, rem = in_.byte() % mod;
        auto pred = [&](const K& k) { return raw(k) % mod == rem; };
        std::size_t expect = 0;
        for (auto it = m_[i].begin(); it != m_[i].end();) {
            if (pred(key_of(*it))) {
                it = m_[i].erase(it);
                ++expect;
            } else {
                ++it;
            }
        }
        const std::size_t erased =
            hamt::erase_if(*c_[i], [&](const value_type& v) { return pred(key_of(v)); });
        HFUZZ_CHECK(erased == expect);
        check(i);
    }

    // An insertion that does not insert invalidates nothing: an iterator and a pointer taken
    // before still reach their element.
    void do_stable_iterators() {
        context::op = "insert of a present key keeps iterators";
        const std::size_t i = var();
        const K k1 = key(), k2 = key();
        C& c = *c_[i];
        if (!m_[i].count(k1) || !m_[i].count(k2)) return;
        iterator it = c.find(k1);
        const value_type* p = &*it;
        auto r = c.insert(element(k2));
        HFUZZ_CHECK(!r.second);
        if constexpr (is_map) {
            auto r2 = c.try_emplace(k2, value());
            HFUZZ_CHECK(!r2.second);
        }
        HFUZZ_CHECK(&*it == p);
        expect_at(i, it, k1);
        check_suffix(i, it);
        check(i);
    }

    void do_check_all() {
        context::op = "check all";
        for (std::size_t i = 0; i < vars; ++i)
            check_full(i);
    }

    // ---- map-only operations ----------------------------------------------------------------

    void do_try_emplace() {
        do_keyed_insert<false>();
    }
    void do_insert_or_assign() {
        do_keyed_insert<true>();
    }
    // try_emplace (Assign false) or insert_or_assign (true): by const key, by moved key, or with
    // a hint (cbegin for one, cend for the other).
    template <bool Assign>
    void do_keyed_insert() {
        context::op = Assign ? "insert_or_assign" : "try_emplace";
        const std::size_t i = var();
        const unsigned how = in_.byte() % 3;
        K k = key();
        if (!can_grow(i) && !m_[i].count(k)) return;
        C& c = *c_[i];
        auto v = value();
        const auto insert = [&](auto&&... args) {
            if constexpr (Assign)
                return c.insert_or_assign(std::forward<decltype(args)>(args)...);
            else
                return c.try_emplace(std::forward<decltype(args)>(args)...);
        };
        const bool expect =
            Assign ? m_[i].insert_or_assign(k, v).second : m_[i].emplace(k, v).second;
        if (how == 0) {
            check_insert(i, insert(k, v), k, expect);
        } else if (how == 1) {
            K moved = k;
            check_insert(i, insert(std::move(moved), v), k, expect);
        } else {
            auto it = insert(Assign ? c.cend() : c.cbegin(), k, v);
            expect_at(i, it, k);
            check_suffix(i, it);
        }
        check(i);
    }

    // m[k] = v, or a read of m[k] (default-inserting), when V is default constructible;
    // otherwise at(k) = v on a present key.
    void do_subscript() {
        context::op = "operator[]";
        const std::size_t i = var();
        const bool read = in_.byte() & 1;
        const K k = key();
        if (!can_grow(i) && !m_[i].count(k)) return;
        C& c = *c_[i];
        if constexpr (std::is_default_constructible_v<V>) {
            if (read) {
                const V got = c[k];
                HFUZZ_CHECK(got == m_[i][k]);
            } else {
                auto v = value();
                c[K(k)] = v;
                m_[i][k] = v;
            }
        } else {
            (void)read;
            auto m = m_[i].find(k);
            if (m == m_[i].end()) return;
            auto v = value();
            c.at(k) = v;
            m->second = v;
        }
        expect_at(i, c.find(k), k);
        check(i);
    }

    // Mapped values are writable through iterators.
    void do_assign_through_iterator() {
        context::op = "assign through iterator";
        const std::size_t i = var();
        const std::size_t pos_arg = in_.u16();
        C& c = *c_[i];
        if (c.empty()) return;
        auto it = std::next(c.begin(), static_cast<std::ptrdiff_t>(pos_arg % c.size()));
        auto v = value();
        it->second = v;
        m_[i].find(it->first)->second = v;
        expect_at(i, it, it->first);
        check(i);
    }

    reader& in_;
    std::unique_ptr<C> c_[vars];
    model_t m_[vars];
    std::uint64_t counter_ = 0;
    mutable std::vector<const value_type*> order_; // check_suffix's scratch
};

// Runs one input on container type C with Driver (driver, or fuzz_persistent.cpp's driver of
// persistent versions); afterwards every node was returned to the allocator that gave it and
// every tracked element was destroyed.
template <class C, template <class> class Driver = driver>
void run(reader& in, const char* name) {
    context::variant = name;
    context::op = "setup";
    context::op_index = -1;
    {
        Driver<C> d(in);
        d.run();
    }
    context::op = "teardown";
    HFUZZ_CHECK(ledger::live().empty());
    HFUZZ_CHECK(tracked::live == 0);
}

// A target's table of container types; the input's first byte picks one.
struct variant {
    void (*fn)(reader&, const char*);
    const char* name;
};
template <std::size_t N>
void run_variant(const variant (&variants)[N], const std::uint8_t* data, std::size_t size) {
    reader in(data, size);
    const variant& v = variants[in.byte() % N];
    v.fn(in, v.name);
}

} // namespace hfuzz
