#pragma once
// Everything in gf::io: images and their minimum sizes, safetensors
// checkpoints, the progress bar, line plots, the metrics log and the checks on
// a run's output folder.
#include "gf/io/image.hpp"
#include "gf/io/image_size.hpp"
#include "gf/io/metrics_log.hpp"
#include "gf/io/plot.hpp"
#include "gf/io/progress.hpp"
#include "gf/io/run_directory.hpp"
#include "gf/io/safetensors.hpp"
