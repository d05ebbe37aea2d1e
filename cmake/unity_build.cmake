# Unity ("jumbo") builds for the targets of many Eigen-, json- and fmt-heavy units: CMake
# compiles batches of a target's sources as one translation unit, so the templates they share
# (Eigen's kernels, nlohmann::json, fmt, CLI11, doctest) are instantiated and optimised once per
# batch instead of once per file. On the project's 2-core machine this is most of the clean
# build's time (docs/build.md has the measurements).
# Every source still compiles on its own: configure with -DICGD_UNITY_BUILD=OFF to check that
# (the sanitizer preset does, in CI). Sources that set their own compile options are never
# batched (CMake leaves them out by itself).
option(ICGD_UNITY_BUILD "Compile the heavy targets' sources in batches (unity build)" ON)
set(ICGD_UNITY_BATCH_SIZE 8 CACHE STRING "Sources per unity batch")

# icgd_unity_build(<target>): batch <target>'s sources when unity builds are on.
function(icgd_unity_build target)
  if(ICGD_UNITY_BUILD)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON
                          UNITY_BUILD_BATCH_SIZE ${ICGD_UNITY_BATCH_SIZE})
  endif()
endfunction()
