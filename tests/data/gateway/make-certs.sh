#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# make-certs.sh - regenerates the test certificates in this folder with openssl.
# Run it here; the results are committed, so the tests never run openssl.
set -eu
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

# good-cert.pem + good-key.pem: a matching pair valid for 100 years.
ec good-key.pem
openssl req -x509 -new -key good-key.pem -out good-cert.pem -days 36500 \
	-subj /CN=gateway.test -addext subjectAltName=DNS:gateway.test

# other-key.pem: a valid key that does not belong to good-cert.pem.
ec other-key.pem

# expired-cert.pem + expired-key.pem: a matching pair valid only in 2020.
# `openssl req -days` cannot date a certificate in the past; `openssl ca` can.
ec expired-key.pem
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/index.txt"
cat >"$tmp/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
dir = $tmp
database = $tmp/index.txt
new_certs_dir = $tmp
serial = $tmp/serial
default_md = sha256
policy = any
[any]
commonName = supplied
CNF
echo 01 >"$tmp/serial"
openssl req -new -key expired-key.pem -out "$tmp/req.pem" -subj /CN=expired.test
openssl ca -batch -config "$tmp/ca.cnf" -selfsign -keyfile expired-key.pem \
	-in "$tmp/req.pem" -out "$tmp/expired.pem" \
	-startdate 20200101000000Z -enddate 20210101000000Z 2>/dev/null
openssl x509 -in "$tmp/expired.pem" -out expired-cert.pem

# not-pem.pem: text that is no certificate at all.
echo 'this is not a certificate' >not-pem.pem
