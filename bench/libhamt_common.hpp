// What impl_libhamt.cpp and impl_libhamt_pset.cpp share: symbol lookup in a dlopen'ed libhamt
// and the key callbacks (keys are pointers into the workload's arrays). The hash callback gives
// each generation a different hash (libhamt asks for a new one every 6 levels): a 64-bit mixer
// of (key ^ generation * constant) for integers, XXH3 seeded with the generation for strings,
// truncated to 32 bits.
#pragma once

#include <dlfcn.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

namespace hb {
namespace libhamt_common {

template <class F>
bool resolve(void* handle, const char* name, F& out) {
    void* p = dlsym(handle, name);
    if (p == nullptr) return false;
    static_assert(sizeof(F) == sizeof(void*), "function and data pointers differ in size");
    std::memcpy(&out, &p, sizeof p); // ISO C++ has no cast from void* to a function pointer
    return true;
}

inline std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

template <class K>
std::uint32_t key_hash(const void* key, const std::size_t gen) {
    if constexpr (std::is_same_v<K, std::string>) {
        const auto& s = *static_cast<const std::string*>(key);
        return static_cast<std::uint32_t>(XXH3_64bits_withSeed(s.data(), s.size(), gen));
    } else {
        std::uint64_t k = static_cast<std::uint64_t>(*static_cast<const K*>(key));
        return static_cast<std::uint32_t>(mix64(k ^ (gen * 0x9E3779B97F4A7C15ULL)));
    }
}

template <class K>
int key_cmp(const void* lhs, const void* rhs) {
    return *static_cast<const K*>(lhs) == *static_cast<const K*>(rhs) ? 0 : 1;
}

} // namespace libhamt_common
} // namespace hb
