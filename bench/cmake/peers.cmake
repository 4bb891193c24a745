# The benchmark's peers, immer (arximboldi/immer) and libhamt (mkirchner/hamt), at the commits
# README "Benchmarks" was measured with, obtained and built inside the build tree. Included from
# bench/CMakeLists.txt; the functions run only when HAMT_BENCH_PEERS is ON (scripts/bench turns
# it on). Nothing of the peers is in this repository.
#
# Everything happens at configure time, so that a peer that cannot be had is known before the
# benchmark is compiled and costs one line of output, never a failed configure or build:
#
#   source   FETCHCONTENT_SOURCE_DIR_IMMER / FETCHCONTENT_SOURCE_DIR_LIBHAMT when set (a local
#            checkout, read and never written); else a FetchContent population (git, pinned
#            commit) into FETCHCONTENT_BASE_DIR (default <build>/_deps), run as a child CMake
#            (peer_fetch/) after a reachability probe, each with a time limit, so that a
#            machine without network is told so in seconds. A population is kept (stamp file)
#            and not repeated by later configures.
#   immer    header-only: its include root, as its CMake's `immer` target exports it.
#   libhamt  its own Makefile, `make prep release`, twice: CFGFLAGS= (plain) and
#            CFGFLAGS=-DWITH_TABLE_CACHE, with RELDIR/DBGDIR pointing into
#            <build>/bench/libhamt-{plain,cache}, so its checkout stays untouched.
#   Boehm GC found when installed (Debian libgc-dev, Homebrew bdw-gc): libhamt's persistent
#            API (hamt_pset) is meant to run with it.
#
# Results, for bench/CMakeLists.txt (normal variables):
#   HAMT_BENCH_PEER_IMMER_INCLUDE_DIR     immer's include root, or empty
#   HAMT_BENCH_PEER_IMMER_VERSION         e.g. "0.9.0 (a3a35f1)"
#   HAMT_BENCH_PEER_LIBHAMT_LIBRARIES     plain;table-cache libraries (a failed build is left
#                                         out), or empty
#   HAMT_BENCH_PEER_LIBHAMT_INCLUDE_DIR   libhamt's include/
# For the persistent-container rows (hamt_pset with Boehm GC), by hamt_bench_find_gc():
#   HAMT_BENCH_GC_FOUND, HAMT_BENCH_GC_LIBRARY, HAMT_BENCH_GC_INCLUDE_DIR, HAMT_BENCH_GC_VERSION,
#   target hamt_bench_gc (INTERFACE: gc.h and libgc).
# Each peer's provenance (commit, source, build command) is recorded with
# hamt_bench_peer_record() and written by hamt_bench_peers_write() to
# <build>/bench/hamt_bench_peers.json, which scripts/bench copies into the run's JSON.

include(FetchContent) # FETCHCONTENT_BASE_DIR, FETCHCONTENT_FULLY_DISCONNECTED
find_package(Git QUIET)

set(HAMT_BENCH_IMMER_COMMIT a3a35f14be6262441b750d50432119740419e970)   # 0.9.0
set(HAMT_BENCH_LIBHAMT_COMMIT 100ec3ec79c4a7558a1eba92e3f310739f4d644e) # "Add a table cache"
set(HAMT_BENCH_IMMER_GIT_REPOSITORY "https://github.com/arximboldi/immer.git" CACHE STRING
  "Where HAMT_BENCH_PEERS fetches immer from (any git URL or path)")
set(HAMT_BENCH_LIBHAMT_GIT_REPOSITORY "https://github.com/mkirchner/hamt.git" CACHE STRING
  "Where HAMT_BENCH_PEERS fetches libhamt from (any git URL or path)")
set(HAMT_BENCH_PEERS_PROBE_TIMEOUT 10 CACHE STRING
  "Seconds a peer's repository has to answer before it counts as unreachable")
set(HAMT_BENCH_PEERS_FETCH_TIMEOUT 300 CACHE STRING "Seconds allowed for fetching one peer")
set(HAMT_BENCH_LIBHAMT_CC "" CACHE STRING
  "CC for libhamt's Makefile (empty: 'gcc -Wno-error=maybe-uninitialized' where gcc is the C compiler, else cc)")
mark_as_advanced(HAMT_BENCH_IMMER_GIT_REPOSITORY HAMT_BENCH_LIBHAMT_GIT_REPOSITORY
  HAMT_BENCH_PEERS_PROBE_TIMEOUT HAMT_BENCH_PEERS_FETCH_TIMEOUT HAMT_BENCH_LIBHAMT_CC)

set(_hb_peers_dir "${CMAKE_CURRENT_LIST_DIR}")
set_property(GLOBAL PROPERTY HAMT_BENCH_PEER_JSON "")

# _hb_git_head(<dir> <var>): the commit checked out in <dir>, or "" when it is not a git checkout.
function(_hb_git_head dir out)
  set(head "")
  if(GIT_EXECUTABLE AND EXISTS "${dir}/.git")
    execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse HEAD WORKING_DIRECTORY "${dir}"
      RESULT_VARIABLE rc OUTPUT_VARIABLE head ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE
      TIMEOUT 10)
    if(NOT rc EQUAL 0)
      set(head "")
    endif()
  endif()
  set(${out} "${head}" PARENT_SCOPE)
endfunction()

# _hb_first_error(<var> <text>): the line of git's or CMake's output that says what failed.
function(_hb_first_error out text)
  string(REGEX MATCH "(fatal|error|ERROR|CMake Error)[^\n]*" line "${text}")
  if(NOT line)
    string(REGEX MATCH "[^\n]+" line "${text}")
  endif()
  string(REGEX REPLACE "^fatal: " "" line "${line}")
  string(REGEX REPLACE "^unable to access '[^']*': " "" line "${line}")
  set(${out} "${line}" PARENT_SCOPE)
endfunction()

# hamt_bench_peer_source(<name> <repo> <commit> <src-var> <origin-var> <head-var> <why-var>)
# Finds or fetches <name>'s source. On success <src-var> is its folder, <origin-var> says where
# it came from and <head-var> is the commit checked out ("" when unknown); on failure
# <src-var> is empty and <why-var> says why.
function(hamt_bench_peer_source name repo commit out_src out_origin out_head out_why)
  string(TOUPPER "${name}" up)
  set(src "")
  set(origin "")
  set(head "")
  set(why "")
  if(FETCHCONTENT_SOURCE_DIR_${up})
    get_filename_component(dir "${FETCHCONTENT_SOURCE_DIR_${up}}" ABSOLUTE)
    if(IS_DIRECTORY "${dir}")
      set(src "${dir}")
      set(origin "local checkout (FETCHCONTENT_SOURCE_DIR_${up})")
      _hb_git_head("${src}" head)
    else()
      set(why "FETCHCONTENT_SOURCE_DIR_${up}=${dir} is not a folder")
    endif()
  else()
    set(dir "${FETCHCONTENT_BASE_DIR}/${name}-src")
    set(stamp "${FETCHCONTENT_BASE_DIR}/${name}-fetched.txt")
    set(log "${FETCHCONTENT_BASE_DIR}/${name}-fetch.log")
    set(done "")
    if(EXISTS "${stamp}")
      file(READ "${stamp}" done)
    endif()
    set(env "${CMAKE_COMMAND}" -E env GIT_TERMINAL_PROMPT=0
      "GIT_SSH_COMMAND=ssh -o BatchMode=yes -o ConnectTimeout=10")
    if(done STREQUAL "${repo} ${commit}" AND IS_DIRECTORY "${dir}")
      set(src "${dir}")
      set(head "${commit}")
    elseif(FETCHCONTENT_FULLY_DISCONNECTED)
      set(why "FETCHCONTENT_FULLY_DISCONNECTED is ON and it was never fetched")
    elseif(NOT GIT_EXECUTABLE)
      set(why "git not found")
    else()
      # A quick question first: a machine without network fails here in seconds.
      execute_process(COMMAND ${env} "${GIT_EXECUTABLE}" -c http.lowSpeedLimit=1000
          -c http.lowSpeedTime=${HAMT_BENCH_PEERS_PROBE_TIMEOUT} ls-remote "${repo}" HEAD
        RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err
        TIMEOUT ${HAMT_BENCH_PEERS_PROBE_TIMEOUT})
      if(NOT rc EQUAL 0)
        if(rc MATCHES "timeout")
          set(why "no answer from ${repo} within ${HAMT_BENCH_PEERS_PROBE_TIMEOUT} s")
        else()
          _hb_first_error(err "${err}")
          set(why "cannot reach ${repo}: ${err}")
        endif()
      else()
        file(REMOVE_RECURSE "${dir}" "${stamp}" "${FETCHCONTENT_BASE_DIR}/${name}-fetch")
        file(MAKE_DIRECTORY "${FETCHCONTENT_BASE_DIR}")
        execute_process(COMMAND ${env} "${CMAKE_COMMAND}" -S "${_hb_peers_dir}/peer_fetch"
            -B "${FETCHCONTENT_BASE_DIR}/${name}-fetch" "-G${CMAKE_GENERATOR}"
            "-DCMAKE_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}" "-DNAME=${name}" "-DREPO=${repo}"
            "-DCOMMIT=${commit}" "-DSOURCE_DIR=${dir}"
            "-DFETCHCONTENT_BASE_DIR=${FETCHCONTENT_BASE_DIR}/${name}-fetch/_deps"
          RESULT_VARIABLE rc OUTPUT_FILE "${log}" ERROR_FILE "${log}"
          TIMEOUT ${HAMT_BENCH_PEERS_FETCH_TIMEOUT})
        _hb_git_head("${dir}" head)
        if(rc EQUAL 0 AND head STREQUAL commit)
          set(src "${dir}")
          file(WRITE "${stamp}" "${repo} ${commit}")
        elseif(rc MATCHES "timeout")
          set(why "fetching ${repo} took over ${HAMT_BENCH_PEERS_FETCH_TIMEOUT} s (log: ${log})")
        else()
          set(why "fetching ${repo} at ${commit} failed (log: ${log})")
        endif()
      endif()
    endif()
    if(src)
      set(origin "fetched from ${repo}")
    endif()
  endif()
  set(${out_src} "${src}" PARENT_SCOPE)
  set(${out_origin} "${origin}" PARENT_SCOPE)
  set(${out_head} "${head}" PARENT_SCOPE)
  set(${out_why} "${why}" PARENT_SCOPE)
endfunction()

# _hb_commit_label(<var> <head> <pinned>): "a3a35f1", or "1234abc, not the pinned a3a35f1".
function(_hb_commit_label out head pinned)
  string(SUBSTRING "${pinned}" 0 7 p)
  if(NOT head)
    set(label "unknown commit (not a git checkout), pinned: ${p}")
  else()
    string(SUBSTRING "${head}" 0 7 h)
    if(head STREQUAL pinned)
      set(label "${h}")
    else()
      set(label "${h}, not the pinned ${p}")
    endif()
  endif()
  set(${out} "${label}" PARENT_SCOPE)
endfunction()

# hamt_bench_peer_immer(): sets HAMT_BENCH_PEER_IMMER_INCLUDE_DIR and _VERSION in the caller, or
# prints one line saying why immer is not measured.
function(hamt_bench_peer_immer)
  set(inc "")
  set(version "")
  hamt_bench_peer_source(immer "${HAMT_BENCH_IMMER_GIT_REPOSITORY}" "${HAMT_BENCH_IMMER_COMMIT}"
    src origin head why)
  if(src AND NOT EXISTS "${src}/immer/map.hpp")
    set(why "${src} has no immer/map.hpp")
    set(src "")
  endif()
  if(src)
    set(inc "${src}")
    file(STRINGS "${src}/CMakeLists.txt" line REGEX "project\\(immer VERSION [0-9.]+")
    string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" v "${line}")
    _hb_commit_label(commit "${head}" "${HAMT_BENCH_IMMER_COMMIT}")
    string(STRIP "${v} (${commit})" version)
    hamt_bench_peer_record(immer STATUS measured VERSION "${v}" COMMIT "${commit}"
      SOURCE "${origin}: ${src}"
      BUILD "header-only: its include root, compiled into hamt_bench with hamt_bench's flags")
  else()
    string(SUBSTRING "${HAMT_BENCH_IMMER_COMMIT}" 0 7 p)
    message(STATUS "hamt_bench: immer ${p} not available (${why}); immer::map is not measured "
                   "(FETCHCONTENT_SOURCE_DIR_IMMER=<checkout> or Immer_DIR=<install> gives it)")
    hamt_bench_peer_record(immer STATUS "not measured: ${why}")
  endif()
  set(HAMT_BENCH_PEER_IMMER_INCLUDE_DIR "${inc}" PARENT_SCOPE)
  set(HAMT_BENCH_PEER_IMMER_VERSION "${version}" PARENT_SCOPE)
endfunction()

# hamt_bench_peer_libhamt(<extra C flags>): builds libhamt twice with its Makefile and sets
# HAMT_BENCH_PEER_LIBHAMT_LIBRARIES and _INCLUDE_DIR in the caller, or prints one line saying
# what is not measured and why. <extra C flags>: the benchmark's --native flag, so that both
# sides are compiled for the same CPU.
function(hamt_bench_peer_libhamt extra_cflags)
  set(libs "")
  set(inc "")
  string(SUBSTRING "${HAMT_BENCH_LIBHAMT_COMMIT}" 0 7 pinned)
  hamt_bench_peer_source(libhamt "${HAMT_BENCH_LIBHAMT_GIT_REPOSITORY}"
    "${HAMT_BENCH_LIBHAMT_COMMIT}" src origin head why)
  if(src AND (NOT EXISTS "${src}/Makefile" OR NOT EXISTS "${src}/include/hamt.h"))
    set(why "${src} has no Makefile or include/hamt.h")
    set(src "")
  endif()
  find_program(HAMT_BENCH_MAKE NAMES gmake make)
  mark_as_advanced(HAMT_BENCH_MAKE)
  if(src AND NOT HAMT_BENCH_MAKE)
    set(why "no make program")
    set(src "")
  endif()
  if(NOT src)
    message(STATUS "hamt_bench: libhamt ${pinned} not available (${why}); libhamt is not "
                   "measured (FETCHCONTENT_SOURCE_DIR_LIBHAMT=<checkout> gives it)")
    hamt_bench_peer_record(libhamt STATUS "not measured: ${why}")
    hamt_bench_peer_record(libhamt_cache STATUS "not measured: ${why}")
    set(HAMT_BENCH_PEER_LIBHAMT_LIBRARIES "" PARENT_SCOPE)
    set(HAMT_BENCH_PEER_LIBHAMT_INCLUDE_DIR "" PARENT_SCOPE)
    return()
  endif()

  # GCC 12 reports a maybe-uninitialized warning in src/hamt.c that libhamt's -Werror turns into
  # an error; clang (Apple's included) has no such warning and rejects the option.
  set(cc "${HAMT_BENCH_LIBHAMT_CC}")
  if(NOT cc)
    find_program(HAMT_BENCH_GCC NAMES gcc)
    mark_as_advanced(HAMT_BENCH_GCC)
    set(cc "cc")
    if(HAMT_BENCH_GCC AND NOT APPLE)
      execute_process(COMMAND "${HAMT_BENCH_GCC}" --version OUTPUT_VARIABLE v ERROR_QUIET)
      if(v MATCHES "Free Software Foundation")
        set(cc "gcc -Wno-error=maybe-uninitialized")
      endif()
    endif()
  endif()
  string(STRIP "${cc} ${extra_cflags}" cc)
  _hb_commit_label(commit "${head}" "${HAMT_BENCH_LIBHAMT_COMMIT}")

  set(failed "")
  foreach(flavor plain cache)
    if(flavor STREQUAL "cache")
      set(cfg "-DWITH_TABLE_CACHE")
      set(key libhamt_cache)
    else()
      set(cfg "")
      set(key libhamt)
    endif()
    set(out "${CMAKE_CURRENT_BINARY_DIR}/libhamt-${flavor}")
    set(lib "${out}/release/libhamt${CMAKE_SHARED_LIBRARY_SUFFIX}")
    set(log "${out}.log")
    set(args -C "${src}" prep release "RELDIR=${out}/release" "DBGDIR=${out}/debug"
      "CFGFLAGS=${cfg}" "CC=${cc}")
    # A changed source, compiler or flag set starts from scratch; otherwise make is incremental.
    set(build_key "${src} ${head} ${cc} ${cfg}")
    set(old_key "")
    if(EXISTS "${out}.key")
      file(READ "${out}.key" old_key)
    endif()
    if(NOT old_key STREQUAL build_key)
      file(REMOVE_RECURSE "${out}")
    endif()
    execute_process(COMMAND "${HAMT_BENCH_MAKE}" ${args}
      RESULT_VARIABLE rc OUTPUT_FILE "${log}" ERROR_FILE "${log}" TIMEOUT 600)
    set(shown "make")
    foreach(a IN LISTS args)
      if(a MATCHES " ")
        string(REGEX REPLACE "^([A-Z]+)=(.*)$" "\\1='\\2'" a "${a}")
      endif()
      string(APPEND shown " ${a}")
    endforeach()
    string(REPLACE "${src}" "<src>" shown "${shown}")
    string(REPLACE "${out}" "<build>" shown "${shown}")
    if(rc EQUAL 0 AND EXISTS "${lib}")
      file(WRITE "${out}.key" "${build_key}")
      list(APPEND libs "${lib}")
      hamt_bench_peer_record(${key} STATUS measured COMMIT "${commit}"
        SOURCE "${origin}: ${src}" LIBRARY "${lib}"
        BUILD "${shown} (its Makefile: -std=c11 -O3 -DNDEBUG)")
    else()
      file(REMOVE "${out}.key")
      list(APPEND failed "${key}")
      hamt_bench_peer_record(${key} STATUS "not measured: build failed (log: ${log})"
        COMMIT "${commit}" BUILD "${shown}")
      set(failed_log "${log}")
    endif()
  endforeach()
  if(failed AND NOT libs)
    message(STATUS "hamt_bench: libhamt ${commit} did not build (log: ${failed_log}); libhamt "
                   "is not measured")
  elseif(failed)
    message(STATUS "hamt_bench: libhamt's ${failed} build failed (log: ${failed_log}); it is "
                   "not measured, the other build is")
  endif()
  set(HAMT_BENCH_PEER_LIBHAMT_LIBRARIES "${libs}" PARENT_SCOPE)
  if(libs)
    set(HAMT_BENCH_PEER_LIBHAMT_INCLUDE_DIR "${src}/include" PARENT_SCOPE)
  else()
    set(HAMT_BENCH_PEER_LIBHAMT_INCLUDE_DIR "" PARENT_SCOPE)
  endif()
endfunction()

# hamt_bench_find_gc(): Boehm GC, for libhamt's persistent API (hamt_pset) the way libhamt's
# README runs it: struct hamt_allocator {GC_malloc, GC_realloc, a no-op free}, given to
# hamt_create at run time, on the plain build (bench/impl_libhamt_pset.cpp). Defines target
# hamt_bench_gc.
function(hamt_bench_find_gc)
  find_path(HAMT_BENCH_GC_INCLUDE_DIR gc.h PATH_SUFFIXES gc)
  find_library(HAMT_BENCH_GC_LIBRARY NAMES gc)
  mark_as_advanced(HAMT_BENCH_GC_INCLUDE_DIR HAMT_BENCH_GC_LIBRARY)
  set(found OFF)
  set(version "")
  if(HAMT_BENCH_GC_INCLUDE_DIR AND HAMT_BENCH_GC_LIBRARY)
    set(found ON)
    set(vh "${HAMT_BENCH_GC_INCLUDE_DIR}/gc/gc_version.h")
    if(NOT EXISTS "${vh}")
      set(vh "${HAMT_BENCH_GC_INCLUDE_DIR}/gc_version.h")
    endif()
    if(EXISTS "${vh}")
      file(STRINGS "${vh}" lines REGEX "#define GC_TMP_VERSION_(MAJOR|MINOR|MICRO) +[0-9]+")
      foreach(part MAJOR MINOR MICRO)
        string(REGEX MATCH "GC_TMP_VERSION_${part} +([0-9]+)" m "${lines}")
        list(APPEND version "${CMAKE_MATCH_1}")
      endforeach()
      string(REPLACE ";" "." version "${version}")
    endif()
    if(NOT TARGET hamt_bench_gc)
      add_library(hamt_bench_gc INTERFACE)
      target_include_directories(hamt_bench_gc SYSTEM INTERFACE "${HAMT_BENCH_GC_INCLUDE_DIR}")
      target_link_libraries(hamt_bench_gc INTERFACE "${HAMT_BENCH_GC_LIBRARY}")
    endif()
  endif()
  set(HAMT_BENCH_GC_FOUND ${found} PARENT_SCOPE)
  set(HAMT_BENCH_GC_VERSION "${version}" PARENT_SCOPE)
endfunction()

# _hb_json_string(<var> <text>): <text> as a JSON string literal.
function(_hb_json_string out text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  string(REPLACE "\n" "\\n" text "${text}")
  string(REPLACE "\t" " " text "${text}")
  set(${out} "\"${text}\"" PARENT_SCOPE)
endfunction()

# hamt_bench_peer_record(<key> [STATUS s] [VERSION v] [COMMIT c] [SOURCE s] [BUILD b] [LIBRARY l])
# Adds "<key>": {...} to the peers' provenance (keys: immer, libhamt, libhamt_cache, boehm_gc,
# the implementation names the report uses).
function(hamt_bench_peer_record key)
  cmake_parse_arguments(PARSE_ARGV 1 R "" "STATUS;VERSION;COMMIT;SOURCE;BUILD;LIBRARY" "")
  set(fields "")
  foreach(f STATUS VERSION COMMIT SOURCE BUILD LIBRARY)
    if(NOT "${R_${f}}" STREQUAL "")
      string(TOLOWER "${f}" name)
      _hb_json_string(value "${R_${f}}")
      string(APPEND fields ", \"${name}\": ${value}")
    endif()
  endforeach()
  string(REGEX REPLACE "^, " "" fields "${fields}")
  set_property(GLOBAL APPEND_STRING PROPERTY HAMT_BENCH_PEER_JSON ",\n  \"${key}\": {${fields}}")
endfunction()

# hamt_bench_peers_write(<file>): writes the recorded provenance as one JSON object.
function(hamt_bench_peers_write file)
  get_property(body GLOBAL PROPERTY HAMT_BENCH_PEER_JSON)
  string(REGEX REPLACE "^,\n" "\n" body "${body}")
  file(WRITE "${file}" "{${body}\n}\n")
endfunction()
