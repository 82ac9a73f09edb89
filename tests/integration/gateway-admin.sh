#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# gateway-admin.sh - chinwagctl adds, re-passwords, disables, lists and
# removes gateway accounts; the store keeps SCRAM keys that a real SCRAM
# computation (Python's hashlib) accepts for the password, and never the
# password itself; bad input is a readable error with its exit code.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

[ -x "$CHINWAGCTL" ] || skip_all "chinwagctl is not built ($CHINWAGCTL)"
command -v /usr/bin/python3 >/dev/null || skip_all "python3 is not installed"
test_timeout 60

DATA=$top_srcdir/tests/data/gateway
dir=$(mktemp -d)
at_exit "rm -rf '$dir'"
db=$dir/gateway.db
conf=$dir/chinwag.conf
cat >"$conf" <<CONF
[gateway]
domain = example.org
storage = $db
[c2s]
certificate = $DATA/good-cert.pem
key = $DATA/good-key.pem
CONF

# ctl [ARG...]: runs chinwagctl on $conf with stdin as given; sets $out and $rc
ctl() {
	out=$(with_timeout 20 "$CHINWAGCTL" --config "$conf" "$@" 2>&1) && rc=0 || rc=$?
}
# ctl_pw PASSWORD ARG...: ctl with PASSWORD as the line on stdin (no pipeline: $rc survives)
ctl_pw() {
	_pw=$1
	shift
	out=$(printf '%s\n' "$_pw" | with_timeout 20 "$CHINWAGCTL" --config "$conf" "$@" 2>&1) && rc=0 || rc=$?
}
# scram_ok USER HASH PASSWORD: the stored keys of USER for HASH are PASSWORD's (RFC 5802)
scram_ok() {
	/usr/bin/python3 - "$db" "$@" <<'PY'
import hashlib, hmac, sqlite3, sys
db, user, h, password = sys.argv[1:]
row = sqlite3.connect(db).execute(
    "SELECT salt, iterations, stored_key, server_key FROM credentials WHERE username=? AND hash=?",
    (user, h)).fetchone()
if row is None:
    sys.exit("no credentials")
salt, it, stored, server = row
algo = {"sha1": "sha1", "sha256": "sha256"}[h]
salted = hashlib.pbkdf2_hmac(algo, password.encode(), salt, it)
client_key = hmac.new(salted, b"Client Key", algo).digest()
ok = (hashlib.new(algo, client_key).digest() == stored
      and hmac.new(salted, b"Server Key", algo).digest() == server and it >= 4096)
sys.exit(0 if ok else "keys do not match the password")
PY
}

ctl_pw 'correct horse' adduser Romeo@Example.org
is "$rc" 0 "adduser romeo@example.org: exit status 0"
ctl list
is "$out" "romeo@example.org" "list shows the account, normalised"
check "SCRAM-SHA-1 keys match the password" scram_ok romeo sha1 'correct horse'
check "SCRAM-SHA-256 keys match the password" scram_ok romeo sha256 'correct horse'
check "the password itself is nowhere in the database" \
	sh -c "! grep -a -q 'correct horse' '$db'*"

ctl_pw 'battery staple' passwd romeo
is "$rc" 0 "passwd romeo: exit status 0"
check "after passwd the SCRAM-SHA-256 keys match the new password" \
	scram_ok romeo sha256 'battery staple'
if scram_ok romeo sha256 'correct horse' 2>/dev/null; then not_ok "the old password no longer matches"; else ok "the old password no longer matches"; fi

ctl_pw 'x' adduser romeo
is "$rc" 4 "adduser of an existing account: exit status 4"
like "$out" "*romeo*exists already*" "adduser of an existing account: says so"
ctl_pw 'x' passwd juliet
is "$rc" 3 "passwd of an unknown account: exit status 3"
like "$out" "*no account*juliet*" "passwd of an unknown account: says so"
ctl passwd romeo </dev/null
is "$rc" 2 "passwd with no password on stdin: exit status 2"
like "$out" "*no password given*" "passwd with no password: says so"
check "and the password is unchanged" scram_ok romeo sha256 'battery staple'
ctl_pw 'x' adduser 'bad user'
is "$rc" 2 "adduser 'bad user': exit status 2"
like "$out" "*forbidden character*" "adduser 'bad user': names the problem"
ctl_pw 'x' adduser mallory@elsewhere.net
is "$rc" 2 "adduser in another domain: exit status 2"
like "$out" "*not an account of this gateway (example.org)*" "adduser in another domain: says so"
ctl frobnicate romeo
is "$rc" 2 "an unknown command: exit status 2"
like "$out" "*give a command*" "an unknown command: lists the commands"
ctl list extra
is "$rc" 2 "list with an argument: exit status 2"

ctl disable romeo
is "$rc" 0 "disable romeo: exit status 0"
ctl list
is "$out" "romeo@example.org (disabled)" "list marks the disabled account"
ctl enable romeo
ctl list
is "$out" "romeo@example.org" "enable romeo: no longer marked"

ctl_pw 'x' adduser juliet
ctl deluser romeo
is "$rc" 0 "deluser romeo: exit status 0"
ctl list
is "$out" "juliet@example.org" "list no longer shows romeo"
ctl deluser romeo
is "$rc" 3 "deluser of an unknown account: exit status 3"

printf '[gateway]\ndomian = x\n' >"$dir/bad.conf"
out=$("$CHINWAGCTL" --config "$dir/bad.conf" list 2>&1) && rc=0 || rc=$?
is "$rc" 1 "a bad configuration: exit status 1"
like "$out" "chinwagctl: $dir/bad.conf:2: *" "a bad configuration: FILE:LINE: reason"
out=$("$CHINWAGCTL" --storage "$dir/other.db" list 2>&1) && rc=0 || rc=$?
is "$rc:$out" "0:" "--storage opens (and creates) a database without a configuration"

done_testing
