"""The processes of the chaos run, on this machine: Redis (with an append-only file, so a
restart keeps the rate-limit buckets), the STS stand-in, the server replicas and HAProxy
in front of them. Each can be stopped, killed, restarted or reloaded while the load runs.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=2.0):
    """The status and body of a GET, or (0, error text) when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return 0, str(e)


def wait_until(what, ready, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")


def tcp_sockets():
    """Socket inode -> (local port, remote port, state) for every TCP socket here."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            local, remote, state, inode = f[1], f[2], f[3], f[9]
            found[inode] = (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16), state)
    return found


class Redis:
    def __init__(self, work):
        self.port = free_port()
        self.dir = os.path.join(work, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--logfile", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until("redis", lambda: self._pings())

    def _pings(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        """A clean stop (SIGTERM): the append-only file is synced, as at a planned restart."""
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


class Sts:
    def __init__(self, work, reply_file):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "sts.py"), str(self.port), reply_file])
        self.url = f"http://127.0.0.1:{self.port}"
        wait_until("the STS stand-in", lambda: get(self.url + "/_calls")[0] == 200)

    def mode(self, mode):
        status, _ = get(f"{self.url}/_mode?set={mode}")
        assert status == 200, f"the STS stand-in refused mode {mode}"

    def calls(self, sub=None):
        import json
        url = self.url + "/_calls" + (f"?sub={urllib.parse.quote(sub)}" if sub else "")
        return json.loads(get(url)[1])["calls"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


class Replica:
    """One server process; `config` writes its delegation.toml from the shared template."""

    def __init__(self, index, work, binary):
        self.index = index
        self.name = f"replica-{index}"
        self.work = work
        self.binary = binary
        self.port = free_port()
        self.mgmt_port = free_port()
        self.config_path = os.path.join(work, f"{self.name}.toml")
        self.audit_path = os.path.join(work, f"{self.name}-audit.jsonl")
        self.log_path = os.path.join(work, f"{self.name}.log")
        self.proc = None
        self.lives = 0

    def write_config(self, text):
        text = (text.replace("@PORT@", str(self.port))
                .replace("@MGMT_PORT@", str(self.mgmt_port))
                .replace("@AUDIT@", self.audit_path))
        tmp = self.config_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.config_path)

    def start(self):
        env = dict(os.environ, DELEGATION_CONFIG=self.config_path, DELEGATION_LOG="warn")
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen([self.binary, "serve"], env=env, cwd=self.work,
                                     stdout=log, stderr=log)
        self.lives += 1
        wait_until(self.name, lambda: get(f"http://127.0.0.1:{self.port}/readyz")[0] == 200)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def hup(self):
        self.proc.send_signal(signal.SIGHUP)

    def metric(self, name, labels=""):
        """The sum of a metric's samples whose label text contains `labels`."""
        status, text = get(f"http://127.0.0.1:{self.mgmt_port}/metrics")
        if status != 200:
            return None
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name) and labels in line:
                total += float(line.rsplit(" ", 1)[1])
        return total

    def fds(self, sts_port):
        """Open descriptors: all, and those that are connections which come and go with the
        load: from HAProxy to this replica, and idle or busy ones to STS (a pool)."""
        sockets = tcp_sockets()
        total = inbound = to_sts = 0
        fd_dir = f"/proc/{self.proc.pid}/fd"
        for fd in os.listdir(fd_dir):
            total += 1
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                local, remote, state = sockets.get(target[8:-1], (0, 0, ""))
                inbound += local == self.port and state != "0A"
                to_sts += remote == sts_port
        return {"fds": total, "from_clients": inbound, "to_sts": to_sts,
                "others": total - inbound - to_sts}

    def rss_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


HAPROXY = """global
  maxconn 4096
  log stdout format raw local0 info
defaults
  mode http
  log global
  option httplog
  timeout connect 1s
  timeout client 30s
  timeout server 15s
  # As deploy/ha/haproxy.cfg: only what the servers never received or never answered is
  # retried, on another replica, and only a request buffered whole can be sent again.
  retries 2
  retry-on conn-failure empty-response
  option redispatch 1
  option http-buffer-request
frontend delegation
  bind 127.0.0.1:{port}
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 500ms fall 2 rise 2
{servers}
"""


# An HTTP log line's connection counts, whose last is the retries: `+1` when redispatched.
RESENT = re.compile(r" \d+/\d+/\d+/\d+/\+\d+ ")


class HaProxy:
    def __init__(self, work, replicas):
        self.port = free_port()
        self.config_path = os.path.join(work, "haproxy.cfg")
        servers = "\n".join(f"  server {r.name} 127.0.0.1:{r.port} check" for r in replicas)
        with open(self.config_path, "w") as f:
            f.write(HAPROXY.format(port=self.port, servers=servers))
        subprocess.run(["haproxy", "-c", "-q", "-f", self.config_path], check=True)
        self.log_path = os.path.join(work, "haproxy.log")
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", self.config_path],
                                     stdout=log, stderr=log)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_until("haproxy", lambda: get(self.url + "/healthz")[0] == 200)

    def resent(self):
        """Requests HAProxy sent again to another replica (`+N` retries in its log)."""
        with open(self.log_path) as f:
            return sum(1 for line in f if RESENT.search(line))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
