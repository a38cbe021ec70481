#pragma once
// Every nn building block: Module, the layers, Sequential, init.
#include "gf/nn/activation.hpp"
#include "gf/nn/conv.hpp"
#include "gf/nn/dropout.hpp"
#include "gf/nn/embedding.hpp"
#include "gf/nn/init.hpp"
#include "gf/nn/linear.hpp"
#include "gf/nn/module.hpp"
#include "gf/nn/norm.hpp"
#include "gf/nn/pool.hpp"
#include "gf/nn/sequential.hpp"
#include "gf/nn/shape.hpp"
#include "gf/nn/spectral_norm.hpp"
