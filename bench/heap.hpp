// Heap set-up and accounting shared by every implementation.
#pragma once

#include <cstddef>

namespace hb {

// Keeps freed memory inside the process (no mmap for large blocks, no trimming) and touches
// `warm_mib` MiB of heap once, so that no implementation pays first-touch page faults that
// another does not. Returns false where the C library offers no such control.
bool configure_heap(std::size_t warm_mib);

// Brings the heap back to a known state between measurements (untimed): glibc keeps freed
// small chunks unmerged in its fast bins, in the order they were freed, so a container built
// after another was destroyed (or after an erase in random order) gets scattered addresses
// and malloc's slow paths. A large request consolidates them into the free space they came
// from; freeing it merges that back into the top of the heap. Nothing is returned to the
// system. Each timed build, copy and erase starts after this, for every implementation alike.
void settle_heap();

// Bytes the allocator counts as in use (glibc: mallinfo2().uordblks; macOS: the default
// zone's size_in_use). Every implementation is measured through this same function.
// Returns false when the platform has no such counter.
bool heap_in_use(std::size_t& bytes);

} // namespace hb
