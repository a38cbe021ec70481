# Finds the CUDA toolchain, cuBLAS and cuDNN, and adds the cuda/ backend to the
# `ganforge` target when GF_CUDA allows it. Sets GF_WITH_CUDA to ON or OFF and
# says why.
set(GF_WITH_CUDA OFF)
if(GF_CUDA STREQUAL "OFF")
  message(STATUS "ganforge: CUDA backend OFF (GF_CUDA=OFF)")
  return()
endif()

include(CheckLanguage)
check_language(CUDA)
set(_gf_cuda_missing "")
if(NOT CMAKE_CUDA_COMPILER)
  set(_gf_cuda_missing "nvcc not found (set CMAKE_CUDA_COMPILER or put nvcc on PATH)")
else()
  find_package(CUDAToolkit QUIET)
  if(NOT CUDAToolkit_FOUND OR NOT TARGET CUDA::cublas)
    set(_gf_cuda_missing "the CUDA runtime or cuBLAS was not found")
  endif()
endif()

if(NOT _gf_cuda_missing)
  # cuDNN: the toolkit's own copy, or a pip/tarball install given by CUDNN_ROOT,
  # CUDNN_INCLUDE_DIR and CUDNN_LIBRARY.
  find_path(CUDNN_INCLUDE_DIR cudnn.h
            HINTS ${CUDNN_ROOT} $ENV{CUDNN_ROOT} ${CUDAToolkit_INCLUDE_DIRS}
            PATH_SUFFIXES include)
  find_library(CUDNN_LIBRARY NAMES cudnn libcudnn.so.9
               HINTS ${CUDNN_ROOT} $ENV{CUDNN_ROOT} ${CUDAToolkit_LIBRARY_DIR}
               PATH_SUFFIXES lib lib64)
  if(NOT CUDNN_INCLUDE_DIR OR NOT CUDNN_LIBRARY)
    set(_gf_cuda_missing "cuDNN not found (set CUDNN_ROOT, or CUDNN_INCLUDE_DIR and CUDNN_LIBRARY)")
  endif()
endif()

if(_gf_cuda_missing)
  gf_backend_unavailable(CUDA GF_CUDA "${_gf_cuda_missing}")
  return()
endif()

# Architectures: the GPU in this machine if there is one, else the common
# data-centre and desktop generations (Hopper 90 included).
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  execute_process(COMMAND nvidia-smi --query-gpu=compute_cap --format=csv,noheader
                  OUTPUT_VARIABLE _gf_cc RESULT_VARIABLE _gf_smi ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(_gf_smi EQUAL 0 AND _gf_cc)
    string(REGEX MATCH "^[0-9]+\\.[0-9]+" _gf_cc "${_gf_cc}")
    string(REPLACE "." "" _gf_cc "${_gf_cc}")
    set(CMAKE_CUDA_ARCHITECTURES "${_gf_cc}")
  else()
    set(CMAKE_CUDA_ARCHITECTURES "80;86;89;90")
  endif()
endif()
enable_language(CUDA)

# CMake 3.25 predates nvcc's C++20 support (nvcc 12+): teach it the flag so
# the backend compiles with the same dialect as the rest of the library.
if(NOT DEFINED CMAKE_CUDA20_STANDARD_COMPILE_OPTION AND CMAKE_CUDA_COMPILER_VERSION VERSION_GREATER_EQUAL 12.0)
  set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
  set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  list(APPEND CMAKE_CUDA_COMPILE_FEATURES cuda_std_20)
  set(CMAKE_CUDA20_COMPILE_FEATURES cuda_std_20)
endif()
set(CMAKE_CUDA_STANDARD 20)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)

file(GLOB GF_CUDA_SOURCES CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/cuda/*.cu" "${PROJECT_SOURCE_DIR}/cuda/*.cpp")
target_sources(ganforge PRIVATE ${GF_CUDA_SOURCES})
set_target_properties(ganforge PROPERTIES CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}" CUDA_STANDARD 20)
# cuda/ sources include "cuda/..." and the CPU kernels' headers "cpu/..." (src/).
target_include_directories(ganforge PRIVATE ${PROJECT_SOURCE_DIR} ${CUDNN_INCLUDE_DIR})
target_compile_options(ganforge PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr --extended-lambda>)
target_link_libraries(ganforge PRIVATE CUDA::cudart CUDA::cublas ${CUDNN_LIBRARY})
target_compile_definitions(ganforge PRIVATE GF_WITH_CUDA=1)
set(GF_WITH_CUDA ON)
message(STATUS "ganforge: CUDA backend ON: nvcc ${CMAKE_CUDA_COMPILER_VERSION}, archs ${CMAKE_CUDA_ARCHITECTURES}, "
               "cuDNN ${CUDNN_LIBRARY}")
