#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench-gateway.sh - the same c2s load (bench/bench-c2s) against private
# Prosody and ejabberd instances on loopback, and chinwag with --chinwag CMD;
# prints a table and the ratios between servers.
#
#   bench/bench-gateway.sh [--smoke] [--targets "chinwag prosody ejabberd"] [--chinwag CMD]
#                          [--logins N] [--inflight K] [--idle C] [--pairs P] [--seconds T]
#                          [-- BENCH-C2S-OPTIONS...]
#
# A target is five functions: target_NAME_available (installed?),
# target_NAME_version, target_NAME_register DIR COUNT (creates accounts
# b1..bCOUNT with password "pw" on domain "localhost"; called before start, a
# server that needs to run for it does it in start), target_NAME_start DIR
# PORT (starts the server, sets SERVER_PID) and target_NAME_stop DIR. Adding
# a server is adding those five and naming it in --targets.
#
# chinwag contract (--chinwag CMD): CMD runs with BENCH_DIR (a scratch dir),
# BENCH_PORT (a free port it should listen on for c2s), BENCH_DOMAIN,
# BENCH_ACCOUNTS, BENCH_PREFIX, BENCH_PASSWORD, BENCH_CERT and BENCH_KEY in its
# environment. It creates the accounts, then execs the server in the
# foreground (its PID is the one measured and stopped); if it listens on
# another port it prints "c2s-port N" (or gw-harness's "c2s N") on stdout.
#
# BENCH_C2S=PATH picks the load generator; BENCH_KEEP=1 keeps the scratch
# directory (configs, server logs, bench-c2s's RESULT lines) for a look.
set -u

SMOKE=0
declare -A SIZE
TARGETS="chinwag prosody ejabberd"
CHINWAG_CMD=''
EXTRA=()
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 ;;
	--targets) TARGETS=$2 && shift ;;
	--chinwag) CHINWAG_CMD=$2 && shift ;;
	--logins | --inflight | --idle | --pairs | --seconds) SIZE[${1#--}]=$2 && shift ;;
	--) shift && EXTRA=("$@") && break ;;
	-h | --help) sed -n '3,26p' "$0" | sed 's/^# \{0,1\}//' && exit 0 ;;
	*) echo "bench-gateway: unknown option $1" >&2 && exit 2 ;;
	esac
	shift
done
[ -z "$CHINWAG_CMD" ] || case " $TARGETS " in *" chinwag "*) ;; *) TARGETS="chinwag $TARGETS" ;; esac

here=$(cd "$(dirname "$0")" && pwd)
BENCH_C2S=${BENCH_C2S:-$here/bench-c2s}
[ -x "$BENCH_C2S" ] || { echo "bench-gateway: $BENCH_C2S not built (make bench/bench-c2s)" >&2 && exit 2; }

# Load sizes. The default run takes about 3 minutes per server.
if [ "$SMOKE" = 1 ]; then
	LOGINS=60 INFLIGHT=10 IDLE=200 PAIRS=4 SECONDS_=3
else
	LOGINS=2000 INFLIGHT=50 IDLE=6000 PAIRS=50 SECONDS_=15
fi
LOGINS=${SIZE[logins]:-$LOGINS} INFLIGHT=${SIZE[inflight]:-$INFLIGHT} IDLE=${SIZE[idle]:-$IDLE}
PAIRS=${SIZE[pairs]:-$PAIRS} SECONDS_=${SIZE[seconds]:-$SECONDS_}
ACCOUNTS=$((LOGINS > IDLE + 2 * PAIRS ? LOGINS : IDLE + 2 * PAIRS))
DOMAIN=localhost PREFIX=b PASSWORD=pw

# Soft fd limit up to the hard one: the servers inherit it.
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-gateway.XXXXXX") || exit 1
chmod 755 "$WORK"
SERVER_PID=''
CURRENT=''
CHILD=''
# in_bg CMD...: runs CMD as a child that a signal to this script does not wait for
in_bg() {
	local rc
	"$@" &
	CHILD=$!
	wait "$CHILD"
	rc=$?
	CHILD=''
	return $rc
}
cleanup() {
	[ -z "$CHILD" ] || kill "$CHILD" 2>/dev/null
	[ -z "$CURRENT" ] || "target_${CURRENT}_stop" "$WORK/$CURRENT" 2>/dev/null
	if [ -n "${BENCH_KEEP:-}" ]; then echo "bench-gateway: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # PORT SECONDS PID
	for _ in $(seq $(($2 * 10))); do
		port_open "$1" && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# stop_tree PID: TERM to PID and its descendants (deepest first), then KILL what is left
descendants() {
	local p
	for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		descendants "$p"
		echo "$p"
	done
}
alive() { # PID...: is any of them still running (zombies count as gone)?
	local p
	for p in "$@"; do
		[ -e "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null && return 0
	done
	return 1
}
stop_tree() {
	local pids
	pids="$(descendants "$1") $1"
	# shellcheck disable=SC2086
	kill -TERM $pids 2>/dev/null
	for _ in $(seq 100); do
		# shellcheck disable=SC2086
		alive $pids || return 0
		sleep 0.1
	done
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null
}

# One throwaway certificate for every server (RSA 2048, self-signed).
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=$DOMAIN" -days 2 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1 || { echo "bench-gateway: openssl failed" >&2 && exit 1; }
chmod 644 "$WORK/key.pem"

# ---- Prosody ---------------------------------------------------------------------
target_prosody_available() { command -v prosody >/dev/null; }
target_prosody_version() { dpkg-query -W -f '${Version}' prosody 2>/dev/null || echo '?'; }
# Writes the account files straight into the private data dir with plain
# passwords (internal_plain): fine for a throwaway bench instance, and far
# faster than one prosodyctl run per account.
target_prosody_register() {
	local dir=$1/data/localhost/accounts i
	mkdir -p "$dir"
	for ((i = 1; i <= $2; i++)); do
		printf 'return {\n\t["password"] = "%s";\n};\n' "$PASSWORD" >"$dir/$PREFIX$i.dat"
	done
}
target_prosody_start() {
	local dir=$1 port=$2
	cat >"$dir/prosody.cfg.lua" <<-EOF
		run_as_root = true
		daemonize = false
		pidfile = "$dir/prosody.pid"
		data_path = "$dir/data"
		plugin_paths = {}
		interfaces = { "127.0.0.1" }
		local_interfaces = { "127.0.0.1" }
		c2s_ports = { $port }
		c2s_direct_tls_ports = {}
		s2s_ports = {}
		http_ports = {}
		https_ports = {}
		network_backend = "epoll"
		c2s_require_encryption = true
		authentication = "internal_plain"
		storage = "internal"
		log = { { levels = { min = "warn" }, to = "file", filename = "$dir/prosody.log" } }
		-- what chinwag's gateway always runs: every message archived (MAM),
		-- offline storage and carbons, so the message figures compare alike
		modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "mam", "offline", "carbons" }
		default_archive_policy = true
		modules_disabled = { "s2s", "admin_shell", "posix" }
		ssl = { key = "$WORK/key.pem", certificate = "$WORK/cert.pem" }
		VirtualHost "$DOMAIN"
	EOF
	prosody --config "$dir/prosody.cfg.lua" </dev/null >"$dir/stdout.log" 2>&1 &
	SERVER_PID=$!
	wait_port "$port" 20 "$SERVER_PID"
}
target_prosody_stop() { [ -z "$SERVER_PID" ] || stop_tree "$SERVER_PID"; }

# ---- ejabberd ----------------------------------------------------------------------
# A private node (own config, spool, logs, node name and cookie) run as the
# ejabberd user through ejabberdctl, with a fixed distribution port and no epmd,
# so nothing of it outlives the run. Accounts come from one erl client node that
# calls ejabberd_auth:try_register over distribution: one ejabberdctl call per
# account would take about a second each.
target_ejabberd_available() { [ -x /usr/sbin/ejabberdctl ] && id ejabberd >/dev/null 2>&1; }
target_ejabberd_version() { dpkg-query -W -f '${Version}' ejabberd 2>/dev/null || echo '?'; }
EJ_NODE="bench$$@localhost"
EJ_COOKIE="bench$$$RANDOM"
target_ejabberd_register() { :; } # needs the running node: done in start
target_ejabberd_start() {
	local dir=$1 port=$2 dist
	dist=$(free_port)
	mkdir -p "$dir/spool" "$dir/logs"
	cat "$WORK/key.pem" "$WORK/cert.pem" >"$dir/server.pem"
	cp /etc/ejabberd/inetrc "$dir/inetrc" 2>/dev/null
	cat >"$dir/ejabberdctl.cfg" <<-EOF
		POLL=true
		ERL_MAX_PORTS=65536
		ERL_PROCESSES=1000000
		ERL_DIST_PORT=$dist
		ERL_EPMD_ADDRESS=127.0.0.1
		ERL_OPTIONS="-setcookie $EJ_COOKIE"
		EJABBERD_PID_PATH=$dir/ejabberd.pid
	EOF
	cat >"$dir/ejabberd.yml" <<-EOF
		hosts: ["$DOMAIN"]
		loglevel: warning
		certfiles: ["$dir/server.pem"]
		auth_method: internal
		auth_password_format: plain
		listen:
		  - port: $port
		    ip: "127.0.0.1"
		    module: ejabberd_c2s
		    starttls_required: true
		    shaper: none
		    max_stanza_size: 262144
		acl:
		  local:
		    user_regexp: ""
		access_rules:
		  local:
		    allow: local
		api_permissions:
		  "console commands":
		    from: [ejabberd_ctl]
		    who: all
		    what: "*"
		modules:
		  mod_disco: {}
		  mod_ping: {}
		  mod_roster: {}
		  mod_mam:
		    default: always
		  mod_offline: {}
		  mod_carboncopy: {}
	EOF
	chown -R ejabberd "$dir"
	# setpriv, not ejabberdctl's own su: su goes through PAM, which puts the
	# open-file limit back to 1024 and ejabberd then fails its accepts
	setpriv --reuid=ejabberd --regid=ejabberd --init-groups env HOME="$dir/spool" \
		/usr/sbin/ejabberdctl --config-dir "$dir" --spool "$dir/spool" --logs "$dir/logs" --node "$EJ_NODE" \
		foreground </dev/null >"$dir/stdout.log" 2>&1 &
	SERVER_PID=$!
	wait_port "$port" 90 "$SERVER_PID" || return 1
	in_bg timeout 300 env -C "$dir" HOME="$dir" erl -noshell -sname "breg$$" -setcookie "$EJ_COOKIE" \
		-erl_epmd_port "$dist" -start_epmd false -dist_listen false -eval "
		N = '$EJ_NODE', pong = net_adm:ping(N),
		R = [rpc:call(N, ejabberd_auth, try_register,
		      [list_to_binary(\"$PREFIX\" ++ integer_to_list(I)), <<\"$DOMAIN\">>, <<\"$PASSWORD\">>])
		     || I <- lists:seq(1, $ACCOUNTS)],
		io:format(\"~p~n\", [lists:usort(R)]), halt()." >"$dir/register.log" 2>&1 &&
		grep -q '^\[ok\]$' "$dir/register.log"
}
target_ejabberd_stop() { [ -z "$SERVER_PID" ] || stop_tree "$SERVER_PID"; }

# ---- chinwag ---------------------------------------------------------------------------
# Built in: chinwagd --gateway from the build tree next to bench-c2s, on a
# config with the per-connection limits off (as for the other two). One
# account is made with chinwagctl (one PBKDF2 run, about 0.1 s), then its rows
# are copied in SQLite for the others: every account has the same salt and
# keys, fine for a throwaway bench instance. --chinwag CMD replaces all this.
CHINWAGD=${CHINWAGD:-$(dirname "$BENCH_C2S")/../src/chinwagd}
CHINWAGCTL=${CHINWAGCTL:-$(dirname "$BENCH_C2S")/../src/chinwagctl}
target_chinwag_available() {
	[ -n "$CHINWAG_CMD" ] || { [ -x "$CHINWAGD" ] && [ -x "$CHINWAGCTL" ] && command -v sqlite3 >/dev/null; }
}
target_chinwag_version() { git -C "$here/.." describe --always --dirty 2>/dev/null || echo '?'; }
chinwag_config() { # DIR PORT
	cat >"$1/chinwag.conf" <<-EOF
		[gateway]
		domain = $DOMAIN
		storage = $1/state/gateway.db
		[c2s]
		listen = 127.0.0.1:$2
		certificate = $WORK/cert.pem
		key = $WORK/key.pem
		[limits]
		rate = 0
		connections_per_address = 0
		auth_failure_delay = 0 s
		ping_interval = 0
	EOF
}
target_chinwag_register() {
	local dir=$1
	[ -z "$CHINWAG_CMD" ] || return 0 # CMD creates them itself
	chinwag_config "$dir" 0
	printf '%s\n' "$PASSWORD" | "$CHINWAGCTL" --config "$dir/chinwag.conf" adduser "${PREFIX}1" || return 1
	sqlite3 "$dir/state/gateway.db" "
		WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
		INSERT INTO accounts (username, disabled, roster_version, created_at)
		  SELECT '$PREFIX' || i, 0, 0, created_at FROM n, accounts WHERE username = '${PREFIX}1';
		WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
		INSERT INTO credentials (username, hash, salt, iterations, stored_key, server_key)
		  SELECT '$PREFIX' || i, hash, salt, iterations, stored_key, server_key
		  FROM n, credentials WHERE username = '${PREFIX}1';"
}
target_chinwag_start() {
	local dir=$1 port=$2 p
	if [ -z "$CHINWAG_CMD" ]; then
		chinwag_config "$dir" "$port"
		"$CHINWAGD" --gateway --config "$dir/chinwag.conf" </dev/null >"$dir/stdout.log" 2>"$dir/stderr.log" &
		SERVER_PID=$!
		wait_port "$port" 20 "$SERVER_PID"
		return
	fi
	BENCH_DIR=$dir BENCH_PORT=$port BENCH_DOMAIN=$DOMAIN BENCH_ACCOUNTS=$ACCOUNTS BENCH_PREFIX=$PREFIX \
		BENCH_PASSWORD=$PASSWORD BENCH_CERT=$WORK/cert.pem BENCH_KEY=$WORK/key.pem \
		sh -c "exec $CHINWAG_CMD" </dev/null >"$dir/stdout.log" 2>"$dir/stderr.log" &
	SERVER_PID=$!
	for _ in $(seq 600); do
		p=$(sed -n 's/^c2s\(-port\)\{0,1\} \([0-9][0-9]*\).*/\2/p' "$dir/stdout.log" | head -n 1)
		[ -z "$p" ] || { CHINWAG_PORT=$p && break; }
		port_open "$port" && break
		kill -0 "$SERVER_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	wait_port "${CHINWAG_PORT:-$port}" 5 "$SERVER_PID"
}
target_chinwag_stop() { [ -z "$SERVER_PID" ] || stop_tree "$SERVER_PID"; }

# ---- run ---------------------------------------------------------------------------------
declare -A R # R[target.figure]
run_target() {
	local t=$1 dir=$WORK/$1 port t0
	mkdir -p "$dir"
	port=$(free_port)
	CHINWAG_PORT=''
	t0=$(date +%s)
	echo "== $t $("target_${t}_version"): $ACCOUNTS accounts, c2s on 127.0.0.1:$port" >&2
	"target_${t}_register" "$dir" "$ACCOUNTS"
	CURRENT=$t
	if ! "target_${t}_start" "$dir" "$port"; then
		echo "bench-gateway: $t did not start; its logs:" >&2
		tail -n 20 "$dir"/*.log "$dir"/logs/*.log 2>/dev/null >&2
		"target_${t}_stop" "$dir"
		CURRENT='' SERVER_PID=''
		return 1
	fi
	in_bg "$BENCH_C2S" --port "${CHINWAG_PORT:-$port}" --domain "$DOMAIN" --prefix "$PREFIX" --password "$PASSWORD" \
		--logins "$LOGINS" --inflight "$INFLIGHT" --idle "$IDLE" --pairs "$PAIRS" --seconds "$SECONDS_" \
		--server-pid "$SERVER_PID" "${EXTRA[@]}" >"$dir/result.txt" 2>"$dir/bench.err" ||
		{ echo "bench-gateway: bench-c2s failed (rc $?) against $t:" >&2 && tail -n 30 "$dir/bench.err" >&2; }
	"target_${t}_stop" "$dir"
	CURRENT='' SERVER_PID=''
	sed -n 's/^# /  /p' "$dir/result.txt" >&2
	while read -r tag key value; do
		[ "$tag" = RESULT ] && R[$t.$key]=$value
	done <"$dir/result.txt"
	echo "   done in $(($(date +%s) - t0)) s" >&2
}

RAN=''
for t in $TARGETS; do
	if ! "target_${t}_available" 2>/dev/null; then
		echo "== $t: not installed, skipped" >&2
		continue
	fi
	run_target "$t" && RAN="$RAN $t"
done
[ -n "$RAN" ] || { echo "bench-gateway: no target ran" >&2 && exit 1; }

get() { echo "${R[$1.$2]:--}"; }
per() { # A B SCALE: A * SCALE / B, or - when either is missing
	awk -v a="$1" -v b="$2" -v k="$3" 'BEGIN { if (a != "-" && b + 0 > 0) printf "%.2f", a * k / b; else printf "-" }'
}
printf '\n%-9s %9s %11s %9s %9s %11s %10s %6s\n' server 'logins/s' 'idle held' 'kB/idle' 'msgs/s' \
	'srv ms/lgn' 'srv us/msg' 'fails'
for t in $RAN; do
	printf '%-9s %9s %11s %9s %9s %11s %10s %6s\n' "$t" "$(get "$t" login_rate)" \
		"$(get "$t" idle_held)/$(get "$t" idle_target)" "$(get "$t" idle_kb_per_conn)" "$(get "$t" msgs_rate)" \
		"$(per "$(get "$t" login_server_cpu_s)" "$(get "$t" login_ok)" 1000)" \
		"$(per "$(get "$t" msgs_server_cpu_s)" "$(get "$t" msgs_delivered)" 1000000)" \
		"$(($(get "$t" login_failed | tr -- - 0) + $(get "$t" idle_login_failed | tr -- - 0)))"
done
ratio() { # A B FIGURE
	awk -v a="$(get "$1" "$3")" -v b="$(get "$2" "$3")" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "-" }'
}
# shellcheck disable=SC2086
set -- $RAN
if [ $# -gt 1 ]; then
	printf '\nratios (%s / other; for kB/idle lower is better)\n' "$1"
	a=$1
	shift
	for b in "$@"; do
		printf '  vs %-9s logins/s %s   kB/idle %s   msgs/s %s\n' "$b" "$(ratio "$a" "$b" login_rate)" \
			"$(ratio "$a" "$b" idle_kb_per_conn)" "$(ratio "$a" "$b" msgs_rate)"
	done
fi
