# SPDX-License-Identifier: GPL-3.0-or-later
CW_UNIT_LL = \
	tests/unit/ll/test-txt-record
check_PROGRAMS += $(CW_UNIT_LL)
TESTS += $(CW_UNIT_LL)
tests_unit_ll_test_txt_record_LDADD = $(CW_LL_LIBS)
