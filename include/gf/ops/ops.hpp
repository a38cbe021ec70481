#pragma once
// Every op family.
#include "gf/ops/conv.hpp"
#include "gf/ops/dropout.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/embedding.hpp"
#include "gf/ops/linalg.hpp"
#include "gf/ops/loss.hpp"
#include "gf/ops/norm.hpp"
#include "gf/ops/optim.hpp"
#include "gf/ops/pool.hpp"
#include "gf/ops/reduce.hpp"
#include "gf/ops/shape.hpp"
#include "gf/ops/sort.hpp"
