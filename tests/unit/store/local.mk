# SPDX-License-Identifier: GPL-3.0-or-later
CW_UNIT_STORE = tests/unit/store/test-store
check_PROGRAMS += $(CW_UNIT_STORE)
TESTS += $(CW_UNIT_STORE)
tests_unit_store_test_store_LDADD = $(CW_STORE_LIBS)
