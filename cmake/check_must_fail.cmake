# Compiles SOURCE and succeeds only if the compilation FAILS with a message that matches the
# regex on the source's `// expect-error: <regex>` line. Run by ctest via `cmake -P`.
file(STRINGS ${SOURCE} _lines REGEX "^// expect-error: ")
if(NOT _lines)
  message(FATAL_ERROR "${SOURCE}: no `// expect-error: <regex>` line")
endif()
list(GET _lines 0 _line)
string(REGEX REPLACE "^// expect-error: " "" _expect "${_line}")
set(_inc_flags)
foreach(dir ${INCLUDES})
  if(dir)
    list(APPEND _inc_flags "-I${dir}")
  endif()
endforeach()
execute_process(
  COMMAND ${COMPILER} -std=c++20 -fsyntax-only ${_inc_flags} ${SOURCE}
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(_rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it is a negative control and must not")
endif()
if(NOT "${_out}${_err}" MATCHES "${_expect}")
  message(FATAL_ERROR "${SOURCE} failed to compile, but not with the expected error `${_expect}`:\n${_err}")
endif()
message(STATUS "${SOURCE}: refused by the compiler as expected (`${_expect}`)")
