#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-crash.py - the raw XEP-0198 clients of gw-crash.sh.
#
#   gw-crash.py PORT CA send ROUND COUNT KILL_AT PID [online]
#       user1 enables stream management and sends COUNT numbered chats
#       ("ROUND-N") to user2 as fast as it can, with <r/> after every 10;
#       once the server has acknowledged KILL_AT of them it sends SIGKILL
#       to PID and goes on until the connection dies. With "online",
#       user2 is logged in first (stream management on, available) and
#       reads everything but never acknowledges. Prints
#       "sent S acked A errors E closed" (E: error bounces; "closed": the
#       stream ended, "open" if not; A: the last <a h/> seen; message N is acked
#       when N <= A).
#   gw-crash.py PORT CA offline ROUND ACKED
#       user2 logs in, sends presence and collects the offline queue.
#   gw-crash.py PORT CA mam ROUND ACKED
#       user2 logs in and pages through its archive.
#   gw-crash.py PORT CA health
#       user1 sends user2 (offline) a message and gets it acknowledged;
#       user2 logs in and receives it. Prints "ok".
#   offline and mam print "recovered R missing M1,M2,... extra E": R of 1..ACKED came
#   back, E more (unacked ones that made it anyway).
import base64
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time
from xml.sax.saxutils import escape

PORT, CA, MODE = int(sys.argv[1]), sys.argv[2], sys.argv[3]
DOMAIN = 'localhost'
HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>" % DOMAIN)
SM = 'urn:xmpp:sm:3'
MAM = 'urn:xmpp:mam:2'
RSM = 'http://jabber.org/protocol/rsm'


class Closed(Exception):
    pass


class Client:
    """One authenticated, bound c2s stream (STARTTLS, PLAIN)."""

    def __init__(self, user, resource, sm=True):
        self.sock = socket.create_connection(('127.0.0.1', PORT), timeout=10)
        self.buf = ''
        self.send(HEADER)
        self.expect(r'</stream:features>')
        self.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        self.expect(r'<proceed[^>]*/>')
        ctx = ssl.create_default_context(cafile=CA)
        self.sock = ctx.wrap_socket(self.sock, server_hostname=DOMAIN)
        self.buf = ''
        self.send(HEADER)
        self.expect(r'</stream:features>')
        token = base64.b64encode(('\0%s\0secret' % user).encode()).decode()
        self.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>"
                  % token)
        self.expect(r'<success[^>]*(/>|>.*?</success>)')
        self.buf = ''
        self.send(HEADER)
        self.expect(r'</stream:features>')
        self.send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                  "<resource>%s</resource></bind></iq>" % resource)
        self.jid = self.expect(r'<jid>([^<]+)</jid>').group(1)
        self.expect(r'</iq>')
        if sm:
            self.send("<enable xmlns='%s'/>" % SM)
            self.expect(r'<enabled[^>]*>')

    def send(self, data):
        self.sock.sendall(data.encode())

    def fill(self, timeout):
        self.sock.settimeout(timeout)
        data = self.sock.recv(65536)
        if not data:
            raise Closed()
        self.buf += data.decode('utf-8', 'replace')

    def expect(self, pattern, timeout=10):
        end = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.buf, re.S)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError('no %r in %r' % (pattern, self.buf[-300:]))
            self.fill(left)


def body_numbers(text, rnd):
    return [int(n) for n in re.findall(r'<body>%s-(\d+)</body>' % re.escape(rnd), text)]


def sink(client):
    """Reads and throws away whatever the server sends; never acks."""
    try:
        while True:
            client.fill(None)
            client.buf = client.buf[-200:]
    except (OSError, Closed, ssl.SSLError):
        pass


class Acks:
    """Collects <a h='…'/> on the sender's stream in a thread."""

    def __init__(self, client):
        self.client = client
        self.h = 0
        self.errors = 0
        self.done = threading.Event()
        self.cond = threading.Condition()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        c = self.client
        try:
            while True:
                c.fill(None)
                self.errors += len(re.findall(r"<message[^>]*type=['\"]error['\"][^>]*>", c.buf))
                for m in re.finditer(r"<a\s[^>]*\bh=['\"](\d+)['\"][^>]*/>", c.buf):
                    with self.cond:
                        self.h = max(self.h, int(m.group(1)))
                        self.cond.notify_all()
                cut = max(c.buf.rfind('>') + 1, 0)
                c.buf = c.buf[cut:]
        except (OSError, Closed, ssl.SSLError):
            pass
        self.done.set()


def send(rnd, count, kill_at, pid, online):
    if online:
        rcpt = Client('user2', 'sink')
        rcpt.send("<presence/>")
        threading.Thread(target=sink, args=(rcpt,), daemon=True).start()
        time.sleep(0.3)
    c = Client('user1', 'sender')
    c.sock.settimeout(None)
    acks = Acks(c)
    sent = 0
    killed = False
    try:
        for n in range(1, count + 1):
            c.send("<message type='chat' to='user2@%s' id='%s-%d'><body>%s-%d</body></message>"
                   % (DOMAIN, rnd, n, rnd, n) + ("<r xmlns='%s'/>" % SM if n % 10 == 0 else ''))
            sent = n
            if not killed and acks.h >= kill_at:
                os.kill(pid, signal.SIGKILL)
                killed = True
    except (OSError, ssl.SSLError):
        pass
    if not killed:
        # The server was faster than the sender: wait for the acks, then kill.
        with acks.cond:
            acks.cond.wait_for(lambda: acks.h >= kill_at, timeout=20)
        os.kill(pid, signal.SIGKILL)
    closed = acks.done.wait(10)
    print('sent %d acked %d errors %d %s'
          % (sent, min(acks.h, sent), acks.errors, 'closed' if closed else 'open'))


def report(got, acked):
    missing = [n for n in range(1, acked + 1) if n not in got]
    extra = len([n for n in got if n > acked])
    print('recovered %d missing %s extra %d'
          % (acked - len(missing), ','.join(map(str, missing[:20])) or '-', extra))


def offline(rnd, acked):
    c = Client('user2', 'offline', sm=False)
    c.send("<presence/>")
    got = set()
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline:
            c.fill(2)
            got.update(body_numbers(c.buf, rnd))
            c.buf = c.buf[max(c.buf.rfind('</message>'), 0):]
    except (socket.timeout, TimeoutError):
        pass
    report(got, acked)


def mam(rnd, acked):
    c = Client('user2', 'mam', sm=False)
    got = set()
    after = ''
    for page in range(1000):
        c.send("<iq type='set' id='q%d'><query xmlns='%s' queryid='x%d'><set xmlns='%s'>"
               "<max>100</max>%s</set></query></iq>"
               % (page, MAM, page, RSM, '<after>%s</after>' % escape(after) if after else ''))
        # The results come before the answer: expect() consumes them too.
        m = c.expect(r"<iq[^>]*id=['\"]q%d['\"][^>]*(/>|>.*?</iq>)" % page, 20)
        got.update(body_numbers(m.string[:m.end()], rnd))
        fin = m.group(0)
        if "type='error'" in fin or 'type="error"' in fin:
            print('mam error %s' % fin)
            return
        last = re.search(r'<last>([^<]+)</last>', fin)
        if re.search(r"complete=['\"]true", fin) or last is None:
            break
        after = last.group(1)
    report(got, acked)


def health():
    sender = Client('user1', 'health')
    sender.send("<message type='chat' to='user2@%s'><body>health-1</body></message>"
                "<r xmlns='%s'/>" % (DOMAIN, SM))
    sender.expect(r"<a\s[^>]*\bh=['\"]1['\"]")
    rcpt = Client('user2', 'health', sm=False)
    rcpt.send("<presence/>")
    rcpt.expect(r'<body>health-1</body>')
    print('ok')


if MODE == 'send':
    send(sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]),
         len(sys.argv) > 8 and sys.argv[8] == 'online')
elif MODE == 'offline':
    offline(sys.argv[4], int(sys.argv[5]))
elif MODE == 'mam':
    mam(sys.argv[4], int(sys.argv[5]))
elif MODE == 'health':
    health()
else:
    sys.exit('unknown mode ' + MODE)
