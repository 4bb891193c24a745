// Forward declarations of the public hamt types and the compile-time defaults.
#pragma once

#include <functional>
#include <memory>
#include <utility>

// Hash bits consumed per trie level (branching factor 2^bits). 1..6; 5 (32-way) was chosen
// by benchmark, see README "Design". A container can override it with its last template
// parameter; this macro changes the default for a whole program.
#ifndef HAMT_BITS_PER_LEVEL
#define HAMT_BITS_PER_LEVEL 5
#endif

namespace hamt {

inline constexpr unsigned default_bits_per_level = HAMT_BITS_PER_LEVEL;

template <class Key, class Enable = void>
struct hash;

template <class Key, class T, class Hash = hamt::hash<Key>, class KeyEqual = std::equal_to<Key>,
          class Allocator = std::allocator<std::pair<const Key, T>>,
          unsigned BitsPerLevel = default_bits_per_level>
class map;

template <class Key, class Hash = hamt::hash<Key>, class KeyEqual = std::equal_to<Key>,
          class Allocator = std::allocator<Key>, unsigned BitsPerLevel = default_bits_per_level>
class set;

} // namespace hamt
