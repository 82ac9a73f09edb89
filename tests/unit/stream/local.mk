# SPDX-License-Identifier: GPL-3.0-or-later
# The in-memory GIOStream pair in tests/common/ is shared with the porter
# and ll tests: add both files to a test's _SOURCES to use it.
CW_TEST_IO_STREAM_SOURCES = tests/common/test-io-stream.c tests/common/test-io-stream.h
CW_UNIT_STREAM = tests/unit/stream/test-xmpp-connection
check_PROGRAMS += $(CW_UNIT_STREAM)
TESTS += $(CW_UNIT_STREAM)
tests_unit_stream_test_xmpp_connection_SOURCES = \
	tests/unit/stream/test-xmpp-connection.c $(CW_TEST_IO_STREAM_SOURCES)
tests_unit_stream_test_xmpp_connection_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/common
tests_unit_stream_test_xmpp_connection_LDADD = $(CW_STREAM_LIBS)
