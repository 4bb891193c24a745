// hamt::persistent_set: an immutable, structurally shared hash set, and hamt::transient_set
// (persistent_set::transient_type), its mutable move-only handle with hamt::set's interface.
// Semantics, complexity, thread safety and exception guarantees are persistent_map's (see
// persistent_map.hpp and README "Persistent containers").
#pragma once

#include <type_traits>
#include <utility>

#include "detail/container.hpp"
#include "detail/persistent_base.hpp"
#include "fwd.hpp"
#include "hash.hpp"

namespace hamt {

template <class Key, class Hash = hamt::hash<Key>, class KeyEqual = std::equal_to<Key>,
          class Allocator = std::allocator<Key>, class ThreadPolicy = thread_safe,
          unsigned BitsPerLevel = default_bits_per_level>
class transient_set
    : public detail::container_base<detail::set_policy<Key>, Hash, KeyEqual, Allocator,
                                    BitsPerLevel, detail::shared_ownership<ThreadPolicy>> {
    using base = detail::container_base<detail::set_policy<Key>, Hash, KeyEqual, Allocator,
                                        BitsPerLevel, detail::shared_ownership<ThreadPolicy>>;
    friend class persistent_set<Key, Hash, KeyEqual, Allocator, ThreadPolicy, BitsPerLevel>;

public:
    using persistent_type =
        persistent_set<Key, Hash, KeyEqual, Allocator, ThreadPolicy, BitsPerLevel>;
    using typename base::value_type;

    using base::base;
    transient_set() = default;
    transient_set(const transient_set&) = delete;
    transient_set& operator=(const transient_set&) = delete;
    transient_set(transient_set&&) noexcept = default;
    transient_set&
    operator=(transient_set&& other) noexcept(std::is_nothrow_move_assignable_v<base>) {
        base::operator=(std::move(other));
        return *this;
    }
    transient_set& operator=(std::initializer_list<value_type> init) {
        base::operator=(init);
        return *this;
    }

    // The current contents as a persistent version, O(1); see transient_map::persistent.
    [[nodiscard]] persistent_type persistent() const& {
        persistent_type p(this->hash_function(), this->key_eq(), this->get_allocator());
        p.t_.copy_from(this->t_);
        return p;
    }
    [[nodiscard]] persistent_type persistent() && {
        persistent_type p(this->hash_function(), this->key_eq(), this->get_allocator());
        p.t_.steal(this->t_);
        return p;
    }

    void swap(transient_set& other) noexcept(
        noexcept(std::declval<base&>().swap(std::declval<base&>()))) {
        base::swap(other);
    }
};

template <class Key, class Hash, class KeyEqual, class Allocator, class ThreadPolicy,
          unsigned BitsPerLevel>
class persistent_set
    : public detail::persistent_base<
          persistent_set<Key, Hash, KeyEqual, Allocator, ThreadPolicy, BitsPerLevel>,
          detail::set_policy<Key>, Hash, KeyEqual, Allocator, BitsPerLevel, ThreadPolicy> {
    using base = detail::persistent_base<persistent_set, detail::set_policy<Key>, Hash, KeyEqual,
                                         Allocator, BitsPerLevel, ThreadPolicy>;
    friend base;
    friend class transient_set<Key, Hash, KeyEqual, Allocator, ThreadPolicy, BitsPerLevel>;

public:
    using transient_type =
        transient_set<Key, Hash, KeyEqual, Allocator, ThreadPolicy, BitsPerLevel>;

    using base::base;
    persistent_set() = default;

    // A mutable handle on this version's contents, O(1); see persistent_map::transient.
    [[nodiscard]] transient_type transient() const& {
        transient_type t(0, this->hash_function(), this->key_eq(), this->get_allocator());
        t.t_.copy_from(this->t_);
        return t;
    }
    [[nodiscard]] transient_type transient() && {
        transient_type t(0, this->hash_function(), this->key_eq(), this->get_allocator());
        t.t_.steal(this->t_);
        return t;
    }

    void swap(persistent_set& other) noexcept(noexcept(std::declval<base&>().swap(other))) {
        base::swap(other);
    }
};

template <class K, class H, class E, class A, class P, unsigned B>
void swap(persistent_set<K, H, E, A, P, B>& a,
          persistent_set<K, H, E, A, P, B>& b) noexcept(noexcept(a.swap(b))) {
    a.swap(b);
}
template <class K, class H, class E, class A, class P, unsigned B>
void swap(transient_set<K, H, E, A, P, B>& a,
          transient_set<K, H, E, A, P, B>& b) noexcept(noexcept(a.swap(b))) {
    a.swap(b);
}

} // namespace hamt
