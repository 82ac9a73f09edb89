#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# make-certs.sh - regenerates the test certificates in this folder with openssl.
# Run it here; the results are committed, so the tests never run openssl.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

# selfsign KEY NAME START END OUT: a self-signed certificate for NAME valid
# from START to END (YYYYMMDDHHMMSSZ). `openssl req -days` cannot date a
# certificate in the past; `openssl ca` can.
selfsign() {
	rm -f "$tmp/index.txt" "$tmp"/*.pem
	: >"$tmp/index.txt"
	echo 01 >"$tmp/serial"
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
x509_extensions = server
[any]
commonName = supplied
[server]
basicConstraints = CA:FALSE
subjectAltName = DNS:$2
CNF
	openssl req -new -key "$1" -out "$tmp/req.pem" -subj "/CN=$2"
	openssl ca -batch -config "$tmp/ca.cnf" -selfsign -keyfile "$1" -in "$tmp/req.pem" \
		-out "$tmp/cert.pem" -startdate "$3" -enddate "$4" 2>/dev/null
	openssl x509 -in "$tmp/cert.pem" -out "$5"
}

# good-cert.pem + good-key.pem: a matching pair valid from 2000 to 2126, so
# that neither a slow clock nor the years make the tests fail.
ec good-key.pem
selfsign good-key.pem gateway.test 20000101000000Z 21260101000000Z good-cert.pem

# other-key.pem: a valid key that does not belong to good-cert.pem.
ec other-key.pem

# expired-cert.pem + expired-key.pem: a matching pair valid only in 2020.
ec expired-key.pem
selfsign expired-key.pem expired.test 20200101000000Z 20210101000000Z expired-cert.pem

# not-pem.pem: text that is no certificate at all.
echo 'this is not a certificate' >not-pem.pem
