// Empty-base storage for the container's function objects and allocator: an empty Hash,
// KeyEqual or Allocator costs no bytes. C++17 has no [[no_unique_address]].
#pragma once

#include <type_traits>
#include <utility>

namespace hamt::detail {

template <class T, class Tag, bool Empty = std::is_empty_v<T> && !std::is_final_v<T>>
class ebo_storage : private T {
public:
    ebo_storage() = default;
    explicit ebo_storage(const T& v) : T(v) {}
    explicit ebo_storage(T&& v) : T(std::move(v)) {}
    T& get() noexcept { return *this; }
    const T& get() const noexcept { return *this; }
};

template <class T, class Tag>
class ebo_storage<T, Tag, false> {
public:
    ebo_storage() = default;
    explicit ebo_storage(const T& v) : value_(v) {}
    explicit ebo_storage(T&& v) : value_(std::move(v)) {}
    T& get() noexcept { return value_; }
    const T& get() const noexcept { return value_; }

private:
    T value_{};
};

} // namespace hamt::detail
