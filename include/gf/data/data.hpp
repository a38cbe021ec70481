#pragma once
// Everything for feeding data to training: datasets, the loader, transforms.
#include "gf/data/dataset.hpp"
#include "gf/data/idx.hpp"
#include "gf/data/image_folder.hpp"
#include "gf/data/loader.hpp"
#include "gf/data/mnist.hpp"
#include "gf/data/transforms.hpp"
