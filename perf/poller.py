#!/usr/bin/env python3
"""run-bench.sh's management poller: GET /metrics and POST MI get_statistics(["all"]) RATE times a second
each, for DURATION seconds (bounded), on fresh connections as a monitoring system would. Prints one JSON line
with what it did, at the end or on SIGTERM: {"metrics_ok":n,"mi_ok":n,"errors":n,"metrics_bytes":n,"seconds":s}.

    poller.py --url http://127.0.0.1:PORT --rate 100 --duration 15
"""
import signal

stopped = []
signal.signal(signal.SIGTERM, lambda *_: stopped.append(1))  # first: a stop during start-up still prints the summary

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True, help="httpd's base URL, e.g. http://127.0.0.1:8888")
    p.add_argument("--rate", type=float, default=100.0, help="polls of each kind per second")
    p.add_argument("--duration", type=float, required=True, help="seconds to poll (at most 3600)")
    a = p.parse_args()
    duration = min(max(a.duration, 0.0), 3600.0)
    body = json.dumps({"jsonrpc": "2.0", "method": "get_statistics", "params": [["all"]], "id": 1}).encode()
    done = {"metrics_ok": 0, "mi_ok": 0, "errors": 0, "metrics_bytes": 0}
    start = time.monotonic()
    step = 1.0 / a.rate
    tick = 0
    while not stopped:
        due = start + tick * step
        now = time.monotonic()
        if now - start >= duration:
            break
        if due > now:
            time.sleep(due - now)
        tick += 1
        try:
            with urllib.request.urlopen(a.url + "/metrics", timeout=2) as r:
                done["metrics_bytes"] += len(r.read())
                done["metrics_ok"] += 1
            req = urllib.request.Request(a.url + "/mi", data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=2) as r:
                if b'"result"' in r.read():
                    done["mi_ok"] += 1
                else:
                    done["errors"] += 1
        except Exception as e:  # a refused or slow answer is counted, the poll goes on
            done["errors"] += 1
            if done["errors"] <= 3:
                print(f"poller: {e}", file=sys.stderr)
    done["seconds"] = round(time.monotonic() - start, 2)
    print(json.dumps(done))


if __name__ == "__main__":
    main()
