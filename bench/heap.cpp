#include "heap.hpp"

#include <climits>
#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#elif defined(__APPLE__)
#include <malloc/malloc.h>
#endif

namespace hb {

bool configure_heap(std::size_t warm_mib) {
#if defined(__GLIBC__)
    // One arena, no mmap'ed chunks, and freed memory stays in the heap.
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
    mallopt(M_TOP_PAD, 64 << 20);
    if (warm_mib > 0) {
        // Touch every page once, then give the block back: it stays at the top of the heap,
        // already mapped, and later allocations are carved from it.
        std::size_t bytes = warm_mib << 20;
        void* p = std::malloc(bytes);
        if (p != nullptr) {
            std::memset(p, 1, bytes);
            // Keep the compiler from dropping the memset.
            asm volatile("" : : "r"(p) : "memory");
            std::free(p);
        }
    }
    return true;
#else
    // macOS (and other C libraries): no mallopt. macOS's allocator maps large blocks itself and
    // returns them on free, so a warm-up would not last: the heap is left as it is, and the
    // report's method line says so.
    (void)warm_mib;
    return false;
#endif
}

void settle_heap() {
#if defined(__GLIBC__)
    // Above the small-bin range, so malloc consolidates the fast bins first; 64 KiB or more,
    // so free does it again and merges the block into the top chunk. Never mmap'ed here.
    void* p = std::malloc(std::size_t{4} << 20);
    asm volatile("" : : "r"(p) : "memory");
    std::free(p);
#endif
}

bool heap_in_use(std::size_t& bytes) {
#if defined(__GLIBC__)
    struct mallinfo2 mi = mallinfo2();
    bytes = mi.uordblks;
    return true;
#elif defined(__APPLE__)
    // Every zone's bytes in use (a null zone sums them all), the nearest to glibc's uordblks.
    malloc_statistics_t st;
    malloc_zone_statistics(nullptr, &st);
    bytes = st.size_in_use;
    return true;
#else
    bytes = 0;
    return false;
#endif
}

} // namespace hb
