# Cross-compiling for 64-bit ARM Linux with Debian's g++-aarch64-linux-gnu; the tests and the
# benchmark run under qemu-aarch64 (Debian's qemu-user), the benchmark's library from the
# multiarch package libbenchmark-dev:arm64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Headers such as xxhash.h and catch2 are architecture-independent: search the host's too.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# -L /: the multiarch arm64 libc and libraries (libc6:arm64) live under / as on a native system.
find_program(HAMT_QEMU_AARCH64 qemu-aarch64 REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${HAMT_QEMU_AARCH64} -L /)
