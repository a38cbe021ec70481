#pragma once
// Everything in gf::io: images (stb) and safetensors checkpoints.
#include "gf/io/image.hpp"
#include "gf/io/safetensors.hpp"
