#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# lab.sh - a private LAN of simulated link-local hosts for chinwag's tests.
#
# Every host is a network namespace with lo + eth0, its own dbus-daemon
# (system bus, socket in the state dir) and its own avahi-daemon (in a private
# mount namespace whose /run is the host's state dir). The eth0s are veth
# pairs plugged into a bridge that lives in a "switch" namespace. Nothing is
# connected to the root namespace: no packet can leave the lab.
#
# Usage (root):
#   lab.sh up N | up NAME...      hosts h1..hN (or NAMEs); prints export lines
#   lab.sh down                   stop and delete everything (idempotent)
#   lab.sh status                 rc 0 = all daemons alive, 1 = some dead, 3 = down
#   lab.sh exec HOST CMD...       run CMD on HOST (foreground)
#   lab.sh spawn HOST TAG CMD...  run CMD on HOST in background; prints its pid
#   lab.sh stop HOST TAG [SIG]    signal it (default TERM), wait up to 5 s for exit
#   lab.sh pid HOST TAG           print the pid of a spawned process if alive
#   lab.sh kill-avahi HOST [SIG] | start-avahi HOST | flush HOST
#   lab.sh link HOST up|down      plug / pull HOST's cable (switch side)
#   lab.sh wait-service HOST NAME [TIMEOUT] [TYPE]   print the resolved line
#   lab.sh wait-gone HOST NAME [TIMEOUT] [TYPE]
#   lab.sh env HOST | addr HOST | hosts | pids ("PID STARTTIME" of every lab process)
# Environment: LAB_STATE (state dir; `up` makes one with mktemp -d if unset,
# every other command needs it), LAB_PREFIX, LAB_SUBNET, LAB_IPV6=1,
# LAB_AVAHI_IFACES, LAB_KEEP=1 (down keeps the logs), LAB_QUIET=1.
# See README.md beside this file.
set -euo pipefail
export PATH="/usr/sbin:/sbin:$PATH"

die() { echo "lab: $*" >&2; exit 1; }
say() { [ "${LAB_QUIET:-0}" = 1 ] || echo "lab: $*" >&2; }
now_ms() { # no fork: EPOCHREALTIME is "seconds.microseconds"
	local t=${EPOCHREALTIME//[!0-9]/}
	echo $((t / 1000))
}

STATE=${LAB_STATE:-}
PREFIX='' SUBNET='' IPV6=0

# ---- processes: pid files hold "PID STARTTIME" ------------------------------
# sets START to the start time of a live process (field 22 of /proc/PID/stat);
# fails for dead processes and zombies, so a reused PID is never taken for ours
pid_start() {
	local s
	START=''
	{ read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
	s=${s##*) } # drop "PID (comm) ": comm may contain spaces
	# shellcheck disable=SC2086
	set -- $s
	[ "$1" != Z ] && START=${20:-} && [ -n "$START" ]
}
record_pid() { # FILE PID
	pid_start "$2" || START=0
	echo "$2 $START" >"$1"
}
live_pid() { # FILE: print the PID if it is still the process we recorded
	local pid st
	{ read -r pid st <"$1"; } 2>/dev/null && pid_start "$pid" && [ "$START" = "$st" ] && echo "$pid"
}
alive_of() { # "PID START"...: sets ALIVE to the ones still running
	local l
	ALIVE=()
	for l in "$@"; do
		if pid_start "${l%% *}" && [ "$START" = "${l#* }" ]; then ALIVE+=("$l"); fi
	done
}
signal_list() { # SIG "PID START"...
	local sig=$1 l
	shift
	alive_of "$@"
	for l in "${ALIVE[@]}"; do kill -s "$sig" "${l%% *}" 2>/dev/null || true; done
}
wait_list_gone() { # SECONDS "PID START"...: rc 1 if some are still alive then
	local end=$(($(now_ms) + $1 * 1000))
	shift
	while alive_of "$@" && [ ${#ALIVE[@]} -gt 0 ]; do
		[ "$(now_ms)" -lt $end ] || return 1
		sleep 0.05
	done
}

# ---- state -----------------------------------------------------------------
load_state() {
	[ -n "$STATE" ] || die "LAB_STATE is not set (lab.sh up prints it)"
	[ -f "$STATE/lab.conf" ] || die "no lab in $STATE"
	local k v
	while IFS='=' read -r k v; do
		case $k in
		PREFIX) PREFIX=$v ;; SUBNET) SUBNET=$v ;; IPV6) IPV6=$v ;;
		esac
	done <"$STATE/lab.conf"
}
hosts_list() { cat "$STATE/hostlist"; }
host_dir() { echo "$STATE/hosts/$1"; }
host_ns() { echo "$PREFIX-$1"; }
check_host() {
	[ -n "${1:-}" ] && [ -f "$STATE/hosts/$1/ip" ] ||
		die "unknown host '${1:-}' (hosts: $(hosts_list | tr '\n' ' '))"
}
need_root() { [ "$(id -u)" = 0 ] || die "must run as root"; }

# ---- configuration files -----------------------------------------------------
write_dbus_conf() { # SOCKET: a private "system" bus, permissive (lab only)
	cat <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$1</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
  </policy>
</busconfig>
EOF
}
write_avahi_conf() { # HOSTNAME
	local v6=no
	[ "$IPV6" = 1 ] && v6=yes
	cat <<EOF
[server]
host-name=$1
domain-name=local
use-ipv4=yes
use-ipv6=$v6
${LAB_AVAHI_IFACES:+allow-interfaces=$LAB_AVAHI_IFACES}
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
# without this an IPv4-only lab still publishes fe80:: AAAA records and a
# resolve may return a scope-less link-local address
publish-aaaa-on-ipv4=$v6
[reflector]
enable-reflector=no
EOF
}

# ---- avahi -------------------------------------------------------------------
# avahi-daemon hard-codes /run/avahi-daemon/{pid,socket}: give it a private
# mount namespace with the host's run/ on /run (its default bus address
# /run/dbus/system_bus_socket then points at the host's own bus). Foreground,
# not -D (that logs to syslog). The exec chain keeps $! = the daemon's pid.
start_avahi() {
	local d ns
	d=$(host_dir "$1") ns=$(host_ns "$1")
	rm -f "$d/run/avahi-daemon/pid" # left behind by kill -9
	[ -f "$d/avahi.log" ] && cat "$d/avahi.log" >>"$d/avahi.old.log"
	ip netns exec "$ns" unshare --mount --propagation private \
		sh -c 'mount --bind "$0" /run && exec "$@"' "$d/run" \
		avahi-daemon -f "$d/avahi.conf" --no-drop-root --no-chroot \
		</dev/null >"$d/avahi.log" 2>&1 &
	record_pid "$d/avahi.pid" $!
}
wait_avahi() {
	local d t=0 limit=$((${LAB_AVAHI_TIMEOUT:-15} * 20))
	d=$(host_dir "$1")
	until grep -q 'Server startup complete' "$d/avahi.log" 2>/dev/null; do
		live_pid "$d/avahi.pid" >/dev/null && [ $t -lt $limit ] || {
			sed 's/^/lab:   /' "$d/avahi.log" >&2
			die "avahi-daemon on $1 did not start"
		}
		sleep 0.05
		t=$((t + 1))
	done
}

# ---- up ----------------------------------------------------------------------
cmd_up() {
	need_root
	local names=() n i
	if [ $# -eq 1 ] && [[ $1 =~ ^[0-9]+$ ]]; then
		[ "$1" -ge 1 ] && [ "$1" -le 200 ] || die "N must be 1..200"
		for ((i = 1; i <= $1; i++)); do names+=("h$i"); done
	else
		[ $# -ge 1 ] && [ $# -le 200 ] || die "usage: up N | up NAME..."
		names=("$@")
	fi
	for n in "${names[@]}"; do
		[[ $n =~ ^[a-z][a-z0-9-]{0,19}$ ]] && [ "$n" != sw ] ||
			die "bad host name '$n' ([a-z][a-z0-9-]*, at most 20, not 'sw')"
	done
	[ "$(printf '%s\n' "${names[@]}" | sort | uniq -d)" = "" ] || die "duplicate host names"
	local c
	for c in ip unshare mount dbus-daemon avahi-daemon avahi-browse timeout; do
		command -v "$c" >/dev/null || die "missing command: $c"
	done

	if [ -n "$STATE" ]; then
		[[ $STATE == /* ]] || STATE=$PWD/$STATE
		if [ -f "$STATE/lab.conf" ]; then
			say "tearing down the previous lab in $STATE"
			cmd_down
		fi
	fi

	local prefix subnet s
	prefix=${LAB_PREFIX:-}
	if [ -z "$prefix" ]; then # a lab left by a killed run may hold cw<pid>
		for s in '' a b c d e f g h; do
			prefix=cw$$$s
			prefix_free "$prefix" "${names[@]}" && break
		done
	fi
	[[ $prefix =~ ^[a-z][a-z0-9]{0,11}$ ]] || die "bad LAB_PREFIX '$prefix' ([a-z][a-z0-9]*, at most 12)"
	prefix_free "$prefix" "${names[@]}" ||
		die "namespaces or /etc/netns entries named $prefix-* exist and are not ours; refusing"
	# deterministic per prefix; the addresses exist only inside the lab
	subnet=${LAB_SUBNET:-10.77.$(($(printf %s "$prefix" | cksum | cut -d' ' -f1) % 256))}
	[[ $subnet =~ ^10\.77\.([0-9]{1,3})$ ]] && [ "${BASH_REMATCH[1]}" -le 255 ] ||
		die "LAB_SUBNET must be 10.77.X (got '$subnet')"

	if [ -z "$STATE" ]; then
		STATE=$(mktemp -d "${TMPDIR:-/tmp}/chinwag-lab.XXXXXX")
	else
		mkdir -p "$STATE"
		[ -z "$(ls -A "$STATE")" ] || die "$STATE is not empty and holds no lab; refusing"
	fi
	chmod 755 "$STATE"
	PREFIX=$prefix SUBNET=$subnet IPV6=${LAB_IPV6:-0}
	printf 'PREFIX=%s\nSUBNET=%s\nIPV6=%s\n' "$PREFIX" "$SUBNET" "$IPV6" >"$STATE/lab.conf"
	printf '%s\n' "${names[@]}" >"$STATE/hostlist"
	: >"$STATE/namespaces"
	: >"$STATE/etcnetns"

	# failures from here on: tear down what was built (a subshell keeps set -e)
	local t0 rc=0
	t0=$(now_ms)
	set +e
	(
		set -e
		build_lab "${names[@]}"
	)
	rc=$?
	set -e
	if [ $rc != 0 ]; then
		say "up failed - cleaning up"
		cmd_down
		exit 1
	fi
	say "up: ${#names[@]} host(s) [${names[*]}] on $SUBNET.0/24 in $(($(now_ms) - t0)) ms, prefix $PREFIX"
	printf 'export LAB_STATE=%s\n' "$STATE"
}

prefix_free() { # PREFIX HOST...: no namespace or /etc/netns entry uses these names
	local p=$1 n
	shift
	for n in sw "$@"; do
		[ ! -e "/run/netns/$p-$n" ] && [ ! -e "/etc/netns/$p-$n" ] || return 1
	done
}

build_lab() {
	local sw=$PREFIX-sw n i=0 ns d ip hosts
	# only names recorded in $STATE/namespaces are ever deleted by down
	ip netns add "$sw"
	echo "$sw" >>"$STATE/namespaces"
	ip -n "$sw" link set lo up
	ip -n "$sw" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	ip -n "$sw" link set br0 up

	hosts=$(printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n'
		for n in "$@"; do i=$((i + 1)) && echo "$SUBNET.$((10 + i)) $n $n.lab"; done)
	if mkdir /etc/netns 2>/dev/null; then touch "$STATE/etcnetns.created"; fi
	i=0
	for n in "$@"; do
		i=$((i + 1)) ns=$PREFIX-$n d=$STATE/hosts/$n ip=$SUBNET.$((10 + i))
		mkdir -p "$d/run/dbus" "$d/run/avahi-daemon"
		echo "$i" >"$d/port"
		ip netns add "$ns"
		echo "$ns" >>"$STATE/namespaces"
		ip netns exec "$ns" sh -c 'for c in all default; do
			echo 0 >/proc/sys/net/ipv6/conf/$c/accept_dad
			echo 0 >/proc/sys/net/ipv6/conf/$c/router_solicitations; done' 2>/dev/null || true
		# both ends are created inside lab namespaces, never in the root one
		ip -n "$sw" link add "p$i" type veth peer name eth0 netns "$ns"
		ip -n "$sw" link set "p$i" master br0 up
		ip -n "$ns" link set lo up
		ip -n "$ns" link set eth0 address "$(printf '02:63:77:00:%02x:%02x' $((i / 256)) $((i % 256)))"
		ip -n "$ns" addr add "$ip/24" dev eth0
		ip -n "$ns" link set eth0 up
		# for apps that send multicast without IP_MULTICAST_IF
		ip -n "$ns" route replace 224.0.0.0/4 dev eth0
		echo "$ip" >"$d/ip" # last: marks the host as usable
		# `ip netns exec` bind-mounts /etc/netns/NS/hosts over /etc/hosts
		mkdir -p /etc/netns
		mkdir "/etc/netns/$ns"
		echo "/etc/netns/$ns" >>"$STATE/etcnetns"
		echo "$hosts" >"/etc/netns/$ns/hosts"
	done

	local pid
	for n in "$@"; do
		d=$STATE/hosts/$n
		write_dbus_conf "$d/run/dbus/system_bus_socket" >"$d/dbus.conf"
		write_avahi_conf "$n" >"$d/avahi.conf"
		pid=$(ip netns exec "$PREFIX-$n" dbus-daemon --config-file="$d/dbus.conf" \
			--fork --print-pid </dev/null 2>"$d/dbus.log")
		record_pid "$d/dbus.pid" "$pid"
		start_avahi "$n"
	done
	for n in "$@"; do wait_avahi "$n"; done # they probe in parallel (~1 s)
}

# ---- down --------------------------------------------------------------------
lab_procs() { # "PID START" of everything the lab started or runs in its namespaces
	local ns p f
	touch "$STATE/namespaces"
	while read -r ns; do
		[ -e "/run/netns/$ns" ] || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			if pid_start "$p"; then echo "$p $START"; fi
		done
	done <"$STATE/namespaces"
	for f in "$STATE"/hosts/*/*.pid; do
		[ -f "$f" ] && cat "$f"
	done
	return 0
}
cmd_down() {
	need_root
	if [ -z "$STATE" ] || [ ! -f "$STATE/lab.conf" ]; then
		say "down: no lab${STATE:+ in $STATE}"
		return 0
	fi
	load_state
	local procs=() apps=() l ns d
	local -A infra=()
	for _ in 1 2 3; do # again, in case something forked meanwhile
		mapfile -t procs < <(lab_procs | sort -u)
		alive_of "${procs[@]}"
		procs=("${ALIVE[@]}")
		[ ${#procs[@]} -gt 0 ] || break
		while read -r l; do infra[$l]=1; done < <(cat "$STATE"/hosts/*/avahi.pid "$STATE"/hosts/*/dbus.pid 2>/dev/null)
		apps=()
		for l in "${procs[@]}"; do
			[ -n "${infra[$l]:-}" ] || apps+=("$l")
		done
		# the apps get TERM and some grace (they may talk to avahi on the way
		# out); the lab's own daemons are simply killed - the LAN goes away
		if [ ${#apps[@]} -gt 0 ]; then
			signal_list TERM "${apps[@]}"
			wait_list_gone "${LAB_GRACE:-3}" "${apps[@]}" ||
				say "down: some processes ignored SIGTERM, killing them"
		fi
		signal_list KILL "${procs[@]}"
		wait_list_gone 3 "${procs[@]}" || say "down: warning: unkillable processes left"
	done
	while read -r ns; do
		case $ns in "$PREFIX"-*) ;; *) continue ;; esac
		[ -e "/run/netns/$ns" ] || continue
		ip netns del "$ns" || say "down: warning: could not delete namespace $ns"
	done <"$STATE/namespaces"
	while read -r d; do
		case $d in /etc/netns/"$PREFIX"-*) rm -rf -- "$d" ;; esac
	done < <(cat "$STATE/etcnetns" 2>/dev/null)
	if [ -f "$STATE/etcnetns.created" ]; then rmdir /etc/netns 2>/dev/null || true; fi
	if [ "${LAB_KEEP:-0}" = 1 ]; then
		mv "$STATE/lab.conf" "$STATE/lab.conf.down"
		say "down: done, logs kept in $STATE"
	else
		rm -rf -- "$STATE"
		say "down: done"
	fi
}

# ---- inspection ----------------------------------------------------------------
cmd_status() {
	[ -n "$STATE" ] && [ -f "$STATE/lab.conf" ] || {
		echo "lab: down"
		return 3
	}
	load_state
	local n d ns rc=0 a b
	echo "lab $PREFIX: $SUBNET.0/24, state $STATE"
	for n in $(hosts_list); do
		d=$(host_dir "$n") ns=$(host_ns "$n")
		a=$(live_pid "$d/avahi.pid") && a="pid $a" || { a=DEAD && rc=1; }
		b=$(live_pid "$d/dbus.pid") && b="pid $b" || { b=DEAD && rc=1; }
		printf '  %-8s %-15s avahi %-10s dbus %-10s processes %s\n' "$n" "$(cat "$d/ip")" \
			"$a" "$b" "$(ip netns pids "$ns" 2>/dev/null | wc -l)"
	done
	return $rc
}
host_env() {
	local d
	d=$(host_dir "$1")
	echo "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$d/run/dbus/system_bus_socket"
	echo "LAB_HOST=$1"
	echo "LAB_IP=$(cat "$d/ip")"
	echo "LAB_NS=$(host_ns "$1")"
	echo "LAB_DIR=$d"
	echo "AVAHI_COMPAT_NOWARN=1"
}

# ---- running things on a host ----------------------------------------------------
# HOST CMD...: the command line that runs CMD on HOST: its netns, its bus,
# and a UTS namespace of its own whose hostname is HOST
host_cmd() {
	local n=$1 envs
	shift
	mapfile -t envs < <(host_env "$n")
	CMD=(env "${envs[@]}" ip netns exec "$(host_ns "$n")"
		unshare --uts sh -c 'hostname "$0" && exec "$@"' "$n" "$@")
}
cmd_exec() {
	[ $# -ge 2 ] || die "usage: exec HOST CMD..."
	check_host "$1"
	host_cmd "$@"
	exec "${CMD[@]}"
}
cmd_spawn() {
	[ $# -ge 3 ] || die "usage: spawn HOST TAG CMD..."
	local n=$1 tag=$2 d
	shift 2
	check_host "$n"
	[[ $tag =~ ^[A-Za-z0-9_.-]+$ ]] && [ "$tag" != avahi ] && [ "$tag" != dbus ] ||
		die "bad tag '$tag'"
	d=$(host_dir "$n")
	! live_pid "$d/$tag.pid" >/dev/null || die "$n/$tag is already running"
	host_cmd "$n" "$@"
	"${CMD[@]}" </dev/null >"$d/$tag.log" 2>&1 &
	record_pid "$d/$tag.pid" $!
	echo $!
}
cmd_stop() {
	[ $# -ge 2 ] || die "usage: stop HOST TAG [SIG]"
	local d p
	check_host "$1"
	d=$(host_dir "$1")
	p=$(live_pid "$d/$2.pid") || {
		say "stop: $1/$2 is not running"
		return 0
	}
	local sig=${3:-TERM}
	sig=${sig#-} && sig=${sig#SIG}
	kill -s "$sig" "$p"
	wait_list_gone 5 "$(cat "$d/$2.pid")" || {
		say "stop: $1/$2 (pid $p) still alive after 5 s"
		return 1
	}
}
cmd_pid() {
	[ $# -eq 2 ] || die "usage: pid HOST TAG"
	check_host "$1"
	live_pid "$(host_dir "$1")/$2.pid"
}
cmd_start_avahi() {
	check_host "${1:-}"
	if live_pid "$(host_dir "$1")/avahi.pid" >/dev/null; then
		say "avahi on $1 is already running"
		return 0
	fi
	start_avahi "$1"
	wait_avahi "$1"
}
cmd_link() { # pull / plug the cable on the switch side
	[ $# -eq 2 ] || die "usage: link HOST up|down"
	check_host "$1"
	local port
	port=p$(cat "$(host_dir "$1")/port")
	case $2 in
	down) ip -n "$PREFIX-sw" link set "$port" down ;;
	up)
		ip -n "$PREFIX-sw" link set "$port" up
		ip -n "$(host_ns "$1")" route replace 224.0.0.0/4 dev eth0
		;;
	*) die "usage: link HOST up|down" ;;
	esac
}
cmd_flush() { # bounce eth0: HOST's avahi drops everything it cached from peers
	check_host "${1:-}"
	local ns
	ns=$(host_ns "$1")
	ip -n "$ns" link set eth0 down
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route replace 224.0.0.0/4 dev eth0
}

# ---- discovery -----------------------------------------------------------------
# a label escaped like avahi-browse -p prints it (avahi_escape_label)
avahi_escape() {
	local LC_ALL=C s=$1 out='' c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9_-]) out+=$c ;;
		. | \\) out+="\\$c" ;;
		*) out+=$(printf '\\%03d' "'$c") ;;
		esac
	done
	printf '%s' "$out"
}
# HOST NAME [TIMEOUT=10] [TYPE]: print the first resolved line
# (=;IFACE;PROTO;NAME;TYPE;DOMAIN;HOST;ADDRESS;PORT;TXT)
cmd_wait_service() {
	[ $# -ge 2 ] || die "usage: wait-service HOST NAME [TIMEOUT] [TYPE]"
	check_host "$1"
	local esc line rc=1
	esc=$(avahi_escape "$2")
	host_cmd "$1" avahi-browse -rp "${4:-_presence._tcp}"
	exec 9< <(exec timeout "${3:-10}" "${CMD[@]}" 2>/dev/null)
	local bp=$!
	while IFS= read -r line <&9; do
		case $line in "=;"*";$esc;"*)
			echo "$line"
			rc=0
			break
			;;
		esac
	done
	kill "$bp" 2>/dev/null || true
	exec 9<&-
	[ $rc = 0 ] || say "wait-service: '$2' not resolved on $1 within ${3:-10} s"
	return $rc
}
# HOST NAME [TIMEOUT=10] [TYPE]: wait until HOST's avahi no longer lists NAME.
# Polls the daemon's cache (avahi-browse -c): no race with a browser that
# starts late, and a goodbye'd record stays there for its last 1 s.
cmd_wait_gone() {
	[ $# -ge 2 ] || die "usage: wait-gone HOST NAME [TIMEOUT] [TYPE]"
	check_host "$1"
	local esc out end
	esc=$(avahi_escape "$2")
	end=$(($(now_ms) + ${3:-10} * 1000))
	host_cmd "$1" avahi-browse -pc "${4:-_presence._tcp}"
	while :; do
		if out=$(timeout 5 "${CMD[@]}" 2>&1); then
			case $'\n'$out in
			*$'\n+;'*";$esc;"*) ;;
			*) return 0 ;;
			esac
		fi
		[ "$(now_ms)" -lt $end ] || break
		sleep 0.1
	done
	say "wait-gone: '$2' still listed on $1 after ${3:-10} s:"
	say "$out"
	return 1
}

# ---- main ----------------------------------------------------------------------
cmd=${1:-help}
[ $# -gt 0 ] && shift
case $cmd in
up) cmd_up "$@" ;;
down) cmd_down ;;
status) cmd_status ;;
help | -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' ;;
*)
	need_root
	load_state
	case $cmd in
	exec) cmd_exec "$@" ;;
	spawn) cmd_spawn "$@" ;;
	stop) cmd_stop "$@" ;;
	pid) cmd_pid "$@" ;;
	kill-avahi) cmd_stop "${1:-}" avahi "${2:-TERM}" ;;
	start-avahi) cmd_start_avahi "$@" ;;
	link) cmd_link "$@" ;;
	flush) cmd_flush "$@" ;;
	wait-service) cmd_wait_service "$@" ;;
	wait-gone) cmd_wait_gone "$@" ;;
	env)
		check_host "${1:-}"
		host_env "$1" | sed 's/^/export /'
		;;
	addr)
		check_host "${1:-}"
		cat "$(host_dir "$1")/ip"
		;;
	hosts) hosts_list ;;
	pids)
		mapfile -t procs < <(lab_procs | sort -u)
		alive_of "${procs[@]}"
		[ ${#ALIVE[@]} = 0 ] || printf '%s\n' "${ALIVE[@]}"
		;;
	*) die "unknown command '$cmd' (try: lab.sh help)" ;;
	esac
	;;
esac
