"""The chaos run: several replicas behind HAProxy, sharing Redis, under steady load, while
a replica is killed with SIGKILL, every replica reloads a changed client list, Redis
restarts (with on_error closed, then open) and STS turns slow, then failing. Then checks
what was received against the audit logs, the faults and the configured limits.

    python run.py MINUTES WORK_DIR SERVER_BINARY [REPLICAS]

WORK_DIR holds keys/ (SAML), dev-issuer.key and dev-jwks.json. Exits 1 when a check fails;
the report is WORK_DIR/report.json.
"""

import json
import os
import sys
import time

import load
import report
import stack

PER_MINUTE, BURST = 120, 60
CONFIG = """[server]
listen = "127.0.0.1:@PORT@"
metrics = true
management_listen = "127.0.0.1:@MGMT_PORT@"
forwarded_hops = 1
[saml]
issuer = "urn:delegation.chaos"
signing_key = "keys/saml.key"
signing_cert = "keys/saml.crt"
[sts]
endpoint = "{sts}/"
timeout_ms = 1000
retries = 1
[[issuers]]
issuer = "https://dev-issuer.local/"
keys_file = "dev-jwks.json"
{clients}
[limits]
per_user_per_minute = {per_minute}
per_user_burst = {burst}
[cache]
enabled = true
max_entries = 500
[state]
redis_url = "redis://127.0.0.1:{redis}/0"
encryption_key_file = "state.key"
on_error = "{on_error}"
[audit]
path = "@AUDIT@"
"""
CLIENT = """[[clients]]
client_id = "{id}"
[clients.aws]
role = "arn:aws:iam::123456789012:role/chaos-role"
principal = "arn:aws:iam::123456789012:saml-provider/chaos-provider"
"""


class Run:
    def __init__(self, work, binary, replicas):
        self.work = work
        self.origin = time.time()
        self.faults, self.bursts, self.samples = [], [], {}
        self.clients, self.on_error = ["chaos-app"], "closed"
        with open(os.path.join(work, "state.key"), "w") as f:
            f.write(os.urandom(32).hex())
        self.redis = stack.Redis(work)
        self.redis.start()
        self.sts = stack.Sts(work, os.path.join(work, "sts-reply.xml"))
        self.replicas = [stack.Replica(i + 1, work, binary) for i in range(replicas)]
        self.write_configs()
        for r in self.replicas:
            r.start()
        self.haproxy = stack.HaProxy(work, self.replicas)
        tokens = load.Tokens(os.path.join(work, "dev-issuer.key"),
                             os.path.join(work, "dev-jwks.json"))
        self.load = load.Load(self.haproxy.port, tokens)

    def log(self, text):
        print(f"[{time.time() - self.origin:6.1f}s] {text}", file=sys.stderr, flush=True)

    def write_configs(self):
        clients = "".join(CLIENT.format(id=c) for c in self.clients)
        text = CONFIG.format(sts=self.sts.url, clients=clients, per_minute=PER_MINUTE,
                             burst=BURST, redis=self.redis.port, on_error=self.on_error)
        for r in self.replicas:
            r.write_config(text)

    def reload_all(self):
        before = [r.metric("config_reloads_total", 'result="ok"') for r in self.replicas]
        self.write_configs()
        for r in self.replicas:
            r.hup()
        stack.wait_until("the reload", lambda: all(
            (r.metric("config_reloads_total", 'result="ok"') or 0) > b
            for r, b in zip(self.replicas, before)), 10)
        errors = sum(r.metric("config_reloads_total", 'result="error"') or 0 for r in self.replicas)
        assert errors == 0, "a reload failed; see the replicas' logs"

    def fault(self, kind, start, **extra):
        self.faults.append({"kind": kind, "start": start, "end": time.time(), **extra})

    def sample(self, replica):
        return replica.fds(self.sts.port) | {"rss_kb": replica.rss_kb()}

    def kill(self, replica):
        self.log(f"kill -9 {replica.name}")
        # Between these two it died: a request in flight then may be lost with it.
        start = time.time()
        replica.kill9()
        dead = time.time()
        time.sleep(2)
        replica.start()
        self.fault("kill", start, replica=replica.name, dead=dead)
        time.sleep(3)
        self.samples[replica.name] = [self.sample(replica), None]

    def new_client(self, n):
        client = f"chaos-late-{n}"
        self.log(f"SIGHUP to every replica: client {client} added")
        self.clients.append(client)
        self.reload_all()
        self.load.clients.append(client)

    def restart_redis(self, on_error):
        if on_error != self.on_error:
            self.on_error = on_error
            self.reload_all()
        self.log(f"redis restarts (on_error = {on_error})")
        start = time.time()
        self.redis.stop()
        time.sleep(3)
        self.redis.start()
        self.fault(f"redis_{on_error}", start)

    def sts_faults(self):
        for mode in ("slow", "fail"):
            self.log(f"STS {mode}")
            start = time.time()
            self.sts.mode(mode)
            time.sleep(3)
            self.sts.mode("ok")
            self.fault(f"sts_{mode}", start)

    def burst(self, n):
        sub = f"chaos|burst-{n}"
        records = self.load.burst(sub)
        ids = {r["id"] for r in records}
        audited = report.read_audit([r.audit_path for r in self.replicas])[0]
        replicas = {path for rid in ids for path, _ in audited.get(rid, [])}
        self.bursts.append({"records": records, "calls": self.sts.calls(sub),
                            "replicas": len(replicas)})
        self.log(f"burst of {len(records)}: {self.sts.calls(sub)} STS call(s), "
                 f"{len(replicas)} replica(s)")

    def cycle(self, n, length):
        """One round of every fault, spread over `length` seconds."""
        start = time.monotonic()
        at = lambda second: time.sleep(max(0.0, start + second * length / 60 - time.monotonic()))
        at(3)
        self.kill(self.replicas[n % len(self.replicas)])
        at(12)
        self.new_client(n)
        at(16)
        self.restart_redis("closed")
        at(23)
        self.restart_redis("open")
        self.on_error = "closed"
        self.reload_all()
        at(34)
        self.sts_faults()
        at(47)
        self.burst(n)
        at(60)

    def run(self, minutes):
        self.load.start()
        time.sleep(5)
        for r in self.replicas:
            self.samples[r.name] = [self.sample(r), None]
        cycles = max(1, round(minutes))
        for n in range(cycles):
            self.cycle(n, 60 * minutes / cycles)
        self.load.stop()
        time.sleep(1)
        for r in self.replicas:
            self.samples[r.name][1] = self.sample(r)
        return self.checks()

    def checks(self):
        results = self.load.results
        paths = [r.audit_path for r in self.replicas]
        checks = {
            "audit_completeness": report.audit_completeness(results, self.faults, paths),
            "failures_explained": report.failures_explained(results, self.faults, self.origin),
            "rate_limit": report.rate_limit(results, self.faults, PER_MINUTE, BURST),
            "single_flight": report.single_flight(self.bursts),
            "resources": report.resources(self.samples),
        }
        statuses = {}
        for r in results:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        return {"requests": len(results), "statuses": statuses,
                "resent_by_haproxy": self.haproxy.resent(),
                "seconds": round(time.time() - self.origin, 1),
                "faults": [{k: (round(v - self.origin, 2) if k in ("start", "end", "dead") else v)
                            for k, v in f.items()} for f in self.faults],
                "checks": {k: {"passed": p, "detail": d} for k, (p, d) in checks.items()}}

    def stop(self):
        for part in [self.haproxy, *self.replicas, self.redis, self.sts]:
            try:
                part.stop()
            except Exception as e:  # noqa: BLE001 - cleanup goes on
                print(f"stopping: {e}", file=sys.stderr)


def main():
    minutes, work, binary = float(sys.argv[1]), sys.argv[2], sys.argv[3]
    replicas = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    run = Run(work, binary, replicas)
    try:
        result = run.run(minutes)
    finally:
        run.stop()
    with open(os.path.join(work, "report.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))
    failed = [k for k, v in result["checks"].items() if not v["passed"]]
    if failed:
        print(f"chaos: FAILED {', '.join(failed)} (report: {work}/report.json)", file=sys.stderr)
        sys.exit(1)
    print(f"chaos: every check passed ({result['requests']} requests)", file=sys.stderr)


if __name__ == "__main__":
    main()
