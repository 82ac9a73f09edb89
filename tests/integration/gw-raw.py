#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-raw.py - a hostile or minimal XMPP client on a raw socket, for gw-c2s.sh.
#
#   gw-raw.py PORT CA SCENARIO
# Prints one line saying what the server did (e.g. "stream-error host-unknown");
# the test compares it with what RFC 6120 asks for.
import base64
import hashlib
import hmac
import os
import re
import socket
import ssl
import sys
import time

PORT, CA, SCENARIO = int(sys.argv[1]), sys.argv[2], sys.argv[3]
DOMAIN = 'localhost'
HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>")
SASL = "urn:ietf:params:xml:ns:xmpp-sasl"


class Closed(Exception):
    pass


class Raw:
    def __init__(self, timeout=10):
        self.sock = socket.create_connection(('127.0.0.1', PORT), timeout=timeout)
        self.buf = ''

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def expect(self, pattern, timeout=10):
        """Reads until @pattern matches; consumes up to the match's end."""
        end = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.buf, re.S)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError('no %r in %r' % (pattern, self.buf[-300:]))
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise Closed(self.buf)
            self.buf += data.decode('utf-8', 'replace')

    def stream_error(self, timeout=10):
        m = self.expect(r'<stream:error>\s*<([a-z-]+)', timeout)
        return m.group(1)

    def open(self, to=DOMAIN):
        self.send(HEADER % to)
        return self.expect(r'</stream:features>|<stream:features/>').group(0)

    def features(self):
        self.send(HEADER % DOMAIN)
        return self.expect(r'<stream:features>(.*?)</stream:features>').group(1)

    def starttls(self, tls12=False):
        self.features()
        self.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        self.expect(r'<proceed[^>]*/>')
        ctx = ssl.create_default_context(cafile=CA)
        if tls12:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        self.sock = ctx.wrap_socket(self.sock, server_hostname=DOMAIN)
        self.buf = ''
        return self.features()

    def plain(self, user, password='secret'):
        self.starttls()
        token = base64.b64encode(('\0%s\0%s' % (user, password)).encode()).decode()
        self.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (SASL, token))
        self.expect(r'<success[^>]*(/>|>.*?</success>)')
        self.buf = ''
        return self.features()

    def bind(self, user, resource):
        self.plain(user)
        self.send("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                  "<resource>%s</resource></bind></iq>" % resource)
        return self.expect(r'<jid>([^<]+)</jid>').group(1)


def scram_attempt(r, password, hname='SHA-256', cb=None):
    """One SCRAM exchange; returns the server's verdict element name.
    @cb: (type, data) for a -PLUS exchange."""
    h = hashlib.sha256 if hname == 'SHA-256' else hashlib.sha1
    nonce = base64.b64encode(os.urandom(18)).decode()
    bare = 'n=user1,r=' + nonce
    gs2 = ('p=%s,,' % cb[0]) if cb else 'n,,'
    r.send("<auth xmlns='%s' mechanism='SCRAM-%s%s'>%s</auth>"
           % (SASL, hname, '-PLUS' if cb else '', base64.b64encode((gs2 + bare).encode()).decode()))
    m = r.expect(r'<challenge[^>]*>([^<]*)</challenge>|<failure[^>]*>\s*<([a-z-]+)')
    if m.group(2):
        return m.group(2)
    first = base64.b64decode(m.group(1)).decode()
    f = dict(kv.split('=', 1) for kv in first.split(','))
    salted = hashlib.pbkdf2_hmac(h().name, password.encode(), base64.b64decode(f['s']), int(f['i']))
    cbind = gs2.encode() + (cb[1] if cb else b'')
    final_bare = 'c=%s,r=%s' % (base64.b64encode(cbind).decode(), f['r'])
    auth_msg = ','.join((bare, first, final_bare)).encode()
    ckey = hmac.new(salted, b'Client Key', h).digest()
    sig = hmac.new(h(ckey).digest(), auth_msg, h).digest()
    proof = base64.b64encode(bytes(a ^ b for a, b in zip(ckey, sig))).decode()
    r.send("<response xmlns='%s'>%s</response>"
           % (SASL, base64.b64encode((final_bare + ',p=' + proof).encode()).decode()))
    m = r.expect(r'<(success)|<failure[^>]*>\s*<([a-z-]+)')
    return m.group(1) or m.group(2)


def s_bad_host():
    r = Raw()
    r.send(HEADER % 'wrong.example')
    return 'stream-error ' + r.stream_error()


def s_bad_version():
    r = Raw()
    r.send((HEADER % DOMAIN).replace("version='1.0'", "version='2.0'"))
    return 'stream-error ' + r.stream_error()


def s_bad_namespace():
    r = Raw()
    r.send((HEADER % DOMAIN).replace("jabber:client", "jabber:server"))
    return 'stream-error ' + r.stream_error()


def s_features_before_tls():
    f = Raw().features()
    tls = 'starttls-required' if re.search(r'<starttls[^>]*>\s*<required', f) else 'no-required-starttls'
    return '%s mechanisms=%s' % (tls, 'yes' if 'mechanisms' in f else 'none')


def s_stanza_before_tls():
    r = Raw()
    r.features()
    r.send("<message to='user2@localhost'><body>x</body></message>")
    return 'stream-error ' + r.stream_error()


def s_features_after_tls():
    f = Raw().starttls()
    return 'mechanisms ' + ' '.join(re.findall(r'<mechanism>([^<]+)</mechanism>', f))


def s_stanza_before_auth():
    r = Raw()
    r.starttls()
    r.send("<message to='user2@localhost'><body>x</body></message>")
    return 'stream-error ' + r.stream_error()


def s_unoffered_mechanism():
    r = Raw()
    r.starttls()
    r.send("<auth xmlns='%s' mechanism='DIGEST-MD5'/>" % SASL)
    return 'failure ' + r.expect(r'<failure[^>]*>\s*<([a-z-]+)').group(1)


def s_right_proof():
    r = Raw()
    r.starttls()
    return scram_attempt(r, 'secret')


def s_plus_server_end_point():
    # TLS 1.2, so the server binds with tls-server-end-point (RFC 5929 §4:
    # the SHA-256 of its certificate), which Python can compute too.
    r = Raw()
    f = r.starttls(tls12=True)
    if 'SCRAM-SHA-256-PLUS' not in f:
        return 'no SCRAM-SHA-256-PLUS offered'
    cert = r.sock.getpeercert(binary_form=True)
    good = scram_attempt(r, 'secret', cb=('tls-server-end-point', hashlib.sha256(cert).digest()))
    r2 = Raw()
    r2.starttls(tls12=True)
    bad = scram_attempt(r2, 'secret', cb=('tls-server-end-point', hashlib.sha256(b'other').digest()))
    return 'right binding %s, wrong binding %s' % (good, bad)


def s_wrong_proof():
    r = Raw()
    r.starttls()
    return scram_attempt(r, 'not-the-password')


def s_auth_throttle():
    r = Raw()
    r.starttls()
    start = time.monotonic()
    verdicts = [scram_attempt(r, 'wrong%d' % i) for i in range(3)]
    took = time.monotonic() - start
    try:
        err = r.stream_error()
    except Closed:
        err = 'closed-without-error'
    return '%s then %s slow=%s' % (' '.join(verdicts), err, 'yes' if took >= 0.5 else 'no')


def s_oversized_preauth():
    r = Raw()
    r.features()
    r.send("<message><body>%s</body></message>" % ('x' * 20000))
    return 'stream-error ' + r.stream_error()


def s_big_preauth_ok():
    # 8 KiB: under the 10 KiB limit, the server answers it (not-authorized,
    # because it is a stanza), which shows the limit is not too tight.
    r = Raw()
    r.features()
    r.send("<message><body>%s</body></message>" % ('x' * 8000))
    return 'stream-error ' + r.stream_error()


def s_oversized_after_auth():
    a = Raw()
    a.bind('user1', 'big')
    b = Raw()
    b.bind('user2', 'big')
    b.send('<presence/>')
    # 200 KiB passes, 300 KiB is over the 256 KiB limit.
    a.send("<message to='user2@localhost/big'><body>%s</body></message>" % ('y' * 200000))
    b.expect(r'<message[^>]*>.*?</message>', 20)
    a.send("<message to='user2@localhost/big'><body>%s</body></message>" % ('z' * 300000))
    return '200k delivered, 300k stream-error ' + a.stream_error()


def s_spoofed_from():
    a = Raw()
    a_jid = a.bind('user1', 'spoof')
    b = Raw()
    b.bind('user2', 'victim')
    a.send("<message from='user3@localhost/boss' to='user2@localhost/victim' type='chat'>"
           "<body>trust me</body></message>")
    m = b.expect(r"<message[^>]*from=['\"]([^'\"]+)['\"]")
    return 'from ' + m.group(1) + (' (sender)' if m.group(1) == a_jid else ' (spoofed)')


def s_conflict():
    a = Raw()
    a.bind('user1', 'same')
    b = Raw()
    b.bind('user1', 'same')
    return 'old session: stream-error ' + a.stream_error()


def s_timeout():
    r = Raw()
    r.send(HEADER % DOMAIN)
    start = time.monotonic()
    err = r.stream_error(timeout=10)
    return 'stream-error %s after %ds' % (err, round(time.monotonic() - start))


def s_server_ping():
    r = Raw()
    r.bind('user3', 'pinged')
    m = r.expect(r"<iq[^>]*id=['\"]([^'\"]+)['\"][^>]*>\s*<ping xmlns=['\"]urn:xmpp:ping", 10)
    r.send("<iq type='result' to='localhost' id='%s'/>" % m.group(1))
    r.expect(r"<ping xmlns=['\"]urn:xmpp:ping", 10)
    start = time.monotonic()
    err = r.stream_error(timeout=10)
    return 'answered one ping, then %s after %ds' % (err, round(time.monotonic() - start))


def s_flood():
    # 100 messages of ~1 KB to itself through a 20 KB/s bucket (20 KB
    # burst): the server reads them at the rate, so the last one comes back
    # after about 4 s, while another client is served at once meanwhile.
    a = Raw()
    me = a.bind('user1', 'flood')
    a.send(''.join("<message to='%s' id='f%d'><body>%s</body></message>" % (me, i, 'f' * 1000)
                   for i in range(100)))
    start = time.monotonic()
    b = Raw()
    b.bind('user2', 'bystander')
    b.send("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>")
    b.expect(r"<iq[^>]*id='p1'")
    bystander = time.monotonic() - start
    a.expect(r"id='f99'", 30)
    took = time.monotonic() - start
    return 'flood throttled=%s bystander served=%s' % (
        'yes' if took >= 2.5 else 'no (%.1fs)' % took, 'yes' if bystander < 2 else 'no (%.1fs)' % bystander)


def s_per_address():
    # The harness allows 3 connections per address: the 4th is refused
    # before any XML, while the first three still negotiate.
    time.sleep(0.5)  # connections of earlier scenarios are gone by now
    held = [Raw() for _ in range(3)]
    for r in held:
        r.send(HEADER % DOMAIN)
        r.expect(r'<stream:features>')
    extra = Raw()
    try:
        extra.send(HEADER % DOMAIN)
        extra.expect(r'<stream:features>', 5)
        return 'fourth connection accepted'
    except (Closed, ConnectionResetError):
        return 'fourth connection closed'


def main():
    try:
        print(globals()['s_' + SCENARIO.replace('-', '_')]())
    except Closed:
        print('closed')
    except TimeoutError as e:
        print('timeout', e)


main()
