// hamt::map: an unordered associative container with the std::unordered_map interface (no
// bucket interface), stored as a hash array mapped trie. See README "API" for complexity,
// invalidation and exception guarantees; in short:
//
//  - find/contains/count/at/equal_range/iteration: O(log32 n) expected, never allocate, never
//    throw unless Hash or KeyEqual throws (at() throws std::out_of_range).
//  - insert/emplace/try_emplace/insert_or_assign/operator[]: O(log32 n) expected; strong
//    guarantee (if Hash, KeyEqual, an element constructor or the allocator throws, nothing
//    changes). An insert that inserts invalidates all iterators, pointers and references to
//    elements; one that does not insert invalidates nothing.
//  - erase: O(log32 n) expected; invalidates all iterators, pointers and references except the
//    iterator it returns; never allocates and never throws unless Hash or KeyEqual throws (for
//    elements whose move constructor is noexcept; copy-only elements are copied into a new node).
//  - copy: O(n), strong; move and swap: O(1), noexcept (swap with equal or propagated allocators).
#pragma once

#include <stdexcept>
#include <tuple>

#include "detail/container.hpp"
#include "fwd.hpp"
#include "hash.hpp"

namespace hamt {
namespace detail {

// The std::unordered_map members over the shared container interface, for every ownership
// policy: hamt::map (exclusive) and the persistent map's transient (shared).
template <class Key, class T, class Hash, class KeyEqual, class Allocator, unsigned BitsPerLevel,
          class Ownership>
class basic_map : public container_base<map_policy<Key, T>, Hash, KeyEqual, Allocator, BitsPerLevel,
                                        Ownership> {
    using base =
        container_base<map_policy<Key, T>, Hash, KeyEqual, Allocator, BitsPerLevel, Ownership>;

public:
    using mapped_type = T;
    using typename base::const_iterator;
    using typename base::iterator;
    using typename base::key_type;
    using typename base::size_type;
    using typename base::value_type;

    using base::base;
    basic_map() = default;

    using base::insert;
    // Any argument a value_type can be constructed from (std::pair<Key, T>, ...).
    template <class P, class = std::enable_if_t<std::is_constructible_v<value_type, P&&>>>
    std::pair<iterator, bool> insert(P&& value) {
        return this->emplace(std::forward<P>(value));
    }
    template <class P, class = std::enable_if_t<std::is_constructible_v<value_type, P&&>>>
    iterator insert(const_iterator, P&& value) {
        return this->emplace(std::forward<P>(value)).first;
    }

    // ---- element access -------------------------------------------------------------------------

    T& at(const Key& key) {
        return checked(this->t_.find_for_update(key, this->t_.hash_of(key)))->second;
    }
    const T& at(const Key& key) const {
        return checked(this->t_.find_ptr(key, this->t_.hash_of(key)))->second;
    }

    T& operator[](const Key& key) { return try_emplace_ptr(key).first->second; }
    T& operator[](Key&& key) { return try_emplace_ptr(std::move(key)).first->second; }

    // ---- insertion with a key -------------------------------------------------------------------

    // Does not touch args when the key is present.
    template <class... Args>
    std::pair<iterator, bool> try_emplace(const Key& key, Args&&... args) {
        std::pair<iterator, bool> result; // filled in place: an iterator is large to copy
        result.second = try_emplace_at(&result.first, key, std::forward<Args>(args)...).second;
        return result;
    }
    template <class... Args>
    std::pair<iterator, bool> try_emplace(Key&& key, Args&&... args) {
        std::pair<iterator, bool> result;
        result.second =
            try_emplace_at(&result.first, std::move(key), std::forward<Args>(args)...).second;
        return result;
    }
    template <class... Args>
    iterator try_emplace(const_iterator, const Key& key, Args&&... args) {
        return try_emplace(key, std::forward<Args>(args)...).first;
    }
    template <class... Args>
    iterator try_emplace(const_iterator, Key&& key, Args&&... args) {
        return try_emplace(std::move(key), std::forward<Args>(args)...).first;
    }

    template <class M>
    std::pair<iterator, bool> insert_or_assign(const Key& key, M&& obj) {
        return assign_or_insert(key, std::forward<M>(obj));
    }
    template <class M>
    std::pair<iterator, bool> insert_or_assign(Key&& key, M&& obj) {
        return assign_or_insert(std::move(key), std::forward<M>(obj));
    }
    template <class M>
    iterator insert_or_assign(const_iterator, const Key& key, M&& obj) {
        return insert_or_assign(key, std::forward<M>(obj)).first;
    }
    template <class M>
    iterator insert_or_assign(const_iterator, Key&& key, M&& obj) {
        return insert_or_assign(std::move(key), std::forward<M>(obj)).first;
    }

protected:
    static value_type* checked(value_type* p) {
        if (!p) HAMT_THROW(std::out_of_range("hamt::map::at: key not found"));
        return p;
    }

    // Inserts (key, T(args...)) unless key is present; with out, also sets *out to its position.
    // OwnIfPresent: the caller writes to the element (see trie::emplace_unique).
    template <bool OwnIfPresent = false, class It, class K, class... Args>
    HAMT_ALWAYS_INLINE std::pair<value_type*, bool> try_emplace_at(It* out, K&& key,
                                                                   Args&&... args) {
        typename base::value_alloc va(this->get_allocator());
        return this->t_.template emplace_unique<OwnIfPresent>(
            this->t_.hash_of(key), key,
            [&](value_type* p) {
                base::value_traits::construct(va, p, std::piecewise_construct,
                                              std::forward_as_tuple(std::forward<K>(key)),
                                              std::forward_as_tuple(std::forward<Args>(args)...));
            },
            out);
    }
    template <class K, class... Args>
    std::pair<value_type*, bool> try_emplace_ptr(K&& key, Args&&... args) {
        return try_emplace_at<true>(static_cast<void*>(nullptr), std::forward<K>(key),
                                    std::forward<Args>(args)...);
    }

    template <class K, class M>
    std::pair<iterator, bool> assign_or_insert(K&& key, M&& obj) {
        std::pair<iterator, bool> result;
        auto r = try_emplace_at<true>(&result.first, std::forward<K>(key), std::forward<M>(obj));
        if (!r.second) r.first->second = std::forward<M>(obj);
        result.second = r.second;
        return result;
    }
};

} // namespace detail

template <class Key, class T, class Hash, class KeyEqual, class Allocator, unsigned BitsPerLevel>
class map : public detail::basic_map<Key, T, Hash, KeyEqual, Allocator, BitsPerLevel,
                                     detail::exclusive_ownership> {
    using base = detail::basic_map<Key, T, Hash, KeyEqual, Allocator, BitsPerLevel,
                                   detail::exclusive_ownership>;

public:
    using typename base::value_type;

    using base::base;
    map() = default;
    map& operator=(std::initializer_list<value_type> init) {
        base::operator=(init);
        return *this;
    }

    void swap(map& other) noexcept(noexcept(std::declval<base&>().swap(std::declval<base&>()))) {
        base::swap(other);
    }
};

template <class K, class T, class H, class E, class A, unsigned B>
void swap(map<K, T, H, E, A, B>& a, map<K, T, H, E, A, B>& b) noexcept(noexcept(a.swap(b))) {
    a.swap(b);
}

// Erases every element satisfying pred; returns how many (C++20 std::erase_if).
template <class K, class T, class H, class E, class A, unsigned B, class Pred>
typename map<K, T, H, E, A, B>::size_type erase_if(map<K, T, H, E, A, B>& m, Pred pred) {
    const auto old_size = m.size();
    for (auto it = m.begin(); it != m.end();) {
        if (pred(*it))
            it = m.erase(it);
        else
            ++it;
    }
    return old_size - m.size();
}

// Deduction guides, as for std::unordered_map.
template <
    class InputIt,
    class Hash =
        hash<std::remove_const_t<typename std::iterator_traits<InputIt>::value_type::first_type>>,
    class Eq = std::equal_to<
        std::remove_const_t<typename std::iterator_traits<InputIt>::value_type::first_type>>,
    class Alloc = std::allocator<std::pair<
        const std::remove_const_t<typename std::iterator_traits<InputIt>::value_type::first_type>,
        typename std::iterator_traits<InputIt>::value_type::second_type>>>
map(InputIt, InputIt, std::size_t = 0, Hash = Hash(), Eq = Eq(), Alloc = Alloc())
    -> map<std::remove_const_t<typename std::iterator_traits<InputIt>::value_type::first_type>,
           typename std::iterator_traits<InputIt>::value_type::second_type, Hash, Eq, Alloc>;

template <class Key, class T, class Hash = hash<Key>, class Eq = std::equal_to<Key>,
          class Alloc = std::allocator<std::pair<const Key, T>>>
map(std::initializer_list<std::pair<Key, T>>, std::size_t = 0, Hash = Hash(), Eq = Eq(),
    Alloc = Alloc()) -> map<Key, T, Hash, Eq, Alloc>;

} // namespace hamt
