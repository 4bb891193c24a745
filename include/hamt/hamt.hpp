// Everything: hamt::map, hamt::set, hamt::hash.
#pragma once

#include "hash.hpp"
#include "map.hpp"
#include "set.hpp"
