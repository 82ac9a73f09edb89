# SPDX-License-Identifier: GPL-3.0-or-later
# ll/: link-local (XEP-0174): discovery, Avahi backends (daemon and embedded), TXT codec, listener, peers.
noinst_LIBRARIES += src/ll/libcw-ll.a
src_ll_libcw_ll_a_CPPFLAGS = $(AM_CPPFLAGS) $(AVAHI_CFLAGS) $(AVAHI_CORE_CFLAGS) -DG_LOG_DOMAIN=\"chinwag-ll\"
src_ll_libcw_ll_a_SOURCES = \
	src/ll/txt-record.c src/ll/txt-record.h \
	src/ll/discovery.c src/ll/discovery.h \
	src/ll/avahi-discovery.c src/ll/avahi-discovery.h \
	src/ll/avahi-ops.h \
	src/ll/avahi-client-ops.c src/ll/avahi-core-ops.c \
	src/ll/avahi-util.c src/ll/avahi-util.h \
	src/ll/roster.c src/ll/roster.h \
	src/ll/listener.c src/ll/listener.h \
	src/ll/connection-manager.c src/ll/connection-manager.h
# Not $(AVAHI_CORE_LIBS): avahi-core-ops.c loads libavahi-core at run time.
CW_LL_LIBS = src/ll/libcw-ll.a $(CW_PORTER_LIBS) $(AVAHI_LIBS) $(DL_LIBS)

