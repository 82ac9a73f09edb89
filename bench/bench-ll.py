#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Link-local benchmark: discovery, presence and message latency, throughput
# and a 200-peer roster, between simulated hosts of the project's own lab.
"""Usage: bench/bench-ll.py [--chinwagd PATH] [--runs N] [--messages N] [--peers N]

Needs root (network namespaces). All traffic stays inside the lab's own
namespaces; the lab is torn down at the end, also on failure.
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
LAB = os.path.join(SRC, "tests", "lab", "lab.sh")


class Lab:
    def __init__(self, hosts):
        self.state = tempfile.mkdtemp(prefix="cw-bench-")
        self.env = dict(os.environ, LAB_STATE=self.state, LAB_QUIET="1",
                        LAB_PREFIX="cwb%d" % os.getpid())
        self.run("up", *hosts)

    def run(self, *args, check=True):
        return subprocess.run(["bash", LAB] + list(args), env=self.env, check=check,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def spawn(self, host, tag, *cmd):
        return int(self.run("spawn", host, tag, *cmd).stdout.strip())

    def stop(self, host, tag, sig="TERM"):
        self.run("stop", host, tag, sig, check=False)

    def addr(self, host):
        return self.run("addr", host).stdout.strip()

    def down(self):
        self.run("down", check=False)
        shutil.rmtree(self.state, ignore_errors=True)


class Control:
    """A connection to a chinwagd control socket (AF_UNIX works across netns)."""

    def __init__(self, path, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        self.buf = b""

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def readline(self, timeout=30):
        self.sock.settimeout(timeout)
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("control socket closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def command(self, line):
        self.send(line)
        out = []
        while True:
            reply = self.readline()
            if reply == "ok" or reply.startswith("ok "):
                return out, reply[3:]
            if reply.startswith("error "):
                raise RuntimeError(reply)
            out.append(reply)

    def wait_for(self, pred, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("event not seen")
            line = self.readline(timeout=left)
            if pred(line.split("\t")):
                return time.monotonic(), line

    def close(self):
        self.sock.close()


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


def ms(v):
    return "%.1f ms" % (v * 1000)


def start_peer(lab, host, name, tag, chinwagd, extra=()):
    d = os.path.join(lab.state, "peer-" + tag)
    os.makedirs(d, exist_ok=True)
    ctl = os.path.join(d, "ctl")
    pid = lab.spawn(host, tag, chinwagd, "--name", name, "--state-dir", d, "--control", ctl,
                    "--no-dbus", *extra)
    return pid, ctl


def watcher(ctl):
    w = Control(ctl)
    w.command("watch")
    return w


def bench_discovery(lab, chinwagd, obs, runs):
    seen, floor = [], []
    for i in range(runs):
        name = "d%d@h1" % i
        t0 = time.monotonic()
        start_peer(lab, "h1", name, "disc%d" % i, chinwagd)
        t1, _ = obs.wait_for(lambda f: f[0] == "peer" and f[1] == name)
        seen.append(t1 - t0)
        lab.stop("h1", "disc%d" % i)
        obs.wait_for(lambda f: f[0] == "peer-removed" and f[1] == name)
        # The floor: a bare avahi-publish seen by the same running browser.
        fname = "f%d@h1" % i
        t0 = time.monotonic()
        lab.spawn("h1", "floor%d" % i, "avahi-publish", "-s", fname, "_presence._tcp", "5999",
                  "txtvers=1", "port.p2pj=5999")
        t1, _ = obs.wait_for(lambda f: f[0] == "peer" and f[1] == fname)
        floor.append(t1 - t0)
        lab.stop("h1", "floor%d" % i)
        obs.wait_for(lambda f: f[0] == "peer-removed" and f[1] == fname)
    return seen, floor


def bench_presence(src, obs, name, runs):
    lat = []
    for i in range(runs):
        status = "away" if i % 2 == 0 else "avail"
        msg = "bench %d" % i
        t0 = time.monotonic()
        src.command("status %s %s" % (status, msg))
        t1, _ = obs.wait_for(lambda f: f[0] == "peer" and f[1] == name and f[2] == status
                             and len(f) > 4 and f[4] == msg)
        lat.append(t1 - t0)
    return lat


def bench_messages(src, dst_watch, to, count):
    lat = []
    for i in range(count):
        body = "lat %d" % i
        t0 = time.monotonic()
        src.command("send %s %s" % (to, body))
        t1, _ = dst_watch.wait_for(lambda f: f[0] == "message" and f[3] == body)
        lat.append(t1 - t0)
    return lat


def bench_throughput(src, dst_watch, to, count):
    t0 = time.monotonic()
    src.sock.settimeout(60)
    for i in range(count):
        src.send("send %s tp %d" % (to, i))
    got = 0
    last = t0
    while got < count:
        last, line = dst_watch.wait_for(lambda f: f[0] == "message" and f[3].startswith("tp "),
                                        timeout=120)
        got += 1
    # Drain the command replies.
    for _ in range(count):
        src.readline()
    return count / (last - t0), last - t0


def proc_stats(pid):
    with open("/proc/%d/status" % pid) as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    return rss, ticks / os.sysconf("SC_CLK_TCK")


def bench_many_peers(lab, pid, ctl, n):
    rss0, cpu0 = proc_stats(pid)
    t0 = time.monotonic()
    for i in range(n):
        lab.spawn("h2", "many%d" % i, "avahi-publish", "-s", "m%03d@h2" % i, "_presence._tcp",
                  str(6000 + i), "txtvers=1", "status=avail", "nick=Peer %d" % i)
    c = Control(ctl)
    deadline = time.monotonic() + 120
    count = 0
    while time.monotonic() < deadline:
        lines, _ = c.command("roster")
        count = sum(1 for l in lines if l.startswith("m") and "@h2\t" in l)
        if count >= n:
            break
        time.sleep(0.25)
    t_all = time.monotonic() - t0
    rss1, cpu1 = proc_stats(pid)
    time.sleep(10)
    rss2, cpu2 = proc_stats(pid)
    c.close()
    return dict(count=count, seconds=t_all, rss_before=rss0, rss_after=rss1,
                cpu_discovery=cpu1 - cpu0, cpu_idle_10s=cpu2 - cpu1, rss_idle=rss2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chinwagd", default=os.path.join(SRC, "_build", "src", "chinwagd"))
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--throughput", type=int, default=2000)
    ap.add_argument("--peers", type=int, default=200)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench-ll: needs root for network namespaces")
    chinwagd = os.path.abspath(a.chinwagd)
    lab = Lab(["h1", "h2", "h3"])
    try:
        print("chinwag link-local benchmark: 3 lab hosts (netns + own avahi-daemon each)")
        _, ctl2 = start_peer(lab, "h2", "bob@h2", "bob", chinwagd)
        obs = watcher(ctl2)
        seen, floor = bench_discovery(lab, chinwagd, obs, a.runs)
        print("\n%-44s %10s %10s" % ("discovery (%d runs)" % a.runs, "median", "p95"))
        print("%-44s %10s %10s" % ("chinwagd start -> in another host's roster",
                                   ms(statistics.median(seen)), ms(pct(seen, 95))))
        print("%-44s %10s %10s" % ("floor: avahi-publish start -> same roster",
                                   ms(statistics.median(floor)), ms(pct(floor, 95))))

        _, ctl1 = start_peer(lab, "h1", "alice@h1", "alice", chinwagd)
        obs.wait_for(lambda f: f[0] == "peer" and f[1] == "alice@h1")
        src = Control(ctl1)
        w1 = watcher(ctl1)
        w1.wait_for(lambda f: f[0] == "peer" and f[1] == "bob@h2") if not any(
            l.startswith("bob@h2") for l in src.command("roster")[0]) else None
        pres = bench_presence(src, obs, "alice@h1", a.runs)
        print("\n%-44s %10s %10s" % ("presence change -> seen on another host",
                                     ms(statistics.median(pres)), ms(pct(pres, 95))))

        bench_messages(src, obs, "bob@h2", 20)  # warm up: stream, disco, receipts
        lat = bench_messages(src, obs, "bob@h2", a.messages)
        print("\n%-44s %10s %10s %10s" % ("message one-way, h1 -> h2 (%d)" % a.messages,
                                          "p50", "p99", "max"))
        print("%-44s %10s %10s %10s" % ("control socket send -> receiver's event",
                                        ms(pct(lat, 50)), ms(pct(lat, 99)), ms(max(lat))))
        rate, secs = bench_throughput(src, obs, "bob@h2", a.throughput)
        print("%-44s %10.0f msg/s (%d in %.1f s)" % ("sustained, one stream", rate,
                                                       a.throughput, secs))
        src.close()
        w1.close()
        obs.close()

        pid3, ctl3 = start_peer(lab, "h3", "carol@h3", "carol", chinwagd)
        time.sleep(2)
        m = bench_many_peers(lab, pid3, ctl3, a.peers)
        print("\n%d peers published on h2, chinwagd on h3:" % a.peers)
        print("  all in the roster after %.1f s (%d seen)" % (m["seconds"], m["count"]))
        print("  RSS %d KiB before, %d KiB with all peers (+%d KiB, %.1f KiB/peer), %d KiB after 10 s idle"
              % (m["rss_before"], m["rss_after"], m["rss_after"] - m["rss_before"],
                 (m["rss_after"] - m["rss_before"]) / max(1, m["count"]), m["rss_idle"]))
        print("  CPU %.2f s while discovering, %.2f s over the next 10 s idle"
              % (m["cpu_discovery"], m["cpu_idle_10s"]))
    finally:
        lab.down()


if __name__ == "__main__":
    main()
