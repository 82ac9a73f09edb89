# SPDX-License-Identifier: GPL-3.0-or-later
CW_UNIT_PORTER = tests/unit/porter/test-porter
check_PROGRAMS += $(CW_UNIT_PORTER)
TESTS += $(CW_UNIT_PORTER)
tests_unit_porter_test_porter_SOURCES = \
	tests/unit/porter/test-porter.c $(CW_TEST_IO_STREAM_SOURCES)
tests_unit_porter_test_porter_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/common
tests_unit_porter_test_porter_LDADD = $(CW_PORTER_LIBS)
