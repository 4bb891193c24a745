# Build settings for hamt's own tests, benchmarks and examples (not for consumers).
option(HAMT_WERROR "Treat warnings as errors in hamt's own targets" ON)
option(HAMT_SANITIZE "Build hamt's own targets with AddressSanitizer and UBSan, nodes unpooled" OFF)

add_library(hamt_project_options INTERFACE)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(hamt_project_options INTERFACE -Wall -Wextra -Wpedantic)
  if(HAMT_WERROR)
    target_compile_options(hamt_project_options INTERFACE -Werror)
  endif()
  if(HAMT_SANITIZE)
    # HAMT_NO_POOL sends every node straight to the allocator so ASan sees each one.
    target_compile_definitions(hamt_project_options INTERFACE HAMT_NO_POOL)
    target_compile_options(hamt_project_options INTERFACE
      -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(hamt_project_options INTERFACE -fsanitize=address,undefined)
  endif()
endif()
