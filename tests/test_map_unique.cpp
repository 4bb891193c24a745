// map interface over move-only mapped values <int64_t, std::unique_ptr<int>>: BitsPerLevel 5
// and 3, and std::unordered_map as the reference. Copying tests compile out for these types.
#include "support.hpp"

using value_ptr = std::unique_ptr<int>;
using hamt_b5 = hamt::map<std::int64_t, value_ptr>;
using hamt_b3 =
    hamt::map<std::int64_t, value_ptr, hamt::hash<std::int64_t>, std::equal_to<std::int64_t>,
              std::allocator<std::pair<const std::int64_t, value_ptr>>, 3>;
using std_map = std::unordered_map<std::int64_t, value_ptr>;

#ifdef HAMT_TEST_REDUCED // see support.hpp
#define HT_MAP_TYPES hamt_b5, hamt_b3
#else
#define HT_MAP_TYPES hamt_b5, hamt_b3, std_map
#endif
#include "map_api.ipp"
