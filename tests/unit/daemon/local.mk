# SPDX-License-Identifier: GPL-3.0-or-later
CW_UNIT_DAEMON = tests/unit/daemon/test-gateway-config tests/unit/daemon/test-certificate
check_PROGRAMS += $(CW_UNIT_DAEMON)
TESTS += $(CW_UNIT_DAEMON)
tests_unit_daemon_test_gateway_config_SOURCES = tests/unit/daemon/test-gateway-config.c \
	tests/common/test-tmpdir.h
tests_unit_daemon_test_gateway_config_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/common
tests_unit_daemon_test_gateway_config_LDADD = $(CW_DAEMON_LIBS)
tests_unit_daemon_test_certificate_LDADD = $(CW_DAEMON_LIBS)
# The test certificates (tests/data/gateway/README says how they were made).
EXTRA_DIST += tests/data/gateway/README tests/data/gateway/make-certs.sh \
	tests/data/gateway/good-cert.pem tests/data/gateway/good-key.pem \
	tests/data/gateway/other-key.pem tests/data/gateway/expired-cert.pem \
	tests/data/gateway/expired-key.pem tests/data/gateway/not-pem.pem
