"""The chaos run's checks, each over what the load generator received, the faults the run
injected (with their times), the replicas' audit files and their resource samples.
"""

import json

# How long after a fault ends a refusal it caused may still be seen: Redis's connection is
# retried within 0.5 s, HAProxy takes a replica back after two health checks 0.5 s apart,
# and a request that started during the fault may run for the whole STS timeout and retry.
RECOVERY = 2.0

# What each fault may cause, besides the success the load expects.
EXPECTED = {
    "kill": {502, 0},
    "redis_closed": {503},
    "sts_slow": {503},
    "sts_fail": {503},
}


def overlaps(record, start, end):
    return record["start"] <= end and record["end"] >= start


def read_audit(paths):
    """Records by request ID (each with the file it came from), and lines that did not parse."""
    records, torn = {}, []
    for path in paths:
        try:
            lines = open(path).read().split("\n")
        except FileNotFoundError:
            continue
        for n, line in enumerate(lines):
            if not line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                torn.append((path, n + 1))
                continue
            if not isinstance(record, dict) or "request_id" not in record:
                torn.append((path, n + 1))
                continue
            records.setdefault(record["request_id"], []).append((path, record))
    return records, torn


def audit_completeness(results, faults, paths):
    records, torn = read_audit(paths)
    kills = [f for f in faults if f["kind"] == "kill"]
    ok = [r for r in results if r["status"] == 200]
    missing, doubled = [], []
    for r in ok:
        issued = [rec for _, rec in records.get(r["id"], []) if rec.get("outcome") == "ok"]
        if not issued:
            missing.append(r["id"])
        elif len(issued) > 1 and not any(overlaps(r, f["start"], f["dead"]) for f in kills):
            doubled.append(r["id"])
    answered = {r["id"] for r in ok}
    undelivered = sum(1 for rid, recs in records.items() if rid not in answered
                      and any(rec.get("outcome") == "ok" for _, rec in recs))
    passed = not missing and not doubled and len(torn) <= len(kills)
    return passed, {
        "issued_but_not_answered_200": undelivered,
        "answered_200": len(ok),
        "audit_records": sum(len(v) for v in records.values()),
        "200_without_record": missing[:10],
        "200_with_two_records": doubled[:10],
        "partial_lines": len(torn),
        "kills": len(kills),
    }


def explain(record, faults):
    """Why `record` is not a 200, or None when nothing injected explains it."""
    status = record["status"]
    if status == 429 and record["kind"] == "heavy" and record.get("error") == "too_many_requests":
        return "rate limit"
    if status == 503 and not record.get("retry_after"):
        return None
    for f in faults:
        if status not in EXPECTED.get(f["kind"], ()):
            continue
        # A killed replica loses only the requests it held when it died: HAProxy sends
        # later ones to the others.
        end = f["dead"] if f["kind"] == "kill" else f["end"] + RECOVERY
        if overlaps(record, f["start"], end):
            return f
    return None


def failures_explained(results, faults, origin):
    """Every non-200 with its cause; per fault, how long after its end failures went on."""
    unexplained, by_cause, late, lost = [], {}, {}, []
    for r in results:
        if r["status"] == 200:
            continue
        cause = explain(r, faults)
        if cause is None:
            unexplained.append({k: r.get(k) for k in ("id", "kind", "status", "error", "retry_after")}
                               | {"at": round(r["start"] - origin, 2)})
        elif cause == "rate limit":
            by_cause[cause] = by_cause.get(cause, 0) + 1
        else:
            kind = cause["kind"]
            by_cause[kind] = by_cause.get(kind, 0) + 1
            after = round(max(0.0, r["start"] - cause["end"]), 2)
            late[kind] = max(late.get(kind, 0.0), after)
            if kind == "kill":
                lost.append({k: r.get(k) for k in ("id", "status", "error")})
    return not unexplained, {
        "by_cause": by_cause, "last_failure_began_after_fault_end_s": late,
        "recovery_allowed": RECOVERY, "lost_to_kills": lost,
        "unexplained": unexplained[:10], "unexplained_count": len(unexplained)}


def rate_limit(results, faults, per_minute, burst):
    heavy = [r for r in results if r["kind"] == "heavy"]
    lifted = [f for f in faults if f["kind"] == "redis_open"]
    counted = [r for r in heavy if r["status"] == 200
               and not any(overlaps(r, f["start"], f["end"] + RECOVERY) for f in lifted)]
    if not heavy:
        return False, {"heavy_requests": 0}
    span = max(r["end"] for r in heavy) - min(r["start"] for r in heavy)
    rate = per_minute / 60.0
    # The allowance, plus one refill interval for the edges of the window.
    allowed = burst + rate * span + 1
    return len(counted) <= allowed and len(counted) > 0, {
        "sent": len(heavy), "granted": len(counted), "allowed": round(allowed, 1),
        "seconds": round(span, 1),
        "granted_while_limit_lifted": sum(1 for r in heavy if r["status"] == 200) - len(counted)}


def single_flight(bursts):
    """Each burst: its records, the STS calls it caused, the replicas that audited it."""
    rows = []
    for b in bursts:
        statuses = sorted({r["status"] for r in b["records"]})
        rows.append({"requests": len(b["records"]), "statuses": statuses,
                     "sts_calls": b["calls"], "replicas": b["replicas"],
                     "same_credentials": len({r.get("key") for r in b["records"]}) == 1})
    passed = bool(rows) and all(
        row["sts_calls"] == 1 and row["statuses"] == [200] and row["same_credentials"]
        and row["replicas"] >= 2 for row in rows)
    return passed, rows


def resources(samples, fd_slack=2, rss_slack_kb=8192, rss_factor=1.25):
    """Per replica life that reached the end, first sample vs last: descriptors other than
    connections (from HAProxy, which follow the load, and to STS, a bounded pool) may not
    grow, and RSS may not grow beyond a margin for allocator caches."""
    rows, passed = [], True
    for name, (first, last) in samples.items():
        ok = (last["others"] <= first["others"] + fd_slack
              and last["rss_kb"] <= first["rss_kb"] * rss_factor + rss_slack_kb)
        passed &= ok
        rows.append({"replica": name, "ok": ok} | {
            k: [first[k], last[k]] for k in ("fds", "others", "from_clients", "to_sts", "rss_kb")})
    return passed, rows
