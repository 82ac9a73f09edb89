# SPDX-License-Identifier: GPL-3.0-or-later
# gw-harness: a CwGateway with in-memory accounts, driven by tests/integration/gw-c2s.sh.
check_PROGRAMS += tests/server/gw-harness
tests_server_gw_harness_SOURCES = tests/server/gw-harness.c
tests_server_gw_harness_LDADD = $(CW_SERVER_LIBS)
