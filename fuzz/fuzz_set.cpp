// libFuzzer target for hamt::set: each input is a program of operations over three sets of one
// variant (byte 0), checked against std::unordered_set models. See fuzz_support.hpp for the
// input format and fuzz/README.md for building and running.
#include "fuzz_support.hpp"

namespace {

using i64 = std::int64_t;
using hfuzz::fuzz_alloc;
using hfuzz::fuzz_hash;
using hfuzz::tracked;

// A set with the input-chosen hasher and an allocator with ids (propagating or not).
template <class K, unsigned Bits, bool Propagate>
using fset = hamt::set<K, fuzz_hash<K>, std::equal_to<K>, fuzz_alloc<K, Propagate>, Bits>;

using hfuzz::run;

// Appending keeps the meaning of committed inputs; reordering or removing changes it.
const hfuzz::variant variants[] = {
    {run<hamt::set<i64>>, "set<int64> (hamt::hash, std::allocator, B=5)"},
    {run<fset<i64, 5, false>>, "set<int64> B=5"},
    {run<fset<i64, 5, true>>, "set<int64> B=5, propagating allocator"},
    {run<fset<i64, 3, false>>, "set<int64> B=3"},
    {run<fset<i64, 2, true>>, "set<int64> B=2, propagating allocator"},
    {run<fset<i64, 6, false>>, "set<int64> B=6"},
    {run<fset<std::string, 5, true>>, "set<string> B=5, propagating allocator"},
    {run<fset<std::string, 2, false>>, "set<string> B=2"},
    {run<fset<tracked, 4, false>>, "set<tracked (copy-rebuilt)> B=4"},
    {run<hamt::set<i64, std::hash<i64>, std::equal_to<i64>, std::allocator<i64>, 1>>,
     "set<int64> (std::hash mixed, B=1)"},
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    hfuzz::run_variant(variants, data, size);
    return 0;
}
