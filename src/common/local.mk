# SPDX-License-Identifier: GPL-3.0-or-later
# common/: error domains, JIDs, namespaces, logging. GLib only.
noinst_LIBRARIES += src/common/libcw-common.a
src_common_libcw_common_a_CPPFLAGS = $(AM_CPPFLAGS) -DG_LOG_DOMAIN=\"chinwag-common\"
src_common_libcw_common_a_SOURCES = \
	src/common/debug.c src/common/debug.h \
	src/common/jid.c src/common/jid.h \
	src/common/namespaces.h \
	src/common/xmpp-error.c src/common/xmpp-error.h
CW_COMMON_LIBS = src/common/libcw-common.a $(GLIB_LIBS)
