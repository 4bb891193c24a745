// Bitmaps, popcount and hash fragments: the trie's branching arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "config.hpp"

namespace hamt::detail {

using hash_t = std::uint64_t;
inline constexpr unsigned hash_bits = 64;

// popcount as one instruction where the target has it, never a call into libgcc (which is what
// __builtin_popcount becomes in a default x86-64 build, without -mpopcnt):
//  - targets with a popcount instruction enabled (x86 -mpopcnt or -march=x86-64-v2 and later,
//    ARM64's cnt): the builtin;
//  - default x86-64 builds: the popcnt instruction through inline assembly when CPUID reports
//    it (every x86-64 CPU since 2008; the check is one predictable branch), else SWAR;
//  - elsewhere: a branch-free SWAR sequence.
#if defined(__POPCNT__) || defined(__aarch64__) || defined(_M_ARM64) || defined(__ARM_NEON)
#define HAMT_POPCOUNT_BUILTIN 1
#elif (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define HAMT_POPCOUNT_ASM 1
#endif

HAMT_ALWAYS_INLINE constexpr unsigned popcount_swar(std::uint32_t x) noexcept {
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0Fu;
    return (x * 0x01010101u) >> 24;
}
HAMT_ALWAYS_INLINE constexpr unsigned popcount_swar(std::uint64_t x) noexcept {
    x = x - ((x >> 1) & 0x5555555555555555u);
    x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Fu;
    return static_cast<unsigned>((x * 0x0101010101010101u) >> 56);
}

#if defined(HAMT_POPCOUNT_ASM)
// Read once at start-up. Before that (static initialisers of other translation units) it is
// false and the SWAR code runs, which gives the same results.
inline const bool cpu_has_popcnt = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("popcnt") != 0;
}();
#endif

HAMT_ALWAYS_INLINE unsigned popcount(std::uint32_t x) noexcept {
#if defined(HAMT_POPCOUNT_BUILTIN)
    return static_cast<unsigned>(__builtin_popcount(x));
#elif defined(HAMT_POPCOUNT_ASM)
    if (HAMT_LIKELY(cpu_has_popcnt)) {
        std::uint32_t r;
        __asm__("popcntl %1, %0" : "=r"(r) : "rm"(x) : "cc");
        return r;
    }
    return popcount_swar(x);
#else
    return popcount_swar(x);
#endif
}

HAMT_ALWAYS_INLINE unsigned popcount(std::uint64_t x) noexcept {
#if defined(HAMT_POPCOUNT_BUILTIN)
    return static_cast<unsigned>(__builtin_popcountll(x));
#elif defined(HAMT_POPCOUNT_ASM) && defined(__x86_64__)
    if (HAMT_LIKELY(cpu_has_popcnt)) {
        std::uint64_t r;
        __asm__("popcntq %1, %0" : "=r"(r) : "rm"(x) : "cc");
        return static_cast<unsigned>(r);
    }
    return popcount_swar(x);
#else
    return popcount_swar(x);
#endif
}

// popcount strategies, for a loop that picks one before it starts rather than at each step
// (trie::find_ptr): in default x86-64 builds popcount() tests cpu_has_popcnt each time, and only
// GCC's -O3 unswitches that test out of a loop. Each returns the count in a 64-bit register, so
// that using it as an index costs no zero-extension.
struct popcount_any { // popcount() as above
    HAMT_ALWAYS_INLINE static std::size_t count(std::uint32_t x) noexcept { return popcount(x); }
    HAMT_ALWAYS_INLINE static std::size_t count(std::uint64_t x) noexcept { return popcount(x); }
};
#if defined(HAMT_POPCOUNT_ASM) && defined(__x86_64__)
struct popcount_insn { // the popcnt instruction: only where cpu_has_popcnt
    HAMT_ALWAYS_INLINE static std::size_t count(std::uint32_t x) noexcept {
        std::uint64_t r; // writing the 32-bit register clears the upper half
        __asm__("popcntl %1, %k0" : "=r"(r) : "rm"(x) : "cc");
        return r;
    }
    HAMT_ALWAYS_INLINE static std::size_t count(std::uint64_t x) noexcept {
        std::uint64_t r;
        __asm__("popcntq %1, %0" : "=r"(r) : "rm"(x) : "cc");
        return r;
    }
};
struct popcount_soft {
    HAMT_ALWAYS_INLINE static std::size_t count(std::uint32_t x) noexcept {
        return popcount_swar(x);
    }
    HAMT_ALWAYS_INLINE static std::size_t count(std::uint64_t x) noexcept {
        return popcount_swar(x);
    }
};
#define HAMT_POPCOUNT_DISPATCH 1
#endif

// Index of the lowest set bit; x != 0. Compilers emit tzcnt/bsf/rbit+clz without library calls.
HAMT_ALWAYS_INLINE constexpr unsigned lowest_bit_index(std::uint64_t x) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    return static_cast<unsigned>(__builtin_ctzll(x));
#else
    unsigned n = 0;
    while (!(x & 1u)) {
        x >>= 1;
        ++n;
    }
    return n;
#endif
}

// The largest power of two <= x; x != 0.
HAMT_ALWAYS_INLINE constexpr std::uint64_t highest_power_of_two(std::uint64_t x) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    return std::uint64_t(1) << (63 - __builtin_clzll(x));
#else
    std::uint64_t p = 1;
    while (p <= x / 2)
        p *= 2;
    return p;
#endif
}

// The branching arithmetic of a trie that consumes `Bits` hash bits per level.
//
// Fragments are taken from the low end of the 64-bit hash upwards: level d uses bits
// [d*Bits, d*Bits + Bits). The last regular level may have fewer than Bits bits left. Nodes at
// depth `collision_depth` hold keys whose full hashes are equal; shifts never reach 64.
template <unsigned Bits>
struct branching {
    static_assert(Bits >= 1 && Bits <= 6, "bits per level must be between 1 and 6");
    using bitmap_t = std::conditional_t<(Bits <= 5), std::uint32_t, std::uint64_t>;

    static constexpr unsigned bits = Bits;
    static constexpr unsigned branches = 1u << Bits;
    static constexpr hash_t mask = branches - 1;
    static constexpr unsigned collision_depth = (hash_bits + Bits - 1) / Bits;

    HAMT_ALWAYS_INLINE static constexpr unsigned fragment(hash_t h, unsigned depth) noexcept {
        HAMT_ASSERT(depth < collision_depth);
        return static_cast<unsigned>((h >> (depth * Bits)) & mask);
    }
    HAMT_ALWAYS_INLINE static constexpr bitmap_t bit(hash_t h, unsigned depth) noexcept {
        return bitmap_t(1) << fragment(h, depth);
    }
    // The bit of the next level's fragment of a hash whose used levels were shifted out.
    HAMT_ALWAYS_INLINE static bitmap_t next_bit(hash_t& rest) noexcept {
        const bitmap_t b = bitmap_t(1) << (rest & mask);
        rest >>= Bits;
        return b;
    }
    // The hash with the fragments of depths below `depth` shifted out.
    HAMT_ALWAYS_INLINE static constexpr hash_t rest_at(hash_t h, unsigned depth) noexcept {
        return depth < collision_depth ? h >> (depth * Bits) : 0;
    }
    // Number of set bits of `map` below `bit` (a single set bit): the compressed index.
    HAMT_ALWAYS_INLINE static unsigned index(bitmap_t map, bitmap_t bit) noexcept {
        return popcount(static_cast<bitmap_t>(map & (bit - 1)));
    }
    template <class Popcount>
    HAMT_ALWAYS_INLINE static std::size_t index_with(bitmap_t map, bitmap_t bit) noexcept {
        return Popcount::count(static_cast<bitmap_t>(map & (bit - 1)));
    }
};

} // namespace hamt::detail
