// map interface over <std::string, std::string>: BitsPerLevel 5, 3 and 6, and
// std::unordered_map as the reference.
#include "support.hpp"

using hamt_b5 = hamt::map<std::string, std::string>;
using hamt_b3 =
    hamt::map<std::string, std::string, hamt::hash<std::string>, std::equal_to<std::string>,
              std::allocator<std::pair<const std::string, std::string>>, 3>;
using hamt_b6 =
    hamt::map<std::string, std::string, hamt::hash<std::string>, std::equal_to<std::string>,
              std::allocator<std::pair<const std::string, std::string>>, 6>;
using std_map = std::unordered_map<std::string, std::string>;

#ifdef HAMT_TEST_REDUCED // see support.hpp
#define HT_MAP_TYPES hamt_b5, hamt_b3
#else
#define HT_MAP_TYPES hamt_b5, hamt_b3, hamt_b6, std_map
#endif
#include "map_api.ipp"
