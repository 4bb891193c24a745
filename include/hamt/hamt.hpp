// Everything: hamt::map, hamt::set, their persistent variants, hamt::diff, set algebra, hamt::hash.
#pragma once

#include "diff.hpp"
#include "hash.hpp"
#include "map.hpp"
#include "persistent_map.hpp"
#include "persistent_set.hpp"
#include "set.hpp"
#include "set_algebra.hpp"
