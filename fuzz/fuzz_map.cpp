// libFuzzer target for hamt::map: each input is a program of operations over three maps of one
// variant (byte 0), checked against std::unordered_map models. See fuzz_support.hpp for the
// input format and fuzz/README.md for building and running.
#include "fuzz_support.hpp"

namespace {

using i64 = std::int64_t;
using hfuzz::fuzz_alloc;
using hfuzz::fuzz_hash;
using hfuzz::tracked;

// A map with the input-chosen hasher and an allocator with ids (propagating or not).
template <class K, class V, unsigned Bits, bool Propagate>
using fmap = hamt::map<K, V, fuzz_hash<K>, std::equal_to<K>,
                       fuzz_alloc<std::pair<const K, V>, Propagate>, Bits>;

using hfuzz::run;

// Appending keeps the meaning of committed inputs; reordering or removing changes it.
const hfuzz::variant variants[] = {
    {run<hamt::map<i64, i64>>, "map<int64, int64> (hamt::hash, std::allocator, B=5)"},
    {run<fmap<i64, i64, 5, false>>, "map<int64, int64> B=5"},
    {run<fmap<i64, i64, 5, true>>, "map<int64, int64> B=5, propagating allocator"},
    {run<fmap<i64, i64, 3, false>>, "map<int64, int64> B=3"},
    {run<fmap<i64, i64, 2, true>>, "map<int64, int64> B=2, propagating allocator"},
    {run<fmap<i64, i64, 6, false>>, "map<int64, int64> B=6"},
    {run<fmap<std::string, std::string, 5, true>>,
     "map<string, string> B=5, propagating allocator"},
    {run<fmap<std::string, std::string, 3, false>>, "map<string, string> B=3"},
    {run<fmap<i64, tracked, 4, false>>, "map<int64, tracked (copy-rebuilt)> B=4"},
    {run<hamt::map<i64, i64, std::hash<i64>, std::equal_to<i64>,
                   std::allocator<std::pair<const i64, i64>>, 1>>,
     "map<int64, int64> (std::hash mixed, B=1)"},
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    hfuzz::run_variant(variants, data, size);
    return 0;
}
