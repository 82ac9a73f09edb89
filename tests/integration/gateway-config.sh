#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# gateway-config.sh - chinwagd --gateway --config FILE --check-config: the
# example file and good files pass (exit 0, "FILE: configuration OK"), bad
# ones are refused with "FILE:LINE: reason" and exit 1. No lab, no root.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

cw_require
test_timeout 60

DATA=$top_srcdir/tests/data/gateway
dir=$(mktemp -d)
at_exit "rm -rf '$dir'"
conf=$dir/chinwag.conf

# check_config: runs --check-config on $conf; sets $out (stdout and stderr) and $rc
check_config() {
	out=$(with_timeout 20 "$CHINWAGD" --gateway --config "$conf" --check-config 2>&1) && rc=0 || rc=$?
}
# write [CERT KEY]: stdin with @CERT@/@KEY@ replaced by the pair (default: the good one)
write() {
	sed -e "s|@CERT@|$DATA/${1:-good-cert.pem}|" -e "s|@KEY@|$DATA/${2:-good-key.pem}|" >"$conf"
}
# refused LINE GLOB DESCRIPTION: exit 1 and "$conf:LINE: ..." matching GLOB
refused() {
	check_config
	is "$rc" 1 "$3: exit status 1"
	like "$out" "$conf:$1: $2" "$3: message"
}
MINIMAL='[gateway]
domain = example.org
[c2s]
certificate = @CERT@
key = @KEY@'

# ---- accepted ----------------------------------------------------------------------
printf '%s\n' "$MINIMAL" | write
check_config
is "$rc" 0 "a minimal file: exit status 0"
is "$out" "$conf: configuration OK" "a minimal file: configuration OK"

# The installed example, with its certificate paths pointed at the test pair.
sed -e "s|^certificate = .*|certificate = @CERT@|" -e "s|^key = .*|key = @KEY@|" \
	"$top_srcdir/data/chinwag.conf" | write
check_config
is "$rc:$out" "0:$conf: configuration OK" "the example data/chinwag.conf as shipped"

# ... and with every commented-out key set to the default it shows: the
# example names every key, with a valid default.
sed -e "s|^certificate = .*|certificate = @CERT@|" -e "s|^key = .*|key = @KEY@|" \
	-e 's/^#\([a-z_]* = \)/\1/' "$top_srcdir/data/chinwag.conf" |
	awk -F' = ' '/^[a-z_]+ = / { if (seen[$1]++) next } { print }' | write
check_config
is "$rc:$out" "0:$conf: configuration OK" "the example with every key uncommented"
n=$(grep -c '^[a-z_]* = ' "$conf")
# Every key of the parser's table (src/daemon/gateway-config.c).
want=$(grep -o '{ "\(gateway\|c2s\|registration\|limits\)", "[a-z_]*"' \
	"$top_srcdir/src/daemon/gateway-config.c" | sort -u | wc -l)
is "$n" "$want" "the example shows all $want keys the parser knows"
missing=''
for key in $(sed -n 's/^\([a-z_]*\) = .*/\1/p' "$conf"); do
	grep -q "^\.BR* $key\( \|$\)" "$top_srcdir/man/chinwag.conf.5" || missing="$missing $key"
done
is "$missing" "" "chinwag.conf(5) documents every key of the example"

# ---- refused -----------------------------------------------------------------------
printf '%s\nlistn = [::1]:5222\n' "$MINIMAL" | write
refused 6 'unknown key “listn” in \[c2s\]: did you mean “listen”? The keys of \[c2s\] are: listen, *' \
	"a misspelt key"
printf '%s\n[muc]\nhost = muc.example.org\n' "$MINIMAL" | write
refused 6 'unknown section \[muc\]*' "an unknown section"
printf '%s\n[limits]\noffline_cap = lots\n' "$MINIMAL" | write
refused 7 'offline_cap: expected a whole number, not “lots”' "a bad number"
printf '%s\n[limits]\nmax_stanza_size = 64 kb\n' "$MINIMAL" | write
refused 7 'max_stanza_size: expected a size such as *' "a size without a known unit"
printf '%s\nlisten = localhost:5222\n' "$MINIMAL" | write
refused 6 'listen: “localhost:5222” is not a listen address*' "a bad listen address"
printf '%s\n' "$MINIMAL" | sed 's/example.org/bad domain.org/' | write
refused 2 'domain: “bad domain.org” is not a valid domain*' "a bad domain"
printf '%s\n' "$MINIMAL" | write good-cert.pem other-key.pem
refused 5 "the key $DATA/other-key.pem does not match the certificate $DATA/good-cert.pem*" \
	"a key that is not the certificate's"
printf '%s\n' "$MINIMAL" | write expired-cert.pem expired-key.pem
refused 4 "the certificate $DATA/expired-cert.pem expired on 2021-01-01*" "an expired certificate"
printf '%s\n' "$MINIMAL" | write missing-cert.pem
refused 4 "cannot read $DATA/missing-cert.pem: No such file or directory" "a missing certificate"
printf '%s\n' "$MINIMAL" | sed '/^certificate/d' | write
refused 3 '\[c2s\] needs “certificate”, which has no default' "no certificate key"
printf '[gateway]\ndomain example.org\n' | write
refused 2 'expected KEY = VALUE, a \[section\] or a # comment, not “domain example.org”' \
	"a line that is no key file syntax"

# Without a TLS backend nothing can be checked, and the message says why.
printf '%s\n' "$MINIMAL" | write
out=$(GIO_MODULE_DIR=$dir/no-modules "$CHINWAGD" --gateway --config "$conf" --check-config 2>&1) &&
	rc=0 || rc=$?
is "$rc" 1 "no TLS backend: exit status 1"
like "$out" "$conf:4: cannot check $DATA/good-cert.pem: *glib-networking*" \
	"no TLS backend: the message points at glib-networking"

check_config_missing() {
	out=$("$CHINWAGD" --gateway --config "$dir/nope.conf" --check-config 2>&1) && rc=0 || rc=$?
	[ "$rc" = 1 ] && case $out in "$dir/nope.conf: "*) true ;; *) false ;; esac
}
check "a missing file: exit status 1 and the file named" check_config_missing
out=$("$CHINWAGD" --config "$conf" --check-config 2>&1) && rc=0 || rc=$?
is "$rc" 2 "--config without --gateway is a usage error"
like "$out" "*--gateway*" "--config without --gateway: the message says so"

done_testing
