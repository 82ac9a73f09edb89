# SPDX-License-Identifier: GPL-3.0-or-later
# Shell integration tests. Each builds its own private lab of simulated hosts
# (tests/lab/lab.sh: network namespaces, one dbus-daemon + avahi-daemon per
# host) and prints TAP. They need root and skip themselves otherwise.
CW_INTEGRATION_TESTS = tests/integration/lab-smoke.sh
CW_INTEGRATION_TESTS += tests/integration/peer-basic.sh
CW_INTEGRATION_TESTS += tests/integration/peer-failures.sh
CW_INTEGRATION_TESTS += tests/integration/peer-queue.sh
CW_INTEGRATION_TESTS += tests/integration/peer-embedded.sh
CW_INTEGRATION_TESTS += tests/integration/interop-purple.sh
CW_INTEGRATION_TESTS += tests/integration/peer-ipv6-race.sh
CW_INTEGRATION_TESTS += tests/integration/peer-ichat.sh
CW_INTEGRATION_TESTS += tests/integration/peer-hostile.sh
CW_INTEGRATION_TESTS += tests/integration/dbus-api.sh
CW_INTEGRATION_TESTS += tests/integration/cli-chat.sh
# Needs no lab and no root.
CW_INTEGRATION_TESTS += tests/integration/gateway-config.sh
# gw-prosody.sh needs no root: it runs the gateway's client scenarios
# (xmpp_scenarios.py) against a private Prosody on loopback, and skips
# without prosody, openssl or python3-slixmpp
CW_INTEGRATION_TESTS += tests/integration/gw-prosody.sh
CW_INTEGRATION_TESTS += tests/integration/tui-chat.sh
CW_INTEGRATION_TESTS += tests/integration/gateway-admin.sh
# gw-c2s.sh needs no lab: gw-harness and python3-slixmpp on loopback.
CW_INTEGRATION_TESTS += tests/integration/gw-c2s.sh
# gw-daemon.sh needs no lab: chinwagd --gateway, chinwagctl, slixmpp and
# go-sendxmpp on loopback.
CW_INTEGRATION_TESTS += tests/integration/gw-daemon.sh
# gw-im.sh: offline, carbons and MAM details against gw-harness --store.
CW_INTEGRATION_TESTS += tests/integration/gw-im.sh
# gw-chinwag.sh: the same scenarios as gw-prosody.sh, against gw-harness --store.
CW_INTEGRATION_TESTS += tests/integration/gw-chinwag.sh
# bench-smoke.sh needs no lab and no root: bench/bench-gateway.sh --smoke
# against a private Prosody on loopback; skips without prosody
CW_INTEGRATION_TESTS += tests/integration/bench-smoke.sh
# gw-register.sh: XEP-0077 registration and password change against gw-harness --store.
CW_INTEGRATION_TESTS += tests/integration/gw-register.sh
# gw-crash.sh: kill -9 of chinwagd --gateway under load loses no acknowledged message.
CW_INTEGRATION_TESTS += tests/integration/gw-crash.sh
TESTS += $(CW_INTEGRATION_TESTS)
EXTRA_DIST += $(CW_INTEGRATION_TESTS) tests/integration/lib.sh tests/integration/rawpeer.py tests/integration/dbus-raw.py \
	tests/integration/xmpp_scenarios.py tests/integration/xmpp_client.py \
	tests/integration/gw-client.py tests/integration/gw-raw.py tests/integration/gw-daemon-client.py \
	tests/integration/gw-im-extra.py \
	tests/integration/gw-register.py \
	tests/integration/gw-crash.py \
	tests/lab/lab.sh tests/lab/README.md

# interop-purple.sh drives Pidgin's Bonjour plugin through a small libpurple
# client, built only when configure finds libpurple (the test skips without it;
# tools/deps.sh --test installs libpurple-dev, so CI builds and runs it).
if HAVE_PURPLE
check_PROGRAMS += tests/integration/purple-harness
endif
tests_integration_purple_harness_SOURCES = tests/integration/purple-harness.c
tests_integration_purple_harness_CPPFLAGS = $(AM_CPPFLAGS) $(PURPLE_CFLAGS)
tests_integration_purple_harness_LDADD = $(PURPLE_LIBS) $(GLIB_LIBS)
