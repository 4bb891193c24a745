// std::unordered_map (and std::unordered_set for the structural cases), with std::hash (the
// identity for integers in libstdc++; the keys are random, so that costs it nothing here).
#include "bench.hpp"
#include "structural.hpp"

#include <unordered_map>
#include <unordered_set>

namespace hb {

namespace {

// The structural cases with std::unordered_set, as a user without persistent sets writes them:
// a diff by lookups both ways, the set operations by copying and lookups. The versions are
// independent copies (make_related copies a, then edits b).
template <class K>
struct std_structural {
    using key_type = K;
    using set_type = std::unordered_set<K>;
    static set_type build(const std::vector<K>& keys, std::size_t n) {
        return set_type(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(n));
    }
    static set_type insert(set_type&& s, const K& k) {
        s.insert(k);
        return std::move(s);
    }
    static set_type erase(set_type&& s, const K& k) {
        s.erase(k);
        return std::move(s);
    }
    template <class F>
    static void diff(const set_type& a, const set_type& b, F& added, F& removed) {
        for (const K& k : a)
            if (!b.count(k)) removed(k);
        for (const K& k : b)
            if (!a.count(k)) added(k);
    }
    static set_type unite(const set_type& a, const set_type& b) {
        set_type r = a;
        r.insert(b.begin(), b.end());
        return r;
    }
    static set_type intersect(const set_type& a, const set_type& b) {
        set_type r;
        for (const K& k : a)
            if (b.count(k)) r.insert(k);
        return r;
    }
    static set_type subtract(const set_type& a, const set_type& b) {
        set_type r;
        for (const K& k : a)
            if (!b.count(k)) r.insert(k);
        return r;
    }
};

} // namespace

void add_std(Registry& reg, const Config& cfg) {
    using int_map = unordered_adapter<std::unordered_map<std::int64_t, value_type>>;
    add_cases<int_map>(reg, cfg, "std", {});
    add_structural_cases<std_structural<std::int64_t>>(reg, cfg, "std");
    if (cfg.strings) {
        using str_map = unordered_adapter<std::unordered_map<std::string, value_type>>;
        add_cases<str_map>(reg, cfg, "std", {});
        add_structural_cases<std_structural<std::string>>(reg, cfg, "std");
    }
}

} // namespace hb
