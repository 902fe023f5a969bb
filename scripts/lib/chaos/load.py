"""The chaos run's load: worker threads post delegations through HAProxy at a steady pace
and record every answer (status, Retry-After, error code, the request ID sent), a heavy
user drives more than its rate, and a burst sends identical requests at once.
"""

import http.client
import json
import random
import threading
import time

import jwt

ISSUER = "https://dev-issuer.local/"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class Tokens:
    """Mints id_tokens with the development issuer's key (dev_token's files)."""

    def __init__(self, key_file, jwks_file):
        with open(key_file) as f:
            self.key = f.read()
        with open(jwks_file) as f:
            self.kid = json.load(f)["keys"][0]["kid"]
        self.cache = {}

    def mint(self, client, sub, keep=False):
        if keep and (client, sub) in self.cache:
            return self.cache[(client, sub)]
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": client, "sub": sub, "name": "Chaos",
                  "iat": now, "exp": now + 3600}
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})
        if keep:
            self.cache[(client, sub)] = token
        return token


def body(client, token):
    return json.dumps({"client_id": client, "grant_type": GRANT, "id_token": token,
                       "target": client, "api_type": "aws"})


class Load:
    def __init__(self, port, tokens, workers=8, rate=120.0, heavy_rate=6.0):
        self.port = port
        self.tokens = tokens
        self.workers = workers
        self.rate = rate
        self.heavy_rate = heavy_rate
        self.clients = ["chaos-app"]
        self.results = []
        self.seq = 0
        self.lock = threading.Lock()
        self.running = False
        self.threads = []

    def next_id(self):
        with self.lock:
            self.seq += 1
            return f"chaos-{self.seq}"

    def post(self, conn, kind, client, sub, token):
        """One delegation; returns the connection to use next (a new one after an error)."""
        rid = self.next_id()
        start = time.time()
        record = {"id": rid, "kind": kind, "client": client, "sub": sub, "start": start}
        try:
            conn.request("POST", "/delegation", body(client, token),
                         {"Content-Type": "application/json", "X-Request-Id": rid})
            response = conn.getresponse()
            data = response.read()
            record["status"] = response.status
            record["retry_after"] = response.getheader("Retry-After")
            record["request_id"] = response.getheader("X-Request-Id")
            if response.status == 200:
                answer = json.loads(data)
                record["key"] = answer["Credentials"]["AccessKeyId"]
            else:
                try:
                    record["error"] = json.loads(data).get("error")
                except ValueError:
                    record["error"] = data[:80].decode(errors="replace")
        except (OSError, http.client.HTTPException) as e:
            record["status"] = 0
            record["error"] = type(e).__name__
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        record["end"] = time.time()
        self.results.append(record)
        return conn

    def worker(self, n):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        interval = self.workers / self.rate
        rng = random.Random(n)
        next_at = time.monotonic() + rng.random() * interval
        fresh = 0
        while self.running:
            client = rng.choice(self.clients)
            if rng.random() < 0.5:
                # A user seen for the first time: always a call to STS.
                fresh += 1
                sub = f"chaos|fresh-{n}-{fresh}"
                token, kind = self.tokens.mint(client, sub), "fresh"
            else:
                # One of a few hundred returning users: mostly cache hits.
                sub = f"chaos|pool-{rng.randrange(300)}"
                token, kind = self.tokens.mint(client, sub, keep=True), "pool"
            conn = self.post(conn, kind, client, sub, token)
            next_at = max(next_at + interval, time.monotonic())
            time.sleep(max(0.0, next_at - time.monotonic()))

    def heavy(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        token = self.tokens.mint("chaos-app", "chaos|heavy", keep=True)
        next_at = time.monotonic()
        while self.running:
            conn = self.post(conn, "heavy", "chaos-app", "chaos|heavy", token)
            next_at = max(next_at + 1.0 / self.heavy_rate, time.monotonic())
            time.sleep(max(0.0, next_at - time.monotonic()))

    def start(self):
        self.running = True
        self.threads = [threading.Thread(target=self.worker, args=(n,), daemon=True)
                        for n in range(self.workers)]
        self.threads.append(threading.Thread(target=self.heavy, daemon=True))
        for t in self.threads:
            t.start()

    def stop(self):
        self.running = False
        for t in self.threads:
            t.join(60)

    def burst(self, sub, count=50):
        """`count` identical requests at once, each on its own connection; their records."""
        token = self.tokens.mint("chaos-app", sub)
        gate = threading.Barrier(count)
        before = len(self.results)

        def one():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.connect()
            gate.wait()
            self.post(conn, "burst", "chaos-app", sub, token)
            conn.close()

        threads = [threading.Thread(target=one) for _ in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        return [r for r in self.results[before:] if r["kind"] == "burst" and r["sub"] == sub]
