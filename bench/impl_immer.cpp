// immer::map with its defaults (std::hash, default memory policy: refcounting, free lists).
// insert and erase go through a transient (immer::map_transient), the way immer offers
// ephemeral updates; find, iterate and copy use the persistent map. Copy is O(1) for immer
// (a reference count), measured all the same.
#include "persistent.hpp"
#include "structural.hpp"

#include <immer/algorithm.hpp>
#include <immer/map.hpp>
#include <immer/map_transient.hpp>
#include <immer/set.hpp>
#include <immer/set_transient.hpp>

namespace hb {
namespace {

template <class K>
struct immer_adapter {
    using key_type = K;
    using map_type = immer::map<K, value_type>;
    struct context {};
    static constexpr bool can_copy = true;

    map_type m;
    typename map_type::transient_type t;
    bool in_transient = true; // a new adapter starts building through its transient

    explicit immer_adapter(const context&) {}
    immer_adapter(const immer_adapter& o) : m(o.m), in_transient(false) {}
    immer_adapter(immer_adapter&&) = default;

    void insert(const K& k, const value_type& v) { t.set(k, v); }
    // O(1): the transient's nodes become the persistent map's.
    void finish_insert() {
        m = std::move(t).persistent();
        in_transient = false;
    }
    // O(1): the map is the nodes' only owner, so the transient edits them in place.
    void start_erase() {
        t = std::move(m).transient();
        in_transient = true;
    }
    void erase(const K& k) { t.erase(k); }
    const value_type* find(const K& k) const { return m.find(k); }
    bool contains(const K& k) const { return m.count(k) != 0; }
    template <class F>
    void for_each_value(F f) const {
        for (const auto& kv : m)
            f(kv.second);
    }
    std::size_t size() const { return in_transient ? t.size() : m.size(); }
};

// immer::set: its diff; union, intersection and difference element by element through a
// transient (immer has no set algebra).
template <class K>
struct immer_structural {
    using key_type = K;
    using set_type = immer::set<K>;
    static set_type build(const std::vector<K>& keys, std::size_t n) {
        auto t = set_type().transient();
        for (std::size_t i = 0; i < n; ++i)
            t.insert(keys[i]);
        return t.persistent();
    }
    static set_type insert(set_type&& s, const K& k) { return std::move(s).insert(k); }
    static set_type erase(set_type&& s, const K& k) { return std::move(s).erase(k); }
    template <class F>
    static void diff(const set_type& a, const set_type& b, F& added, F& removed) {
        immer::diff(a, b, added, removed);
    }
    static set_type unite(const set_type& a, const set_type& b) {
        auto t = a.transient();
        for (const K& k : b)
            t.insert(k);
        return t.persistent();
    }
    static set_type intersect(const set_type& a, const set_type& b) {
        auto t = set_type().transient();
        for (const K& k : a)
            if (b.count(k)) t.insert(k);
        return t.persistent();
    }
    static set_type subtract(const set_type& a, const set_type& b) {
        auto t = a.transient();
        for (const K& k : b)
            t.erase(k);
        return t.persistent();
    }
};

} // namespace

void add_immer(Registry& reg, const Config& cfg) {
    add_cases<immer_adapter<std::int64_t>>(reg, cfg, "immer", {});
    add_persistent_cases<set_erase_persistent<immer::map<std::int64_t, value_type>>>(reg, cfg,
                                                                                     "immer");
    add_structural_cases<immer_structural<std::int64_t>>(reg, cfg, "immer");
    if (cfg.strings) {
        add_cases<immer_adapter<std::string>>(reg, cfg, "immer", {});
        add_persistent_cases<set_erase_persistent<immer::map<std::string, value_type>>>(reg, cfg,
                                                                                        "immer");
        add_structural_cases<immer_structural<std::string>>(reg, cfg, "immer");
    }
}

} // namespace hb
