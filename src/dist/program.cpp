#include "gf/dist/program.hpp"

#include <iostream>

namespace gf::dist {

std::shared_ptr<Communicator> connect(bool distributed) {
  if (distributed) return connect_mpi();
  return std::make_shared<LocalCommunicator>();
}

void check_distributed_device(Device device) {
  GF_CHECK(device.is_cpu(), "--distributed trains on the CPU (MPI) for now, not on ", device,
           "; GPU data parallelism (NCCL) awaits a machine with several GPUs, see docs/distributed.md");
}

void broadcast_modules(std::initializer_list<nn::Module*> modules, Communicator& comm, int root) {
  std::vector<Tensor> state;
  for (nn::Module* m : modules) {
    if (!m) continue;
    for (const auto& [name, t] : m->state_dict()) state.push_back(t);
  }
  comm.broadcast(state, root);
}

std::uint64_t rank_step_seed(std::uint64_t seed, int rank, std::int64_t step) {
  std::uint64_t z = seed;
  for (const std::uint64_t v : {static_cast<std::uint64_t>(rank), static_cast<std::uint64_t>(step)}) {
    z += 0x9e3779b97f4a7c15ULL + v;  // SplitMix64: add, then scramble
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
  }
  return z;
}

int fail(const std::string& program, const std::string& message, Communicator& comm) {
  if (comm.size() == 1) {
    std::cerr << program << ": " << message << "\n";
    return 1;
  }
  std::cerr << program << ": rank " << comm.rank() << " of " << comm.size() << ": " << message << "\n";
  comm.abort(1);
  return 1;  // not reached: abort ends the process
}

}  // namespace gf::dist
