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
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

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

// Mixes a 64-bit value with a seed (for seeded hashers): keys that share hash bits under one
// seed are unrelated under another.
inline constexpr std::uint64_t mix64(std::uint64_t x, std::uint64_t seed) noexcept {
    return mix64(x ^ mix64(seed));
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
    std::uint64_t operator()(const Key& key) const
        noexcept(noexcept(std::hash<Key>{}(key))) {
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

} // namespace hamt
