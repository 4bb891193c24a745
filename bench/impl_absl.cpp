// absl::flat_hash_map and absl::node_hash_map with absl::Hash.
#include "bench.hpp"

#include <absl/container/flat_hash_map.h>
#include <absl/container/node_hash_map.h>

namespace hb {

void add_absl(Registry& reg, const Config& cfg) {
    add_cases<unordered_adapter<absl::flat_hash_map<std::int64_t, value_type>>>(reg, cfg,
                                                                                "absl_flat", {});
    add_cases<unordered_adapter<absl::node_hash_map<std::int64_t, value_type>>>(reg, cfg,
                                                                                "absl_node", {});
    if (cfg.strings) {
        add_cases<unordered_adapter<absl::flat_hash_map<std::string, value_type>>>(reg, cfg,
                                                                                   "absl_flat", {});
        add_cases<unordered_adapter<absl::node_hash_map<std::string, value_type>>>(reg, cfg,
                                                                                   "absl_node", {});
    }
}

} // namespace hb
