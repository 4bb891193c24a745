# Finds the xxHash header (hamt uses xxHash header-only, with XXH_INLINE_ALL) and defines the
# imported target xxhash::xxhash. Set xxhash_ROOT or XXHASH_INCLUDE_DIR to point elsewhere.
include(FindPackageHandleStandardArgs)
find_path(XXHASH_INCLUDE_DIR NAMES xxhash.h)
find_package_handle_standard_args(xxhash REQUIRED_VARS XXHASH_INCLUDE_DIR)
if(xxhash_FOUND AND NOT TARGET xxhash::xxhash)
  add_library(xxhash::xxhash INTERFACE IMPORTED)
  set_target_properties(xxhash::xxhash PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${XXHASH_INCLUDE_DIR}")
endif()
mark_as_advanced(XXHASH_INCLUDE_DIR)
