// Counts the words of a text file with a hamt::map<std::string, std::size_t> and prints the
// most frequent ones.
//
//   word_freq FILE [TOP]
#include <hamt/map.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE [TOP]\n", argv[0]);
        return 2;
    }
    std::ifstream in(argv[1]);
    if (!in) {
        std::fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    const std::size_t top = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 10;

    // Transparent hashing and comparison: lookups by std::string_view build no std::string.
    hamt::map<std::string, std::size_t, hamt::hash<std::string>, std::equal_to<>> counts;
    std::size_t total = 0;
    std::string line, word;
    while (std::getline(in, line)) {
        for (std::size_t i = 0; i <= line.size(); ++i) {
            const char c = i < line.size() ? line[i] : ' ';
            if (std::isalnum(static_cast<unsigned char>(c)) || c == '\'') {
                word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
            } else if (!word.empty()) {
                ++counts[word];
                ++total;
                word.clear();
            }
        }
    }

    std::vector<std::pair<std::string_view, std::size_t>> ranked(counts.begin(), counts.end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::printf("%zu words, %zu distinct\n", total, counts.size());
    for (std::size_t i = 0; i < ranked.size() && i < top; ++i)
        std::printf("%6zu  %.*s\n", ranked[i].second, static_cast<int>(ranked[i].first.size()),
                    ranked[i].first.data());

    const std::string_view probe = "trie";
    if (auto it = counts.find(probe); it != counts.end())
        std::printf("\"%.*s\" occurs %zu times\n", static_cast<int>(probe.size()), probe.data(),
                    it->second);
    return 0;
}
