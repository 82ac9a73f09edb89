# SPDX-License-Identifier: GPL-3.0-or-later
# lib.sh - TAP helpers for chinwag's shell integration tests (POSIX sh: the
# tests run under $(SHELL), which may be dash).
#
#   . "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
#   lab_require [CMD...]      skip the whole test unless root + the lab's tools
#   test_timeout 60           bail out (and take the lab down) after 60 s
#   lab_up 3                  h1 h2 h3; `lab down` runs on exit, whatever happens
#   check "h2 sees alice" lab wait-service h2 alice@h1 5
#   is "$got" "$want" "description";  like "$got" '*glob*' "description"
#   done_testing              prints the plan (unless `plan N` came first)
#
# Do not set an EXIT trap in a test: use `at_exit 'command'`.
# Everything a test writes goes under $LAB_STATE (a mktemp dir), never the
# source tree, so tests work in out-of-tree builds and under distcheck.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
LAB=$top_srcdir/tests/lab/lab.sh
PATH=/usr/sbin:/sbin:$PATH
export PATH

_tap_n=0 _tap_fail=0 _tap_plan='' _tap_watchdog='' _tap_at_exit=':'
LAB_STATE='' # never inherited: the EXIT trap takes down only a lab this test made

# ---- TAP -----------------------------------------------------------------------
plan() {
	_tap_plan=$1
	echo "1..$1"
}
diag() { printf '%s\n' "$@" | sed 's/^/# /'; } # one line per argument
ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}
not_ok() {
	_tap_n=$((_tap_n + 1)) _tap_fail=$((_tap_fail + 1))
	echo "not ok $_tap_n - $*"
}
skip() { # DESCRIPTION REASON
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}
# check DESCRIPTION CMD...: one test point; a failing command's output and
# exit status become diagnostics
check() {
	_c_desc=$1
	shift
	if _c_out=$("$@" 2>&1); then
		ok "$_c_desc"
	else
		_c_rc=$?
		not_ok "$_c_desc"
		diag "failed (rc $_c_rc): $*"
		[ -z "$_c_out" ] || diag "$_c_out"
	fi
}
is() { # GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok "$3"; else
		not_ok "$3"
		diag "got:  '$1'" "want: '$2'"
	fi
}
like() { # GOT GLOB DESCRIPTION
	# shellcheck disable=SC2254
	case $1 in
	$2) ok "$3" ;;
	*)
		not_ok "$3"
		diag "got:  '$1'" "want: $2"
		;;
	esac
}
skip_all() { # REASON: the whole test is skipped (exit 0)
	echo "1..0 # SKIP $*"
	exit 0
}
bail_out() {
	echo "Bail out! $*"
	exit 1
}
done_testing() { # exits: 0 if everything planned ran and passed
	if [ -z "$_tap_plan" ]; then
		echo "1..$_tap_n"
	elif [ "$_tap_plan" != "$_tap_n" ]; then
		diag "planned $_tap_plan tests but ran $_tap_n"
		exit 1
	fi
	[ "$_tap_fail" = 0 ] || diag "$_tap_fail of $_tap_n tests failed"
	[ "$_tap_fail" = 0 ]
	exit
}

# ---- time ----------------------------------------------------------------------
now_ms() { date +%s%3N; }
with_timeout() { timeout -k 2 "$@"; } # SECONDS CMD...
wait_until() { # SECONDS CMD...: poll CMD every 0.1 s until it succeeds
	_w_end=$(($(now_ms) + $1 * 1000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -lt "$_w_end" ] || return 1
		sleep 0.1
	done
}

# stat fields of a process without the "PID (comm) " head: state ppid ...
_proc_stat() { { read -r _ps_l <"/proc/$1/stat"; } 2>/dev/null && echo "${_ps_l##*) }"; }
proc_alive() { # PID STARTTIME: is it still that process (zombies count as dead)?
	# shellcheck disable=SC2046
	set -- "$2" $(_proc_stat "$1")
	[ $# -ge 21 ] && [ "$2" != Z ] && [ "${21}" = "$1" ]
}
_descendants() { # PID [SKIP]: every process below PID, except SKIP's subtree
	for _d_f in /proc/[0-9]*/stat; do
		_d_pid=${_d_f#/proc/} && _d_pid=${_d_pid%/stat}
		_d_s=$(_proc_stat "$_d_pid") && echo "$_d_pid $_d_s"
	done | awk -v root="$1" -v skip="${2:-0}" '{ par[$1] = $3 }
		END { do { more = 0; for (p in par) if (p != skip && !(p in d) && (par[p] == root || (par[p] in d))) { d[p] = 1; more = 1 } } while (more)
		      for (p in d) print p }'
}

# test_timeout SECONDS: a watchdog; when it fires it prints "Bail out!",
# terminates everything the test is running and then the test, whose EXIT
# trap takes the lab down
test_timeout() {
	_tap_main=$$
	(
		read -r _me _ </proc/self/stat
		trap 'kill "$_sl" 2>/dev/null; exit 0' TERM
		sleep "$1" &
		_sl=$!
		wait "$_sl" || exit 0
		echo "Bail out! test timed out after $1 s"
		_victims=$(_descendants "$_tap_main" "$_me")
		# shellcheck disable=SC2086
		[ -z "$_victims" ] || kill -TERM $_victims 2>/dev/null
		kill -TERM "$_tap_main" 2>/dev/null
	) &
	_tap_watchdog=$!
}

# ---- exit handling ---------------------------------------------------------------
at_exit() { _tap_at_exit="$_tap_at_exit; $1"; }
_tap_exit() {
	_x_rc=$?
	trap - EXIT INT TERM HUP
	[ -z "$_tap_watchdog" ] || kill "$_tap_watchdog" 2>/dev/null
	eval "$_tap_at_exit"
	if [ -n "${LAB_STATE:-}" ]; then
		[ "$_x_rc" = 0 ] && [ "$_tap_fail" = 0 ] || lab_dump >&2
		lab_down
	fi
	exit "$_x_rc"
}
trap _tap_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the gateway's test harness (tests/server/gw-harness) ----------------------------
# gw_setup SECONDS: skip without Debian's python3-slixmpp or gw-harness; sets
# PY, HARNESS, CERT and KEY (the committed test pair for "localhost") and DIR
# (a scratch folder removed at exit); the whole test may take SECONDS
gw_setup() {
	PY=/usr/bin/python3 # Debian's, which has python3-slixmpp (not a pyenv one)
	[ -x "$PY" ] || skip_all "$PY is missing"
	"$PY" -c 'import slixmpp' 2>/dev/null || skip_all "python3-slixmpp is not installed"
	HARNESS=${top_builddir:-.}/tests/server/gw-harness
	[ -x "$HARNESS" ] || skip_all "gw-harness is not built"
	test_timeout "$1"
	CERT=$top_srcdir/tests/data/gateway/cert.pem
	KEY=$top_srcdir/tests/data/gateway/key.pem
	DIR=$(mktemp -d "${TMPDIR:-/tmp}/chinwag-gw.XXXXXX") || bail_out "mktemp failed"
	at_exit "rm -rf '$DIR'"
}
# start_harness NAME ARGS...: runs $HARNESS (gw-harness) with $CERT, $KEY and
# ARGS on free ports, its output in $DIR/NAME.out and .err, stopped at exit;
# sets NAME_pid, NAME_c2s, NAME_tls
start_harness() {
	_h=$1
	shift
	"$HARNESS" --cert "$CERT" --key "$KEY" "$@" >"$DIR/$_h.out" 2>"$DIR/$_h.err" &
	eval "${_h}_pid=$!"
	at_exit "kill $! 2>/dev/null"
	wait_until 20 grep -q ready "$DIR/$_h.out" || {
		cat "$DIR/$_h.err" >&2
		bail_out "gw-harness $_h did not start"
	}
	eval "${_h}_c2s=$(sed -n 's/^c2s //p' "$DIR/$_h.out")"
	eval "${_h}_tls=$(sed -n 's/^tls //p' "$DIR/$_h.out")"
}

# ---- the lab (tests/lab/lab.sh) ----------------------------------------------------
lab() { bash "$LAB" "$@"; }

# lab_require [CMD...]: skip unless the lab can run here (in CI it can)
lab_require() {
	if [ "$(id -u)" != 0 ]; then
		diag "integration tests build network namespaces and need root (uid is $(id -u));" \
			"CI runs them as root"
		skip_all "not root"
	fi
	_r_missing=''
	for _r_c in bash ip unshare mount timeout dbus-daemon avahi-daemon avahi-publish avahi-browse "$@"; do
		command -v "$_r_c" >/dev/null 2>&1 || _r_missing="$_r_missing $_r_c"
	done
	if [ -n "$_r_missing" ]; then
		diag "missing:$_r_missing" \
			"install iproute2 util-linux dbus-daemon avahi-daemon avahi-utils (tools/deps.sh --test)"
		skip_all "missing$_r_missing"
	fi
	if ! ip netns list >/dev/null 2>&1; then
		diag "'ip netns list' failed: this iproute2 has no network namespace support"
		skip_all "no ip netns"
	fi
}

# lab_up N | NAME...: a fresh lab in a new temp dir; exits with "Bail out!" on failure
lab_up() {
	LAB_STATE=$(mktemp -d "${TMPDIR:-/tmp}/chinwag-lab.XXXXXX") || bail_out "mktemp failed"
	export LAB_STATE
	lab up "$@" >/dev/null || bail_out "lab up $* failed"
}
lab_down() {
	[ -n "${LAB_STATE:-}" ] || return 0
	lab down >&2
	rmdir "$LAB_STATE" 2>/dev/null # still there if lab up never wrote to it
	LAB_STATE=''
	return 0
}
lab_log() { echo "$LAB_STATE/hosts/$1/$2.log"; } # HOST TAG: log of a spawned command
# the last lines of every log in the lab, for a failed test's .log file
lab_dump() {
	[ -d "$LAB_STATE/hosts" ] || return 0
	echo "=== lab state at exit ==="
	lab status
	for _l_f in "$LAB_STATE"/hosts/*/*.log; do
		[ -s "$_l_f" ] || continue
		echo "--- ${_l_f#"$LAB_STATE"/hosts/} (last 40 lines)"
		tail -n 40 "$_l_f"
	done
}

# ---- chinwagd peers in the lab -----------------------------------------------------
# One chinwagd per host (spawn tag "cw"): its state dir, control socket and log
# live under $LAB_STATE/hosts/HOST/. Control commands run from the test's own
# namespace: the socket is a file, and the lab hosts share the file system.
#
#   cw_require                 skip unless chinwagd is built
#   cw_start h1 alice@h1 [OPTION...]   and wait until its control socket answers
#   cw h1 'send bob@h2 hi'     one control command (bounded: 5 s)
#   cw_watch h1 [TAG]          `watch` in the background, into $(lab_log h1 TAG)
#   roster_is h1 "$want"       the roster's name/status/reachability/addresses
#   cw_stop h1 [SIG]
CHINWAGD=${CHINWAGD:-${top_builddir:-$top_srcdir}/src/chinwagd}
CHINWAG=${CHINWAG:-${top_builddir:-$top_srcdir}/src/chinwag}
CHINWAGCTL=${CHINWAGCTL:-${top_builddir:-$top_srcdir}/src/chinwagctl}
TAB=$(printf '\t')

cw_require() {
	[ -x "$CHINWAGD" ] || skip_all "chinwagd is not built ($CHINWAGD)"
}
cw_sock() { echo "$LAB_STATE/hosts/$1/cw.sock"; }   # HOST
cw_state() { echo "$LAB_STATE/hosts/$1/cw-state"; } # HOST
cw() { # HOST COMMAND: prints the answer; exit status as chinwagd --command
	with_timeout 5 "$CHINWAGD" --control "$(cw_sock "$1")" --command "$2"
}
cw_start() { # HOST NAME [OPTION...]
	_cs_h=$1 _cs_n=$2
	shift 2
	# lab daemons stay off any session bus the developer's shell may have
	# (dbus-api.sh starts its own buses); a restart keeps the previous log
	[ ! -s "$(lab_log "$_cs_h" cw)" ] || cat "$(lab_log "$_cs_h" cw)" >>"$(lab_log "$_cs_h" cw.old)"
	lab spawn "$_cs_h" cw "$CHINWAGD" --name "$_cs_n" --state-dir "$(cw_state "$_cs_h")" \
		--control "$(cw_sock "$_cs_h")" --no-dbus "$@" >/dev/null || return 1
	wait_until 5 cw "$_cs_h" info
}
cw_stop() { lab stop "$1" cw "${2:-TERM}"; } # HOST [SIG]: waits (5 s at most) for the exit
cw_watch() { # HOST [TAG=watch]: event lines go to $(lab_log HOST TAG)
	lab spawn "$1" "${2:-watch}" "$CHINWAGD" --control "$(cw_sock "$1")" --command watch >/dev/null
}
# HOST TAG PATTERN: a line of the watch log matches the grep -E PATTERN
# (write a tab as $TAB)
watch_has() { grep -Eq "$3" "$(lab_log "$1" "$2")"; }
watch_count() { grep -Ec "$3" "$(lab_log "$1" "$2")"; } # HOST TAG PATTERN

# the roster as "name status reachability addresses" lines (nick and message left out)
roster4() { cw "$1" roster | cut -f1-4; }
roster_is() { [ "$(roster4 "$1")" = "$2" ]; }         # HOST WANT
roster_line() { cw "$1" roster | grep "^$2$TAB"; }     # HOST PEER: the whole line
roster_has() { cw "$1" roster | grep -q "^$2$TAB"; }   # HOST PEER
roster_lacks() { # HOST PEER: the daemon answers and PEER is not listed
	_rl_out=$(cw "$1" roster) || return 1
	! printf '%s\n' "$_rl_out" | grep -q "^$2$TAB"
}
# HOST PEER FIELD VALUE: the peer's roster line has VALUE in FIELD
# (2 status, 3 reachability, 4 addresses, 5 nick, 6 message)
roster_field_is() { [ "$(roster_line "$1" "$2" | cut -f"$3")" = "$4" ]; }
info_field() { cw "$1" info | sed -n "s/^$2$TAB//p"; } # HOST FIELD (name, port, status, discovery)
# HOST PEER BODY: the state of the message BODY that HOST sent PEER (from `history`)
out_state() { cw "$1" "history $2" | awk -F'\t' -v b="$3" '$2 == "out" && $4 == b { print $3 }'; }
# HOST PEER BODY: how many times BODY came in from PEER (from `history`)
in_count() { cw "$1" "history $2" | awk -F'\t' -v b="$3" '$2 == "in" && $4 == b { n++ } END { print n + 0 }'; }

# ---- chinwag as a user runs it: no session bus, so a private bus per host ----------
#   cwp_up h1 h2               a runtime dir and a home for each host
#   cwp h1 info                the chinwag command on h1 (starts the bus, activates chinwagd)
#   cwp_daemon_pid h1          the pid that owns im.chinwag.Chinwag1 on h1's bus
cwp_rt() { echo "$LAB_STATE/hosts/$1/rt"; } # HOST: its XDG_RUNTIME_DIR
cwp_up() {                                  # HOST...
	for _p_h in "$@"; do
		mkdir -p -m 700 "$(cwp_rt "$_p_h")" "$LAB_STATE/hosts/$_p_h/home"
	done
}
cwp_env() { # HOST: env(1) arguments for chinwag on HOST, word-split by the caller
	echo "-u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR=$(cwp_rt "$1")" \
		"HOME=$LAB_STATE/hosts/$1/home XDG_DATA_HOME=$LAB_STATE/hosts/$1/home/data CHINWAGD=$CHINWAGD"
}
cwp() { # HOST ARG...: chinwag ARG... on HOST, with no session bus and a home of its own
	_p_h=$1
	shift
	# shellcheck disable=SC2046
	lab exec "$_p_h" env $(cwp_env "$_p_h") timeout -k 2 40 "$CHINWAG" "$@"
}
cwp_bus() { echo "unix:path=$(cwp_rt "$1")/chinwag/bus"; } # HOST: its bus address
cwp_daemon_pid() {                                         # HOST
	dbus-send --bus="$(cwp_bus "$1")" --print-reply --dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.GetConnectionUnixProcessID string:im.chinwag.Chinwag1 2>/dev/null |
		sed -n 's/^ *uint32 //p'
}
