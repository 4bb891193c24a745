// hamt::persistent_map with its defaults (thread_safe: atomic counts) and with
// hamt::single_thread (plain counts). Ephemeral rows (insert, erase) go through its transient,
// as immer's do; find_hit, find_miss, iterate, copy and memory use the persistent version.
#include "persistent.hpp"

#include <hamt/persistent_map.hpp>

namespace hb {
namespace {

template <class Map>
struct transient_adapter {
    using key_type = typename Map::key_type;
    struct context {};
    static constexpr bool can_copy = true;

    Map m;
    typename Map::transient_type t;
    bool in_transient = true; // a new adapter starts building through its transient

    explicit transient_adapter(const context&) {}
    transient_adapter(const transient_adapter& o) : m(o.m), in_transient(false) {}
    transient_adapter(transient_adapter&&) = default;

    void insert(const key_type& k, const value_type& v) { t.try_emplace(k, v); }
    // O(1): the transient's nodes become the persistent map's.
    void finish_insert() {
        m = std::move(t).persistent();
        in_transient = false;
    }
    // O(1): the map is the nodes' only owner, so the transient changes them in place.
    void start_erase() {
        t = std::move(m).transient();
        in_transient = true;
    }
    void erase(const key_type& k) { t.erase(k); }
    const value_type* find(const key_type& k) const {
        auto it = m.find(k);
        return it == m.end() ? nullptr : &it->second;
    }
    template <class F>
    void for_each_value(F f) const {
        for (const auto& kv : m)
            f(kv.second);
    }
    std::size_t size() const { return in_transient ? t.size() : m.size(); }
};

template <class K, class Policy>
using pmap = hamt::persistent_map<K, value_type, hamt::hash<K>, std::equal_to<K>,
                                  std::allocator<std::pair<const K, value_type>>, Policy>;

template <class K>
void add_for_key(Registry& reg, const Config& cfg) {
    add_cases<transient_adapter<pmap<K, hamt::thread_safe>>>(reg, cfg, "hamt_persistent", {});
    add_persistent_cases<set_erase_persistent<pmap<K, hamt::thread_safe>>>(reg, cfg,
                                                                           "hamt_persistent");
    add_persistent_cases<set_erase_persistent<pmap<K, hamt::single_thread>>>(reg, cfg,
                                                                             "hamt_persistent_st");
}

} // namespace

void add_hamt_persistent(Registry& reg, const Config& cfg) {
    add_for_key<std::int64_t>(reg, cfg);
    if (cfg.strings) add_for_key<std::string>(reg, cfg);
}

} // namespace hb
