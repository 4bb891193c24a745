// libhamt (mkirchner/hamt), loaded at run time from the shared libraries the user built and
// named with -DHAMT_BENCH_LIBHAMT_LIBRARY. dlopen(RTLD_LOCAL) keeps two builds (plain and
// with the table cache) apart in one process, so both are measured in the same run.
//
// Only libhamt's public API is used: hamt.h and cache.h from HAMT_BENCH_LIBHAMT_INCLUDE_DIR,
// compiled with WITH_TABLE_CACHE so that struct hamt_config has its `cache` field. A plain
// build reads only the fields before it, so the same config serves both builds.
//
// Keys and values are pointers into the workload's arrays (libhamt stores pointers); the key
// callbacks are in libhamt_common.hpp. The persistent API (hamt_pset) is measured by
// impl_libhamt_pset.cpp on the plain build loaded here (libhamt_plain_path()).
#include "bench.hpp"
#include "libhamt_common.hpp"

#include <benchmark/benchmark.h>
#include <dlfcn.h>

extern "C" {
#include <cache.h>
#include <hamt.h>
}

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace hb {
namespace {

struct libhamt_api {
    std::string path;
    std::string label;
    bool table_cache = false;
    void* handle = nullptr;

    decltype(&hamt_create) create = nullptr;
    decltype(&hamt_delete) destroy = nullptr;
    decltype(&hamt_set) set = nullptr;
    decltype(&hamt_get) get = nullptr;
    decltype(&hamt_remove) remove = nullptr;
    decltype(&hamt_size) size = nullptr;
    decltype(&hamt_it_create) it_create = nullptr;
    decltype(&hamt_it_next) it_next = nullptr;
    decltype(&hamt_it_valid) it_valid = nullptr;
    decltype(&hamt_it_get_value) it_get_value = nullptr;
    decltype(&hamt_it_delete) it_delete = nullptr;
    decltype(&hamt_table_cache_create) cache_create = nullptr;
    decltype(&hamt_table_cache_delete) cache_delete = nullptr;
    hamt_allocator* default_allocator = nullptr;

    // Table-cache builds: libhamt's default cache configuration, and one cache shared by every
    // trie of the run (a cache is meant to be shared; a deleted trie returns its tables to it).
    std::vector<std::ptrdiff_t> bucket_sizes;
    hamt_table_cache_config cache_config{};
    hamt_table_cache* shared_cache = nullptr;
    std::size_t cache_bytes = 0; // heap taken by creating that cache
};

using libhamt_common::key_cmp;
using libhamt_common::key_hash;
using libhamt_common::resolve;

// An allocator that counts, for telling a table-cache build from a plain one: a plain build
// allocates tables through the trie's allocator, a cache build takes them from its cache.
struct probe_count {
    std::size_t mallocs = 0;
};
void* probe_malloc(const std::ptrdiff_t size, void* ctx) {
    ++static_cast<probe_count*>(ctx)->mallocs;
    return std::malloc(static_cast<std::size_t>(size));
}
void* probe_realloc(void* p, const std::ptrdiff_t, const std::ptrdiff_t size, void* ctx) {
    ++static_cast<probe_count*>(ctx)->mallocs;
    return std::realloc(p, static_cast<std::size_t>(size));
}
void probe_free(void* p, const std::ptrdiff_t, void*) {
    std::free(p);
}

std::unique_ptr<libhamt_api> load(const std::string& path, std::string& why) {
    auto api = std::make_unique<libhamt_api>();
    api->path = path;
    api->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (api->handle == nullptr) {
        const char* e = dlerror();
        why = e != nullptr ? e : "dlopen failed";
        return nullptr;
    }
    void* h = api->handle;
    bool ok = resolve(h, "hamt_create", api->create) && resolve(h, "hamt_delete", api->destroy) &&
              resolve(h, "hamt_set", api->set) && resolve(h, "hamt_get", api->get) &&
              resolve(h, "hamt_remove", api->remove) && resolve(h, "hamt_size", api->size) &&
              resolve(h, "hamt_it_create", api->it_create) &&
              resolve(h, "hamt_it_next", api->it_next) &&
              resolve(h, "hamt_it_valid", api->it_valid) &&
              resolve(h, "hamt_it_get_value", api->it_get_value) &&
              resolve(h, "hamt_it_delete", api->it_delete) &&
              resolve(h, "hamt_allocator_default", api->default_allocator);
    if (!ok) {
        why = "a symbol of libhamt's public API is missing";
        return nullptr;
    }
    // The cache functions are compiled into every build; whether the trie uses them is a
    // compile-time switch (WITH_TABLE_CACHE) that the symbols do not show, so it is probed.
    if (!resolve(h, "hamt_table_cache_create", api->cache_create) ||
        !resolve(h, "hamt_table_cache_delete", api->cache_delete)) {
        return api; // a build without the table cache at all
    }

    // cache.h declares hamt_table_cache_config_default; some versions never define it, but
    // export the arrays it would be made of. Use whichever the library has.
    hamt_table_cache_config* def = nullptr;
    std::ptrdiff_t* count = nullptr;
    std::ptrdiff_t* sizes = nullptr;
    if (resolve(h, "hamt_table_cache_config_default", def)) {
        api->bucket_sizes.assign(def->initial_bucket_sizes,
                                 def->initial_bucket_sizes + def->bucket_count);
    } else if (resolve(h, "hamt_table_cache_config_default_bucket_count", count) &&
               resolve(h, "hamt_table_cache_default_bucket_sizes", sizes)) {
        api->bucket_sizes.assign(sizes, sizes + *count);
    }

    // Probe with a tiny cache and a counting allocator.
    std::vector<std::ptrdiff_t> tiny(32, 1);
    hamt_table_cache_config tiny_config{32, tiny.data(), api->default_allocator};
    hamt_table_cache* tiny_cache = api->cache_create(&tiny_config);
    probe_count counted;
    hamt_allocator probe{probe_malloc, probe_realloc, probe_free, &counted};
    hamt_config cfg{&probe, key_cmp<std::int64_t>, key_hash<std::int64_t>, tiny_cache};
    hamt* t = api->create(&cfg);
    std::size_t before = counted.mallocs;
    std::int64_t key = 42, value = 7;
    api->set(t, &key, &value);
    bool found = api->get(t, &key) == &value;
    api->table_cache = counted.mallocs == before;
    api->destroy(t);
    api->cache_delete(tiny_cache);
    api->default_allocator->free(tiny_cache, 0, api->default_allocator->ctx);
    if (!found) {
        why = "probe: a key just inserted was not found";
        return nullptr;
    }

    if (api->table_cache) {
        if (api->bucket_sizes.empty()) {
            why = "table-cache build without a default cache configuration";
            return nullptr;
        }
        api->cache_config =
            hamt_table_cache_config{static_cast<std::ptrdiff_t>(api->bucket_sizes.size()),
                                    api->bucket_sizes.data(), api->default_allocator};
        std::size_t before_bytes = 0, after_bytes = 0;
        bool counted_ok = heap_in_use(before_bytes);
        api->shared_cache = api->cache_create(&api->cache_config);
        if (api->shared_cache == nullptr) {
            why = "hamt_table_cache_create failed";
            return nullptr;
        }
        if (heap_in_use(after_bytes) && counted_ok) api->cache_bytes = after_bytes - before_bytes;
    }
    return api;
}

template <class K>
struct libhamt_adapter {
    using key_type = K;
    struct context {
        const libhamt_api* api = nullptr;
    };
    static constexpr bool can_copy = false; // no copy in libhamt's API

    const libhamt_api* api;
    hamt* h;

    explicit libhamt_adapter(const context& c) : api(c.api) {
        hamt_config cfg{api->default_allocator, key_cmp<K>, key_hash<K>, api->shared_cache};
        h = api->create(&cfg);
    }
    libhamt_adapter(libhamt_adapter&& o) noexcept : api(o.api), h(o.h) { o.h = nullptr; }
    libhamt_adapter(const libhamt_adapter&) = delete;
    libhamt_adapter& operator=(const libhamt_adapter&) = delete;
    libhamt_adapter& operator=(libhamt_adapter&&) = delete;
    ~libhamt_adapter() {
        if (h != nullptr) api->destroy(h);
    }

    void insert(const K& k, const value_type& v) {
        api->set(h, const_cast<K*>(&k), const_cast<value_type*>(&v));
    }
    void finish_insert() {}
    void start_erase() {}
    void erase(const K& k) { api->remove(h, const_cast<K*>(&k)); }
    const value_type* find(const K& k) const {
        return static_cast<const value_type*>(api->get(h, const_cast<K*>(&k)));
    }
    template <class F>
    void for_each_value(F f) const {
        hamt_iterator* it = api->it_create(h);
        for (; api->it_valid(it); api->it_next(it))
            f(*static_cast<const value_type*>(api->it_get_value(it)));
        api->it_delete(it);
    }
    std::size_t size() const { return api->size(h); }
};

std::string plain_path; // the first plain build loaded, for impl_libhamt_pset.cpp

} // namespace

const std::string& libhamt_plain_path() {
    return plain_path;
}

bool add_libhamt(Registry& reg, const Config& cfg, const std::vector<std::string>& paths) {
    // Loaded libraries stay loaded for the whole run.
    static std::vector<std::unique_ptr<libhamt_api>> loaded;
    bool all_ok = true;
    for (const std::string& path : paths) {
        std::string why;
        auto api = load(path, why);
        if (!api) {
            std::fprintf(stderr, "hamt_bench: cannot use libhamt %s: %s\n", path.c_str(),
                         why.c_str());
            all_ok = false;
            continue;
        }
        std::string label = api->table_cache ? "libhamt_cache" : "libhamt";
        for (const auto& other : loaded)
            if (other->label == label) label += "_2";
        api->label = label;
        benchmark::AddCustomContext("libhamt " + label, path);
        if (api->table_cache)
            benchmark::AddCustomContext("libhamt " + label + " cache bytes",
                                        std::to_string(api->cache_bytes));
        std::fprintf(stderr, "hamt_bench: %s = %s (%s)\n", label.c_str(), path.c_str(),
                     api->table_cache ? "table cache" : "no table cache");

        // Memory is measured for the plain build only: the table cache's default
        // configuration preallocates tens of megabytes whatever the trie's size (reported in
        // the context as "cache bytes"), and its tables have the same size as a plain build's.
        std::vector<std::string> skip;
        if (api->table_cache) skip.push_back("memory");
        if (!api->table_cache && plain_path.empty()) plain_path = path;
        const libhamt_api* p = api.get();
        loaded.push_back(std::move(api));
        add_cases<libhamt_adapter<std::int64_t>>(reg, cfg, label, {p}, skip);
        if (cfg.strings) add_cases<libhamt_adapter<std::string>>(reg, cfg, label, {p}, skip);
    }
    return all_ok;
}

} // namespace hb
