// The std::unordered_map / std::unordered_set interface shared by hamt::map and hamt::set
// (everything but the mapped-value members), written over the trie engine.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include "trie.hpp"

namespace hamt::detail {

template <class Policy, class Hash, class KeyEqual, class Allocator, unsigned Bits,
          class Ownership = exclusive_ownership>
class container_base {
    template <class, class, class, class, unsigned, class>
    friend class container_base;
    template <class>
    friend struct trie_access;

protected:
    using trie_t = trie<Policy, Hash, KeyEqual, Allocator, Bits, Ownership>;
    using alloc_traits = std::allocator_traits<Allocator>;
    using value_alloc = typename alloc_traits::template rebind_alloc<typename Policy::value_type>;
    using value_traits = std::allocator_traits<value_alloc>;
    static constexpr bool transparent = is_transparent_pair<Hash, KeyEqual>::value;

public:
    using key_type = typename Policy::key_type;
    using value_type = typename Policy::value_type;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using hasher = Hash;
    using key_equal = KeyEqual;
    using allocator_type = Allocator;
    using reference = value_type&;
    using const_reference = const value_type&;
    using pointer = typename alloc_traits::pointer;
    using const_pointer = typename alloc_traits::const_pointer;
    using iterator = typename trie_t::iterator;
    using const_iterator = typename trie_t::const_iterator;

    // ---- construction and assignment ----------------------------------------------------------

    container_base() : container_base(0) {}
    explicit container_base(size_type bucket_count_hint, const Hash& hash = Hash(),
                            const KeyEqual& equal = KeyEqual(),
                            const Allocator& alloc = Allocator())
        : t_(hash, equal, alloc) {
        if (bucket_count_hint) reserve(bucket_count_hint);
    }
    container_base(size_type bucket_count_hint, const Allocator& alloc)
        : container_base(bucket_count_hint, Hash(), KeyEqual(), alloc) {}
    container_base(size_type bucket_count_hint, const Hash& hash, const Allocator& alloc)
        : container_base(bucket_count_hint, hash, KeyEqual(), alloc) {}
    explicit container_base(const Allocator& alloc)
        : container_base(0, Hash(), KeyEqual(), alloc) {}

    template <class InputIt>
    container_base(InputIt first, InputIt last, size_type bucket_count_hint = 0,
                   const Hash& hash = Hash(), const KeyEqual& equal = KeyEqual(),
                   const Allocator& alloc = Allocator())
        : container_base(bucket_count_hint, hash, equal, alloc) {
        insert(first, last);
    }
    template <class InputIt>
    container_base(InputIt first, InputIt last, size_type bucket_count_hint, const Allocator& alloc)
        : container_base(first, last, bucket_count_hint, Hash(), KeyEqual(), alloc) {}
    template <class InputIt>
    container_base(InputIt first, InputIt last, size_type bucket_count_hint, const Hash& hash,
                   const Allocator& alloc)
        : container_base(first, last, bucket_count_hint, hash, KeyEqual(), alloc) {}

    container_base(std::initializer_list<value_type> init, size_type bucket_count_hint = 0,
                   const Hash& hash = Hash(), const KeyEqual& equal = KeyEqual(),
                   const Allocator& alloc = Allocator())
        : container_base(init.begin(), init.end(), bucket_count_hint, hash, equal, alloc) {}
    container_base(std::initializer_list<value_type> init, size_type bucket_count_hint,
                   const Allocator& alloc)
        : container_base(init, bucket_count_hint, Hash(), KeyEqual(), alloc) {}
    container_base(std::initializer_list<value_type> init, size_type bucket_count_hint,
                   const Hash& hash, const Allocator& alloc)
        : container_base(init, bucket_count_hint, hash, KeyEqual(), alloc) {}

    container_base(const container_base& other)
        : container_base(
              other, alloc_traits::select_on_container_copy_construction(other.get_allocator())) {}
    // Exclusive ownership only. With shared ownership copy_from shares other's nodes, which
    // would then be freed through `alloc`, not the allocator that made them; and the transients
    // (which inherit these constructors) are move-only.
    template <bool S = Ownership::shared, std::enable_if_t<!S, int> = 0>
    container_base(const container_base& other, const Allocator& alloc)
        : t_(other.t_.hash_function(), other.t_.key_eq(), alloc) {
        t_.copy_from(other.t_);
    }

    container_base(container_base&& other) noexcept
        : t_(other.t_.hash_function(), other.t_.key_eq(), other.get_allocator()) {
        t_.steal(other.t_);
    }
    container_base(container_base&& other, const Allocator& alloc)
        : t_(other.t_.hash_function(), other.t_.key_eq(), alloc) {
        if (t_.same_allocator(other.t_)) {
            t_.steal(other.t_);
        } else {
            move_elements_from(other);
        }
    }

    container_base& operator=(const container_base& other) {
        if (this == &other) return *this;
        constexpr bool propagate = alloc_traits::propagate_on_container_copy_assignment::value;
        // Copy first, then swap: strong guarantee.
        container_base copy(other, propagate ? other.get_allocator() : get_allocator());
        t_.swap_contents(copy.t_);
        t_.swap_functions(copy.t_);
        if constexpr (propagate) t_.swap_allocators(copy.t_);
        return *this;
    }

    container_base& operator=(container_base&& other) noexcept(
        (alloc_traits::propagate_on_container_move_assignment::value ||
         alloc_traits::is_always_equal::value) &&
        std::is_nothrow_move_assignable_v<Hash> && std::is_nothrow_move_assignable_v<KeyEqual>) {
        if (this == &other) return *this;
        t_.destroy_all();
        t_.assign_functions(other.t_);
        if constexpr (alloc_traits::propagate_on_container_move_assignment::value) {
            t_.assign_allocator(other.t_);
            t_.steal(other.t_);
        } else if (t_.same_allocator(other.t_)) {
            t_.steal(other.t_);
        } else {
            move_elements_from(other);
        }
        return *this;
    }

    container_base& operator=(std::initializer_list<value_type> init) {
        clear();
        insert(init);
        return *this;
    }

    allocator_type get_allocator() const noexcept { return t_.get_allocator(); }
    hasher hash_function() const { return t_.hash_function(); }
    key_equal key_eq() const { return t_.key_eq(); }

    // ---- iterators ------------------------------------------------------------------------------

    iterator begin() noexcept { return t_.begin(); }
    const_iterator begin() const noexcept { return t_.begin(); }
    const_iterator cbegin() const noexcept { return t_.begin(); }
    iterator end() noexcept { return t_.end(); }
    const_iterator end() const noexcept { return t_.end(); }
    const_iterator cend() const noexcept { return t_.end(); }

    // ---- capacity -------------------------------------------------------------------------------

    [[nodiscard]] bool empty() const noexcept { return t_.empty(); }
    size_type size() const noexcept { return t_.size(); }
    size_type max_size() const noexcept { return t_.max_size(); }

    // Prepares node memory for about n elements in total, so that inserting up to n elements
    // calls the allocator at most a few times. Never shrinks; invalidates nothing.
    void reserve(size_type n) {
        if (n > size()) t_.reserve_nodes(n - size());
    }

    // ---- lookup ---------------------------------------------------------------------------------
    // Always inlined: a find() that is called returns its (large) iterator through memory, and
    // at -O2 GCC leaves these calls out of line; inlined, a dereferenced find costs what
    // contains does.

    HAMT_ALWAYS_INLINE iterator find(const key_type& key) {
        return t_.template find_iterator<iterator>(key, t_.hash_of(key));
    }
    HAMT_ALWAYS_INLINE const_iterator find(const key_type& key) const {
        return t_.template find_iterator<const_iterator>(key, t_.hash_of(key));
    }
    template <class K, bool T = transparent, class = std::enable_if_t<T>>
    HAMT_ALWAYS_INLINE iterator find(const K& key) {
        return t_.template find_iterator<iterator>(key, t_.hash_of(key));
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

    std::pair<iterator, iterator> equal_range(const key_type& key) { return range_of(find(key)); }
    std::pair<const_iterator, const_iterator> equal_range(const key_type& key) const {
        return range_of(find(key));
    }
    template <class K, bool T = transparent, class = std::enable_if_t<T>>
    std::pair<iterator, iterator> equal_range(const K& key) {
        return range_of(find(key));
    }
    template <class K, bool T = transparent, class = std::enable_if_t<T>>
    std::pair<const_iterator, const_iterator> equal_range(const K& key) const {
        return range_of(find(key));
    }

    // ---- insertion ------------------------------------------------------------------------------

    std::pair<iterator, bool> insert(const value_type& value) {
        return emplace_with_key(Policy::key_of(value), value);
    }
    std::pair<iterator, bool> insert(value_type&& value) {
        return emplace_with_key(Policy::key_of(value), std::move(value));
    }
    iterator insert(const_iterator, const value_type& value) { return insert(value).first; }
    iterator insert(const_iterator, value_type&& value) { return insert(std::move(value)).first; }

    // Shared ownership (transients): into an empty container, a forward range is built in one
    // pass (trie::bulk_build: each node made once, at its final size).
    template <class InputIt>
    void insert(InputIt first, InputIt last) {
        if constexpr (Ownership::shared && bulk_buildable<InputIt, Policy>::value) {
            if (t_.empty()) {
                t_.bulk_build(first, last);
                return;
            }
        }
        for (; first != last; ++first)
            emplace(*first);
    }
    void insert(std::initializer_list<value_type> init) { insert(init.begin(), init.end()); }

    template <class... Args>
    std::pair<iterator, bool> emplace(Args&&... args) {
        if constexpr (has_key_arg<Args...>()) {
            return emplace_with_key(key_arg(args...), std::forward<Args>(args)...);
        } else {
            // The key is known only once the element exists: build it aside, then move it in.
            value_alloc va(get_allocator());
            alignas(value_type) unsigned char buffer[sizeof(value_type)];
            value_type* tmp = reinterpret_cast<value_type*>(buffer);
            value_traits::construct(va, tmp, std::forward<Args>(args)...);
            struct destroy_tmp {
                value_alloc& va;
                value_type* p;
                ~destroy_tmp() { value_traits::destroy(va, p); }
            } guard{va, tmp};
            const key_type& key = Policy::key_of(*tmp);
            std::pair<iterator, bool> result; // filled in place: an iterator is large to copy
            result.second =
                t_.emplace_unique(
                      t_.hash_of(key), key,
                      [&](value_type* p) { Policy::move_construct(va, p, *tmp); }, &result.first)
                    .second;
            return result;
        }
    }
    template <class... Args>
    iterator emplace_hint(const_iterator, Args&&... args) {
        return emplace(std::forward<Args>(args)...).first;
    }

    // ---- erasure --------------------------------------------------------------------------------

    iterator erase(const_iterator pos) { return t_.erase_at(pos); }
    template <bool Distinct = !std::is_same_v<iterator, const_iterator>,
              std::enable_if_t<Distinct, int> = 0>
    iterator erase(iterator pos) {
        return t_.erase_at(pos);
    }
    iterator erase(const_iterator first, const_iterator last) {
        // Erasing moves elements, so `last` is found again by counting, not by address.
        if (first == last) return trie_t::mutable_iterator(first);
        if (last == cend()) {
            iterator it = t_.erase_at(first);
            while (it != end())
                it = t_.erase_at(it);
            return it;
        }
        const auto n = std::distance(first, last);
        iterator it = trie_t::mutable_iterator(first);
        for (auto i = n; i > 0; --i)
            it = t_.erase_at(it);
        return it;
    }
    size_type erase(const key_type& key) { return t_.erase_key(key, t_.hash_of(key)); }
    template <class K, bool T = transparent,
              class = std::enable_if_t<T && !std::is_convertible_v<K, iterator> &&
                                       !std::is_convertible_v<K, const_iterator>>>
    size_type erase(K&& key) {
        return t_.erase_key(key, t_.hash_of(key));
    }

    void clear() noexcept { t_.destroy_all(); }

    static constexpr bool nothrow_swap =
        alloc_traits::is_always_equal::value && trie_t::nothrow_swappable_functions;
    void swap(container_base& other) noexcept(nothrow_swap) {
        t_.swap_contents(other.t_);
        t_.swap_functions(other.t_);
        if constexpr (alloc_traits::propagate_on_container_swap::value)
            t_.swap_allocators(other.t_);
    }

    // Moves each element of `source` whose key is not in *this; the others stay in source.
    // (Not for shared ownership: it moves elements out of source's nodes, which may be shared.)
    template <class H2, class E2, bool S = Ownership::shared, class = std::enable_if_t<!S>>
    void merge(container_base<Policy, H2, E2, Allocator, Bits>& source) {
        if (static_cast<const void*>(&source) == static_cast<const void*>(this)) return;
        value_alloc va(get_allocator());
        for (auto it = source.begin(); it != source.end();) {
            value_type& v = const_cast<value_type&>(*it);
            const key_type& key = Policy::key_of(v);
            auto r = t_.emplace_unique(t_.hash_of(key), key,
                                       [&](value_type* p) { Policy::move_construct(va, p, v); });
            if (r.second) {
                it = source.t_.erase_at(it);
            } else {
                ++it;
            }
        }
    }
    template <class H2, class E2, bool S = Ownership::shared, class = std::enable_if_t<!S>>
    void merge(container_base<Policy, H2, E2, Allocator, Bits>&& source) {
        merge(source);
    }

    // ---- comparison -----------------------------------------------------------------------------

    // Node by node, hashing nothing (see trie::equal_contents). Like std::unordered_map's ==,
    // it requires both containers to hash and compare keys alike.
    friend bool operator==(const container_base& a, const container_base& b) {
        return a.t_.equal_contents(b.t_);
    }
    friend bool operator!=(const container_base& a, const container_base& b) { return !(a == b); }

protected:
    ~container_base() = default;

    template <class It>
    static std::pair<It, It> range_of(It it) {
        if (it == It()) return {it, it};
        It next = it;
        ++next;
        return {it, next};
    }

    // Inserts an element constructed from args unless `key` is present (args untouched then).
    template <class K, class... Args>
    HAMT_ALWAYS_INLINE std::pair<iterator, bool> emplace_with_key(const K& key, Args&&... args) {
        value_alloc va(get_allocator());
        std::pair<iterator, bool> result; // filled in place: an iterator is large to copy
        result.second = t_.emplace_unique(
                              t_.hash_of(key), key,
                              [&](value_type* p) {
                                  value_traits::construct(va, p, std::forward<Args>(args)...);
                              },
                              &result.first)
                            .second;
        return result;
    }

    // emplace can look the key up before constructing when the arguments hold a key_type:
    // (key, mapped) for maps, (pair) for maps, (key) for sets.
    template <class... Args>
    static constexpr bool has_key_arg() {
        if constexpr (sizeof...(Args) == 1) {
            using A = std::remove_cv_t<
                std::remove_reference_t<std::tuple_element_t<0, std::tuple<Args...>>>>;
            if constexpr (Policy::is_map)
                return is_pair_with_key<A>::value;
            else
                return std::is_same_v<A, key_type>;
        } else if constexpr (sizeof...(Args) == 2 && Policy::is_map) {
            using A = std::tuple_element_t<0, std::tuple<Args...>>;
            return std::is_same_v<std::remove_cv_t<std::remove_reference_t<A>>, key_type>;
        } else {
            return false;
        }
    }
    template <class A, class... Rest>
    static const key_type& key_arg(const A& a, const Rest&...) {
        if constexpr (sizeof...(Rest) == 0 && Policy::is_map)
            return a.first;
        else
            return a;
    }
    template <class A, class = void>
    struct is_pair_with_key : std::false_type {};
    template <class A>
    struct is_pair_with_key<
        A, std::void_t<decltype(std::declval<A&>().first), decltype(std::declval<A&>().second)>>
        : std::is_same<
              std::remove_cv_t<std::remove_reference_t<decltype(std::declval<A&>().first)>>,
              key_type> {};

    // Moves every element of other into this (different, unequal allocators); other is cleared.
    // Shared nodes may belong to other versions: their elements are copied, not moved.
    void move_elements_from(container_base& other) {
        value_alloc va(get_allocator());
        for (auto it = other.t_.begin(); it != other.t_.end(); ++it) {
            value_type& v = const_cast<value_type&>(*it);
            const key_type& key = Policy::key_of(v);
            t_.emplace_unique(t_.hash_of(key), key, [&](value_type* p) {
                if constexpr (Ownership::shared)
                    value_traits::construct(va, p, std::as_const(v));
                else
                    Policy::move_construct(va, p, v);
            });
        }
        other.clear();
    }

    trie_t t_;
};

} // namespace hamt::detail
