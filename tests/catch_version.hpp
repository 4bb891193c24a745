// The one place that knows which Catch2 major version the tests are built with.
// Catch2 v2 (Debian's 2.13) ships a single header and needs a main from one TU (catch_main.cpp);
// Catch2 v3 splits the headers and brings its own main (Catch2::Catch2WithMain).
// tests/CMakeLists.txt defines HAMT_TEST_CATCH2_V3 when it found v3.
#pragma once

#if defined(HAMT_TEST_CATCH2_V3)
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#else
#include <catch2/catch.hpp>
#endif
