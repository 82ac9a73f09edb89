#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-prosody.sh - runs the gateway's client scenario suite (xmpp_scenarios.py,
# python3-slixmpp) against a private Prosody from Debian, so that what the
# suite expects is real server behaviour and not our own reading of the RFCs.
#
# The Prosody is ours alone: its own config, data, pidfile and log in a temp
# dir, listening on 127.0.0.1 only on free ports (c2s + Direct TLS), no s2s,
# no http, a self-signed certificate made here with openssl. A system Prosody,
# if one runs, is left alone. Stopped by its PID at exit.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PY=/usr/bin/python3 # Debian's, which has python3-slixmpp (not a pyenv one)
command -v prosody >/dev/null 2>&1 || skip_all "prosody is not installed (tools/deps.sh --test)"
command -v prosodyctl >/dev/null 2>&1 || skip_all "prosodyctl is not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed"
[ -x "$PY" ] || skip_all "$PY is missing"
"$PY" -c 'import slixmpp' 2>/dev/null || skip_all "python3-slixmpp is not installed"
test_timeout 90

DIR=$(mktemp -d "${TMPDIR:-/tmp}/chinwag-prosody.XXXXXX") || bail_out "mktemp failed"
at_exit 'stop_prosody; rm -rf "$DIR"'
DOMAIN=scen.test
PW=secret
PROSODY_PID=''
stop_prosody() {
	[ -n "$PROSODY_PID" ] || return 0
	kill -TERM "$PROSODY_PID" 2>/dev/null
	_sp_i=0
	while kill -0 "$PROSODY_PID" 2>/dev/null && [ "$_sp_i" -lt 50 ]; do
		sleep 0.1
		_sp_i=$((_sp_i + 1))
	done
	kill -KILL "$PROSODY_PID" 2>/dev/null
	wait "$PROSODY_PID" 2>/dev/null
	PROSODY_PID=''
}

# two free TCP ports on 127.0.0.1 (the kernel picks them)
# shellcheck disable=SC2046 # two numbers
set -- $("$PY" -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
C2S=$1 DTLS=$2
[ -n "$DTLS" ] || bail_out "no free ports"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=$DOMAIN" -addext "subjectAltName=DNS:$DOMAIN" \
	-keyout "$DIR/key.pem" -out "$DIR/cert.pem" >"$DIR/openssl.log" 2>&1 ||
	bail_out "openssl could not make a certificate: $(cat "$DIR/openssl.log")"
mkdir -p "$DIR/data"
chmod 700 "$DIR/data"

cat >"$DIR/prosody.cfg.lua" <<EOF
-- private test instance of gw-prosody.sh
pidfile = "$DIR/prosody.pid"
data_path = "$DIR/data"
run_as_root = true     -- CI runs the suite as root; no user switch
prosody_user = "$(id -un)"
daemonize = false
log = { { levels = { min = "info" }, to = "file", filename = "$DIR/prosody.log" } }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { $C2S }
c2s_direct_tls_ports = { $DTLS }
c2s_require_encryption = true
allow_registration = false
-- internal_plain offers both SCRAM-SHA-1 and SCRAM-SHA-256 (internal_hashed
-- offers only the one hash its stored keys were made with)
authentication = "internal_plain"
storage = "internal"
modules_enabled = {
	"roster"; "saslauth"; "tls"; "disco"; "carbons"; "mam"; "smacks";
	"blocklist"; "vcard_legacy"; "ping"; "version"; "offline"; "private";
}
modules_disabled = { "s2s"; "s2s_auth_certs" }
default_archive_policy = true
archive_expires_after = "1d"
smacks_hibernation_time = 60
certificates = "$DIR"
ssl = { certificate = "$DIR/cert.pem"; key = "$DIR/key.pem" }
VirtualHost "$DOMAIN"
	ssl = { certificate = "$DIR/cert.pem"; key = "$DIR/key.pem" }
EOF

for u in user1 user2 user3; do
	prosodyctl --config "$DIR/prosody.cfg.lua" register "$u" "$DOMAIN" "$PW" >>"$DIR/prosodyctl.log" 2>&1 ||
		bail_out "prosodyctl register $u failed: $(tail -5 "$DIR/prosodyctl.log")"
done

prosody --config "$DIR/prosody.cfg.lua" -F >"$DIR/prosody.out" 2>&1 &
PROSODY_PID=$!
listening() { # PORT: something accepts on 127.0.0.1:PORT
	"$PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1"
}
if ! wait_until 15 listening "$C2S" || ! wait_until 5 listening "$DTLS"; then
	diag "prosody did not start:" "$(tail -20 "$DIR/prosody.out" "$DIR/prosody.log" 2>/dev/null)"
	bail_out "prosody did not start"
fi
diag "$(dpkg-query -W -f="prosody \${Version}" prosody 2>/dev/null)" \
	"pid $PROSODY_PID, c2s 127.0.0.1:$C2S, direct TLS $DTLS, domain $DOMAIN"

rc=0
# SCENARIO_ARGS: extra options for a developer, e.g. "--only carbons --debug"
# shellcheck disable=SC2086
"$PY" "$top_srcdir/tests/integration/xmpp_scenarios.py" --server prosody \
	--host 127.0.0.1 --port "$C2S" --direct-tls-port "$DTLS" --domain "$DOMAIN" \
	--password "$PW" --accounts user1,user2,user3 --cafile "$DIR/cert.pem" ${SCENARIO_ARGS:-} || rc=$?
if [ "$rc" != 0 ]; then
	diag "--- prosody log (last 40 lines)"
	tail -n 40 "$DIR/prosody.log" | sed 's/^/# /'
fi
exit "$rc"
