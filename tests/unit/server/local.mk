# SPDX-License-Identifier: GPL-3.0-or-later
CW_UNIT_SERVER = tests/unit/server/test-sasl
check_PROGRAMS += $(CW_UNIT_SERVER)
TESTS += $(CW_UNIT_SERVER)
tests_unit_server_test_sasl_LDADD = $(CW_SERVER_LIBS)
tests_unit_server_test_sasl_SOURCES = tests/unit/server/test-sasl.c
EXTRA_DIST += tests/unit/server/scram-client.py
CW_UNIT_SERVER_C2S = tests/unit/server/test-router tests/unit/server/test-c2s-session
check_PROGRAMS += $(CW_UNIT_SERVER_C2S)
TESTS += $(CW_UNIT_SERVER_C2S)
tests_unit_server_test_router_SOURCES = tests/unit/server/test-router.c
tests_unit_server_test_router_LDADD = $(CW_SERVER_LIBS)
tests_unit_server_test_c2s_session_SOURCES = tests/unit/server/test-c2s-session.c \
	tests/unit/server/c2s-test-client.c tests/unit/server/c2s-test-client.h $(CW_TEST_IO_STREAM_SOURCES)
tests_unit_server_test_c2s_session_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/common
tests_unit_server_test_c2s_session_LDADD = $(CW_SERVER_LIBS)
EXTRA_DIST += tests/data/gateway/cert.pem tests/data/gateway/key.pem
CW_UNIT_SERVER_SM = tests/unit/server/test-sm
check_PROGRAMS += $(CW_UNIT_SERVER_SM)
TESTS += $(CW_UNIT_SERVER_SM)
tests_unit_server_test_sm_SOURCES = tests/unit/server/test-sm.c \
	tests/unit/server/c2s-test-client.c tests/unit/server/c2s-test-client.h $(CW_TEST_IO_STREAM_SOURCES)
tests_unit_server_test_sm_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/common
tests_unit_server_test_sm_LDADD = $(CW_SERVER_LIBS)
# CwServerListener: one address, every address (NULL), a port in use.
check_PROGRAMS += tests/unit/server/test-listener
TESTS += tests/unit/server/test-listener
tests_unit_server_test_listener_SOURCES = tests/unit/server/test-listener.c
tests_unit_server_test_listener_LDADD = $(CW_SERVER_LIBS)
CW_UNIT_SERVER_IM = tests/unit/server/test-im-rules
check_PROGRAMS += $(CW_UNIT_SERVER_IM)
TESTS += $(CW_UNIT_SERVER_IM)
tests_unit_server_test_im_rules_SOURCES = tests/unit/server/test-im-rules.c
tests_unit_server_test_im_rules_LDADD = $(CW_SERVER_LIBS)
# The RFC 6121 subscription state machine (a pure function table).
check_PROGRAMS += tests/unit/server/test-subscription
TESTS += tests/unit/server/test-subscription
tests_unit_server_test_subscription_SOURCES = tests/unit/server/test-subscription.c
tests_unit_server_test_subscription_LDADD = $(CW_SERVER_LIBS)
# Roster IQs and inbound subscriptions through a router and a gateway store.
check_PROGRAMS += tests/unit/server/test-roster
TESTS += tests/unit/server/test-roster
tests_unit_server_test_roster_SOURCES = tests/unit/server/test-roster.c
tests_unit_server_test_roster_LDADD = $(CW_SERVER_LIBS)
CW_MODULE_FIXTURE_SOURCES = tests/unit/server/module-fixture.c tests/unit/server/module-fixture.h
# XEP-0191 blocking through a router and a gateway store.
check_PROGRAMS += tests/unit/server/test-blocking
TESTS += tests/unit/server/test-blocking
tests_unit_server_test_blocking_SOURCES = tests/unit/server/test-blocking.c $(CW_MODULE_FIXTURE_SOURCES)
# XEP-0054 vcard-temp and XEP-0049 private XML.
check_PROGRAMS += tests/unit/server/test-vcard-private
TESTS += tests/unit/server/test-vcard-private
tests_unit_server_test_vcard_private_SOURCES = tests/unit/server/test-vcard-private.c \
	$(CW_MODULE_FIXTURE_SOURCES)
tests_unit_server_test_vcard_private_LDADD = $(CW_SERVER_LIBS)
tests_unit_server_test_blocking_LDADD = $(CW_SERVER_LIBS)
# XEP-0077: password change and registration before authentication.
check_PROGRAMS += tests/unit/server/test-register
TESTS += tests/unit/server/test-register
tests_unit_server_test_register_SOURCES = tests/unit/server/test-register.c \
	tests/unit/server/c2s-test-client.c tests/unit/server/c2s-test-client.h \
	$(CW_MODULE_FIXTURE_SOURCES) $(CW_TEST_IO_STREAM_SOURCES)
tests_unit_server_test_register_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/common
tests_unit_server_test_register_LDADD = $(CW_SERVER_LIBS)
# XEP-0115: the server's caps and node#ver (mod-disco), clients' caps (mod-caps).
check_PROGRAMS += tests/unit/server/test-caps
TESTS += tests/unit/server/test-caps
tests_unit_server_test_caps_SOURCES = tests/unit/server/test-caps.c $(CW_MODULE_FIXTURE_SOURCES) \
	tests/unit/server/c2s-test-client.c tests/unit/server/c2s-test-client.h $(CW_TEST_IO_STREAM_SOURCES)
tests_unit_server_test_caps_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/common
tests_unit_server_test_caps_LDADD = $(CW_SERVER_LIBS)
