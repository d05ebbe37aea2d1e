# Precompiled headers for the targets whose units parse the same large third-party headers
# (Eigen, nlohmann::json, CLI11, fmt, doctest) again and again: parsing them costs 2–5 s of CPU
# per unit; a precompiled header is built once per target (docs/build.md).
# Every source still includes what it uses: configure with -DICGD_PRECOMPILED_HEADERS=OFF to
# check that (the build must pass either way).
option(ICGD_PRECOMPILED_HEADERS "Precompile the large third-party headers of the heavy targets" ON)

# The header groups a target can ask for; each group needs the target to see that library's
# include directory (Eigen3::Eigen for EIGEN; the others are in the system include path).
set(ICGD_PCH_STD <algorithm> <cmath> <cstdint> <filesystem> <fstream> <functional> <map> <memory>
    <optional> <sstream> <stdexcept> <string> <string_view> <utility> <vector>)
set(ICGD_PCH_EIGEN <Eigen/Dense>)
set(ICGD_PCH_JSON <nlohmann/json.hpp>)
set(ICGD_PCH_FMT <fmt/format.h>)
set(ICGD_PCH_CLI <CLI/CLI.hpp>)
set(ICGD_PCH_DOCTEST <doctest/doctest.h>)

# icgd_precompile_headers(<target> <group>...): <target> gets a precompiled header of the
# standard headers above and of the named groups (EIGEN JSON FMT CLI DOCTEST).
# icgd_precompile_headers(<target> REUSE_FROM <other>): <target> uses <other>'s precompiled
# header (both must have the same compile flags and definitions).
function(icgd_precompile_headers target)
  if(NOT ICGD_PRECOMPILED_HEADERS)
    return()
  endif()
  if(ARGV1 STREQUAL "REUSE_FROM")
    target_precompile_headers(${target} REUSE_FROM ${ARGV2})
    return()
  endif()
  set(headers ${ICGD_PCH_STD})
  foreach(group ${ARGN})
    if(NOT DEFINED ICGD_PCH_${group})
      message(FATAL_ERROR "icgd_precompile_headers: unknown header group '${group}'")
    endif()
    list(APPEND headers ${ICGD_PCH_${group}})
  endforeach()
  target_precompile_headers(${target} PRIVATE ${headers})
endfunction()
