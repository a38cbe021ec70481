#pragma once
// What a training program needs around its loop to run data parallel: the
// communicator for --distributed, rank 0's weights for everyone, and a
// failure on one rank turned into the end of the whole job, naming the rank.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>

#include "gf/dist/communicator.hpp"
#include "gf/nn/module.hpp"

namespace gf::dist {

/// The MPI communicator when `distributed`, else the world of one.
std::shared_ptr<Communicator> connect(bool distributed);

/// The programs' --distributed reduces with MPI, on CPU tensors: throws,
/// saying so, for any other device (NCCL for GPUs is in the library,
/// connect_nccl, but not yet behind --distributed).
void check_distributed_device(Device device);

/// Every module's parameters and buffers take rank `root`'s values (null
/// entries are skipped). The same modules, in the same order, on every rank.
void broadcast_modules(std::initializer_list<nn::Module*> modules, Communicator& comm, int root = 0);

/// A generator seed for rank `rank` at step `step` of a run seeded `seed`:
/// distinct streams per rank and step, the same on a rerun (SplitMix64 of the three).
std::uint64_t rank_step_seed(std::uint64_t seed, int rank, std::int64_t step);

/// Prints "program: message" on one rank and returns 1 (the exit code). With
/// several ranks, prints "program: rank r of N: message" and ends the whole
/// job (MPI_Abort): the other ranks would otherwise wait forever in their
/// next collective for the rank that stopped.
int fail(const std::string& program, const std::string& message, Communicator& comm);

}  // namespace gf::dist
