// set interface over int64_t, std::string and counted, with several BitsPerLevel settings,
// and std::unordered_set as the reference.
#include "support.hpp"

using ht::counted;
using ht::counted_hash;
using set_int_b5 = hamt::set<std::int64_t>;
using set_int_b2 = hamt::set<std::int64_t, hamt::hash<std::int64_t>, std::equal_to<std::int64_t>,
                             std::allocator<std::int64_t>, 2>;
using set_str_b6 = hamt::set<std::string, hamt::hash<std::string>, std::equal_to<std::string>,
                             std::allocator<std::string>, 6>;
using set_str_b3 = hamt::set<std::string, hamt::hash<std::string>, std::equal_to<std::string>,
                             std::allocator<std::string>, 3>;
using set_counted_b5 = hamt::set<counted, counted_hash>;
using std_set_int = std::unordered_set<std::int64_t>;
using std_set_str = std::unordered_set<std::string>;
using std_set_counted = std::unordered_set<counted, counted_hash>;

#ifdef HAMT_TEST_REDUCED // see support.hpp
#define HT_SET_TYPES set_int_b5, set_str_b3, set_counted_b5
#else
#define HT_SET_TYPES                                                                               \
    set_int_b5, set_int_b2, set_str_b6, set_str_b3, set_counted_b5, std_set_int, std_set_str,      \
        std_set_counted
#endif
#include "set_api.ipp"
