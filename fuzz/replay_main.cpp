// A main for the fuzz targets without libFuzzer: runs every file named on the command line, or
// found in a directory named there (sorted, hidden files skipped), through
// LLVMFuzzerTestOneInput once. A failing input aborts the process, so the test fails.
// (POSIX directory reading rather than std::filesystem, which older libc++ keeps in a separate
// library.)
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool is_directory(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool is_regular_file(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool read_file(const std::string& path, std::vector<std::uint8_t>& bytes) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    bytes.clear();
    std::uint8_t buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;)
        bytes.insert(bytes.end(), buffer, buffer + n);
    const bool ok = !std::ferror(f);
    std::fclose(f);
    return ok;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> files;
    for (int a = 1; a < argc; ++a) {
        const std::string arg = argv[a];
        if (is_directory(arg)) {
            DIR* dir = opendir(arg.c_str());
            if (!dir) {
                std::fprintf(stderr, "replay: cannot read directory %s\n", arg.c_str());
                return 2;
            }
            while (const dirent* e = readdir(dir)) {
                const std::string name = e->d_name;
                if (name.empty() || name[0] == '.') continue;
                const std::string path = arg + "/" + name;
                if (is_regular_file(path)) files.push_back(path);
            }
            closedir(dir);
        } else if (is_regular_file(arg)) {
            files.push_back(arg);
        } else {
            std::fprintf(stderr, "replay: no such file or directory: %s\n", arg.c_str());
            return 2;
        }
    }
    std::sort(files.begin(), files.end());
    std::vector<std::uint8_t> bytes;
    for (const std::string& f : files) {
        if (!read_file(f, bytes)) {
            std::fprintf(stderr, "replay: cannot read %s\n", f.c_str());
            return 2;
        }
        std::fprintf(stderr, "replay: %s (%zu bytes)\n", f.c_str(), bytes.size());
        LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    }
    std::printf("replay: %zu inputs passed\n", files.size());
    return 0;
}
