# SPDX-License-Identifier: GPL-3.0-or-later
# stream/: an XML stream over a GIOStream (headers, stanzas, close, stream errors).
noinst_LIBRARIES += src/stream/libcw-stream.a
src_stream_libcw_stream_a_CPPFLAGS = $(AM_CPPFLAGS) -DG_LOG_DOMAIN=\"chinwag-stream\"
src_stream_libcw_stream_a_SOURCES = \
	src/stream/xmpp-connection.c src/stream/xmpp-connection.h
CW_STREAM_LIBS = src/stream/libcw-stream.a $(CW_XML_LIBS)
