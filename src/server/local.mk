# SPDX-License-Identifier: GPL-3.0-or-later
# server/: gateway mode. libsodium is included in scram.c only.
noinst_LIBRARIES += src/server/libcw-server.a
src_server_libcw_server_a_CPPFLAGS = $(AM_CPPFLAGS) $(SODIUM_CFLAGS) -DG_LOG_DOMAIN=\"chinwag-server\"
src_server_libcw_server_a_SOURCES = \
	src/server/sasl.c src/server/sasl.h \
	src/server/scram.c src/server/scram.h
CW_SERVER_LIBS = src/server/libcw-server.a $(CW_COMMON_LIBS) $(SODIUM_LIBS)
# c2s: listeners, sessions, router, modules, the gateway object.
src_server_libcw_server_a_SOURCES += \
	src/server/limits.h \
	src/server/listener.c src/server/listener.h \
	src/server/router.c src/server/router.h \
	src/server/c2s-session.c src/server/c2s-session.h src/server/c2s-session-private.h \
	src/server/c2s-negotiation.c \
	src/server/sm.c src/server/sm.h src/server/c2s-sm.c src/server/c2s-csi.c \
	src/server/module.c src/server/module.h \
	src/server/mod-ping.c src/server/mod-version.c src/server/mod-disco.c src/server/mod-presence.c \
	src/server/mod-im.h src/server/mod-offline.c src/server/mod-carbons.c src/server/mod-mam.c \
	src/server/presence-private.h src/server/mod-roster.c src/server/mod-blocking.c src/server/mod-vcard.c src/server/mod-private.c \
	src/server/register.h src/server/mod-register.c \
	src/server/mod-caps.c \
	src/server/subscription.c src/server/subscription.h \
	src/server/gateway.c src/server/gateway.h
CW_SERVER_LIBS += $(CW_STREAM_LIBS) $(CW_STORE_LIBS)
