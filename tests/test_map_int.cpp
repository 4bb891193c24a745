// map interface over <int64_t, int64_t>: default BitsPerLevel, a tiny one (2: deep tries with
// few keys), the widest (6), and std::unordered_map as the reference.
#include "support.hpp"

using hamt_b5 = hamt::map<std::int64_t, std::int64_t>;
using hamt_b2 =
    hamt::map<std::int64_t, std::int64_t, hamt::hash<std::int64_t>, std::equal_to<std::int64_t>,
              std::allocator<std::pair<const std::int64_t, std::int64_t>>, 2>;
using hamt_b6 =
    hamt::map<std::int64_t, std::int64_t, hamt::hash<std::int64_t>, std::equal_to<std::int64_t>,
              std::allocator<std::pair<const std::int64_t, std::int64_t>>, 6>;
using std_map = std::unordered_map<std::int64_t, std::int64_t>;

#ifdef HAMT_TEST_REDUCED // see support.hpp
#define HT_MAP_TYPES hamt_b5, hamt_b2
#else
#define HT_MAP_TYPES hamt_b5, hamt_b2, hamt_b6, std_map
#endif
#include "map_api.ipp"
