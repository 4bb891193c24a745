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

// Thread-safety policies of the persistent containers (their reference counts).
// thread_safe: atomic counts; versions may be read, copied, updated and dropped from any number
// of threads at once, as std::shared_ptr<const T> may.
struct thread_safe {
    static constexpr bool atomic_counts = true;
};
// single_thread: plain counts, cheaper; every version of one family (all versions derived from
// one another, and their transients) must stay on one thread at a time.
struct single_thread {
    static constexpr bool atomic_counts = false;
};

template <class Key, class T, class Hash = hamt::hash<Key>, class KeyEqual = std::equal_to<Key>,
          class Allocator = std::allocator<std::pair<const Key, T>>,
          class ThreadPolicy = thread_safe, unsigned BitsPerLevel = default_bits_per_level>
class persistent_map;

template <class Key, class Hash = hamt::hash<Key>, class KeyEqual = std::equal_to<Key>,
          class Allocator = std::allocator<Key>, class ThreadPolicy = thread_safe,
          unsigned BitsPerLevel = default_bits_per_level>
class persistent_set;

} // namespace hamt
