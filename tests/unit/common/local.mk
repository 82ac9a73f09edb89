# SPDX-License-Identifier: GPL-3.0-or-later
CW_UNIT_COMMON = tests/unit/common/test-jid tests/unit/common/test-xmpp-error
check_PROGRAMS += $(CW_UNIT_COMMON)
TESTS += $(CW_UNIT_COMMON)
tests_unit_common_test_jid_LDADD = $(CW_COMMON_LIBS)
tests_unit_common_test_xmpp_error_LDADD = $(CW_COMMON_LIBS)
