# How every optional backend (CUDA, MPI) reports that it is off: with its
# switch at ON that is an error, since the user asked for it; with AUTO a
# status line says why, and, when given, what the user will notice.
#   gf_backend_unavailable(MPI GF_MPI "MPI was not found" "--distributed will say so")
function(gf_backend_unavailable backend switch why)
  if(${switch} STREQUAL "ON")
    message(FATAL_ERROR "ganforge: ${switch}=ON but ${why}")
  endif()
  set(consequence "")
  if(ARGC GREATER 3)
    set(consequence "; ${ARGV3}")
  endif()
  message(STATUS "ganforge: ${backend} backend OFF: ${why}${consequence}")
endfunction()
