// Shared helpers for the hamt tests:
//  - container traits (is_hamt, is_map, bits_of) and check(): invariants + size consistency,
//    a no-op beyond the size checks for std containers so the same tests run against them;
//  - conv<T>: make a key/mapped value from an integer and read the integer back, so one test
//    body serves int64_t, std::string, std::unique_ptr<int> and counted;
//  - snapshot(): the contents as a sorted vector of integers, for comparing containers whose
//    iteration orders differ;
//  - counted: an instrumented element that counts constructions, copies, moves, destructions
//    and live objects, and detects double destruction and use after destruction;
//  - fault injection: hashers, key comparisons, element constructors and allocators that throw
//    on the Nth call;
//  - test_alloc: a stateful allocator that counts and checks every allocation;
//  - hashers with chosen collision patterns (constant, few low bits, shifted, seeded, identity).
#pragma once

#include "catch_version.hpp"

#include <hamt/debug.hpp>
#include <hamt/hamt.hpp>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

// Assertion for hot loops: only calls into Catch when it fails (REQUIRE costs too much per op).
#define HT_ASSERT(...)                                                                             \
    do {                                                                                           \
        if (!(__VA_ARGS__)) {                                                                      \
            FAIL("assertion failed: " #__VA_ARGS__);                                               \
        }                                                                                          \
    } while (false)

// Tests also build with -fno-exceptions (scripts/test): the parts that throw or catch are
// compiled only with exceptions, and the library aborts where it would throw.
// HAMT_TEST_REDUCED (CMake: -DHAMT_TEST_REDUCED=ON): the legs of scripts/test that check a
// toolchain or a build mode (-O3, -fno-exceptions, libc++, aarch64, valgrind) instantiate the
// tests over fewer element types and branching factors, each kind of case once; the ASan+UBSan
// leg builds them all. HT_FULL_ONLY(statement) is compiled in full builds only.
#ifdef HAMT_TEST_REDUCED
#define HT_FULL_ONLY(...)
#else
#define HT_FULL_ONLY(...) __VA_ARGS__
#endif

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define HT_EXCEPTIONS 1
#else
#define HT_EXCEPTIONS 0
#endif

namespace ht {

// ---------------------------------------------------------------------------------------------
// Container traits

template <class C>
struct is_hamt : std::false_type {};
template <class K, class T, class H, class E, class A, unsigned B>
struct is_hamt<hamt::map<K, T, H, E, A, B>> : std::true_type {};
template <class K, class H, class E, class A, unsigned B>
struct is_hamt<hamt::set<K, H, E, A, B>> : std::true_type {};
// The persistent containers and their transients share the engine (and the checker).
template <class K, class T, class H, class E, class A, class P, unsigned B>
struct is_hamt<hamt::persistent_map<K, T, H, E, A, P, B>> : std::true_type {};
template <class K, class H, class E, class A, class P, unsigned B>
struct is_hamt<hamt::persistent_set<K, H, E, A, P, B>> : std::true_type {};
template <class K, class T, class H, class E, class A, class P, unsigned B>
struct is_hamt<hamt::transient_map<K, T, H, E, A, P, B>> : std::true_type {};
template <class K, class H, class E, class A, class P, unsigned B>
struct is_hamt<hamt::transient_set<K, H, E, A, P, B>> : std::true_type {};
template <class C>
inline constexpr bool is_hamt_v = is_hamt<C>::value;

template <class C, class = void>
struct is_map : std::false_type {};
template <class C>
struct is_map<C, std::void_t<typename C::mapped_type>> : std::true_type {};
template <class C>
inline constexpr bool is_map_v = is_map<C>::value;

// BitsPerLevel of a hamt container, 0 for anything else.
template <class C>
struct bits_of : std::integral_constant<unsigned, 0> {};
template <class K, class T, class H, class E, class A, unsigned B>
struct bits_of<hamt::map<K, T, H, E, A, B>> : std::integral_constant<unsigned, B> {};
template <class K, class H, class E, class A, unsigned B>
struct bits_of<hamt::set<K, H, E, A, B>> : std::integral_constant<unsigned, B> {};
template <class K, class T, class H, class E, class A, class P, unsigned B>
struct bits_of<hamt::persistent_map<K, T, H, E, A, P, B>> : std::integral_constant<unsigned, B> {};
template <class K, class H, class E, class A, class P, unsigned B>
struct bits_of<hamt::persistent_set<K, H, E, A, P, B>> : std::integral_constant<unsigned, B> {};
template <class K, class T, class H, class E, class A, class P, unsigned B>
struct bits_of<hamt::transient_map<K, T, H, E, A, P, B>> : std::integral_constant<unsigned, B> {};
template <class K, class H, class E, class A, class P, unsigned B>
struct bits_of<hamt::transient_set<K, H, E, A, P, B>> : std::integral_constant<unsigned, B> {};

// Depth at which keys with equal 64-bit hashes end up in a collision node.
constexpr std::size_t collision_depth(unsigned bits) {
    return (64 + bits - 1) / bits;
}

// Size/empty consistency for any container, plus the hamt invariant checker for hamt ones.
template <class C>
void check(const C& c) {
    std::size_t n = 0;
    for (auto it = c.begin(); it != c.end(); ++it)
        ++n;
    HT_ASSERT(n == c.size());
    HT_ASSERT(c.empty() == (n == 0));
    if constexpr (is_hamt_v<C>) {
#if HT_EXCEPTIONS
        try {
            hamt::debug::check_invariants(c);
        } catch (const hamt::debug::invariant_error& e) {
            FAIL("hamt::debug::check_invariants: " << e.what());
        }
#else
        hamt::debug::check_invariants(c); // prints the violation and aborts
#endif
        HT_ASSERT(hamt::debug::stats(c).size == c.size());
    }
}

// ---------------------------------------------------------------------------------------------
// Fault injection: one armed fault at a time; the countdown-th call of that kind throws once.

enum class fault : int { none, hash, equal, construct, allocate, count_ };

struct injected_error : std::runtime_error {
    injected_error() : std::runtime_error("injected fault") {}
};

struct faults {
    static inline fault armed = fault::none;
    static inline long countdown = 0;
    static inline long hits[static_cast<int>(fault::count_)] = {};

    static void arm(fault k, long n) {
        armed = k;
        countdown = n;
    }
    static void disarm() {
        armed = fault::none;
        countdown = 0;
    }
    static void reset() {
        disarm();
        for (auto& h : hits)
            h = 0;
    }
    static void point(fault k) {
        ++hits[static_cast<int>(k)];
        if (armed == k && --countdown == 0) {
            armed = fault::none;
#if HT_EXCEPTIONS
            if (k == fault::allocate) throw std::bad_alloc();
            throw injected_error();
#else
            std::abort();                 // fault injection needs exceptions; those tests are not built
#endif
        }
    }
};

// ---------------------------------------------------------------------------------------------
// counted: instrumented element type. Value constructions and copies are fault points.

struct counted_stats {
    long value_ctor = 0, default_ctor = 0, copy_ctor = 0, move_ctor = 0;
    long copy_assign = 0, move_assign = 0, dtor = 0, live = 0, errors = 0;
    long constructed() const { return value_ctor + default_ctor + copy_ctor + move_ctor; }
};

class counted {
public:
    using stats_t = counted_stats;
    static inline stats_t stats{};
    static inline std::string first_error;
    static constexpr std::int64_t moved_from = INT64_MIN;

    static std::unordered_set<const counted*>& registry() {
        static std::unordered_set<const counted*> r;
        return r;
    }
    static void reset() {
        stats = stats_t{};
        first_error.clear();
        registry().clear();
    }

    counted() : v_(0) {
        faults::point(fault::construct);
        ++stats.default_ctor;
        born();
    }
    explicit counted(std::int64_t v) : v_(v) {
        faults::point(fault::construct);
        ++stats.value_ctor;
        born();
    }
    counted(const counted& o) : v_(o.value()) {
        faults::point(fault::construct);
        ++stats.copy_ctor;
        born();
    }
    counted(counted&& o) noexcept : v_(o.value()) {
        o.v_ = moved_from;
        ++stats.move_ctor;
        born();
    }
    counted& operator=(const counted& o) {
        check_alive("copy-assigned to");
        v_ = o.value();
        ++stats.copy_assign;
        return *this;
    }
    counted& operator=(counted&& o) noexcept {
        check_alive("move-assigned to");
        v_ = o.value();
        if (&o != this) o.v_ = moved_from;
        ++stats.move_assign;
        return *this;
    }
    ~counted() {
        check_alive("destroyed");
        if (registry().erase(this) == 0) error("destroyed an object that is not alive");
        magic_ = dead_magic;
        ++stats.dtor;
        --stats.live;
    }

    std::int64_t value() const {
        check_alive("read");
        return v_;
    }
    friend bool operator==(const counted& a, const counted& b) { return a.value() == b.value(); }
    friend bool operator!=(const counted& a, const counted& b) { return !(a == b); }

private:
    static constexpr std::uint64_t alive_magic = 0xA11CEA11CEA11CEull;
    static constexpr std::uint64_t dead_magic = 0xDEADDEADDEADDEADull;

    static void error(const char* what) {
        if (stats.errors++ == 0) first_error = what;
    }
    void born() {
        magic_ = alive_magic;
        ++stats.live;
        if (!registry().insert(this).second) error("constructed over a live object");
    }
    void check_alive(const char* what) const {
        if (magic_ != alive_magic) {
            std::string msg = std::string("counted ") + what + " while not alive";
            if (stats.errors++ == 0) first_error = msg;
        }
    }

    std::int64_t v_;
    std::uint64_t magic_ = 0;
};

// A hasher for counted that returns a weak (identity-like) hash: no is_avalanching, so hamt
// mixes it.
struct counted_hash {
    std::size_t operator()(const counted& c) const { return std::hash<std::int64_t>{}(c.value()); }
};

// Declared first in a test body (so destroyed last): resets the counters, and at the end checks
// that every counted object was destroyed exactly once and nothing was left alive.
struct leak_guard {
    leak_guard() {
        counted::reset();
        faults::reset();
    }
    leak_guard(const leak_guard&) = delete;
    leak_guard& operator=(const leak_guard&) = delete;
    ~leak_guard() {
        faults::disarm();
        CHECK(counted::stats.live == 0);
        CHECK(counted::registry().empty());
        CHECK(counted::stats.constructed() == counted::stats.dtor);
        INFO("first counted error: " << counted::first_error);
        CHECK(counted::stats.errors == 0);
    }
};

// ---------------------------------------------------------------------------------------------
// Conversions between test integers and element types.

template <class T>
struct conv;

template <>
struct conv<std::int64_t> {
    static std::int64_t make(std::int64_t i) { return i; }
    static std::int64_t get(std::int64_t v) { return v; }
};

// Every third string is longer than any small-string buffer, so heap strings are covered.
template <>
struct conv<std::string> {
    static std::string make(std::int64_t i) {
        std::string s = std::to_string(i);
        if (i % 3 == 0) s.append(24, 'x');
        return s;
    }
    static std::int64_t get(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }
};

template <>
struct conv<std::unique_ptr<int>> {
    static std::unique_ptr<int> make(std::int64_t i) {
        return std::make_unique<int>(static_cast<int>(i));
    }
    static std::int64_t get(const std::unique_ptr<int>& p) { return p ? *p : 0; }
};

template <>
struct conv<counted> {
    static counted make(std::int64_t i) { return counted(i); }
    static std::int64_t get(const counted& c) { return c.value(); }
};

template <class T>
auto make(std::int64_t i) {
    return conv<T>::make(i);
}
template <class T>
std::int64_t get(const T& v) {
    return conv<T>::get(v);
}

// The key of a stored element: the element itself in a set, .first in a map.
template <class T>
const T& key_of(const T& v) {
    return v;
}
template <class K, class T>
const K& key_of(const std::pair<const K, T>& v) {
    return v.first;
}

// Integer of a stored element: the key for a set, the (key, mapped) pair for a map.
template <class C>
using snapshot_t =
    std::conditional_t<is_map_v<C>, std::vector<std::pair<std::int64_t, std::int64_t>>,
                       std::vector<std::int64_t>>;

template <class C>
snapshot_t<C> snapshot(const C& c) {
    snapshot_t<C> out;
    out.reserve(c.size());
    for (const auto& e : c) {
        if constexpr (is_map_v<C>) {
            out.emplace_back(get(e.first), get(e.second));
        } else {
            out.push_back(get(e));
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The integers [first, first + n) in order.
inline std::vector<std::int64_t> iota_keys(std::int64_t first, std::int64_t n) {
    std::vector<std::int64_t> out;
    for (std::int64_t i = first; i < first + n; ++i)
        out.push_back(i);
    return out;
}

// Insert keys [first, first + n) with mapped value = 10 * key (maps) into any container.
template <class C>
void fill(C& c, std::int64_t first, std::int64_t n) {
    using K = typename C::key_type;
    for (std::int64_t i = first; i < first + n; ++i) {
        if constexpr (is_map_v<C>) {
            c.emplace(make<K>(i), make<typename C::mapped_type>(10 * i));
        } else {
            c.insert(make<K>(i));
        }
    }
}

// Expected snapshot of fill(c, first, n) into an empty container.
template <class C>
snapshot_t<C> expected_fill(std::int64_t first, std::int64_t n) {
    snapshot_t<C> out;
    for (std::int64_t i = first; i < first + n; ++i) {
        if constexpr (is_map_v<C>) {
            out.emplace_back(i, 10 * i);
        } else {
            out.push_back(i);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

// ---------------------------------------------------------------------------------------------
// Hashers

// 64-bit mixer used by test hashers that must spread keys (splitmix64 finalizer).
constexpr std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

// Integer that a key was made from, for hashers that need to choose hash bits by key.
template <class K>
std::uint64_t key_bits(const K& k) {
    return static_cast<std::uint64_t>(get(k));
}

// Every key has the same 64-bit hash: every pair of keys is a full collision.
struct constant_hash {
    using is_avalanching = void;
    template <class K>
    std::size_t operator()(const K&) const noexcept {
        return static_cast<std::size_t>(0xC0FFEE1234567891ull);
    }
};

// hash = key & 0xF: 16 hash values, many full collisions, deep paths of zero bits.
struct low_bits_hash {
    using is_avalanching = void;
    template <class K>
    std::size_t operator()(const K& k) const {
        return static_cast<std::size_t>(key_bits(k) & 0xF);
    }
};

// hash = key << shift (stateful, no default constructor): keys 0 and 1 differ in one chosen bit.
struct shift_hash {
    using is_avalanching = void;
    unsigned shift;
    explicit shift_hash(unsigned s) : shift(s) {}
    std::size_t operator()(std::int64_t k) const {
        return static_cast<std::size_t>(static_cast<std::uint64_t>(k) << shift);
    }
};

// hash = key, declared avalanching: hamt must use it as is.
struct identity_avalanching_hash {
    using is_avalanching = void;
    std::size_t operator()(std::int64_t k) const { return static_cast<std::size_t>(k); }
};

// hash = key, not declared avalanching: hamt must mix it.
struct identity_hash {
    std::size_t operator()(std::int64_t k) const { return static_cast<std::size_t>(k); }
};

// Seeded hasher without a default constructor; counts its calls through a pointer.
struct seeded_hash {
    std::uint64_t seed;
    long* calls = nullptr;
    explicit seeded_hash(std::uint64_t s, long* c = nullptr) : seed(s), calls(c) {}
    std::size_t operator()(std::int64_t k) const {
        if (calls) ++*calls;
        return static_cast<std::size_t>(mix64(static_cast<std::uint64_t>(k) ^ seed));
    }
};

// Hasher and key comparison that are fault points (for counted keys).
template <class Base = counted_hash>
struct throwing_hash : Base {
    template <class K>
    std::size_t operator()(const K& k) const {
        faults::point(fault::hash);
        return Base::operator()(k);
    }
};
struct throwing_equal {
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
        faults::point(fault::equal);
        return a == b;
    }
};

// ---------------------------------------------------------------------------------------------
// test_alloc: stateful allocator. Allocators compare equal when they share an alloc_state.
// Every allocation is recorded in its state; deallocating a pointer the state did not hand out
// (or with another size) is an error. allocate() is a fault point (throws std::bad_alloc).

struct alloc_state {
    long allocs = 0;
    long deallocs = 0;
    long errors = 0;
    std::map<const void*, std::size_t> live; // pointer -> bytes

    std::size_t live_bytes() const {
        std::size_t b = 0;
        for (const auto& kv : live)
            b += kv.second;
        return b;
    }
};

inline alloc_state& default_alloc_state() {
    static alloc_state s;
    return s;
}

template <class T, bool POCCA = false, bool POCMA = false, bool POCS = false>
class test_alloc {
public:
    using value_type = T;
    using propagate_on_container_copy_assignment = std::bool_constant<POCCA>;
    using propagate_on_container_move_assignment = std::bool_constant<POCMA>;
    using propagate_on_container_swap = std::bool_constant<POCS>;
    using is_always_equal = std::false_type;
    template <class U>
    struct rebind {
        using other = test_alloc<U, POCCA, POCMA, POCS>;
    };

    test_alloc() noexcept : state_(&default_alloc_state()) {}
    explicit test_alloc(alloc_state* s) noexcept : state_(s) {}
    template <class U>
    test_alloc(const test_alloc<U, POCCA, POCMA, POCS>& o) noexcept : state_(o.state()) {}

    T* allocate(std::size_t n) {
        faults::point(fault::allocate);
        T* p = std::allocator<T>{}.allocate(n);
        ++state_->allocs;
        if (!state_->live.emplace(p, n * sizeof(T)).second) ++state_->errors;
        return p;
    }
    void deallocate(T* p, std::size_t n) noexcept {
        ++state_->deallocs;
        auto it = state_->live.find(p);
        if (it == state_->live.end() || it->second != n * sizeof(T)) {
            ++state_->errors;
        } else {
            state_->live.erase(it);
        }
        std::allocator<T>{}.deallocate(p, n);
    }

    alloc_state* state() const noexcept { return state_; }

    template <class U>
    friend bool operator==(const test_alloc& a, const test_alloc<U, POCCA, POCMA, POCS>& b) {
        return a.state() == b.state();
    }
    template <class U>
    friend bool operator!=(const test_alloc& a, const test_alloc<U, POCCA, POCMA, POCS>& b) {
        return a.state() != b.state();
    }

private:
    alloc_state* state_;
};

} // namespace ht
