# SPDX-License-Identifier: GPL-3.0-or-later
CW_UNIT_SERVER_C2S = tests/unit/server/test-router
check_PROGRAMS += $(CW_UNIT_SERVER_C2S)
TESTS += $(CW_UNIT_SERVER_C2S)
tests_unit_server_test_router_SOURCES = tests/unit/server/test-router.c
tests_unit_server_test_router_LDADD = $(CW_SERVER_LIBS)
