// hamt::set: an unordered set with the std::unordered_set interface (no bucket interface),
// stored as a hash array mapped trie. Complexity, invalidation and exception guarantees are
// those of hamt::map (see map.hpp and README "API"). Elements are immutable: iterator and
// const_iterator both give const references.
#pragma once

#include "detail/container.hpp"
#include "fwd.hpp"
#include "hash.hpp"

namespace hamt {

template <class Key, class Hash, class KeyEqual, class Allocator, unsigned BitsPerLevel>
class set : public detail::container_base<detail::set_policy<Key>, Hash, KeyEqual, Allocator,
                                          BitsPerLevel> {
    using base =
        detail::container_base<detail::set_policy<Key>, Hash, KeyEqual, Allocator, BitsPerLevel>;

public:
    using typename base::value_type;

    using base::base;
    set() = default;
    set& operator=(std::initializer_list<value_type> init) {
        base::operator=(init);
        return *this;
    }

    void swap(set& other) noexcept(noexcept(std::declval<base&>().swap(std::declval<base&>()))) {
        base::swap(other);
    }
};

template <class K, class H, class E, class A, unsigned B>
void swap(set<K, H, E, A, B>& a, set<K, H, E, A, B>& b) noexcept(noexcept(a.swap(b))) {
    a.swap(b);
}

// Erases every element satisfying pred; returns how many (C++20 std::erase_if).
template <class K, class H, class E, class A, unsigned B, class Pred>
typename set<K, H, E, A, B>::size_type erase_if(set<K, H, E, A, B>& s, Pred pred) {
    const auto old_size = s.size();
    for (auto it = s.begin(); it != s.end();) {
        if (pred(*it))
            it = s.erase(it);
        else
            ++it;
    }
    return old_size - s.size();
}

// Deduction guides, as for std::unordered_set.
template <class InputIt, class Hash = hash<typename std::iterator_traits<InputIt>::value_type>,
          class Eq = std::equal_to<typename std::iterator_traits<InputIt>::value_type>,
          class Alloc = std::allocator<typename std::iterator_traits<InputIt>::value_type>>
set(InputIt, InputIt, std::size_t = 0, Hash = Hash(), Eq = Eq(), Alloc = Alloc())
    -> set<typename std::iterator_traits<InputIt>::value_type, Hash, Eq, Alloc>;

template <class Key, class Hash = hash<Key>, class Eq = std::equal_to<Key>,
          class Alloc = std::allocator<Key>>
set(std::initializer_list<Key>, std::size_t = 0, Hash = Hash(), Eq = Eq(), Alloc = Alloc())
    -> set<Key, Hash, Eq, Alloc>;

} // namespace hamt
