# SPDX-License-Identifier: GPL-3.0-or-later
# Shell integration tests. Each builds its own private lab of simulated hosts
# (tests/lab/lab.sh: network namespaces, one dbus-daemon + avahi-daemon per
# host) and prints TAP. They need root and skip themselves otherwise.
CW_INTEGRATION_TESTS = tests/integration/lab-smoke.sh
TESTS += $(CW_INTEGRATION_TESTS)
EXTRA_DIST += $(CW_INTEGRATION_TESTS) tests/integration/lib.sh \
	tests/lab/lab.sh tests/lab/README.md
