# SPDX-License-Identifier: GPL-3.0-or-later
CW_UNIT_SERVER = tests/unit/server/test-sasl
check_PROGRAMS += $(CW_UNIT_SERVER)
TESTS += $(CW_UNIT_SERVER)
tests_unit_server_test_sasl_LDADD = $(CW_SERVER_LIBS)
tests_unit_server_test_sasl_SOURCES = tests/unit/server/test-sasl.c
EXTRA_DIST += tests/unit/server/scram-client.py
