# SPDX-License-Identifier: GPL-3.0-or-later
# daemon/: main(), options, control socket, signals, the gateway's configuration.
# gateway-run.o needs $(CW_SERVER_LIBS) after $(CW_DAEMON_LIBS) (only its users pull it in).
noinst_LIBRARIES += src/daemon/libcw-daemon.a
src_daemon_libcw_daemon_a_CPPFLAGS = $(AM_CPPFLAGS) $(SODIUM_CFLAGS) \
	-DCW_LOCALSTATEDIR=\""$(localstatedir)"\" -DG_LOG_DOMAIN=\"chinwagd\"
src_daemon_libcw_daemon_a_SOURCES = \
	src/daemon/certificate.c src/daemon/certificate.h \
	src/daemon/gateway-config.c src/daemon/gateway-config.h \
	src/daemon/gateway-run.c src/daemon/gateway-run.h
CW_DAEMON_LIBS = src/daemon/libcw-daemon.a $(CW_COMMON_LIBS) $(SODIUM_LIBS)

sbin_PROGRAMS += src/chinwagd
src_chinwagd_SOURCES = \
	src/daemon/main.c \
	src/daemon/control.c src/daemon/control.h
src_chinwagd_CPPFLAGS = $(AM_CPPFLAGS) -DCW_SYSCONFDIR=\""$(sysconfdir)"\" \
	-DG_LOG_DOMAIN=\"chinwagd\"
src_chinwagd_LDADD = $(CW_DAEMON_LIBS) $(CW_SERVER_LIBS) $(CW_DBUS_LIBS)

# chinwagctl: the gateway's accounts (chinwagctl(8)).
sbin_PROGRAMS += src/chinwagctl
src_chinwagctl_SOURCES = src/daemon/admin.c
src_chinwagctl_CPPFLAGS = $(AM_CPPFLAGS) $(SODIUM_CFLAGS) -DCW_SYSCONFDIR=\""$(sysconfdir)"\" \
	-DG_LOG_DOMAIN=\"chinwagctl\"
src_chinwagctl_LDADD = $(CW_DAEMON_LIBS) $(CW_STORE_LIBS) $(CW_SERVER_LIBS)

# The commented example configuration (chinwag.conf(5)).
exampledir = $(docdir)/examples
dist_example_DATA = data/chinwag.conf
