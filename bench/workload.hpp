// The keys every implementation is measured on: fixed seeds, so runs are comparable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hb {

using value_type = std::int64_t;

template <class K>
struct Workload {
    std::size_t n = 0;
    std::vector<K> keys;            // n distinct keys, in insertion order
    std::vector<value_type> values; // values[i] belongs to keys[i]
    std::vector<K> shuffled;        // the same keys, shuffled: lookup and erase order
    std::vector<K> absent;          // n keys that are not in `keys`: find-miss
};

// Random 64-bit keys (mt19937_64, seed printed in the benchmark context).
const Workload<std::int64_t>& int_workload(std::size_t n);
// Random alphanumeric keys of 20..28 characters (past libstdc++'s and libc++'s SSO buffers).
const Workload<std::string>& string_workload(std::size_t n);

inline constexpr std::uint64_t workload_seed = 0x9a3b5c7d1e2f4a6bULL;

} // namespace hb
