# SPDX-License-Identifier: AGPL-3.0-or-later
# check-deb.cmake: builds the Debian package with cpack into WORK and checks
# its file list and control fields with dpkg-deb, then, when LINTIAN names
# lintian, checks it has no error and no warning (overrides:
# debian/lintian-overrides, each with its reason).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${CPACK} -G DEB --config ${CONFIG} -B ${WORK}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cpack failed (rc ${rc}):\n${out}${err}")
endif()
file(GLOB debs ${WORK}/*.deb)
list(LENGTH debs n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one .deb in ${WORK}, found: ${debs}\n${out}")
endif()
execute_process(COMMAND ${DPKG_DEB} -c ${debs} RESULT_VARIABLE rc
  OUTPUT_VARIABLE files ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "dpkg-deb -c failed:\n${err}")
endif()
foreach(f ./usr/sbin/gemsyncd ./usr/bin/gemsync ./etc/gemsync/gemsyncd.conf
    ./lib/systemd/system/gemsyncd.service
    ./usr/share/man/man1/gemsync.1.gz ./usr/share/man/man8/gemsyncd.8.gz
    ./usr/share/man/man5/gemsyncd.conf.5.gz
    ./usr/share/doc/gemsync/copyright ./usr/share/doc/gemsync/changelog.Debian.gz
    ./usr/lib/tmpfiles.d/gemsync.conf
    ./usr/share/locale/fr/LC_MESSAGES/gemsync.mo)
  string(FIND "${files}" " ${f}\n" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${f} missing from ${debs}:\n${files}")
  endif()
endforeach()
execute_process(COMMAND ${DPKG_DEB} -I ${debs} RESULT_VARIABLE rc
  OUTPUT_VARIABLE info ERROR_VARIABLE err)
foreach(want "Package: gemsync" "Depends: adduser" "conffiles" "postinst" "postrm")
  string(FIND "${info}" "${want}" at)
  if(NOT rc EQUAL 0 OR at EQUAL -1)
    message(FATAL_ERROR "'${want}' missing from dpkg-deb -I:\n${info}${err}")
  endif()
endforeach()
if(LINTIAN)
  execute_process(COMMAND ${LINTIAN} --fail-on error,warning ${debs}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lintian finds errors or warnings (rc ${rc}):\n${out}${err}")
  endif()
  message(STATUS "lintian: no error, no warning\n${out}")
endif()
message(STATUS "${debs}: every expected file and control field is there")
