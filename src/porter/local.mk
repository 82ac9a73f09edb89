# SPDX-License-Identifier: GPL-3.0-or-later
# porter/: stanza dispatch to prioritised handlers, IQ tracking, close handshake.
noinst_LIBRARIES += src/porter/libcw-porter.a
src_porter_libcw_porter_a_CPPFLAGS = $(AM_CPPFLAGS) -DG_LOG_DOMAIN=\"chinwag-porter\"
src_porter_libcw_porter_a_SOURCES = \
	src/porter/porter.c src/porter/porter.h
CW_PORTER_LIBS = src/porter/libcw-porter.a $(CW_STREAM_LIBS)
