// map interface over the instrumented type <counted, counted> with a non-avalanching hasher
// (hamt mixes it): BitsPerLevel 5, 2 and 6, and std::unordered_map as the reference. Every
// test checks that each counted object was destroyed exactly once and none leaked.
#include "support.hpp"

using ht::counted;
using ht::counted_hash;
using hamt_b5 = hamt::map<counted, counted, counted_hash>;
using hamt_b2 = hamt::map<counted, counted, counted_hash, std::equal_to<counted>,
                          std::allocator<std::pair<const counted, counted>>, 2>;
using hamt_b6 = hamt::map<counted, counted, counted_hash, std::equal_to<counted>,
                          std::allocator<std::pair<const counted, counted>>, 6>;
using std_map = std::unordered_map<counted, counted, counted_hash>;

#ifdef HAMT_TEST_REDUCED // see support.hpp
#define HT_MAP_TYPES hamt_b5, hamt_b2
#else
#define HT_MAP_TYPES hamt_b5, hamt_b2, hamt_b6, std_map
#endif
#include "map_api.ipp"
