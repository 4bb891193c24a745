// libhamt's persistent API, hamt_pset (insert or assign) and hamt_premove (erase): each returns
// a new trie that shares all but the copied path with the one it was given, which stays valid.
// Measured on the plain build that impl_libhamt.cpp loaded (a table-cache build takes its tables
// from the cache, not from the trie's allocator), through its public API only, in two
// configurations:
//
//   libhamt_pset     libhamt's default allocator, malloc/free. libhamt frees no node of a
//                    replaced version (it cannot know whether another version still uses it;
//                    the API has no reference counts), so every persistent update leaks the
//                    path it copied and the old version's header. Left alone that is about a
//                    kilobyte per update (gigabytes in one run), so each block here carries a
//                    16-byte header that links it into a list, and the harness frees the list
//                    when the last version of a run is gone, outside the timed region. The
//                    frees libhamt does make (a table it copied and then outgrew in the same
//                    call) go to free() as with its default allocator.
//   libhamt_pset_gc  Boehm GC, as libhamt's README runs its persistent API: hamt_allocator
//                    {GC_malloc, GC_realloc, a no-op free}; collections happen inside the timed
//                    loop, as they would in a program. Built when CMake finds libgc
//                    (HAMT_BENCH_HAVE_GC). The collector scans stacks, registers and static
//                    data, not malloc'ed memory: every version here lives on the stack (the
//                    ops below keep their maps in locals), which is what keeps it alive.
//
// Ops: persistent_insert (m = pset(m, k, v), each old version dropped) and persistent_erase
// (m = premove(m, k)), as in persistent.hpp. persistent_insert_move is not registered: libhamt
// has no in-place update (hamt_pset copies the path whatever owns it), so it would run the same
// loop as persistent_insert. snapshot_memory and equal_one_apart are not registered either: the
// collector's heap is not in mallinfo2, and libhamt has no comparison.
#include "bench.hpp"
#include "libhamt_common.hpp"
#include "persistent.hpp"

#include <benchmark/benchmark.h>
#include <dlfcn.h>

extern "C" {
#include <hamt.h>
}

#if defined(HAMT_BENCH_HAVE_GC)
#include <gc.h>
#endif

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace hb {
namespace {

using libhamt_common::key_cmp;
using libhamt_common::key_hash;
using libhamt_common::resolve;

struct pset_api {
    decltype(&hamt_create) create = nullptr;
    decltype(&hamt_pset) pset = nullptr;
    decltype(&hamt_premove) premove = nullptr;
    decltype(&hamt_get) get = nullptr;
    decltype(&hamt_size) size = nullptr;
};
pset_api lib; // resolved once by add_libhamt_pset

// --- libhamt_pset: malloc/free, every block on a list the harness frees ----------------------
struct alignas(16) block { // the payload after it keeps malloc's 16-byte alignment
    block* prev;
    block* next;
};
static_assert(sizeof(block) == 16, "the block header must keep malloc's alignment");

struct block_list {
    block head{&head, &head};
    void link(block* b) {
        b->prev = &head;
        b->next = head.next;
        head.next->prev = b;
        head.next = b;
    }
    static void unlink(block* b) {
        b->prev->next = b->next;
        b->next->prev = b->prev;
    }
    void free_all() {
        for (block* b = head.next; b != &head;) {
            block* next = b->next;
            std::free(b);
            b = next;
        }
        head.next = head.prev = &head;
    }
};
block_list leaked;

void* listed_malloc(const std::ptrdiff_t size, void* ctx) {
    auto* b = static_cast<block*>(std::malloc(sizeof(block) + static_cast<std::size_t>(size)));
    if (b == nullptr) return nullptr;
    static_cast<block_list*>(ctx)->link(b);
    return b + 1;
}
void* listed_realloc(void* p, const std::ptrdiff_t, const std::ptrdiff_t size, void* ctx) {
    if (p == nullptr) return listed_malloc(size, ctx);
    block* b = static_cast<block*>(p) - 1;
    block_list::unlink(b);
    auto* nb = static_cast<block*>(std::realloc(b, sizeof(block) + static_cast<std::size_t>(size)));
    if (nb == nullptr) { // the old block is still there
        static_cast<block_list*>(ctx)->link(b);
        return nullptr;
    }
    static_cast<block_list*>(ctx)->link(nb);
    return nb + 1;
}
void listed_free(void* p, const std::ptrdiff_t, void*) {
    if (p == nullptr) return;
    block* b = static_cast<block*>(p) - 1;
    block_list::unlink(b);
    std::free(b);
}
hamt_allocator listed_allocator{listed_malloc, listed_realloc, listed_free, &leaked};

#if defined(HAMT_BENCH_HAVE_GC)
// --- libhamt_pset_gc: Boehm GC ----------------------------------------------------------------
void* gc_malloc(const std::ptrdiff_t size, void*) {
    return GC_MALLOC(static_cast<std::size_t>(size));
}
void* gc_realloc(void* p, const std::ptrdiff_t, const std::ptrdiff_t size, void*) {
    return GC_REALLOC(p, static_cast<std::size_t>(size));
}
void gc_free(void*, const std::ptrdiff_t, void*) {}
hamt_allocator gc_allocator{gc_malloc, gc_realloc, gc_free, nullptr};
#endif

enum class memory { listed, gc };

// One version of a trie: a pointer to libhamt's struct hamt. Versions of one memory mode are
// counted; when the last listed one goes, every block of the run is freed.
template <memory M>
struct live_count {
    static inline long versions = 0;
};

template <class K, memory M>
class version {
public:
    version() : h_(lib.create(&config())) { ++live_count<M>::versions; }
    explicit version(const hamt* h) : h_(h) { ++live_count<M>::versions; }
    version(const version& o) : h_(o.h_) { ++live_count<M>::versions; }
    version& operator=(const version&) = default;
    ~version() {
        if (--live_count<M>::versions == 0 && M == memory::listed) leaked.free_all();
    }

    std::size_t size() const { return lib.size(h_); }
    const hamt* get() const { return h_; }

private:
    static const hamt_config& config() {
        static hamt_config cfg{M == memory::listed ? &listed_allocator : gc_allocator_or_null(),
                               key_cmp<K>, key_hash<K>, nullptr};
        return cfg;
    }
    static hamt_allocator* gc_allocator_or_null() {
#if defined(HAMT_BENCH_HAVE_GC)
        return &gc_allocator;
#else
        return nullptr;
#endif
    }

    const hamt* h_;
};

// The adapter persistent.hpp's ops take. libhamt takes non-const key and value pointers and
// never writes through them.
template <class K, memory M>
struct pset_persistent {
    using key_type = K;
    using map_type = version<K, M>;
    static map_type set(const map_type& m, const K& k, const value_type& v) {
        return map_type(lib.pset(m.get(), const_cast<K*>(&k), const_cast<value_type*>(&v)));
    }
    static map_type erase(const map_type& m, const K& k) {
        return map_type(lib.premove(m.get(), const_cast<K*>(&k)));
    }
    // No in-place form in libhamt: the same as set (used by persistent_build only).
    static map_type set_move(map_type&& m, const K& k, const value_type& v) { return set(m, k, v); }
};

template <class K, memory M>
void add_for_key(Registry& reg, const Config& cfg, const std::string& impl) {
    using P = pset_persistent<K, M>;
    for (std::size_t n : cfg.sizes) {
        const auto iters = static_cast<std::int64_t>(std::max<std::size_t>(1, cfg.work / n));
        reg.push_back(
            Case{"persistent_insert", key_name<K>(), impl, n, iters, false,
                 [n](benchmark::State& st) { bench_persistent_insert<P, false>(st, n); }});
        reg.push_back(Case{"persistent_erase", key_name<K>(), impl, n, iters, false,
                           [n](benchmark::State& st) { bench_persistent_erase<P>(st, n); }});
    }
}

// Before registering: the library's persistent API keeps old versions intact and finds what
// it holds. Returns "" or what is wrong.
template <memory M>
std::string self_check() {
    using P = pset_persistent<std::int64_t, M>;
    using V = version<std::int64_t, M>;
    std::vector<std::int64_t> keys(2000), values(2000);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        keys[i] = static_cast<std::int64_t>(i * 0x9E3779B97F4A7C15ULL);
        values[i] = static_cast<std::int64_t>(i);
    }
    V half, full;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        full = P::set(full, keys[i], values[i]);
        if (i + 1 == keys.size() / 2) half = full;
    }
    V empty = full;
    for (std::size_t i = 0; i < keys.size(); ++i)
        empty = P::erase(empty, keys[i]);
    if (full.size() != keys.size() || half.size() != keys.size() / 2 || empty.size() != 0)
        return "sizes after pset/premove are wrong";
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const void* in_full = lib.get(full.get(), &keys[i]);
        const void* in_half = lib.get(half.get(), &keys[i]);
        if (in_full != &values[i] || (in_half != nullptr) != (i < keys.size() / 2))
            return "a version lost or gained a key after later versions were derived from it";
    }
    return "";
}

} // namespace

bool add_libhamt_pset(Registry& reg, const Config& cfg, const std::string& plain_path) {
    void* h = dlopen(plain_path.c_str(), RTLD_NOW | RTLD_LOCAL); // already loaded: its handle
    if (h == nullptr || !resolve(h, "hamt_create", lib.create) ||
        !resolve(h, "hamt_pset", lib.pset) || !resolve(h, "hamt_premove", lib.premove) ||
        !resolve(h, "hamt_get", lib.get) || !resolve(h, "hamt_size", lib.size)) {
        std::fprintf(stderr,
                     "hamt_bench: libhamt %s has no persistent API (hamt_pset, "
                     "hamt_premove); libhamt_pset is not measured\n",
                     plain_path.c_str());
        return false;
    }
    std::string why = self_check<memory::listed>();
    if (!why.empty()) {
        std::fprintf(stderr,
                     "hamt_bench: libhamt's persistent API fails its check (%s); "
                     "libhamt_pset is not measured\n",
                     why.c_str());
        return false;
    }
    benchmark::AddCustomContext("libhamt libhamt_pset",
                                plain_path + " (hamt_pset, hamt_premove; "
                                             "malloc/free, leaked blocks freed after each run)");
    add_for_key<std::int64_t, memory::listed>(reg, cfg, "libhamt_pset");
    if (cfg.strings) add_for_key<std::string, memory::listed>(reg, cfg, "libhamt_pset");
    std::fprintf(stderr, "hamt_bench: libhamt_pset = %s (hamt_pset, default allocator)\n",
                 plain_path.c_str());

#if defined(HAMT_BENCH_HAVE_GC)
    GC_INIT();
    why = self_check<memory::gc>();
    if (!why.empty()) {
        std::fprintf(stderr,
                     "hamt_bench: libhamt's persistent API fails its check under Boehm "
                     "GC (%s); libhamt_pset_gc is not measured\n",
                     why.c_str());
        return false;
    }
    std::string gc_version = std::to_string(GC_VERSION_MAJOR) + "." +
                             std::to_string(GC_VERSION_MINOR) + "." +
                             std::to_string(GC_VERSION_MICRO);
    benchmark::AddCustomContext("libhamt libhamt_pset_gc",
                                plain_path + " (hamt_pset, hamt_premove; Boehm GC " + gc_version +
                                    ": GC_malloc, GC_realloc, no-op free)");
    add_for_key<std::int64_t, memory::gc>(reg, cfg, "libhamt_pset_gc");
    if (cfg.strings) add_for_key<std::string, memory::gc>(reg, cfg, "libhamt_pset_gc");
    std::fprintf(stderr, "hamt_bench: libhamt_pset_gc = %s (hamt_pset, Boehm GC %s)\n",
                 plain_path.c_str(), gc_version.c_str());
#endif
    return true;
}

} // namespace hb
