// Member types, member function return types and noexcept-ness of hamt::map and hamt::set,
// checked against what std::unordered_map and std::unordered_set declare. Almost everything
// here is a static_assert: the test passes when the file compiles.
#include "support.hpp"

#include <string_view>

namespace {

template <class T>
T& lval() noexcept;
template <class T>
const T& clval() noexcept;

// Checks shared by maps and sets. C is the hamt container, S the std container with the same
// key, value, hasher and allocator types.
template <class C, class S>
constexpr bool common_types() {
    using A = typename C::allocator_type;
    using K = typename C::key_type;
    using V = typename C::value_type;
    using It = typename C::iterator;
    using CIt = typename C::const_iterator;

    static_assert(std::is_same_v<K, typename S::key_type>);
    static_assert(std::is_same_v<V, typename S::value_type>);
    static_assert(std::is_same_v<typename C::size_type, std::size_t>);
    static_assert(std::is_same_v<typename C::size_type, typename S::size_type>);
    static_assert(std::is_same_v<typename C::difference_type, std::ptrdiff_t>);
    static_assert(std::is_same_v<typename C::hasher, typename S::hasher>);
    static_assert(std::is_same_v<typename C::key_equal, typename S::key_equal>);
    static_assert(std::is_same_v<A, typename S::allocator_type>);
    static_assert(std::is_same_v<typename C::reference, V&>);
    static_assert(std::is_same_v<typename C::const_reference, const V&>);
    static_assert(std::is_same_v<typename C::pointer, typename std::allocator_traits<A>::pointer>);
    static_assert(std::is_same_v<typename C::const_pointer,
                                 typename std::allocator_traits<A>::const_pointer>);

    // Forward iterators.
    using ItT = std::iterator_traits<It>;
    using CItT = std::iterator_traits<CIt>;
    static_assert(std::is_same_v<typename ItT::iterator_category, std::forward_iterator_tag>);
    static_assert(std::is_same_v<typename CItT::iterator_category, std::forward_iterator_tag>);
    static_assert(std::is_same_v<typename ItT::value_type, V>);
    static_assert(std::is_same_v<typename CItT::value_type, V>);
    static_assert(std::is_same_v<typename ItT::difference_type, std::ptrdiff_t>);
    static_assert(std::is_same_v<typename CItT::reference, const V&>);
    static_assert(std::is_same_v<decltype(*lval<CIt>()), const V&>);
    static_assert(std::is_same_v<decltype(++lval<It>()), It&>);
    static_assert(std::is_same_v<decltype(lval<It>()++), It>);
    static_assert(std::is_same_v<decltype(lval<It>() == lval<It>()), bool>);
    static_assert(std::is_same_v<decltype(lval<It>() != lval<CIt>()), bool>);
    static_assert(std::is_same_v<decltype(lval<CIt>() == lval<It>()), bool>);
    static_assert(std::is_default_constructible_v<It> && std::is_default_constructible_v<CIt>);
    static_assert(std::is_nothrow_copy_constructible_v<It>);
    static_assert(std::is_convertible_v<It, CIt>);
    static_assert(std::is_same_v<typename S::iterator::iterator_category,
                                 std::forward_iterator_tag>); // as std

    // Return types.
    static_assert(std::is_same_v<decltype(lval<C>().begin()), It>);
    static_assert(std::is_same_v<decltype(lval<C>().end()), It>);
    static_assert(std::is_same_v<decltype(clval<C>().begin()), CIt>);
    static_assert(std::is_same_v<decltype(clval<C>().end()), CIt>);
    static_assert(std::is_same_v<decltype(lval<C>().cbegin()), CIt>);
    static_assert(std::is_same_v<decltype(lval<C>().cend()), CIt>);
    static_assert(std::is_same_v<decltype(clval<C>().empty()), bool>);
    static_assert(std::is_same_v<decltype(clval<C>().size()), std::size_t>);
    static_assert(std::is_same_v<decltype(clval<C>().max_size()), std::size_t>);
    static_assert(std::is_same_v<decltype(clval<C>().get_allocator()), A>);
    static_assert(std::is_same_v<decltype(clval<C>().hash_function()), typename C::hasher>);
    static_assert(std::is_same_v<decltype(clval<C>().key_eq()), typename C::key_equal>);
    static_assert(std::is_same_v<decltype(lval<C>().find(clval<K>())), It>);
    static_assert(std::is_same_v<decltype(clval<C>().find(clval<K>())), CIt>);
    static_assert(std::is_same_v<decltype(clval<C>().count(clval<K>())), std::size_t>);
    static_assert(std::is_same_v<decltype(clval<C>().contains(clval<K>())), bool>);
    static_assert(std::is_same_v<decltype(lval<C>().equal_range(clval<K>())), std::pair<It, It>>);
    static_assert(
        std::is_same_v<decltype(clval<C>().equal_range(clval<K>())), std::pair<CIt, CIt>>);
    static_assert(std::is_same_v<decltype(lval<C>().insert(clval<V>())), std::pair<It, bool>>);
    static_assert(
        std::is_same_v<decltype(lval<C>().insert(std::declval<V&&>())), std::pair<It, bool>>);
    static_assert(std::is_same_v<decltype(lval<C>().insert(lval<CIt>(), clval<V>())), It>);
    static_assert(std::is_same_v<decltype(lval<C>().insert(lval<CIt>(), std::declval<V&&>())), It>);
    static_assert(std::is_same_v<decltype(lval<C>().insert(lval<V*>(), lval<V*>())), void>);
    static_assert(
        std::is_same_v<decltype(lval<C>().insert(std::declval<std::initializer_list<V>>())), void>);
    static_assert(std::is_same_v<decltype(lval<C>().emplace(clval<V>())), std::pair<It, bool>>);
    static_assert(std::is_same_v<decltype(lval<C>().emplace_hint(lval<CIt>(), clval<V>())), It>);
    static_assert(std::is_same_v<decltype(lval<C>().erase(lval<It>())), It>);
    static_assert(std::is_same_v<decltype(lval<C>().erase(lval<CIt>())), It>);
    static_assert(std::is_same_v<decltype(lval<C>().erase(lval<CIt>(), lval<CIt>())), It>);
    static_assert(std::is_same_v<decltype(lval<C>().erase(clval<K>())), std::size_t>);
    static_assert(std::is_same_v<decltype(lval<C>().clear()), void>);
    static_assert(std::is_same_v<decltype(lval<C>().reserve(std::size_t())), void>);
    static_assert(std::is_same_v<decltype(lval<C>().swap(lval<C>())), void>);
    static_assert(std::is_same_v<decltype(lval<C>().merge(lval<C>())), void>);
    static_assert(std::is_same_v<decltype(lval<C>().merge(std::declval<C&&>())), void>);
    static_assert(std::is_same_v<decltype(clval<C>() == clval<C>()), bool>);
    static_assert(std::is_same_v<decltype(clval<C>() != clval<C>()), bool>);
    static_assert(std::is_same_v<decltype(lval<C>() = clval<C>()), C&>);
    static_assert(std::is_same_v<decltype(lval<C>() = std::declval<C&&>()), C&>);
    static_assert(
        std::is_same_v<decltype(lval<C>() = std::declval<std::initializer_list<V>>()), C&>);

    // Constructors with the std signatures.
    using H = typename C::hasher;
    using E = typename C::key_equal;
    using Il = std::initializer_list<V>;
    static_assert(std::is_default_constructible_v<C>);
    static_assert(std::is_constructible_v<C, std::size_t>);
    static_assert(!std::is_convertible_v<std::size_t, C>); // explicit, as std
    static_assert(std::is_constructible_v<C, std::size_t, const H&>);
    static_assert(std::is_constructible_v<C, std::size_t, const H&, const E&>);
    static_assert(std::is_constructible_v<C, std::size_t, const H&, const E&, const A&>);
    static_assert(std::is_constructible_v<C, std::size_t, const A&>);
    static_assert(std::is_constructible_v<C, std::size_t, const H&, const A&>);
    static_assert(std::is_constructible_v<C, const A&>);
    static_assert(!std::is_convertible_v<const A&, C>); // explicit, as std
    static_assert(std::is_constructible_v<C, V*, V*>);
    static_assert(std::is_constructible_v<C, V*, V*, std::size_t, const H&, const E&, const A&>);
    static_assert(std::is_constructible_v<C, V*, V*, std::size_t, const A&>);
    static_assert(std::is_constructible_v<C, Il>);
    static_assert(std::is_constructible_v<C, Il, std::size_t, const H&, const E&, const A&>);
    static_assert(std::is_constructible_v<C, Il, std::size_t, const A&>);
    static_assert(std::is_constructible_v<C, const C&, const A&>);
    static_assert(std::is_constructible_v<C, C&&, const A&>);
    static_assert(std::is_copy_constructible_v<C> && std::is_copy_assignable_v<C>);

    // noexcept: at least what std declares; move construction and swap always.
    static_assert(std::is_nothrow_move_constructible_v<C>);
    static_assert(std::is_nothrow_destructible_v<C>);
    static_assert(noexcept(lval<C>().swap(lval<C>())));
    static_assert(std::is_nothrow_swappable_v<C>);
    static_assert(noexcept(lval<C>().begin())&& noexcept(lval<S>().begin()));
    static_assert(noexcept(lval<C>().end())&& noexcept(lval<S>().end()));
    static_assert(noexcept(clval<C>().begin())&& noexcept(clval<C>().end()));
    static_assert(noexcept(clval<C>().cbegin())&& noexcept(clval<S>().cbegin()));
    static_assert(noexcept(clval<C>().cend())&& noexcept(clval<S>().cend()));
    static_assert(noexcept(clval<C>().empty())&& noexcept(clval<S>().empty()));
    static_assert(noexcept(clval<C>().size())&& noexcept(clval<S>().size()));
    static_assert(noexcept(clval<C>().max_size())&& noexcept(clval<S>().max_size()));
    static_assert(noexcept(lval<C>().clear())&& noexcept(lval<S>().clear()));
    static_assert(!std::is_nothrow_move_assignable_v<S> || std::is_nothrow_move_assignable_v<C>);
    static_assert(noexcept(clval<C>().get_allocator()) == noexcept(clval<S>().get_allocator()));
    return true;
}

template <class C, class S>
constexpr bool map_types() {
    using K = typename C::key_type;
    using T = typename C::mapped_type;
    using V = typename C::value_type;
    using It = typename C::iterator;
    using CIt = typename C::const_iterator;
    static_assert(common_types<C, S>());
    static_assert(std::is_same_v<T, typename S::mapped_type>);
    static_assert(std::is_same_v<V, std::pair<const K, T>>);
    static_assert(std::is_same_v<typename std::iterator_traits<It>::reference, V&>);
    static_assert(std::is_same_v<decltype(*lval<It>()), V&>);
    static_assert(!std::is_convertible_v<CIt, It>); // (a set's two may be one type)
    static_assert(std::is_same_v<decltype(lval<It>()->second), T>);
    static_assert(std::is_same_v<decltype((lval<It>()->second)), T&>);
    static_assert(std::is_same_v<decltype((lval<It>()->first)), const K&>);
    static_assert(std::is_same_v<decltype((lval<CIt>()->second)), const T&>);
    static_assert(std::is_same_v<decltype(lval<C>()[clval<K>()]), T&>);
    static_assert(std::is_same_v<decltype(lval<C>()[std::declval<K&&>()]), T&>);
    static_assert(std::is_same_v<decltype(lval<C>().at(clval<K>())), T&>);
    static_assert(std::is_same_v<decltype(clval<C>().at(clval<K>())), const T&>);
    static_assert(std::is_same_v<decltype(lval<C>().insert(std::declval<std::pair<K, T>&&>())),
                                 std::pair<It, bool>>);
    static_assert(
        std::is_same_v<decltype(lval<C>().insert(lval<CIt>(), std::declval<std::pair<K, T>&&>())),
                       It>);
    static_assert(
        std::is_same_v<decltype(lval<C>().emplace(clval<K>(), clval<T>())), std::pair<It, bool>>);
    static_assert(std::is_same_v<decltype(lval<C>().emplace(std::piecewise_construct,
                                                            std::forward_as_tuple(clval<K>()),
                                                            std::forward_as_tuple(clval<T>()))),
                                 std::pair<It, bool>>);
    static_assert(std::is_same_v<decltype(lval<C>().try_emplace(clval<K>(), clval<T>())),
                                 std::pair<It, bool>>);
    static_assert(
        std::is_same_v<decltype(lval<C>().try_emplace(std::declval<K&&>())), std::pair<It, bool>>);
    static_assert(
        std::is_same_v<decltype(lval<C>().try_emplace(lval<CIt>(), clval<K>(), clval<T>())), It>);
    static_assert(
        std::is_same_v<decltype(lval<C>().try_emplace(lval<CIt>(), std::declval<K&&>())), It>);
    static_assert(std::is_same_v<decltype(lval<C>().insert_or_assign(clval<K>(), clval<T>())),
                                 std::pair<It, bool>>);
    static_assert(
        std::is_same_v<decltype(lval<C>().insert_or_assign(std::declval<K&&>(), clval<T>())),
                       std::pair<It, bool>>);
    static_assert(
        std::is_same_v<decltype(lval<C>().insert_or_assign(lval<CIt>(), clval<K>(), clval<T>())),
                       It>);
    static_assert(std::is_same_v<decltype(lval<C>().insert_or_assign(
                                     lval<CIt>(), std::declval<K&&>(), clval<T>())),
                                 It>);
    return true;
}

template <class C, class S>
constexpr bool set_types() {
    using K = typename C::key_type;
    using It = typename C::iterator;
    static_assert(common_types<C, S>());
    static_assert(std::is_same_v<typename C::value_type, K>);
    // Set iterators are constant iterators, as std's.
    static_assert(std::is_same_v<decltype(*lval<It>()), const K&>);
    static_assert(std::is_same_v<typename std::iterator_traits<It>::reference, const K&>);
    static_assert(std::is_same_v<decltype(lval<C>().emplace(clval<K>())), std::pair<It, bool>>);
    return true;
}

// Default template arguments.
static_assert(
    std::is_same_v<hamt::map<int, int>, hamt::map<int, int, hamt::hash<int>, std::equal_to<int>,
                                                  std::allocator<std::pair<const int, int>>,
                                                  hamt::default_bits_per_level>>);
static_assert(
    std::is_same_v<hamt::set<int>, hamt::set<int, hamt::hash<int>, std::equal_to<int>,
                                             std::allocator<int>, hamt::default_bits_per_level>>);
static_assert(hamt::default_bits_per_level == 5);

template <class K, class T, unsigned B>
using map_b =
    hamt::map<K, T, std::hash<K>, std::equal_to<K>, std::allocator<std::pair<const K, T>>, B>;
template <class K, unsigned B>
using set_b = hamt::set<K, std::hash<K>, std::equal_to<K>, std::allocator<K>, B>;

static_assert(map_types<map_b<std::int64_t, std::int64_t, 5>,
                        std::unordered_map<std::int64_t, std::int64_t>>());
static_assert(map_types<map_b<std::int64_t, std::int64_t, 1>,
                        std::unordered_map<std::int64_t, std::int64_t>>());
static_assert(map_types<map_b<std::int64_t, std::int64_t, 2>,
                        std::unordered_map<std::int64_t, std::int64_t>>());
static_assert(map_types<map_b<std::int64_t, std::int64_t, 3>,
                        std::unordered_map<std::int64_t, std::int64_t>>());
static_assert(map_types<map_b<std::int64_t, std::int64_t, 4>,
                        std::unordered_map<std::int64_t, std::int64_t>>());
static_assert(map_types<map_b<std::int64_t, std::int64_t, 6>,
                        std::unordered_map<std::int64_t, std::int64_t>>());
static_assert(
    map_types<map_b<std::string, std::string, 5>, std::unordered_map<std::string, std::string>>());
static_assert(
    map_types<hamt::map<std::string, int, hamt::hash<std::string>, std::equal_to<>>,
              std::unordered_map<std::string, int, hamt::hash<std::string>, std::equal_to<>>>());
static_assert(map_types<hamt::map<ht::counted, ht::counted, ht::counted_hash>,
                        std::unordered_map<ht::counted, ht::counted, ht::counted_hash>>());
static_assert(set_types<set_b<std::int64_t, 5>, std::unordered_set<std::int64_t>>());
static_assert(set_types<set_b<std::int64_t, 2>, std::unordered_set<std::int64_t>>());
static_assert(set_types<set_b<std::int64_t, 6>, std::unordered_set<std::int64_t>>());
static_assert(set_types<set_b<std::string, 3>, std::unordered_set<std::string>>());
static_assert(set_types<hamt::set<ht::counted, ht::counted_hash>,
                        std::unordered_set<ht::counted, ht::counted_hash>>());

// Move-only mapped values: the container is move-only in practice, still nothrow-movable.
using unique_map = hamt::map<std::int64_t, std::unique_ptr<int>>;
static_assert(std::is_nothrow_move_constructible_v<unique_map>);
static_assert(std::is_nothrow_swappable_v<unique_map>);

// Move assignment is noexcept where std's is (allocator always equal, nothrow hasher/equal).
static_assert(std::is_nothrow_move_assignable_v<hamt::map<std::int64_t, std::int64_t>>);
static_assert(std::is_nothrow_move_assignable_v<hamt::set<std::string>>);

// The debug API.
static_assert(std::is_base_of_v<std::logic_error, hamt::debug::invariant_error>);
static_assert(std::is_constructible_v<hamt::debug::invariant_error, const char*>);
static_assert(std::is_same_v<decltype(hamt::debug::stats(clval<hamt::map<int, int>>())),
                             hamt::debug::trie_stats>);
static_assert(
    std::is_same_v<decltype(hamt::debug::check_invariants(clval<hamt::set<int>>())), void>);
static_assert(std::is_same_v<decltype(hamt::debug::trie_stats::size), std::size_t>);
static_assert(std::is_same_v<decltype(hamt::debug::trie_stats::nodes), std::size_t>);
static_assert(std::is_same_v<decltype(hamt::debug::trie_stats::collision_nodes), std::size_t>);
static_assert(std::is_same_v<decltype(hamt::debug::trie_stats::max_depth), std::size_t>);
static_assert(std::is_same_v<decltype(hamt::debug::trie_stats::node_bytes), std::size_t>);
static_assert(std::is_same_v<decltype(hamt::debug::trie_stats::arena_bytes), std::size_t>);

// hamt::hash: 64-bit results, avalanching; string hashes transparent.
static_assert(sizeof(decltype(hamt::hash<std::int64_t>{}(0))) == 8);
static_assert(sizeof(decltype(hamt::hash<std::string>{}(std::string()))) == 8);
static_assert(std::is_void_v<typename hamt::hash<std::int64_t>::is_avalanching>);
static_assert(std::is_void_v<typename hamt::hash<std::string>::is_avalanching>);
static_assert(std::is_void_v<typename hamt::hash<std::string>::is_transparent>);
static_assert(std::is_void_v<typename hamt::hash<std::string_view>::is_transparent>);

} // namespace

TEST_CASE("types: static checks compiled", "[types]") {
    // Instantiate the containers' special members at run time as well.
    hamt::map<std::int64_t, std::int64_t> m;
    hamt::map<std::int64_t, std::int64_t> m2(std::move(m));
    hamt::set<std::string> s;
    hamt::set<std::string> s2(std::move(s));
    CHECK(m2.empty());
    CHECK(s2.empty());
    CHECK(noexcept(m2.swap(m)));
}
