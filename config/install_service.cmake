# Run by `cmake --install` (config/CMakeLists.txt passes the variables):
# the configuration goes to <sysconfdir>/brook/brook.conf (/etc for the
# prefixes / and /usr, <prefix>/etc otherwise, as GNU's conventions have it)
# unless one is there already (an operator's edits are never overwritten),
# and the systemd unit to <prefix>/lib/systemd/system/brook.service with
# the installed paths written into it.
if(CMAKE_INSTALL_PREFIX STREQUAL "/" OR CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(config_dir /etc/brook)
else()
  set(config_dir ${CMAKE_INSTALL_PREFIX}/etc/brook)
endif()
if(EXISTS "$ENV{DESTDIR}${config_dir}/brook.conf")
  message(STATUS "Kept: $ENV{DESTDIR}${config_dir}/brook.conf (the new default is ${BROOK_INSTALLED_CONF})")
else()
  file(INSTALL ${BROOK_INSTALLED_CONF} DESTINATION ${config_dir})
endif()

# systemd makes and owns a data directory under /var/lib for the service's
# dynamic user; anywhere else it must exist and be writable.
if(BROOK_DATA_DIR MATCHES "^/var/lib/(.+)$")
  set(BROOK_DATA_DIR_DIRECTIVE "StateDirectory=${CMAKE_MATCH_1}")
else()
  set(BROOK_DATA_DIR_DIRECTIVE "ReadWritePaths=${BROOK_DATA_DIR}")
endif()
set(BROOK_BROOKD ${CMAKE_INSTALL_PREFIX}/${BROOK_BINDIR}/brookd)
set(BROOK_CONFIG_FILE ${config_dir}/brook.conf)
configure_file(${BROOK_SERVICE_TEMPLATE} ${BROOK_SERVICE_OUT} @ONLY)
file(INSTALL ${BROOK_SERVICE_OUT} DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
