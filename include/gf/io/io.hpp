#pragma once
// Everything in gf::io: images (stb) and their minimum sizes, safetensors
// checkpoints, the progress bar and line plots.
#include "gf/io/image.hpp"
#include "gf/io/image_size.hpp"
#include "gf/io/plot.hpp"
#include "gf/io/progress.hpp"
#include "gf/io/safetensors.hpp"
