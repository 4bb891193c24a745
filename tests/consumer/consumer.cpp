// A minimal program that uses hamt as a consumer would, built by scripts/test through
// find_package, add_subdirectory and FetchContent.
#include <hamt/hamt.hpp>

#include <cstdio>
#include <string>

int main() {
    hamt::map<std::string, int> ages{{"ada", 36}, {"alan", 41}};
    ages["grace"] = 85;
    hamt::set<int> primes{2, 3, 5, 7, 11};
    const bool ok =
        ages.size() == 3 && ages.at("alan") == 41 && primes.contains(7) && !primes.contains(9);
    std::printf("consumer: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
