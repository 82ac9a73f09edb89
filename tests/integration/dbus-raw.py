#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# dbus-raw.py - one hand-marshalled D-Bus method call, for sending what
# libdbus and GDBus refuse to build (a string that is not UTF-8).
#
#   dbus-raw.py SOCKET-PATH DEST PATH IFACE MEMBER HEX-STRING...
#
# Each argument is a D-Bus string given as hex bytes. Prints "reply",
# "error NAME" or "disconnected" (the bus dropped us), and exits 0.
import os
import socket
import struct
import sys


def pad(buf, n):
    return buf + b"\0" * (-len(buf) % n)


def string(buf, value, code="s"):
    if code == "g":
        return buf + bytes([len(value)]) + value + b"\0"
    buf = pad(buf, 4)
    return buf + struct.pack("<I", len(value)) + value + b"\0"


def message(serial, dest, path, iface, member, args):
    body = b""
    for a in args:
        body = string(body, a)
    fields = [(1, "o", path), (2, "s", iface), (3, "s", member), (6, "s", dest)]
    if args:
        fields.append((8, "g", b"s" * len(args)))
    arr = b""
    for code, sig, value in fields:
        arr = pad(arr, 8)
        arr += bytes([code]) + bytes([1]) + sig.encode() + b"\0"
        arr = string(arr, value, sig)
    head = b"l" + bytes([1, 0, 1]) + struct.pack("<II", len(body), serial)
    head += struct.pack("<I", len(arr))
    head = pad(head, 8)  # 16 bytes already
    return pad(head + arr, 8) + body


def read_reply(sock, serial):
    """The reply to SERIAL: ('reply'|'error NAME'), or None when disconnected."""
    data = b""
    while True:
        while len(data) < 16:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            data += chunk
        body_len, _, fields_len = struct.unpack("<III", data[4:16])
        total = 16 + fields_len + (-fields_len % 8) + body_len
        while len(data) < total:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            data += chunk
        msg, data = data[:total], data[total:]
        kind = msg[1]
        fields = msg[16 : 16 + fields_len]
        reply_to = error = None
        i = 0
        while i < len(fields):
            i += -i % 8
            code, siglen = fields[i], fields[i + 1]
            sig = fields[i + 2 : i + 2 + siglen]
            i += 3 + siglen
            if sig in (b"s", b"o"):
                i += -i % 4
                (n,) = struct.unpack("<I", fields[i : i + 4])
                value = fields[i + 4 : i + 4 + n]
                i += 5 + n
                if code == 4:
                    error = value.decode("utf-8", "replace")
            elif sig == b"g":
                i += 2 + fields[i]
            elif sig == b"u":
                i += -i % 4
                (value,) = struct.unpack("<I", fields[i : i + 4])
                i += 4
                if code == 5:
                    reply_to = value
        if reply_to == serial:
            return "reply" if kind == 2 else "error " + (error or "?")


def main():
    sock_path, dest, path, iface, member = sys.argv[1:6]
    args = [bytes.fromhex(h) for h in sys.argv[6:]]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock_path)
    s.sendall(b"\0AUTH EXTERNAL " + str(os.getuid()).encode().hex().encode() + b"\r\n")
    if not s.recv(4096).startswith(b"OK"):
        print("auth failed")
        return
    s.sendall(b"BEGIN\r\n")
    s.sendall(message(1, b"org.freedesktop.DBus", b"/org/freedesktop/DBus",
                      b"org.freedesktop.DBus", b"Hello", []))
    if read_reply(s, 1) != "reply":
        print("hello failed")
        return
    s.sendall(message(2, dest.encode(), path.encode(), iface.encode(), member.encode(), args))
    try:
        result = read_reply(s, 2)
    except (ConnectionResetError, socket.timeout):
        result = None
    print(result or "disconnected")


if __name__ == "__main__":
    main()
