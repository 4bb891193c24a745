// Compiler and build switches used across the engine.
#pragma once

#include <cstdlib>

// Exceptions may be disabled (-fno-exceptions): the library then aborts where it would throw.
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define HAMT_HAS_EXCEPTIONS 1
#define HAMT_TRY try
#define HAMT_CATCH_ALL catch (...)
#define HAMT_RETHROW throw
#define HAMT_THROW(...) throw __VA_ARGS__
#else
#define HAMT_HAS_EXCEPTIONS 0
#define HAMT_TRY if (true)
#define HAMT_CATCH_ALL else
#define HAMT_RETHROW ((void)0)
#define HAMT_THROW(...) std::abort()
#endif

#if defined(__GNUC__) || defined(__clang__)
#define HAMT_LIKELY(x) __builtin_expect(!!(x), 1)
#define HAMT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HAMT_ALWAYS_INLINE inline __attribute__((always_inline))
#define HAMT_NOINLINE __attribute__((noinline))
#else
#define HAMT_LIKELY(x) (x)
#define HAMT_UNLIKELY(x) (x)
#define HAMT_ALWAYS_INLINE inline
#define HAMT_NOINLINE
#endif

// Internal consistency checks, on in debug builds (or with HAMT_ENABLE_ASSERTS).
#if defined(HAMT_ENABLE_ASSERTS) || !defined(NDEBUG)
#include <cassert>
#define HAMT_ASSERT(x) assert(x)
#else
#define HAMT_ASSERT(x) ((void)0)
#endif

// HAMT_NO_POOL: every node is obtained from and returned to the Allocator individually instead
// of being carved from the per-container arena, so AddressSanitizer sees each node's lifetime.
