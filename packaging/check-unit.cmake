# SPDX-License-Identifier: AGPL-3.0-or-later
# check-unit.cmake: `systemd-analyze verify` on packaging/gemsyncd.service,
# failing on any message (verify exits 0 on unknown keys or bad values).
# The copy checked runs the build tree's gemsyncd, since /usr/sbin/gemsyncd
# is not installed here, and drops the man: links for the same reason.
file(MAKE_DIRECTORY ${WORK})
file(READ ${UNIT} text)
string(REPLACE "/usr/sbin/gemsyncd" "${DAEMON}" text "${text}")
string(REGEX REPLACE "\nDocumentation=[^\n]*" "" text "${text}")
file(WRITE ${WORK}/gemsyncd.service "${text}")
execute_process(COMMAND ${ANALYZE} verify ${WORK}/gemsyncd.service
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT "${out}${err}" STREQUAL "")
  message(FATAL_ERROR "systemd-analyze verify (rc ${rc}):\n${out}${err}")
endif()
message(STATUS "gemsyncd.service: systemd-analyze verify is clean")
