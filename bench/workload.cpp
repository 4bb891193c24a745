#include "workload.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <random>

namespace hb {
namespace {

// Fisher-Yates with our own index draw: std::shuffle's result differs between standard libraries.
template <class T>
void shuffle(std::vector<T>& v, std::mt19937_64& rng) {
    for (std::size_t i = v.size(); i > 1; --i) {
        std::size_t j = static_cast<std::size_t>(rng() % i);
        std::swap(v[i - 1], v[j]);
    }
}

std::int64_t random_int(std::mt19937_64& rng) {
    return static_cast<std::int64_t>(rng());
}

std::string random_string(std::mt19937_64& rng) {
    static constexpr char alphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::size_t len = 20 + static_cast<std::size_t>(rng() % 9); // 20..28, mean 24
    std::string s(len, ' ');
    for (char& c : s)
        c = alphabet[rng() % (sizeof(alphabet) - 1)];
    return s;
}

// Indices of `v`, sorted by key: one allocation, for duplicate and membership checks.
template <class K>
std::vector<std::size_t> sorted_index(const std::vector<K>& v) {
    std::vector<std::size_t> idx(v.size());
    for (std::size_t i = 0; i < idx.size(); ++i)
        idx[i] = i;
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
    return idx;
}

template <class K>
bool contains(const std::vector<K>& v, const std::vector<std::size_t>& idx, const K& k) {
    auto it = std::lower_bound(idx.begin(), idx.end(), k,
                               [&](std::size_t i, const K& key) { return v[i] < key; });
    return it != idx.end() && v[*it] == k;
}

// The keys are allocated in order and never freed before the end of the run, with no
// temporary allocation between them: a hash set for deduplication would leave millions of
// small holes between the string keys, and glibc's best fit would later scatter every
// container's nodes across them.
template <class K, class Gen>
std::unique_ptr<Workload<K>> make_workload(std::size_t n, std::uint64_t salt, Gen gen) {
    auto w = std::make_unique<Workload<K>>();
    w->n = n;
    std::mt19937_64 rng(workload_seed ^ (n * 0x9E3779B97F4A7C15ULL) ^ salt);
    w->keys.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        w->keys.push_back(gen(rng));
    std::vector<std::size_t> idx = sorted_index(w->keys);
    for (bool dup = true; dup;) { // duplicates: rare for 64-bit keys, never seen for strings
        dup = false;
        for (std::size_t i = 1; i < n; ++i) {
            if (w->keys[idx[i]] == w->keys[idx[i - 1]]) {
                w->keys[idx[i]] = gen(rng);
                dup = true;
            }
        }
        if (dup) idx = sorted_index(w->keys);
    }
    w->values.resize(n);
    for (std::size_t i = 0; i < n; ++i)
        w->values[i] = static_cast<value_type>(rng() >> 8);
    w->shuffled = w->keys;
    shuffle(w->shuffled, rng);
    w->absent.reserve(n);
    while (w->absent.size() < n) {
        K k = gen(rng);
        if (!contains(w->keys, idx, k)) w->absent.push_back(std::move(k));
    }
    return w;
}

} // namespace

const Workload<std::int64_t>& int_workload(std::size_t n) {
    static std::map<std::size_t, std::unique_ptr<Workload<std::int64_t>>> cache;
    auto& w = cache[n];
    if (!w) w = make_workload<std::int64_t>(n, 1, random_int);
    return *w;
}

const Workload<std::string>& string_workload(std::size_t n) {
    static std::map<std::size_t, std::unique_ptr<Workload<std::string>>> cache;
    auto& w = cache[n];
    if (!w) w = make_workload<std::string>(n, 2, random_string);
    return *w;
}

} // namespace hb
