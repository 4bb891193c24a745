// hamt::hash<K>: 64-bit hashes whose every bit is well mixed, as the trie takes its branching
// fragments from all 64 bits.
//
//   integers, enums, pointers   -> mix64 (one 64x64->128 multiply, folded)
//   std::string, string_view,
//   const char*, char arrays    -> XXH3_64bits (xxHash, header-only)
//   anything else               -> std::hash<K>, then mix64
//
// hamt::hash declares `is_avalanching`, so containers use its value as is. A user hasher that
// does not declare it (std::hash<int> is the identity in libstdc++) is passed through mix64.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

#include "detail/config.hpp"
#include "fwd.hpp"

namespace hamt {

namespace detail {

// The high and low halves of the 128-bit product a*b, xor-folded ("mum", as in wyhash).
inline constexpr std::uint64_t mum(std::uint64_t a, std::uint64_t b) noexcept {
#if defined(__SIZEOF_INT128__)
    __extension__ using u128 = unsigned __int128;
    const u128 r = static_cast<u128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
#else
    const std::uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32;
    const std::uint64_t b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo;
    const std::uint64_t lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
    const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFu) + lo_hi;
    const std::uint64_t hi = hi_hi + (hi_lo >> 32) + (cross >> 32);
    const std::uint64_t lo = (cross << 32) | (lo_lo & 0xFFFFFFFFu);
    return hi ^ lo;
#endif
}

} // namespace detail

// Mixes a 64-bit value so that every output bit depends on every input bit: two folded 128-bit
// multiplies. One multiply (wyhash's mix) leaves structured keys such as i << k crowding some
// 5-bit fragments; two spread them like random keys (tests/test_hash.cpp checks this).
inline constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
    return detail::mum(detail::mum(x ^ UINT64_C(0x2d358dccaa6c78a5), UINT64_C(0x9E3779B97F4A7C15)),
                       UINT64_C(0xe7037ed1a0b428db));
}

inline std::uint64_t hash_bytes(const void* data, std::size_t size) noexcept {
    return XXH3_64bits(data, size);
}

inline std::uint64_t hash_bytes(const void* data, std::size_t size, std::uint64_t seed) noexcept {
    return XXH3_64bits_withSeed(data, size, seed);
}

// Primary template: std::hash<Key> then mix64.
template <class Key, class Enable>
struct hash {
    using is_avalanching = void;
    std::uint64_t operator()(const Key& key) const noexcept(noexcept(std::hash<Key>{}(key))) {
        return mix64(static_cast<std::uint64_t>(std::hash<Key>{}(key)));
    }
};

// Integers, enums and pointers.
template <class Key>
struct hash<Key, std::enable_if_t<std::is_integral_v<Key> || std::is_enum_v<Key> ||
                                  std::is_pointer_v<Key>>> {
    using is_avalanching = void;
    std::uint64_t operator()(Key key) const noexcept {
        if constexpr (std::is_pointer_v<Key>) {
            return mix64(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(key)));
        } else if constexpr (std::is_enum_v<Key>) {
            return mix64(static_cast<std::uint64_t>(static_cast<std::underlying_type_t<Key>>(key)));
        } else {
            return mix64(static_cast<std::uint64_t>(key));
        }
    }
};

namespace detail {

// Strings of one character type hash their characters' bytes; std::string, std::string_view
// and C strings of the same characters therefore hash alike (heterogeneous lookup).
template <class CharT>
struct string_hash {
    using is_avalanching = void;
    using is_transparent = void;
    std::uint64_t operator()(std::basic_string_view<CharT> s) const noexcept {
        return hash_bytes(s.data(), s.size() * sizeof(CharT));
    }
    template <class Traits, class Alloc>
    std::uint64_t operator()(const std::basic_string<CharT, Traits, Alloc>& s) const noexcept {
        return hash_bytes(s.data(), s.size() * sizeof(CharT));
    }
    std::uint64_t operator()(const CharT* s) const noexcept {
        return (*this)(std::basic_string_view<CharT>(s));
    }
};

} // namespace detail

template <class CharT, class Traits, class Alloc>
struct hash<std::basic_string<CharT, Traits, Alloc>> : detail::string_hash<CharT> {};

template <class CharT, class Traits>
struct hash<std::basic_string_view<CharT, Traits>> : detail::string_hash<CharT> {};

namespace detail {

template <class T>
inline constexpr bool is_byte_v = std::is_same_v<T, char> || std::is_same_v<T, signed char> ||
                                  std::is_same_v<T, unsigned char> || std::is_same_v<T, std::byte>;

// Contiguous byte ranges hash their bytes.
template <class Range>
struct byte_range_hash {
    using is_avalanching = void;
    std::uint64_t operator()(const Range& r) const noexcept {
        return hash_bytes(r.data(), r.size());
    }
};

} // namespace detail

template <class B, class A>
struct hash<std::vector<B, A>, std::enable_if_t<detail::is_byte_v<B>>>
    : detail::byte_range_hash<std::vector<B, A>> {};

template <class B, std::size_t N>
struct hash<std::array<B, N>, std::enable_if_t<detail::is_byte_v<B>>>
    : detail::byte_range_hash<std::array<B, N>> {};

// Note: hamt::hash<const char*> hashes the pointer, as std::hash does; hash C strings by content
// with hamt::hash<std::string> or hamt::hash<std::string_view>, which accept them.

// ---- seeded hashing ----------------------------------------------------------------------------

namespace detail {

// A fresh seed per call: a random base drawn once per process, stepped by a counter and mixed.
inline std::uint64_t next_seed() noexcept {
    static const std::uint64_t base = [] {
        std::uint64_t b = 0;
#if HAMT_HAS_EXCEPTIONS
        try {
            std::random_device rd;
            b = (std::uint64_t(rd()) << 32) ^ rd();
        } catch (...) {
        }
#endif
        // Also the address of a local and the clock, should random_device be deterministic.
        int local = 0;
        b ^= reinterpret_cast<std::uintptr_t>(&local);
        b ^=
            static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        return mix64(b);
    }();
    static std::atomic<std::uint64_t> counter{0};
    return mix64(base +
                 counter.fetch_add(1, std::memory_order_relaxed) * UINT64_C(0x9E3779B97F4A7C15));
}

} // namespace detail

// hamt::seeded_hash<K>: hamt::hash keyed by a 64-bit seed, against hash flooding. Every
// default-constructed seeded_hash draws a new seed, so every container that stores one (each
// container stores its own hasher) places keys differently: a set of keys built to collide
// for one container, or for hamt::hash, does not collide in another. Copies of a container copy
// its hasher and seed. Costs what hamt::hash costs: integers are mixed after an xor with the
// mixed seed, strings go through XXH3's seeded variant. This makes flooding impractical without
// knowing the seed; it is not a cryptographic guarantee.
template <class Key, class Enable = void>
struct seeded_hash {
    using is_avalanching = void;
    seeded_hash() noexcept : seeded_hash(detail::next_seed()) {}
    explicit seeded_hash(std::uint64_t seed) noexcept : seed_(seed), key_(mix64(seed)) {}
    std::uint64_t seed() const noexcept { return seed_; }

    std::uint64_t operator()(const Key& key) const noexcept(noexcept(std::hash<Key>{}(key))) {
        if constexpr (std::is_pointer_v<Key>) {
            return mix64(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(key)) ^ key_);
        } else if constexpr (std::is_enum_v<Key>) {
            return mix64(static_cast<std::uint64_t>(static_cast<std::underlying_type_t<Key>>(key)) ^
                         key_);
        } else if constexpr (std::is_integral_v<Key>) {
            return mix64(static_cast<std::uint64_t>(key) ^ key_);
        } else {
            return mix64(static_cast<std::uint64_t>(std::hash<Key>{}(key)) ^ key_);
        }
    }

private:
    std::uint64_t seed_;
    std::uint64_t key_; // mix64(seed): xored into the input before mixing
};

namespace detail {

template <class CharT>
struct seeded_string_hash {
    using is_avalanching = void;
    using is_transparent = void;
    seeded_string_hash() noexcept : seed_(next_seed()) {}
    explicit seeded_string_hash(std::uint64_t seed) noexcept : seed_(seed) {}
    std::uint64_t seed() const noexcept { return seed_; }

    std::uint64_t operator()(std::basic_string_view<CharT> s) const noexcept {
        return hash_bytes(s.data(), s.size() * sizeof(CharT), seed_);
    }
    template <class Traits, class Alloc>
    std::uint64_t operator()(const std::basic_string<CharT, Traits, Alloc>& s) const noexcept {
        return hash_bytes(s.data(), s.size() * sizeof(CharT), seed_);
    }
    std::uint64_t operator()(const CharT* s) const noexcept {
        return (*this)(std::basic_string_view<CharT>(s));
    }

private:
    std::uint64_t seed_;
};

} // namespace detail

template <class CharT, class Traits, class Alloc>
struct seeded_hash<std::basic_string<CharT, Traits, Alloc>> : detail::seeded_string_hash<CharT> {
    using detail::seeded_string_hash<CharT>::seeded_string_hash;
};

template <class CharT, class Traits>
struct seeded_hash<std::basic_string_view<CharT, Traits>> : detail::seeded_string_hash<CharT> {
    using detail::seeded_string_hash<CharT>::seeded_string_hash;
};

} // namespace hamt
