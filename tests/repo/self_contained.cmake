# repo.self_contained: the repository must stand on its own.
#
# Fails, naming file and line, when a file of the repository mentions the specification or the
# design notes that live outside the repository, the folder beside the checkout that held it, or a numbered issue of a
# tracker the repository does not contain. The mathematics and the claim ids are defined in
# docs/papers/*.md; cite those pages (e.g. docs/papers/von_oswald.md, "Proposition 1") instead,
# and state a check's threshold and its reason instead of pointing at a ticket.
#
# Run as: cmake -DSOURCE_DIR=<repository root> -P tests/repo/self_contained.cmake
# Files: `git ls-files` when SOURCE_DIR is a git checkout (tracked files, and new files git does
# not ignore, so that a mention is caught before it is committed), otherwise every file under SOURCE_DIR
# except build*/ and .git/.
#
# The patterns are assembled from pieces so that this file does not match them itself.
cmake_minimum_required(VERSION 3.20)

if(NOT SOURCE_DIR)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=<repository root> -P self_contained.cmake")
endif()
get_filename_component(SOURCE_DIR "${SOURCE_DIR}" ABSOLUTE)

set(spec_name "theory")
set(design_name "DESI")
set(sibling "shar")
set(ticket "[Ii][Ss][Ss][Uu][Ee]")
set(patterns
    "${spec_name}\\.md"        # the external specification, by name
    "${design_name}GN\\.md"    # the external design notes, by name
    "\\.\\./${sibling}ed"      # the folder beside the checkout
    "${ticket} ?#?[0-9]")      # the word, an optional space and "#", a digit
list(JOIN patterns "|" any_pattern)

# --- the files ---------------------------------------------------------------------------------
set(files "")
set(listed_by "")
find_program(GIT_EXECUTABLE git)
if(GIT_EXECUTABLE AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" -c core.quotePath=false ls-files --cached --others --exclude-standard
                  WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE listing RESULT_VARIABLE status
                  ERROR_QUIET)
  if(status EQUAL 0)
    string(REPLACE "\n" ";" files "${listing}")
    set(listed_by "git ls-files, tracked and not ignored")
  endif()
endif()
if(NOT listed_by)
  file(GLOB_RECURSE all RELATIVE "${SOURCE_DIR}" LIST_DIRECTORIES false "${SOURCE_DIR}/*")
  foreach(f IN LISTS all)
    if(NOT f MATCHES "^(build[^/]*|\\.git)(/|$)")
      list(APPEND files "${f}")
    endif()
  endforeach()
  set(listed_by "a recursive glob (not a git checkout)")
endif()

# --- the scan ----------------------------------------------------------------------------------
set(hits 0)
set(report "")
set(scanned 0)
foreach(rel IN LISTS files)
  if(rel STREQUAL "" OR NOT EXISTS "${SOURCE_DIR}/${rel}" OR IS_DIRECTORY "${SOURCE_DIR}/${rel}")
    continue()
  endif()
  math(EXPR scanned "${scanned} + 1")
  file(READ "${SOURCE_DIR}/${rel}" content)
  if(NOT content MATCHES "${any_pattern}")
    continue()
  endif()
  # Walk the matches in order; the line number is 1 + the newlines before each match.
  set(rest "${content}")
  set(line_base 1)
  while(rest MATCHES "${any_pattern}")
    set(found "${CMAKE_MATCH_0}")
    string(FIND "${rest}" "${found}" at)
    string(SUBSTRING "${rest}" 0 ${at} before)
    string(REGEX REPLACE "[^\n]" "" newlines "${before}")
    string(LENGTH "${newlines}" count)
    math(EXPR line "${line_base} + ${count}")
    # the text of that line, for the message
    string(FIND "${before}" "\n" line_start REVERSE)
    math(EXPR line_start "${line_start} + 1")
    string(SUBSTRING "${rest}" ${line_start} -1 from_line)
    string(FIND "${from_line}" "\n" line_end)
    string(SUBSTRING "${from_line}" 0 ${line_end} text)
    string(STRIP "${text}" text)
    string(APPEND report "  ${rel}:${line}: [${found}] ${text}\n")
    math(EXPR hits "${hits} + 1")
    # continue after the end of this line (one report per line is enough)
    if(line_end EQUAL -1)
      break()
    endif()
    math(EXPR next "${line_start} + ${line_end} + 1")
    string(SUBSTRING "${rest}" ${next} -1 rest)
    math(EXPR line_base "${line} + 1")
  endwhile()
endforeach()

if(hits GREATER 0)
  message(FATAL_ERROR
          "repo.self_contained: ${hits} line(s) cite something outside the repository "
          "(files from ${listed_by}; cite docs/papers/*.md instead, state thresholds and their reasons):\n"
          "${report}")
endif()
message(STATUS "repo.self_contained: ${scanned} files (${listed_by}), no citation of anything outside the repository")
