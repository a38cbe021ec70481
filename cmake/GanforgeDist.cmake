# The data-parallel backends (src/dist/mpi/, src/dist/nccl/): MPI when CMake
# finds it, NCCL when the CUDA backend is on, nccl.h is found and MPI is there
# to exchange its id. Defines GF_WITH_MPI and GF_WITH_NCCL (0 or 1) for the
# library, and says what it found and why something is off.
set(GF_MPI "AUTO" CACHE STRING "Build the MPI backend for --distributed: AUTO (when MPI is found), ON or OFF")
set_property(CACHE GF_MPI PROPERTY STRINGS AUTO ON OFF)
set(GF_WITH_MPI OFF)
set(GF_WITH_NCCL OFF)

if(GF_MPI STREQUAL "OFF")
  message(STATUS "ganforge: MPI backend OFF (GF_MPI=OFF); --distributed will say so")
else()
  # Only MPI's C interface is used (its C++ bindings are deprecated and skipped).
  set(MPI_CXX_SKIP_MPICXX ON)
  find_package(MPI QUIET COMPONENTS CXX)
  if(MPI_CXX_FOUND)
    set(GF_WITH_MPI ON)
    file(GLOB _gf_mpi_sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/src/dist/mpi/*.cpp")
    target_sources(ganforge PRIVATE ${_gf_mpi_sources})
    target_link_libraries(ganforge PRIVATE MPI::MPI_CXX)
    message(STATUS "ganforge: MPI backend ON: MPI ${MPI_CXX_VERSION} (${MPI_CXX_LIBRARIES}), launcher ${MPIEXEC_EXECUTABLE}")
  else()
    gf_backend_unavailable(MPI GF_MPI "MPI was not found (Debian: apt-get install libopenmpi-dev openmpi-bin)"
                           "--distributed will say so")
  endif()
endif()

if(GF_WITH_MPI AND GF_WITH_CUDA)
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${NCCL_ROOT} $ENV{NCCL_ROOT} ${CUDAToolkit_INCLUDE_DIRS} PATH_SUFFIXES include)
  find_library(NCCL_LIBRARY NAMES nccl HINTS ${NCCL_ROOT} $ENV{NCCL_ROOT} ${CUDAToolkit_LIBRARY_DIR} PATH_SUFFIXES lib lib64)
  if(NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
    set(GF_WITH_NCCL ON)
    file(GLOB _gf_nccl_sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/src/dist/nccl/*.cpp")
    target_sources(ganforge PRIVATE ${_gf_nccl_sources})
    target_include_directories(ganforge PRIVATE ${NCCL_INCLUDE_DIR})
    target_link_libraries(ganforge PRIVATE ${NCCL_LIBRARY})
    message(STATUS "ganforge: NCCL backend ON: ${NCCL_LIBRARY}")
  else()
    message(STATUS "ganforge: NCCL backend OFF: nccl.h or libnccl not found (set NCCL_ROOT)")
  endif()
elseif(GF_WITH_CUDA)
  message(STATUS "ganforge: NCCL backend OFF: it needs MPI to exchange its id")
endif()

target_compile_definitions(ganforge PRIVATE GF_WITH_MPI=$<BOOL:${GF_WITH_MPI}> GF_WITH_NCCL=$<BOOL:${GF_WITH_NCCL}>)
