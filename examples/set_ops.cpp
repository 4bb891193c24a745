// hamt::set in use: the distinct visitors of two days, their intersection and difference,
// erase_if, and merge.
#include <hamt/set.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

void print(const char* title, const hamt::set<std::string>& s) {
    std::vector<std::string> sorted(s.begin(), s.end()); // iteration order is unspecified
    std::sort(sorted.begin(), sorted.end());
    std::printf("%-16s (%zu):", title, s.size());
    for (const auto& v : sorted)
        std::printf(" %s", v.c_str());
    std::printf("\n");
}

} // namespace

int main() {
    const hamt::set<std::string> monday{"ada", "brian", "claude", "dennis", "edsger", "ada"};
    const hamt::set<std::string> tuesday{"barbara", "claude", "dennis", "grace", "ken"};

    hamt::set<std::string> both, only_monday;
    for (const auto& name : monday) {
        if (tuesday.contains(name))
            both.insert(name);
        else
            only_monday.insert(name);
    }
    print("monday", monday);
    print("tuesday", tuesday);
    print("both days", both);
    print("only monday", only_monday);

    hamt::set<std::string> everyone = monday;
    hamt::set<std::string> tuesday_copy = tuesday;
    everyone.merge(tuesday_copy); // moves the names monday lacks; the rest stay behind
    print("everyone", everyone);
    print("left in tuesday", tuesday_copy);

    const auto removed =
        hamt::erase_if(everyone, [](const std::string& n) { return n.size() > 5; });
    std::printf("erase_if removed %zu long names\n", removed);
    print("short names", everyone);
    return everyone.size() == 4 && both.size() == 2 ? 0 : 1;
}
