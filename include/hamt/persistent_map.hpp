// hamt::persistent_map: an immutable, structurally shared hash map. Copies are O(1); every
// update returns a new version and leaves the original unchanged, sharing all but the changed
// path with it. hamt::transient_map (persistent_map::transient_type) is a mutable, move-only
// handle with hamt::map's interface that changes in place what it alone owns. See README
// "Persistent containers" for complexity, thread safety and exception guarantees; in short:
//
//  - lookups and iteration: as hamt::map (same engine), never allocate;
//  - insert / set / erase / update: O(log32 n) expected, copying one path of nodes (each node
//    copy takes a reference to its children); on an rvalue (`std::move(m).set(k, v)`) nodes this
//    version alone holds are changed in place. Strong guarantee on an lvalue; on an rvalue a
//    throw leaves the version with its old contents. An update that changes nothing allocates
//    nothing and shares the original's root;
//  - ==: O(1) for versions sharing their root, else skips every shared subtree, never hashes;
//  - threads (thread_safe, the default): any number of threads may read, copy, update and drop
//    versions that share nodes, without locks; a single version or transient object is not to be
//    modified by two threads at once (as for any std type). single_thread: plain counts, for
//    families of versions that never cross threads.
#pragma once

#include <stdexcept>
#include <type_traits>
#include <utility>

#include "detail/persistent_base.hpp"
#include "fwd.hpp"
#include "hash.hpp"
#include "map.hpp"

namespace hamt {

// The mutable handle of persistent_map: hamt::map's lookups and modifiers over shared nodes.
// Iterators are const (an element of a shared node is written only by operations that make its
// path the transient's own first: operator[], at, insert_or_assign). Move-only.
template <class Key, class T, class Hash = hamt::hash<Key>, class KeyEqual = std::equal_to<Key>,
          class Allocator = std::allocator<std::pair<const Key, T>>,
          class ThreadPolicy = thread_safe, unsigned BitsPerLevel = default_bits_per_level>
class transient_map : public detail::basic_map<Key, T, Hash, KeyEqual, Allocator, BitsPerLevel,
                                               detail::shared_ownership<ThreadPolicy>> {
    using base = detail::basic_map<Key, T, Hash, KeyEqual, Allocator, BitsPerLevel,
                                   detail::shared_ownership<ThreadPolicy>>;
    friend class persistent_map<Key, T, Hash, KeyEqual, Allocator, ThreadPolicy, BitsPerLevel>;

public:
    using persistent_type =
        persistent_map<Key, T, Hash, KeyEqual, Allocator, ThreadPolicy, BitsPerLevel>;
    using typename base::value_type;

    using base::base;
    transient_map() = default;
    transient_map(const transient_map&) = delete;
    transient_map& operator=(const transient_map&) = delete;
    transient_map(transient_map&&) noexcept = default;
    transient_map&
    operator=(transient_map&& other) noexcept(std::is_nothrow_move_assignable_v<base>) {
        base::operator=(std::move(other));
        return *this;
    }
    transient_map& operator=(std::initializer_list<value_type> init) {
        base::operator=(init);
        return *this;
    }

    // The current contents as a persistent version, O(1). Later changes to this transient copy
    // what they touch and do not show in that version.
    [[nodiscard]] persistent_type persistent() const& {
        persistent_type p(this->hash_function(), this->key_eq(), this->get_allocator());
        p.t_.copy_from(this->t_);
        return p;
    }
    // The same, leaving this transient empty.
    [[nodiscard]] persistent_type persistent() && {
        persistent_type p(this->hash_function(), this->key_eq(), this->get_allocator());
        p.t_.steal(this->t_);
        return p;
    }

    void swap(transient_map& other) noexcept(
        noexcept(std::declval<base&>().swap(std::declval<base&>()))) {
        base::swap(other);
    }
};

template <class Key, class T, class Hash, class KeyEqual, class Allocator, class ThreadPolicy,
          unsigned BitsPerLevel>
class persistent_map
    : public detail::persistent_base<
          persistent_map<Key, T, Hash, KeyEqual, Allocator, ThreadPolicy, BitsPerLevel>,
          detail::map_policy<Key, T>, Hash, KeyEqual, Allocator, BitsPerLevel, ThreadPolicy> {
    using base = detail::persistent_base<persistent_map, detail::map_policy<Key, T>, Hash, KeyEqual,
                                         Allocator, BitsPerLevel, ThreadPolicy>;
    friend base;
    friend class transient_map<Key, T, Hash, KeyEqual, Allocator, ThreadPolicy, BitsPerLevel>;

public:
    using mapped_type = T;
    using typename base::key_type;
    using typename base::value_type;
    using transient_type =
        transient_map<Key, T, Hash, KeyEqual, Allocator, ThreadPolicy, BitsPerLevel>;

    using base::base;
    persistent_map() = default;

    const T& at(const Key& key) const {
        const value_type* p = this->t_.find_ptr(key, this->t_.hash_of(key));
        if (!p) HAMT_THROW(std::out_of_range("hamt::persistent_map::at: key not found"));
        return p->second;
    }

    // Inserts (key, value), or assigns value to the element with key.
    [[nodiscard]] persistent_map set(const Key& key, T value) const& {
        return this->updated([&](persistent_map& m) { m.set_here(key, std::move(value)); });
    }
    [[nodiscard]] persistent_map set(const Key& key, T value) && {
        return std::move(*this).updated(
            [&](persistent_map& m) { m.set_here(key, std::move(value)); });
    }
    [[nodiscard]] persistent_map set(Key&& key, T value) const& {
        return this->updated(
            [&](persistent_map& m) { m.set_here(std::move(key), std::move(value)); });
    }
    [[nodiscard]] persistent_map set(Key&& key, T value) && {
        return std::move(*this).updated(
            [&](persistent_map& m) { m.set_here(std::move(key), std::move(value)); });
    }

    // Sets key's value to f(old), where old is its current value or a value-initialized T if
    // the key is absent. f is called once, before anything changes.
    template <class F>
    [[nodiscard]] persistent_map update(const Key& key, F&& f) const& {
        return this->updated([&](persistent_map& m) { m.update_here(key, f); });
    }
    template <class F>
    [[nodiscard]] persistent_map update(const Key& key, F&& f) && {
        return std::move(*this).updated([&](persistent_map& m) { m.update_here(key, f); });
    }

    // A mutable handle on this version's contents, O(1) (it shares every node).
    [[nodiscard]] transient_type transient() const& {
        transient_type t(0, this->hash_function(), this->key_eq(), this->get_allocator());
        t.t_.copy_from(this->t_);
        return t;
    }
    // The same, taking this version's nodes (it is left empty): nodes it alone held are then
    // changed in place by the transient.
    [[nodiscard]] transient_type transient() && {
        transient_type t(0, this->hash_function(), this->key_eq(), this->get_allocator());
        t.t_.steal(this->t_);
        return t;
    }

    void swap(persistent_map& other) noexcept(noexcept(std::declval<base&>().swap(other))) {
        base::swap(other);
    }

private:
    template <class K>
    void set_here(K&& key, T&& value) {
        typename base::value_alloc va(this->t_.get_allocator());
        auto r =
            this->t_.template emplace_unique<true>(this->t_.hash_of(key), key, [&](value_type* p) {
                base::value_traits::construct(va, p, std::piecewise_construct,
                                              std::forward_as_tuple(std::forward<K>(key)),
                                              std::forward_as_tuple(std::move(value)));
            });
        if (!r.second) r.first->second = std::move(value);
    }
    template <class F>
    void update_here(const Key& key, F& f) {
        const auto h = this->t_.hash_of(key);
        if (const value_type* p = this->t_.find_ptr(key, h)) {
            T now = f(std::as_const(p->second));
            this->t_.find_for_update(key, h)->second = std::move(now);
        } else {
            const T fresh{};
            set_here(key, T(f(fresh)));
        }
    }
};

template <class K, class T, class H, class E, class A, class P, unsigned B>
void swap(persistent_map<K, T, H, E, A, P, B>& a,
          persistent_map<K, T, H, E, A, P, B>& b) noexcept(noexcept(a.swap(b))) {
    a.swap(b);
}
template <class K, class T, class H, class E, class A, class P, unsigned B>
void swap(transient_map<K, T, H, E, A, P, B>& a,
          transient_map<K, T, H, E, A, P, B>& b) noexcept(noexcept(a.swap(b))) {
    a.swap(b);
}

} // namespace hamt
