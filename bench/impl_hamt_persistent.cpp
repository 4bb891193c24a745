// hamt::persistent_map with its defaults (thread_safe: atomic counts) and with
// hamt::single_thread (plain counts). Ephemeral rows (insert, erase) go through its transient,
// as immer's do; find_hit, find_miss, iterate, copy and memory use the persistent version.
#include "persistent.hpp"
#include "structural.hpp"

#include <hamt/persistent_map.hpp>
#include <hamt/persistent_set.hpp>
#include <hamt/set_algebra.hpp>

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
    value_type deref(const key_type& k) const { return m.find(k)->second; }
    bool contains(const key_type& k) const { return m.contains(k); }
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

// hamt::persistent_set with its structural operations (hamt::diff, set algebra, bulk
// construction from a range).
template <class K>
struct hamt_structural {
    using key_type = K;
    using set_type = hamt::persistent_set<K>;
    static set_type build(const std::vector<K>& keys, std::size_t n) {
        return set_type(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(n));
    }
    static set_type insert(set_type&& s, const K& k) { return std::move(s).insert(k); }
    static set_type erase(set_type&& s, const K& k) { return std::move(s).erase(k); }
    template <class F>
    static void diff(const set_type& a, const set_type& b, F& added, F& removed) {
        hamt::diff(a, b, added, removed);
    }
    static set_type unite(const set_type& a, const set_type& b) { return a | b; }
    static set_type intersect(const set_type& a, const set_type& b) { return a & b; }
    static set_type subtract(const set_type& a, const set_type& b) { return a - b; }
};

// The same operations element by element through a transient, as a user without them writes.
template <class K>
struct hamt_elementwise : hamt_structural<K> {
    using typename hamt_structural<K>::set_type;
    static set_type build(const std::vector<K>& keys, std::size_t n) {
        typename set_type::transient_type t;
        for (std::size_t i = 0; i < n; ++i)
            t.insert(keys[i]);
        return std::move(t).persistent();
    }
    static set_type unite(const set_type& a, const set_type& b) {
        auto t = a.transient();
        for (const K& k : b)
            t.insert(k);
        return std::move(t).persistent();
    }
    static set_type intersect(const set_type& a, const set_type& b) {
        typename set_type::transient_type t;
        for (const K& k : a)
            if (b.contains(k)) t.insert(k);
        return std::move(t).persistent();
    }
    static set_type subtract(const set_type& a, const set_type& b) {
        auto t = a.transient();
        for (const K& k : b)
            t.erase(k);
        return std::move(t).persistent();
    }
};

template <class K>
void add_for_key(Registry& reg, const Config& cfg) {
    add_structural_cases<hamt_structural<K>>(reg, cfg, "hamt_persistent");
    add_structural_cases<hamt_elementwise<K>>(reg, cfg, "hamt_elementwise");
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
