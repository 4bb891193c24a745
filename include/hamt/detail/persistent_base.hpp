// What persistent_map and persistent_set share: an immutable version over a trie with shared
// ownership (see ownership.hpp). A version is a root slot and a size; copying one takes a
// reference to the root node. Every update derives a new version and leaves the original
// unchanged:
//
//  - on an lvalue (`m.insert(v)`), the update works on a copy of the version, which shares every
//    node, so the path it changes is copied (path copying) and the rest stays shared;
//  - on an rvalue (`std::move(m).insert(v)`), it works on the version itself: nodes that this
//    version alone holds are changed in place, shared ones copied once.
//
// An update that changes nothing makes no copy and allocates nothing.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>

#include "trie.hpp"

namespace hamt::detail {

template <class Derived, class Policy, class Hash, class KeyEqual, class Allocator, unsigned Bits,
          class ThreadPolicy>
class persistent_base {
    template <class>
    friend struct trie_access;

protected:
    using ownership = shared_ownership<ThreadPolicy>;
    using trie_t = trie<Policy, Hash, KeyEqual, Allocator, Bits, ownership>;
    using alloc_traits = std::allocator_traits<Allocator>;
    using value_alloc = typename alloc_traits::template rebind_alloc<typename Policy::value_type>;
    using value_traits = std::allocator_traits<value_alloc>;
    static constexpr bool transparent = is_transparent_pair<Hash, KeyEqual>::value;

    static_assert(std::is_copy_constructible_v<typename Policy::value_type>,
                  "hamt persistent containers copy the elements of a shared node before they "
                  "change it: the element type (key and mapped type) must be copy constructible");

public:
    using key_type = typename Policy::key_type;
    using value_type = typename Policy::value_type;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using hasher = Hash;
    using key_equal = KeyEqual;
    using allocator_type = Allocator;
    using thread_policy = ThreadPolicy;
    using reference = const value_type&;
    using const_reference = const value_type&;
    using pointer = typename alloc_traits::const_pointer;
    using const_pointer = typename alloc_traits::const_pointer;
    using const_iterator = typename trie_t::const_iterator;
    using iterator = const_iterator;

    // ---- construction and assignment ----------------------------------------------------------

    persistent_base() : t_(Hash(), KeyEqual(), Allocator()) {}
    explicit persistent_base(const Hash& hash, const KeyEqual& equal = KeyEqual(),
                             const Allocator& alloc = Allocator())
        : t_(hash, equal, alloc) {}
    explicit persistent_base(const Allocator& alloc) : t_(Hash(), KeyEqual(), alloc) {}
    persistent_base(const Hash& hash, const Allocator& alloc) : t_(hash, KeyEqual(), alloc) {}

    template <class InputIt>
    persistent_base(InputIt first, InputIt last, const Hash& hash = Hash(),
                    const KeyEqual& equal = KeyEqual(), const Allocator& alloc = Allocator())
        : t_(hash, equal, alloc) {
        insert_range(first, last);
    }
    template <class InputIt>
    persistent_base(InputIt first, InputIt last, const Allocator& alloc)
        : persistent_base(first, last, Hash(), KeyEqual(), alloc) {}
    persistent_base(std::initializer_list<value_type> init, const Hash& hash = Hash(),
                    const KeyEqual& equal = KeyEqual(), const Allocator& alloc = Allocator())
        : persistent_base(init.begin(), init.end(), hash, equal, alloc) {}
    persistent_base(std::initializer_list<value_type> init, const Allocator& alloc)
        : persistent_base(init.begin(), init.end(), Hash(), KeyEqual(), alloc) {}

    // O(1): the copy shares every node (and so the allocator that made them).
    persistent_base(const persistent_base& other)
        : t_(other.t_.hash_function(), other.t_.key_eq(), other.t_.get_allocator()) {
        t_.copy_from(other.t_);
    }
    persistent_base(persistent_base&& other) noexcept
        : t_(other.t_.hash_function(), other.t_.key_eq(), other.t_.get_allocator()) {
        t_.steal(other.t_);
    }
    // Assignment takes the other version whole: its nodes, functions and allocator.
    persistent_base& operator=(const persistent_base& other) {
        if (this != &other) {
            persistent_base copy(other);
            swap(copy);
        }
        return *this;
    }
    persistent_base&
    operator=(persistent_base&& other) noexcept(trie_t::nothrow_swappable_functions) {
        if (this != &other) {
            persistent_base taken(std::move(other));
            swap(taken);
        }
        return *this;
    }

    void swap(persistent_base& other) noexcept(trie_t::nothrow_swappable_functions) {
        t_.swap_contents(other.t_);
        t_.swap_functions(other.t_);
        t_.swap_allocators(other.t_);
    }

    allocator_type get_allocator() const noexcept { return t_.get_allocator(); }
    hasher hash_function() const { return t_.hash_function(); }
    key_equal key_eq() const { return t_.key_eq(); }

    // ---- iterators, capacity, lookup ----------------------------------------------------------

    const_iterator begin() const noexcept { return t_.begin(); }
    const_iterator cbegin() const noexcept { return t_.begin(); }
    const_iterator end() const noexcept { return t_.end(); }
    const_iterator cend() const noexcept { return t_.end(); }

    [[nodiscard]] bool empty() const noexcept { return t_.empty(); }
    size_type size() const noexcept { return t_.size(); }
    size_type max_size() const noexcept { return t_.max_size(); }

    HAMT_ALWAYS_INLINE const_iterator find(const key_type& key) const {
        return t_.template find_iterator<const_iterator>(key, t_.hash_of(key));
    }
    template <class K, bool T = transparent, class = std::enable_if_t<T>>
    HAMT_ALWAYS_INLINE const_iterator find(const K& key) const {
        return t_.template find_iterator<const_iterator>(key, t_.hash_of(key));
    }
    HAMT_ALWAYS_INLINE bool contains(const key_type& key) const {
        return t_.find_ptr(key, t_.hash_of(key)) != nullptr;
    }
    template <class K, bool T = transparent, class = std::enable_if_t<T>>
    HAMT_ALWAYS_INLINE bool contains(const K& key) const {
        return t_.find_ptr(key, t_.hash_of(key)) != nullptr;
    }
    HAMT_ALWAYS_INLINE size_type count(const key_type& key) const { return contains(key) ? 1 : 0; }
    template <class K, bool T = transparent, class = std::enable_if_t<T>>
    HAMT_ALWAYS_INLINE size_type count(const K& key) const {
        return contains(key) ? 1 : 0;
    }

    // ---- updates: each returns the new version ------------------------------------------------

    // Inserts value unless its key is present (then the result shares this version's root).
    [[nodiscard]] Derived insert(const value_type& value) const& {
        return updated([&](Derived& d) { d.insert_here(value); });
    }
    [[nodiscard]] Derived insert(const value_type& value) && {
        return std::move(*this).updated([&](Derived& d) { d.insert_here(value); });
    }
    [[nodiscard]] Derived insert(value_type&& value) const& {
        return updated([&](Derived& d) { d.insert_here(std::move(value)); });
    }
    [[nodiscard]] Derived insert(value_type&& value) && {
        return std::move(*this).updated([&](Derived& d) { d.insert_here(std::move(value)); });
    }

    // Removes the element with `key`, if any (if not, the result shares this version's root).
    [[nodiscard]] Derived erase(const key_type& key) const& {
        return updated([&](Derived& d) { d.t_.erase_key(key, d.t_.hash_of(key)); });
    }
    [[nodiscard]] Derived erase(const key_type& key) && {
        return std::move(*this).updated(
            [&](Derived& d) { d.t_.erase_key(key, d.t_.hash_of(key)); });
    }
    template <class K, bool T = transparent, class = std::enable_if_t<T>>
    [[nodiscard]] Derived erase(const K& key) const& {
        return updated([&](Derived& d) { d.t_.erase_key(key, d.t_.hash_of(key)); });
    }
    template <class K, bool T = transparent, class = std::enable_if_t<T>>
    [[nodiscard]] Derived erase(const K& key) && {
        return std::move(*this).updated(
            [&](Derived& d) { d.t_.erase_key(key, d.t_.hash_of(key)); });
    }

    // ---- comparison ---------------------------------------------------------------------------

    // O(1) when both share their root; otherwise node by node, skipping every node they share,
    // hashing nothing (trie::equal_contents).
    friend bool operator==(const Derived& a, const Derived& b) { return a.t_.equal_contents(b.t_); }
    friend bool operator!=(const Derived& a, const Derived& b) { return !(a == b); }

protected:
    ~persistent_base() = default;

    Derived& derived() noexcept { return static_cast<Derived&>(*this); }
    const Derived& derived() const noexcept { return static_cast<const Derived&>(*this); }

    // The version that `change` makes of a copy of this one (strong guarantee: on a throw the
    // copy is dropped and this version was never touched).
    template <class Change>
    Derived updated(Change&& change) const& {
        Derived copy(derived());
        change(copy);
        return copy;
    }
    // The same on this version itself, which the caller gives up: a throw leaves it with its
    // old contents (nodes may have been copied).
    template <class Change>
    Derived updated(Change&& change) && {
        change(derived());
        return std::move(derived());
    }

    template <class V>
    void insert_here(V&& value) {
        value_alloc va(t_.get_allocator());
        const key_type& key = Policy::key_of(value);
        t_.emplace_unique(t_.hash_of(key), key, [&](value_type* p) {
            value_traits::construct(va, p, std::forward<V>(value));
        });
    }
    template <class InputIt>
    void insert_range(InputIt first, InputIt last) {
        if constexpr (bulk_buildable<InputIt, Policy>::value) {
            if (t_.empty()) {
                t_.bulk_build(first, last);
                return;
            }
        }
        for (; first != last; ++first) {
            if constexpr (std::is_same_v<std::decay_t<decltype(*first)>, value_type>)
                insert_here(*first);
            else
                insert_here(value_type(*first));
        }
    }

    trie_t t_;
};

} // namespace hamt::detail
