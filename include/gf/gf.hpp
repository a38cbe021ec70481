#pragma once
// Umbrella include: everything a program built on ganforge needs.
#include "gf/autograd/engine.hpp"
#include "gf/autograd/grad_mode.hpp"
#include "gf/autograd/gradcheck.hpp"
#include "gf/autograd/node.hpp"
#include "gf/core/factory.hpp"
#include "gf/core/generator.hpp"
#include "gf/core/parallel.hpp"
#include "gf/core/cuda_info.hpp"
#include "gf/core/tensor.hpp"
#include "gf/ops/ops.hpp"
