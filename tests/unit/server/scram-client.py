#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A SCRAM client from another codebase, for test-sasl's cross-check.

Uses slixmpp's SCRAM (python3-slixmpp; exit 77 when it is missing), or with
CW_SCRAM_CLIENT=hashlib one written here on hashlib.pbkdf2_hmac. Channel-binding data (hex) is given to the
client only for a -PLUS mechanism, unless CB_HEX starts with "y:" (a client
that can bind, told the server cannot: gs2 flag "y"). Speaks one base64 message per line: prints the
client-first-message, reads the server-first-message, prints the
client-final-message, reads the server-final-message and exits 0 only when
its signature verifies. Usage: MECH USER PASSWORD AUTHZID CB_HEX
"""
import base64
import hashlib
import hmac
import os
import sys


class HashlibScram:
    """RFC 5802 client, standard library only."""

    def __init__(self, mech, user, password, authzid, cb):
        name = mech[len('SCRAM-'):]
        self.plus = name.endswith('-PLUS')
        self.hash = {'SHA-1': 'sha1', 'SHA-256': 'sha256'}[name.removesuffix('-PLUS')]
        self.user = user.replace('=', '=3D').replace(',', '=2C').encode()
        self.password = password.encode()
        self.authzid = authzid
        self.cb = cb
        self.step = 0

    def process(self, challenge):
        self.step += 1
        return [None, self.first, self.final, self.verify][self.step](challenge)

    def first(self, _):
        flag = b'p=tls-unique' if self.plus else b'y' if self.cb else b'n'
        authz = b'a=' + self.authzid.encode() if self.authzid else b''
        self.gs2 = flag + b',' + authz + b','
        self.bare = b'n=' + self.user + b',r=' + base64.b64encode(os.urandom(18))
        return self.gs2 + self.bare

    def final(self, server_first):
        attrs = dict(a.split(b'=', 1) for a in server_first.split(b','))
        salted = hashlib.pbkdf2_hmac(self.hash, self.password, base64.b64decode(attrs[b's']),
                                     int(attrs[b'i']))
        mac = lambda key, msg: hmac.new(key, msg, self.hash).digest()
        client_key = mac(salted, b'Client Key')
        cbind = base64.b64encode(self.gs2 + (self.cb if self.plus else b''))
        without_proof = b'c=' + cbind + b',r=' + attrs[b'r']
        auth = self.bare + b',' + server_first + b',' + without_proof
        signature = mac(hashlib.new(self.hash, client_key).digest(), auth)
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        self.server_signature = mac(mac(salted, b'Server Key'), auth)
        return without_proof + b',p=' + base64.b64encode(proof)

    def verify(self, server_final):
        if server_final != b'v=' + base64.b64encode(self.server_signature):
            raise ValueError('server signature does not verify')
        return b''


def make_client(mech, user, password, authzid, cb):
    if os.environ.get('CW_SCRAM_CLIENT') == 'hashlib':
        return 'hashlib', HashlibScram(mech, user, password, authzid, cb)
    try:
        from slixmpp.util.sasl.mechanisms import SCRAM
    except ImportError:
        print('scram-client: no slixmpp', file=sys.stderr)
        sys.exit(77)
    creds = {'username': user.encode(), 'password': password,
             'authzid': authzid.encode(), 'channel_binding': cb}
    return 'slixmpp', SCRAM(mech, creds, {'encrypted': True, 'unencrypted_scram': True})


def main():
    mech, user, password, authzid, cb_hex = sys.argv[1:6]
    cb = None
    if cb_hex.startswith('y:') or mech.endswith('-PLUS'):
        cb = bytes.fromhex(cb_hex.removeprefix('y:'))
    impl, client = make_client(mech, user, password, authzid, cb)
    print(f'scram-client: {impl}', file=sys.stderr)
    challenge = b''
    for _ in range(2):
        print(base64.b64encode(client.process(challenge)).decode(), flush=True)
        line = sys.stdin.readline()
        if not line:
            return 2
        challenge = base64.b64decode(line.strip())
    try:
        client.process(challenge)
    except Exception as e:  # slixmpp raises its own SASL exceptions
        print(f'scram-client: {e!r}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
