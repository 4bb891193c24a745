// hamt::map with its defaults (hamt::hash: integer mixer, XXH3 for strings).
#include "bench.hpp"

#include <hamt/map.hpp>

namespace hb {

void add_hamt(Registry& reg, const Config& cfg) {
    using int_map = unordered_adapter<hamt::map<std::int64_t, value_type>>;
    add_cases<int_map>(reg, cfg, "hamt", {});
    if (cfg.strings) {
        using str_map = unordered_adapter<hamt::map<std::string, value_type>>;
        add_cases<str_map>(reg, cfg, "hamt", {});
    }
}

} // namespace hb
