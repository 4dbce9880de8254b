# SPDX-License-Identifier: AGPL-3.0-or-later
# check-man.cmake: fails when groff has any warning for a man page.
# Usage: cmake -DGROFF=groff -DPAGE=docs/man/gemsync.1 -P check-man.cmake
set(ENV{LC_ALL} C.UTF-8)
execute_process(COMMAND ${GROFF} -man -Tutf8 -ww -z ${PAGE}
  RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
  message(FATAL_ERROR "groff warnings for ${PAGE} (rc ${rc}):\n${err}")
endif()
message(STATUS "${PAGE}: no groff warning")
