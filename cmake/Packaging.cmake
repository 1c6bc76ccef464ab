# Installation of everything besides the binaries (zfwd/ and
# clients/zfwctl/ install zfwd, zfwctl and the zfw link; man/ the manual
# pages), and CPack for a Debian package:
#
#   cmake -S . -B build && cmake --build build && cd build && cpack -G DEB
#
# The package installs under /usr (CPACK_PACKAGING_INSTALL_PREFIX); the
# units go to /lib/systemd/system as Debian 12 has them, the example
# configuration to /etc/zfwd. tests/packaging builds it, unpacks it and
# checks it.
include(GNUInstallDirs)

set(ZFWD_MAINTAINER "zfwd maintainers <zfwd@openziti.io>"
    CACHE STRING "Maintainer field of the Debian package")
set(ZFWD_HOMEPAGE "https://github.com/openziti/zfwd"
    CACHE STRING "Homepage field of the Debian package")
set(ZFWD_DEB_RELEASE "1" CACHE STRING "Debian revision of the package")

set(_zfwd_pkg ${CMAKE_CURRENT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${_zfwd_pkg})

# --- systemd units, sysusers.d, tmpfiles.d --------------------------------
# With the prefix /usr, units go to /lib/systemd/system (Debian 12's
# place, which is also where deb-systemd-helper looks); under any other
# prefix, to <prefix>/lib/systemd/system, which systemd also reads for
# /usr/local, with ExecStart= pointing at <prefix>/sbin/zfwd. The prefix
# is only known at install time (cpack sets it), hence install(CODE).
install(CODE "
  if(\"\${CMAKE_INSTALL_PREFIX}\" STREQUAL \"/usr\")
    set(_zfwd_unitdir \"/lib/systemd/system\")
  else()
    set(_zfwd_unitdir \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
  endif()
  file(READ \"${PROJECT_SOURCE_DIR}/systemd/zfwd.service\" _zfwd_unit)
  string(REPLACE \"ExecStart=/usr/sbin/zfwd\" \"ExecStart=\${CMAKE_INSTALL_PREFIX}/sbin/zfwd\"
         _zfwd_unit \"\${_zfwd_unit}\")
  file(WRITE \"${_zfwd_pkg}/units/zfwd.service\" \"\${_zfwd_unit}\")
  file(INSTALL DESTINATION \"\${_zfwd_unitdir}\" TYPE FILE
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES \"${_zfwd_pkg}/units/zfwd.service\"
             \"${PROJECT_SOURCE_DIR}/systemd/zfwd.socket\")
")
# Not CMAKE_INSTALL_LIBDIR: these are lib/, never lib/<multiarch>/.
install(FILES ${PROJECT_SOURCE_DIR}/systemd/zfwd.sysusers
        DESTINATION lib/sysusers.d RENAME zfwd.conf)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/zfwd.tmpfiles
        DESTINATION lib/tmpfiles.d RENAME zfwd.conf)

# --- configuration example ------------------------------------------------
# Always /etc: zfwd reads /etc/zfwd/zfwd.conf whatever the prefix.
install(FILES ${PROJECT_SOURCE_DIR}/etc/zfwd.conf.example DESTINATION /etc/zfwd)

# --- bash completion ------------------------------------------------------
# bash-completion loads completions/<command> on demand: zfw gets a link.
install(FILES ${PROJECT_SOURCE_DIR}/completion/zfwctl.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME zfwctl)
install(CODE "execute_process(COMMAND \${CMAKE_COMMAND} -E create_symlink zfwctl
  \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/bash-completion/completions/zfw\")")

# --- documentation ----------------------------------------------------------
set(_zfwd_docdir ${CMAKE_INSTALL_DATADIR}/doc/zfwd)
file(WRITE ${_zfwd_pkg}/copyright
"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: zfwd
Source: ${ZFWD_HOMEPAGE}

Files: *
Copyright: the zfwd authors
License: GPL-2.0-only
 On Debian systems, the full text of the GNU General Public License
 version 2 can be found in the file /usr/share/common-licenses/GPL-2.
")
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/ARCHITECTURE.md
              ${PROJECT_SOURCE_DIR}/proto/io.openziti.zfwd.varlink
              ${PROJECT_SOURCE_DIR}/proto/org.varlink.service.varlink
              ${_zfwd_pkg}/copyright
        DESTINATION ${_zfwd_docdir})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/proto/examples/
        DESTINATION ${_zfwd_docdir}/examples
        FILES_MATCHING PATTERN "*.json" PATTERN "README.md")

# --- Debian maintainer scripts ----------------------------------------------
# They honour DPKG_ROOT (dpkg --root / --force-script-chrootless, and the
# packaging test, which runs them against a scratch root): then only
# sysusers, tmpfiles and files under that root are touched. systemctl and
# deb-systemd-helper only run on the real root, and systemctl only when
# systemd is PID 1 (/run/systemd/system), so installing into a chroot or
# a container without systemd works.
set(_zfwd_units "zfwd.socket zfwd.service")

file(WRITE ${_zfwd_pkg}/postinst.in [=[#!/bin/sh
# postinst of zfwd
set -e

group() {
	if command -v systemd-sysusers >/dev/null 2>&1; then
		systemd-sysusers ${DPKG_ROOT:+--root="$DPKG_ROOT"} zfwd.conf && return 0
	fi
	# Without systemd-sysusers (or if it failed): the same, by hand.
	if ! grep -q '^zfwd:' "${DPKG_ROOT:-}/etc/group" 2>/dev/null; then
		if [ -z "${DPKG_ROOT:-}" ] && command -v addgroup >/dev/null 2>&1; then
			addgroup --system zfwd
		else
			groupadd --system ${DPKG_ROOT:+--prefix "$DPKG_ROOT"} zfwd
		fi
	fi
}

dirs() {
	if command -v systemd-tmpfiles >/dev/null 2>&1; then
		systemd-tmpfiles ${DPKG_ROOT:+--root="$DPKG_ROOT"} --create zfwd.conf && return 0
	fi
	mkdir -p "${DPKG_ROOT:-}/var/lib/zfwd" "${DPKG_ROOT:-}/etc/zfwd"
	chmod 0700 "${DPKG_ROOT:-}/var/lib/zfwd"
}

case "$1" in
configure | abort-upgrade | abort-deconfigure | abort-remove)
	group
	dirs
	if [ -z "${DPKG_ROOT:-}" ] && command -v deb-systemd-helper >/dev/null 2>&1; then
		for unit in @UNITS@; do
			# Only removes masks deb-systemd-helper made on removal.
			deb-systemd-helper unmask "$unit" >/dev/null || true
			# was-enabled is true for a new installation: enable.
			if deb-systemd-helper --quiet was-enabled "$unit"; then
				deb-systemd-helper enable "$unit" >/dev/null || true
			else
				deb-systemd-helper update-state "$unit" >/dev/null || true
			fi
		done
	fi
	if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
		if [ -n "$2" ]; then
			# Upgrade: the new zfwd adopts the pinned maps; no gap.
			systemctl try-restart zfwd.service >/dev/null || true
			systemctl start zfwd.socket >/dev/null || true
		else
			systemctl start @UNITS@ >/dev/null || true
		fi
	fi
	;;
esac
exit 0
]=])

file(WRITE ${_zfwd_pkg}/prerm.in [=[#!/bin/sh
# prerm of zfwd
set -e

case "$1" in
remove)
	if [ -z "${DPKG_ROOT:-}" ]; then
		if [ -d /run/systemd/system ]; then
			systemctl stop zfwd.service zfwd.socket >/dev/null 2>&1 || true
		fi
		# Stopping leaves the programs enforcing the last rules; with the
		# daemon gone nothing could change them any more. Take zfwd out of
		# the data path (the state under /var/lib/zfwd stays: a new
		# installation restores the rules).
		if [ -x /usr/sbin/zfwd ]; then
			/usr/sbin/zfwd --uninstall >/dev/null 2>&1 || true
		fi
	fi
	;;
esac
# upgrade: nothing stops; postinst restarts zfwd, which adopts the maps.
exit 0
]=])

file(WRITE ${_zfwd_pkg}/postrm.in [=[#!/bin/sh
# postrm of zfwd
set -e

if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi

case "$1" in
remove)
	if [ -z "${DPKG_ROOT:-}" ] && command -v deb-systemd-helper >/dev/null 2>&1; then
		deb-systemd-helper mask @UNITS@ >/dev/null || true
	fi
	# /var/lib/zfwd (the rules) stays until purge.
	;;
purge)
	if [ -z "${DPKG_ROOT:-}" ] && command -v deb-systemd-helper >/dev/null 2>&1; then
		deb-systemd-helper purge @UNITS@ >/dev/null || true
		deb-systemd-helper unmask @UNITS@ >/dev/null || true
	fi
	rm -rf "${DPKG_ROOT:-}/var/lib/zfwd"
	# /etc/zfwd/zfwd.conf is the administrator's; the directory goes if
	# nothing else is left in it.
	rmdir "${DPKG_ROOT:-}/etc/zfwd" 2>/dev/null || true
	;;
esac
exit 0
]=])

set(UNITS ${_zfwd_units})
foreach(script postinst prerm postrm)
  configure_file(${_zfwd_pkg}/${script}.in ${_zfwd_pkg}/${script} @ONLY)
  file(CHMOD ${_zfwd_pkg}/${script} PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
       GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()
unset(UNITS)
file(WRITE ${_zfwd_pkg}/conffiles "/etc/zfwd/zfwd.conf.example\n")

# --- CPack --------------------------------------------------------------------
set(CPACK_PACKAGE_NAME zfwd)
set(CPACK_PACKAGE_VENDOR "OpenZiti")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${ZFWD_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "eBPF (tc) interception firewall daemon for OpenZiti")
set(CPACK_PACKAGE_HOMEPAGE_URL "${ZFWD_HOMEPAGE}")
# Install with DESTDIR under the real prefix, so /etc and /lib/systemd
# land where they belong in the package.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_NAME zfwd)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${ZFWD_DEB_RELEASE})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ZFWD_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${ZFWD_HOMEPAGE}")
# The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the rest.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"zfwd owns an eBPF firewall on the tc hooks of the interfaces it is told
to manage: rules steer intercepted TCP and UDP traffic into TPROXY
listeners (OpenZiti edge routers and tunnellers), pass it or drop it,
and replies of tracked flows pass. It is driven over a Unix socket with
Varlink (JSON) calls that change rules whole or not at all; zfwctl is its
client, and its zfw link accepts the command lines of netfoundry/zfw, so
routers configured with mode tproxy:/usr/sbin/zfw work unchanged.
.
Pinned maps keep enforcing the rules while zfwd restarts or is stopped.")
# Libraries from dpkg-shlibdeps (dpkg-dev), plus systemd for the units,
# sysusers and tmpfiles.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${_zfwd_pkg}/postinst ${_zfwd_pkg}/prerm ${_zfwd_pkg}/postrm ${_zfwd_pkg}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
