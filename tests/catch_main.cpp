// Catch2 v2 test runner main, compiled once into a static library shared by every test
// executable. Not used with Catch2 v3, which links Catch2::Catch2WithMain instead.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
