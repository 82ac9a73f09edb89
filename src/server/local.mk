# SPDX-License-Identifier: GPL-3.0-or-later
# server/: gateway mode. libsodium is included in scram.c only.
noinst_LIBRARIES += src/server/libcw-server.a
src_server_libcw_server_a_CPPFLAGS = $(AM_CPPFLAGS) $(SODIUM_CFLAGS) -DG_LOG_DOMAIN=\"chinwag-server\"
src_server_libcw_server_a_SOURCES = \
	src/server/sasl.c src/server/sasl.h \
	src/server/scram.c src/server/scram.h
CW_SERVER_LIBS = src/server/libcw-server.a $(CW_COMMON_LIBS) $(SODIUM_LIBS)
