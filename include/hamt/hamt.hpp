// Everything: hamt::map, hamt::set, their persistent variants, hamt::diff, hamt::hash.
#pragma once

#include "diff.hpp"
#include "hash.hpp"
#include "map.hpp"
#include "persistent_map.hpp"
#include "persistent_set.hpp"
#include "set.hpp"
