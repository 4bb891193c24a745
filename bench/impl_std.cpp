// std::unordered_map, with std::hash (the identity for integers in libstdc++; the keys are
// random, so that costs it nothing here).
#include "bench.hpp"

#include <unordered_map>

namespace hb {

void add_std(Registry& reg, const Config& cfg) {
    using int_map = unordered_adapter<std::unordered_map<std::int64_t, value_type>>;
    add_cases<int_map>(reg, cfg, "std", {});
    if (cfg.strings) {
        using str_map = unordered_adapter<std::unordered_map<std::string, value_type>>;
        add_cases<str_map>(reg, cfg, "std", {});
    }
}

} // namespace hb
