# Runs `ICGD ARGS...` and checks its exit status (EXPECT_STATUS); for a non-zero status, that
# stderr is exactly one line (the contract for bad input); with EXPECT_FILE, that the file
# exists and is valid JSON whose "all_held" is true.
separate_arguments(_args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${ICGD} ${_args} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err
                TIMEOUT 120)
if(NOT "${_rc}" STREQUAL "${EXPECT_STATUS}")
  message(FATAL_ERROR "icgd ${ARGS}: exit status ${_rc}, expected ${EXPECT_STATUS}\nstdout:\n${_out}\nstderr:\n${_err}")
endif()
if(NOT EXPECT_STATUS EQUAL 0)
  string(STRIP "${_err}" _e)
  string(FIND "${_e}" "\n" _nl)
  if(_e STREQUAL "" OR NOT _nl EQUAL -1)
    message(FATAL_ERROR "icgd ${ARGS}: expected exactly one line on stderr, got:\n${_err}")
  endif()
  message(STATUS "icgd ${ARGS} -> ${_rc}: ${_e}")
endif()
if(EXPECT_FILE)
  file(READ ${EXPECT_FILE} _json)
  string(JSON _held GET "${_json}" all_held)
  if(NOT _held)
    message(FATAL_ERROR "${EXPECT_FILE}: all_held is ${_held}")
  endif()
endif()
