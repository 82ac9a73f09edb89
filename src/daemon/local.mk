# SPDX-License-Identifier: GPL-3.0-or-later
# daemon/: main(), options, control socket, signals.
sbin_PROGRAMS += src/chinwagd
src_chinwagd_SOURCES = \
	src/daemon/main.c \
	src/daemon/control.c src/daemon/control.h
src_chinwagd_CPPFLAGS = $(AM_CPPFLAGS) -DG_LOG_DOMAIN=\"chinwagd\"
src_chinwagd_LDADD = $(CW_DBUS_LIBS)
