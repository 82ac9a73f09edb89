# SPDX-License-Identifier: GPL-3.0-or-later
CW_UNIT_STORE = tests/unit/store/test-store tests/unit/store/test-gateway-store
check_PROGRAMS += $(CW_UNIT_STORE)
TESTS += $(CW_UNIT_STORE)
tests_unit_store_test_store_LDADD = $(CW_STORE_LIBS)
tests_unit_store_test_store_SOURCES = tests/unit/store/test-store.c tests/common/test-tmpdir.h
tests_unit_store_test_store_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/common
tests_unit_store_test_gateway_store_LDADD = $(CW_STORE_LIBS)
tests_unit_store_test_gateway_store_SOURCES = tests/unit/store/test-gateway-store.c tests/common/test-tmpdir.h
tests_unit_store_test_gateway_store_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/common
