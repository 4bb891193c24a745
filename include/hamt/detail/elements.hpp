// What the engine needs to know about the stored elements: how to get the key out of one
// (map: pair.first; set: the element), and how to construct, destroy and relocate them through
// the allocator.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>

#include "config.hpp"

namespace hamt::detail {

template <class Key, class T>
struct map_policy {
    using key_type = Key;
    using mapped_type = T;
    using value_type = std::pair<const Key, T>;
    static constexpr bool is_map = true;

    static const Key& key_of(const value_type& v) noexcept { return v.first; }

    static constexpr bool nothrow_move =
        std::is_nothrow_move_constructible_v<Key> && std::is_nothrow_move_constructible_v<T>;
    // Relocation moves the key out of its const member, as Boost.Unordered and libc++ do: the
    // source is destroyed immediately afterwards and never observed in between.
    template <class Alloc>
    static void move_construct(Alloc& a, value_type* dst, value_type& src) noexcept(nothrow_move) {
        std::allocator_traits<Alloc>::construct(a, dst, std::move(const_cast<Key&>(src.first)),
                                                std::move(src.second));
    }
    // std::pair itself is not trivially copyable from C++20 on (its assignments are
    // user-provided), but a pair of trivially copyable members is relocated by copying bytes.
    static constexpr bool trivially_relocatable =
        std::is_trivially_copyable_v<Key> && std::is_trivially_copyable_v<T>;
};

template <class Key>
struct set_policy {
    using key_type = Key;
    using value_type = Key;
    static constexpr bool is_map = false;

    static const Key& key_of(const value_type& v) noexcept { return v; }

    template <class Alloc>
    static void
    move_construct(Alloc& a, value_type* dst,
                   value_type& src) noexcept(std::is_nothrow_move_constructible_v<Key>) {
        std::allocator_traits<Alloc>::construct(a, dst, std::move(src));
    }
    static constexpr bool nothrow_move = std::is_nothrow_move_constructible_v<Key>;
    static constexpr bool trivially_relocatable = std::is_trivially_copyable_v<Key>;
};

template <class A, class = void>
struct allocator_has_construct : std::false_type {};
template <class A>
struct allocator_has_construct<
    A, std::void_t<decltype(std::declval<A&>().construct(
           std::declval<typename A::value_type*>(), std::declval<typename A::value_type&&>()))>>
    : std::true_type {};

template <class A, class = void>
struct allocator_has_destroy : std::false_type {};
template <class A>
struct allocator_has_destroy<
    A, std::void_t<decltype(std::declval<A&>().destroy(std::declval<typename A::value_type*>()))>>
    : std::true_type {};

template <class T>
struct is_std_allocator : std::false_type {};
template <class T>
struct is_std_allocator<std::allocator<T>> : std::true_type {};

// Construction, destruction and relocation of elements through the value allocator.
template <class Policy, class ValueAlloc>
struct element_ops {
    using value_type = typename Policy::value_type;
    using traits = std::allocator_traits<ValueAlloc>;

    // Bytes may be copied instead of calling constructors when nothing could observe it.
    static constexpr bool bitwise =
        Policy::trivially_relocatable &&
        (is_std_allocator<ValueAlloc>::value || (!allocator_has_construct<ValueAlloc>::value &&
                                                 !allocator_has_destroy<ValueAlloc>::value));
    // Relocation (move then destroy the source) cannot throw: such elements are rearranged in
    // place. Otherwise, if they can be copied, nodes are rebuilt by copying so that a throw
    // leaves the old node intact (like std::vector's move_if_noexcept). Elements that can only
    // be moved, by a move that may throw, are moved anyway; if such a move throws during a
    // rearrangement, std::terminate is called (relocate is noexcept).
    static constexpr bool nothrow_relocate = bitwise || Policy::nothrow_move;
    static constexpr bool copy_to_rebuild =
        !nothrow_relocate && std::is_copy_constructible_v<value_type>;

    template <class... Args>
    static void construct(ValueAlloc& a, value_type* p, Args&&... args) {
        traits::construct(a, p, std::forward<Args>(args)...);
    }
    static void destroy(ValueAlloc& a, value_type* p) noexcept { traits::destroy(a, p); }
    static void destroy(ValueAlloc& a, value_type* p, std::size_t n) noexcept {
        if constexpr (!(std::is_trivially_destructible_v<value_type> && bitwise)) {
            for (std::size_t i = 0; i < n; ++i)
                traits::destroy(a, p + i);
        } else {
            (void)a, (void)p, (void)n;
        }
    }

    // Moves one element to raw memory at dst and destroys the source.
    static void relocate(ValueAlloc& a, value_type* dst, value_type* src) noexcept {
        if constexpr (bitwise) {
            std::memcpy(static_cast<void*>(dst), static_cast<const void*>(src), sizeof(value_type));
        } else {
            Policy::move_construct(a, dst, *src);
            traits::destroy(a, src);
        }
    }

    // Relocates one element to a place that may overlap its own (nodes shift entries by the
    // difference of a child slot and an entry, which can be less than an entry).
    static void relocate_overlapping(ValueAlloc& a, value_type* dst, value_type* src) noexcept {
        const auto distance = reinterpret_cast<std::byte*>(dst) - reinterpret_cast<std::byte*>(src);
        if (distance >= static_cast<std::ptrdiff_t>(sizeof(value_type)) ||
            -distance >= static_cast<std::ptrdiff_t>(sizeof(value_type))) {
            relocate(a, dst, src);
            return;
        }
        alignas(value_type) unsigned char buffer[sizeof(value_type)];
        value_type* tmp = reinterpret_cast<value_type*>(buffer);
        relocate(a, tmp, src);
        relocate(a, dst, tmp);
    }

    // Relocates n elements; the ranges may overlap when dst < src.
    static void relocate_forward(ValueAlloc& a, value_type* dst, value_type* src,
                                 std::size_t n) noexcept {
        if (n == 0 || dst == src) return;
        if constexpr (bitwise) {
            std::memmove(static_cast<void*>(dst), static_cast<const void*>(src),
                         n * sizeof(value_type));
        } else {
            for (std::size_t i = 0; i < n; ++i)
                relocate_overlapping(a, dst + i, src + i);
        }
    }
    // Relocates n elements; the ranges may overlap when dst > src.
    static void relocate_backward(ValueAlloc& a, value_type* dst, value_type* src,
                                  std::size_t n) noexcept {
        if (n == 0 || dst == src) return;
        if constexpr (bitwise) {
            std::memmove(static_cast<void*>(dst), static_cast<const void*>(src),
                         n * sizeof(value_type));
        } else {
            for (std::size_t i = n; i-- > 0;)
                relocate_overlapping(a, dst + i, src + i);
        }
    }

    // Transfers into fresh memory for a rebuilt node. With copy_to_rebuild the sources stay
    // intact (the caller destroys them once every step has succeeded) and a throw destroys the
    // copies made by this call; otherwise sources are relocated and nothing throws.
    static void transfer(ValueAlloc& a, value_type* dst, value_type* src, std::size_t n) {
        if constexpr (copy_to_rebuild) {
            std::size_t i = 0;
            HAMT_TRY {
                for (; i < n; ++i)
                    construct(a, dst + i, std::as_const(src[i]));
            }
            HAMT_CATCH_ALL {
                destroy(a, dst, i);
                HAMT_RETHROW;
            }
        } else if constexpr (bitwise) {
            if (n)
                std::memcpy(static_cast<void*>(dst), static_cast<const void*>(src),
                            n * sizeof(value_type));
        } else {
            for (std::size_t i = 0; i < n; ++i)
                relocate(a, dst + i, src + i);
        }
    }
    // After a successful rebuild: what transfer() left behind in the old node.
    static void finish_transfer(ValueAlloc& a, value_type* src, std::size_t n) noexcept {
        if constexpr (copy_to_rebuild)
            destroy(a, src, n);
        else
            (void)a, (void)src, (void)n;
    }
};

} // namespace hamt::detail
