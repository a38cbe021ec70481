#pragma once
// Optimizers and learning-rate schedules.
#include "gf/optim/adam.hpp"
#include "gf/optim/lr_scheduler.hpp"
#include "gf/optim/optimizer.hpp"
#include "gf/optim/sgd.hpp"
