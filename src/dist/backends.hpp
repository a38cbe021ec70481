#pragma once
// The backends' constructors, defined in src/dist/mpi/ and src/dist/nccl/
// when the build has them (GF_WITH_MPI, GF_WITH_NCCL); src/dist/communicator.cpp
// is the only caller.
#include <memory>

#include "gf/dist/communicator.hpp"

namespace gf::dist::detail {

std::shared_ptr<Communicator> make_mpi_communicator();
std::shared_ptr<Communicator> make_nccl_communicator(Communicator& bootstrap, int device_index);

}  // namespace gf::dist::detail
