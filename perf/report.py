#!/usr/bin/env python3
"""Turns the JSON lines of one run-bench.sh run into DATE.json and DATE.md (one markdown table),
and DATE.readme.md: the README's whole-server table, ready to paste.

usage: report.py RUNS.jsonl META.json OUT.json OUT.md [OUT.readme.md]
       report.py --readme RESULT.json      the README table again from a saved DATE.json
                                           (perf/readme-run.json is the run the README quotes)

Each line of RUNS.jsonl is either udpgen's JSON object (plus "system", "scenario_key" and "round"
added by run-bench.sh) or {"system":..,"scenario_key":..,"skipped":"why","round":..}. Ratios compare
only figures measured in this run, on this machine: absolute numbers move from one VM to the next.
With several rounds, a row shows its median round (and the range of ok/s over the rounds), a
ratio the median of the ratios measured in the same round.
"""
import json
import sys

HYPERPROXY = "Hyperproxy"
# the register scenario runs Hyperproxy once per location-store durability
HYPERPROXY_NONE = "Hyperproxy (durability none)"
HYPERPROXY_SYNC = "Hyperproxy (durability sync)"
KAMAILIO = "Kamailio 5.6"
ECHO = "C reflector (echo)"
SL200 = "C reflector (sl 200)"
DIRECT = "udpgen + responder, no proxy"
CALL_DIRECT = "udpgen caller + callee, no proxy"
# options-polled / options-traced: the options job with the management side loaded, polled, or traced to HEP
HP_MANAGED = "Hyperproxy (httpd loaded, not polled)"
HP_POLLED = "Hyperproxy (polled 100/s)"
HP_TRACED = "Hyperproxy (trace() to HEP)"
BUSY_WARN = 10  # % of a CPU busy with someone else's work just before a run
FOREIGN_WARN = 25  # % of the server's CPU used by something else than the server during a run
SERVER_CPU = 0


def is_hold(r):
    return r.get("scenario") == "call" and (r.get("hold_target") or 0) > 0


def is_idle(r):
    """streamgen's idle scenario: connections held silent, no load (nothing saturates by design)."""
    return (r.get("idle_target") or 0) > 0


def ok_count(r):
    """Replies that did the job: echo or 2xx; for forward, 2xx that came from the responder; for call,
    calls whose BYE got its 2xx (stateful-hold: calls held, their 180 received)."""
    if r.get("scenario") == "forward":  # udpgen's scenario: forward and rr-forward rows
        return r.get("via_responder", 0)
    if is_hold(r):
        return r.get("held", 0)
    if is_idle(r):
        return r.get("pongs", 0)
    bc = r.get("by_class", {})
    return bc.get("echo", 0) + bc.get("2xx", 0)


def ok_rate(r):
    secs = r.get("duration_s") or 0
    return ok_count(r) / secs if secs > 0 else 0.0


def fmt_int(v):
    return f"{v:,.0f}".replace(",", " ")


def fmt(v, digits=0):
    if v is None:
        return "–"
    return f"{v:.{digits}f}"


def note(r):
    parts = []
    bc = r.get("by_class", {})
    for k in ("1xx", "3xx", "4xx", "5xx", "6xx"):
        if bc.get(k):
            parts.append(f"{k} {bc[k]}")
    if r.get("scenario") == "forward" and bc.get("2xx", 0) > r.get("via_responder", 0):
        parts.append(f"2xx not from responder {bc['2xx'] - r.get('via_responder', 0)}")
    for k in ("timeouts", "unanswered_at_end", "late", "unmatched", "send_errors"):
        if r.get(k):
            parts.append(f"{k} {r[k]}")
    if contaminated(r):
        parts.append(f"**{contaminated(r)}**")
    return ", ".join(parts)


def contaminated(r):
    """Why this row's figure is likely low because other processes used the CPUs, or ""."""
    bg = r.get("background_busy_pct") or {}
    if max(bg.values(), default=0) >= BUSY_WARN:
        return f"other load before start: CPU0 {bg.get('server_cpu')}%, CPU1 {bg.get('gen_cpu')}%"
    srv, gen = r.get("server_cpu_pct"), r.get("gen_busy_pct")
    # A durable row (its server logged WAL figures) waits on the disk by design: neither side saturates.
    if not r.get("rate_target") and not r.get("wal") and not is_hold(r) and not is_idle(r) and srv is not None and gen is not None and srv < 85 and gen < 85:
        # closed loop: one side should be saturated; neither means the CPUs went elsewhere
        return f"neither side saturated (server {srv:.0f}%, generator {gen:.0f}%): other processes used the CPUs"
    busy = r.get("cpu_busy_pct") or []
    if srv is not None and len(busy) > SERVER_CPU and busy[SERVER_CPU] - srv > FOREIGN_WARN:
        return f"CPU{SERVER_CPU} {busy[SERVER_CPU]:.0f}% busy while the server used {srv:.0f}%: other processes shared it"
    return ""



def load(r):
    if r.get("transport") in ("tcp", "tls"):  # streamgen
        if is_idle(r):
            return f"{fmt_int(r.get('idle_target', 0))} idle"
        if r.get("scenario") == "handshake":
            return f"{r.get('connections')} sessions at once"
        return f"{r.get('connections')} conns x window {r.get('window')}"
    if r.get("rate_target"):
        return f"open {fmt_int(r['rate_target'])}/s"
    return f"window {r.get('window')}"


def median_run(rounds):
    """The round with the median ok/s (the lower one of two middles), or None."""
    if not rounds:
        return None
    ordered = sorted(rounds, key=ok_rate)
    return ordered[(len(ordered) - 1) // 2]


def ratio(a, b):
    """a / b over the rounds both measured: the median ratio (with the range when there are several)."""
    if not a or not b:
        return "–"
    by_round = {r.get("round", 1): r for r in b}
    pairs = [(x, by_round[x.get("round", 1)]) for x in a if x.get("round", 1) in by_round]
    values = sorted(ok_rate(x) / ok_rate(y) for x, y in pairs if ok_rate(y) > 0)
    if not values:
        return "–"
    mark = " (flagged row)" if any(contaminated(x) or contaminated(y) for x, y in pairs) else ""
    mid = values[(len(values) - 1) // 2]
    spread = f" ({values[0]:.2f}–{values[-1]:.2f})" if len(values) > 1 else ""
    return f"{mid:.2f}x{spread}{mark}"


def find(runs, system, scenario):
    """Every measured round of one row (an empty list when none)."""
    return [r for r in runs if r.get("system") == system and r.get("scenario_key") == scenario and "skipped" not in r]


def sync_table(runs):
    """register-sync: per window, each Hyperproxy pinning against Kamailio, with the server's WAL figures."""
    keys = []
    for r in runs:
        k = r.get("scenario_key", "")
        if k.startswith("register-sync") and k not in keys:
            keys.append(k)
    if not keys:
        return []
    out = ["", "Durable REGISTER (--durability sync: a 200 OK only once the binding is on disk), udpgen spinning on its CPU; "
           "WAL figures are the server's own (one write + fdatasync per batch; wait = from parking a 200 OK to its release):", "",
           "| in flight | system | ok/s | / Kamailio | client p99 µs | WAL commit p50 / p99 µs | parked wait p50 / p99 / max µs | deferred | notes |",
           "|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for k in keys:
        kam = find(runs, KAMAILIO, k)
        systems = []
        for r in runs:
            if r.get("scenario_key") == k and r["system"] not in systems:
                systems.append(r["system"])
        for system in systems:
            measured = find(runs, system, k)
            r = median_run(measured)
            window = k.split("w")[-1]
            if r is None:
                why = next(x["skipped"] for x in runs if x["system"] == system and x["scenario_key"] == k)
                out.append(f"| {window} | {system} | | | | | | | skipped: {why} |")
                continue
            w = r.get("wal") or {}
            commit = f"{w['commit_p50_us']} / {w['commit_p99_us']}" if w else ""
            wait = f"{w['wait_p50_us']} / {w['wait_p99_us']} / {w['wait_max_us']}" if w else ""
            vs = ratio(measured, kam) if system != KAMAILIO else ""
            out.append(f"| {window} | {system} | {fmt_int(ok_rate(r))} | {vs} | {fmt(r.get('p99_us'))} | {commit} | {wait} | "
                       f"{w.get('deferred', '')} | {note(r)} |")
    return out


def figure(measured, label=""):
    """One README cell: the median round's ok/s, with the range over the rounds when there are several
    (so every figure of a multi-round run has its range, and none of a single-round run has one)."""
    r = median_run(measured)
    if r is None:
        return "–"
    text = f"{fmt_int(ok_rate(r))}/s" + (f" {label}" if label else "")
    if len(measured) > 1:
        rates = sorted(ok_rate(x) for x in measured)
        text += f" ({fmt_int(rates[0])}–{fmt_int(rates[-1])})"
    if any(contaminated(x) for x in measured):
        text += " †"
    return text


def bold(cell):
    return cell if cell == "–" else f"**{cell}**"


def held_kb(r, field):
    return (r.get(f"server_{field}_kb_end") or 0) - (r.get(f"server_{field}_kb_start") or 0)


def stateful_table(runs):
    """stateful-call (whole calls through t_relay), stateless-call (the same calls through forward()) and
    stateful-hold (memory of calls held in flight), or []."""
    calls = {s: find(runs, s, "stateful-call") for s in (HYPERPROXY, KAMAILIO, CALL_DIRECT)}
    stateless = {s: find(runs, s, "stateless-call") for s in (HYPERPROXY, KAMAILIO)}
    hold_keys = []
    for r in runs:
        k = r.get("scenario_key", "")
        if k.startswith("stateful-hold") and k not in hold_keys:
            hold_keys.append(k)
    if not any(calls.values()) and not any(stateless.values()) and not hold_keys:
        return []
    out = ["", "Stateful proxying (tm `t_relay()` with `record_route()`): a call is INVITE/100/180/200/ACK/BYE/200, "
           "udpgen being caller and callee; the proxy receives 6 and sends 7 datagrams per call. "
           "stateless-call is the very same calls through `record_route()` + `forward()` (6 in, 6 out, no 100): "
           "\"stateful / own stateless\" is stateful-call calls/s over stateless-call calls/s of the same system "
           "and round, the cost of tm alone (the issue's target for Hyperproxy: ≥ 0.60).", "",
           "| system | scenario | calls/s | / Kamailio | stateful / own stateless | call p50 / p99 µs | notes |",
           "|---|---|---:|---:|---:|---:|---|"]
    rows = [(CALL_DIRECT, "stateful-call", calls[CALL_DIRECT], calls[KAMAILIO]),
            (HYPERPROXY, "stateful-call", calls[HYPERPROXY], calls[KAMAILIO]),
            (HYPERPROXY, "stateless-call", stateless[HYPERPROXY], stateless[KAMAILIO]),
            (KAMAILIO, "stateful-call", calls[KAMAILIO], None),
            (KAMAILIO, "stateless-call", stateless[KAMAILIO], None)]
    for system, scenario, measured, kam in rows:
        if not measured:
            why = next((x["skipped"] for x in runs if x["system"] == system and x["scenario_key"] == scenario), None)
            if why:
                out.append(f"| {system} | {scenario} | | | | | skipped: {why} |")
            continue
        r = median_run(measured)
        vs = ratio(measured, kam) if system == HYPERPROXY else ""
        own = ratio(measured, stateless[system]) if scenario == "stateful-call" and system in stateless else ""
        out.append(f"| {system} | {scenario} | {figure(measured)} | {vs} | {own} | {fmt(r.get('p50_us'))} / {fmt(r.get('p99_us'))} | {note(r)} |")
    for k in hold_keys:
        out += ["", f"Calls held in flight (`{k}`: the callee answers 180 and holds; memory of every server process, "
                "before the first call and 1 s after the last 180; PSS counts shared memory once):", "",
                "| system | held | held/s | RSS before → after MiB | PSS before → after MiB | PSS per held call | notes |",
                "|---|---:|---:|---:|---:|---:|---|"]
        for system in (HYPERPROXY, KAMAILIO):
            measured = find(runs, system, k)
            r = median_run(measured)
            if r is None:
                why = next((x["skipped"] for x in runs if x["system"] == system and x["scenario_key"] == k), None)
                if why:
                    out.append(f"| {system} | | | | | | skipped: {why} |")
                continue
            held = r.get("held", 0)
            per = f"{held_kb(r, 'pss') * 1024 / held:,.0f} B".replace(",", " ") if held else "–"
            mib = lambda v: f"{(v or 0) / 1024:.0f}"
            out.append(f"| {system} | {fmt_int(held)} of {fmt_int(r.get('hold_target', 0))} | {fmt_int(ok_rate(r))} | "
                       f"{mib(r.get('server_rss_kb_start'))} → {mib(r.get('server_rss_kb_end'))} | "
                       f"{mib(r.get('server_pss_kb_start'))} → {mib(r.get('server_pss_kb_end'))} | {per} | {note(r)} |")
    return out


def overload_table(runs):
    """stateful-overload: closed-loop capacity, then open loop at 3x it (goodput, retransmissions, RSS), or []."""
    closed = find(runs, "Hyperproxy closed loop (capacity)", "stateful-overload")
    opened = find(runs, "Hyperproxy open loop 3x capacity", "stateful-overload")
    if not closed and not opened:
        return []
    out = ["", "Overload (`stateful-overload`): the stateful-call job closed loop (its calls/s is the capacity), then open "
           "loop offering 3x that. Goodput = calls whose BYE got its 2xx per second; retransmissions = the proxy's Timer A/E "
           "copies udpgen's callee saw; late = replies after their call had ended at udpgen; RSS of the server before the "
           "first call and at the end (target: goodput ≥ capacity, memory bounded).", "",
           "| row | offered calls/s | goodput calls/s | goodput / capacity | 5xx | timeouts | retransmissions | late | RSS start → end MiB | notes |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    cap = median_run(closed)
    for label, measured in (("closed loop (capacity)", closed), ("open loop 3x capacity", opened)):
        r = median_run(measured)
        if r is None:
            why = next((x["skipped"] for x in runs if x.get("scenario_key") == "stateful-overload" and "skipped" in x
                        and label in x["system"]), None)
            if why:
                out.append(f"| {label} | | | | | | | | | skipped: {why} |")
            continue
        offered = fmt_int(r.get("rate_target")) if r.get("rate_target") else "closed loop"
        vs = f"{ok_rate(r) / ok_rate(cap):.2f}" if cap is not None and ok_rate(cap) > 0 else ""
        mib = lambda v: f"{(v or 0) / 1024:.0f}"
        bc = r.get("by_class", {})
        out.append(f"| {label} | {offered} | {fmt_int(ok_rate(r))} | {vs} | {fmt_int(bc.get('5xx', 0))} | "
                   f"{fmt_int(r.get('timeouts', 0))} | {fmt_int(r.get('responder_retrans', 0))} | {fmt_int(r.get('late', 0))} | "
                   f"{mib(r.get('server_rss_kb_start'))} → {mib(r.get('server_rss_kb_end'))} | {note(r)} |")
    return out


def dispatch_table(runs):
    """dispatch (whole calls through ds_select_dst + t_relay), or []."""
    calls = {s: find(runs, s, "dispatch") for s in (HYPERPROXY, KAMAILIO)}
    skipped = [x for x in runs if x.get("scenario_key") == "dispatch" and "skipped" in x]
    if not any(calls.values()) and not skipped:
        return []
    out = ["", "Load balancing (dispatcher `ds_select_dst(1, 4, \"f\")` round-robin with a failover list, then tm "
           "`t_relay()`): the stateful-call flow with the next hop chosen from the dispatcher table.", "",
           "| system | calls/s | / Kamailio | calls/s vs own stateful-call | call p50 / p99 µs | notes |",
           "|---|---:|---:|---:|---:|---|"]
    for system in (HYPERPROXY, KAMAILIO):
        measured = calls[system]
        if not measured:
            why = next((x["skipped"] for x in skipped if x["system"] == system), None)
            if why:
                out.append(f"| {system} | | | | | skipped: {why} |")
            continue
        r = median_run(measured)
        vs = ratio(measured, calls[KAMAILIO]) if system == HYPERPROXY else ""
        own = ratio(measured, find(runs, system, "stateful-call"))
        out.append(f"| {system} | {figure(measured)} | {vs} | {own} | {fmt(r.get('p50_us'))} / {fmt(r.get('p99_us'))} | {note(r)} |")
    return out


def management_table(runs):
    """options-polled and options-traced against the plain options row of the same run, or []."""
    rows = [(HP_MANAGED, "options-polled"), (HP_POLLED, "options-polled"), (HP_TRACED, "options-traced")]
    if not any(r.get("scenario_key") in ("options-polled", "options-traced") for r in runs):
        return []
    plain = find(runs, HYPERPROXY, "options")
    managed = find(runs, HP_MANAGED, "options-polled")
    out = ["", "Management and tracing cost (OPTIONS answered 200, same run): httpd + mi_http + prometheus loaded; the same "
           "while perf/poller.py fetches /metrics and MI get_statistics(all) 100 times a second each; trace(\"tid\", \"t\") "
           "on every request, request and reply as HEPv3 to a UDP sink. Targets: polled ≥ 0.97x, traced ≥ 0.85x of plain.", "",
           "| system | ok/s | / plain options | / httpd loaded, not polled | notes |", "|---|---:|---:|---:|---|"]
    for system, key in rows:
        measured = find(runs, system, key)
        if not measured:
            why = next((x["skipped"] for x in runs if x["system"] == system and x["scenario_key"] == key), None)
            if why:
                out.append(f"| {system} | | | | skipped: {why} |")
            continue
        r = median_run(measured)
        extra = []
        p = r.get("poller")
        if p:
            secs = p.get("seconds") or 0
            extra.append(f"polls: {p.get('metrics_ok', 0)} /metrics + {p.get('mi_ok', 0)} MI in {secs} s, "
                         f"{p.get('errors', 0)} errors, {p.get('metrics_bytes', 0) // max(1, p.get('metrics_ok', 0))} B per /metrics")
        h = r.get("hep_sink")
        if h:
            extra.append(f"HEP sink: {h.get('drops', 0)} packets dropped by the kernel, {h.get('queued_bytes', 0)} B queued")
        n = note(r)
        if n:
            extra.append(n)
        vs_managed = ratio(measured, managed) if system == HP_POLLED else ""
        out.append(f"| {system} | {figure(measured)} | {ratio(measured, plain)} | {vs_managed} | {'; '.join(extra)} |")
    return out


STREAM_KEYS = ("tcp-options", "tls-options", "tls-handshakes")


def streams_table(runs):
    """tcp-options, tls-options, tls-handshakes (streamgen against each system) and tcp-idle, or []."""
    rows = {k: {s: find(runs, s, k) for s in (ECHO, SL200, HYPERPROXY, KAMAILIO)} for k in STREAM_KEYS}
    idle = find(runs, HYPERPROXY, "tcp-idle")
    skipped = [x for x in runs if "skipped" in x and x.get("scenario_key") in STREAM_KEYS + ("tcp-idle", "tcp-latency")]
    latency_rows = any(find(runs, s, "tcp-latency") for s in (SL200, HYPERPROXY, KAMAILIO))
    if not any(m for k in STREAM_KEYS for m in rows[k].values()) and not idle and not skipped and not latency_rows:
        return []
    some = next((median_run(m) for k in STREAM_KEYS for m in rows[k].values() if m), None)
    how = (f"{some.get('connections')} persistent connections x {some.get('window')} pipelined OPTIONS"
           if some is not None and some.get("scenario") == "options" else "persistent connections, pipelined OPTIONS")
    hs = median_run(next((m for m in rows["tls-handshakes"].values() if m), []))
    hs_how = f"{hs.get('connections')} at once" if hs is not None else "in parallel"
    out = ["", f"SIP over TCP and TLS, driven by `native/build/streamgen` ({how}; replies cut by Content-Length; "
           f"TLS 1.3 with an EC P-256 certificate). Handshakes: connect, full TLS handshake (no resumption), one OPTIONS, "
           f"close, {hs_how}; the figure is sessions/s.", "",
           "| system | TCP OPTIONS→200 | TLS OPTIONS→200 | TLS handshakes/s | handshake p50 / p99 µs | notes |",
           "|---|---:|---:|---:|---:|---|"]
    names = {ECHO: "C stream reflector (echo)", SL200: "C stream reflector (sl 200)", HYPERPROXY: "**Hyperproxy**, 1 worker",
             KAMAILIO: "Kamailio 5.6, tcp_children=1"}
    for system in (ECHO, SL200, HYPERPROXY, KAMAILIO):
        cells, notes = [], []
        for k in STREAM_KEYS:
            measured = rows[k][system]
            cell = figure(measured)
            if system == HYPERPROXY:
                cell = bold(cell)
            if not measured:
                why = next((x["skipped"] for x in skipped if x["system"] == system and x["scenario_key"] == k), None)
                if why:
                    notes.append(f"{k} skipped: {why}")
            elif note(median_run(measured)):
                notes.append(f"{k}: {note(median_run(measured))}")
            cells.append(cell)
        h = median_run(rows["tls-handshakes"][system])
        lat = f"{fmt(h.get('handshake_p50_us'))} / {fmt(h.get('handshake_p99_us'))}" if h is not None else "–"
        if all(c in ("–", "**–**") for c in cells) and not notes:
            continue
        out.append(f"| {names[system]} | {' | '.join(cells)} | {lat} | {'; '.join(notes)} |")
    ratios = [bold(ratio(rows[k][HYPERPROXY], rows[k][KAMAILIO])) for k in STREAM_KEYS]
    out.append(f"| **Hyperproxy / Kamailio** | {' | '.join(ratios)} | | |")
    out.append(f"| Hyperproxy / C reflector (sl 200) | {' | '.join(ratio(rows[k][HYPERPROXY], rows[k][SL200]) for k in STREAM_KEYS)} | | |")
    lat = {s: median_run(find(runs, s, "tcp-latency")) for s in (SL200, HYPERPROXY, KAMAILIO)}
    if any(r is not None for r in lat.values()):
        out += ["", "One request at a time (`tcp-latency`): one TCP connection, one OPTIONS in flight, the generator "
                "sleeping between replies (Hyperproxy also listens on UDP, so its idle worker waits in the UDP poll and "
                "is woken by the connection's reader):", "",
                "| system | round trips/s | p50 µs | p99 µs | notes |", "|---|---:|---:|---:|---|"]
        for system in (SL200, HYPERPROXY, KAMAILIO):
            r = lat[system]
            if r is not None:
                out.append(f"| {names[system]} | {fmt(r.get('rate'))} | {fmt(r.get('p50_us'))} | {fmt(r.get('p99_us'))} | {note(r)} |")
    idle_skip = next((x["skipped"] for x in skipped if x.get("scenario_key") == "tcp-idle"), None)
    if idle or idle_skip:
        out += ["", "Idle TCP connections (`tcp-idle`): opened from 250 per 127.0.0.x source address after a warm-up wave "
                "of 1000, the server's memory read before and after; RFC 5626 CRLFCRLF pings on a sample, each "
                "answered by a CRLF pong:", "",
                "| system | connections held | opened in | RSS before → after MiB | RSS per connection | PSS per connection | "
                "pongs / pings | closed by the server | notes |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        r = median_run(idle)
        if r is None:
            out.append(f"| Hyperproxy | | | | | | | | skipped: {idle_skip} |")
        else:
            mib = lambda v: f"{(v or 0) / 1024:.0f}"
            held = f"{fmt_int(r.get('idle_open', 0))} of {fmt_int(r.get('idle_target', 0))}"
            out.append(f"| Hyperproxy | {held} | {r.get('idle_open_s', 0):.1f} s | "
                       f"{mib(r.get('server_rss_kb_start'))} → {mib(r.get('server_rss_kb_end'))} | "
                       f"{fmt_int(r.get('rss_per_conn_bytes', 0))} B | {fmt_int(r.get('pss_per_conn_bytes', 0))} B | "
                       f"{r.get('pongs', 0)} / {r.get('pings', 0)} | {r.get('closed_by_peer', 0)} | {note(r)} |")
    return out


def security_table(runs):
    """register-auth (Hyperproxy / Kamailio) and flood (the second source's answered share, each proxy with pike)."""
    out = []
    hp = find(runs, HYPERPROXY, "register-auth")
    kam_ht, kam_db = find(runs, "Kamailio 5.6 (htable)", "register-auth"), find(runs, "Kamailio 5.6 (auth_db, db_text)", "register-auth")
    if hp or kam_ht or kam_db:
        out.append("")
        out.append("| register-auth (401 + authorized REGISTER per unit) | pairs/s | 401s answered | p50 µs | p99 µs |")
        out.append("|---|---:|---:|---:|---:|")
        for label, measured in (("Hyperproxy (auth_db, db_text)", hp), ("Kamailio 5.6 (htable)", kam_ht),
                                ("Kamailio 5.6 (auth_db, db_text)", kam_db)):
            r = median_run(measured)
            if r is not None:
                out.append(f"| {label} | {fmt_int(ok_rate(r))} | {fmt_int(r.get('challenges', 0))} | "
                           f"{fmt(r.get('p50_us'))} | {fmt(r.get('p99_us'))} |")
        out.append(f"| Hyperproxy / Kamailio htable | {ratio(hp, kam_ht)} | | | |")
        out.append(f"| Hyperproxy / Kamailio auth_db db_text | {ratio(hp, kam_db)} | | | |")
    rows = [(label, median_run(find(runs, label, "flood"))) for label in ("Hyperproxy (pike)", "Kamailio 5.6 (pike)")]
    if any(r is not None for _, r in rows):
        out.append("")
        out.append("| flood (one source at full rate, a second at 1% of it) | flooder sent/s | flooder answered/s | "
                   "second source sent | second answered % | second 2xx |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for label, r in rows:
            if r is None:
                continue
            secs = r.get("duration_s") or 0
            sent_rate = (r.get("sent", 0) - r.get("second_sent", 0)) / secs if secs else 0
            out.append(f"| {label} | {fmt_int(sent_rate)} | {fmt_int(ok_rate(r))} | {fmt_int(r.get('second_sent', 0))} | "
                       f"{fmt(r.get('second_answer_pct'), 2)} | {fmt_int(r.get('second_ok', 0))} |")
    return out


def readme_table(meta, runs):
    """The README's whole-server table: one column per scenario, a cell only where that system ran that
    scenario in this run (the generator-alone ceiling was measured for forward only, so rr-forward has none)."""
    m = meta
    rounds = m.get("rounds", 1)
    out = []
    how = (f"`./run-bench.sh {'--quick ' if m.get('mode') == 'quick' else ''}"
           f"{'--rounds ' + str(rounds) + ' ' if rounds > 1 else ''}`").replace(" `", "`")
    out.append(f"Run {m['date']} ({how}; raw results in `perf/readme-run.json`, this table from "
               f"`python3 perf/report.py --readme perf/readme-run.json`): {m['cpu_model']}, {m['cpus']} CPUs, "
               f"kernel {m['kernel']}, {(m.get('kamailio_version') or 'Kamailio').replace('version: ', '').strip()}. Server pinned to CPU {m['server_cpu']}, "
               f"the batched C generator `native/build/udpgen` (and its responder) to CPU {m['gen_cpu']}, closed loop "
               f"with {m['window']} requests in flight, {m['warmup_s']} s warm-up (register {m['register_warmup_s']} s), "
               f"{m['duration_s']} s measured.")
    if rounds > 1:
        out.append(f"The whole sequence ran {rounds} times, systems interleaved: each figure is the median round "
                   f"with the range over the rounds; each ratio is the median of the same-round ratios, with their range.")
    else:
        out.append("One round: single measurements, no ranges.")
    out.append("")
    keys = ("options", "forward", "rr-forward", "register")
    hp = {s: find(runs, HYPERPROXY, s) for s in keys}
    hp_none = find(runs, HYPERPROXY_NONE, "register") or hp["register"]
    hp_sync = find(runs, HYPERPROXY_SYNC, "register")
    kam = {s: find(runs, KAMAILIO, s) for s in keys}
    echo = find(runs, ECHO, "options")
    sl = find(runs, SL200, "options")
    sl_reg = find(runs, SL200, "register")
    direct = find(runs, DIRECT, "forward")

    def join(*cells):
        return ", ".join(c for c in cells if c != "–") or "–"

    out.append("| system | OPTIONS→200 | stateless forward | record_route + forward | REGISTER with Path, "
               f"{fmt_int(m.get('register_users', 100000)).replace(' 000', 'k')} users |")
    out.append("|---|---:|---:|---:|---:|")
    out.append(f"| C reflector (kernel UDP limit) | {join(figure(echo, 'echo'), figure(sl, 'sl 200'))} | – | – | "
               f"{figure(sl_reg, 'sl 200')} |")
    out.append(f"| udpgen + responder alone (no proxy) | – | {figure(direct)} | – | – |")
    out.append(f"| **Hyperproxy**, 1 worker | {bold(figure(hp['options']))} | {bold(figure(hp['forward']))} | "
               f"{bold(figure(hp['rr-forward']))} | {join(bold(figure(hp_none, 'none')), bold(figure(hp_sync, 'sync')))} |")
    out.append(f"| Kamailio 5.6, children=1 | {figure(kam['options'])} | {figure(kam['forward'])} | "
               f"{figure(kam['rr-forward'])} | {figure(kam['register'], 'in-memory usrloc')} |")
    out.append(f"| **Hyperproxy / Kamailio** | {bold(ratio(hp['options'], kam['options']))} | "
               f"{bold(ratio(hp['forward'], kam['forward']))} | {bold(ratio(hp['rr-forward'], kam['rr-forward']))} | "
               f"{join(bold(ratio(hp_none, kam['register'])) + ' none', bold(ratio(hp_sync, kam['register'])) + ' sync')} |")
    out.append(f"| Hyperproxy / C reflector | {join(ratio(hp['options'], echo) + ' echo', ratio(hp['options'], sl) + ' sl 200')} "
               f"| – | – | {ratio(hp_none, sl_reg)} (none, vs sl 200) |")
    out.append("")
    if any(contaminated(r) for r in runs if "skipped" not in r):
        out.append("† measured while other processes used the CPUs (see the full report's notes): understates the system.")
        out.append("")
    sync = sync_table(runs)
    if sync:
        out.extend(sync[1:])
        out.append("")
    stateful = stateful_table(runs)
    if stateful:
        out.extend(stateful[1:])
        out.append("")
    dispatch = dispatch_table(runs)
    if dispatch:
        out.extend(dispatch[1:])
        out.append("")
    streams = streams_table(runs)
    if streams:
        out.extend(streams[1:])
        out.append("")
    return "\n".join(out).replace("– none", "–").replace("– sync", "–").replace(" (flagged row)", " †") + "\n"


def readme_only(result_path):
    with open(result_path) as f:
        saved = json.load(f)
    global SERVER_CPU
    SERVER_CPU = saved["meta"].get("server_cpu", 0)
    sys.stdout.write(readme_table(saved["meta"], saved["runs"]))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--readme":
        readme_only(sys.argv[2])
        return
    runs_path, meta_path, out_json, out_md = sys.argv[1:5]
    out_readme = sys.argv[5] if len(sys.argv) > 5 else None
    runs = []
    with open(runs_path) as f:
        for line in f:
            line = line.strip()
            if line:
                runs.append(json.loads(line))
    with open(meta_path) as f:
        meta = json.load(f)
    global SERVER_CPU
    SERVER_CPU = meta.get("server_cpu", 0)
    with open(out_json, "w") as f:
        json.dump({"meta": meta, "runs": runs}, f, indent=1)

    out = []
    m = meta
    out.append(f"## run-bench {m['date']} ({m['mode']})")
    out.append("")
    out.append(f"{m['cpu_model']}, {m['cpus']} CPUs, kernel {m['kernel']}. Server pinned to CPU {m['server_cpu']} "
               f"(all its processes/threads), udpgen (and its built-in responder) to CPU {m['gen_cpu']}. "
               f"{m['warmup_s']} s warm-up (register: {m['register_warmup_s']} s) then {m['duration_s']} s measured, "
               f"closed loop window {m['window']}, batch 64, loopback UDP.")
    out.append("")
    rounds = m.get("rounds", 1)
    if rounds > 1:
        out.append(f"{rounds} rounds, systems interleaved in each; a row shows its median round and the range "
                   "of ok/s over the rounds, a ratio the median of same-round ratios (and their range).")
        out.append("")
    noisy = [r for r in runs if "skipped" not in r and contaminated(r)]
    if noisy:
        out.append(f"**Warning: {len(noisy)} of {len(runs)} runs shared the CPUs with other processes "
                   f"(flagged in notes): those figures, and ratios built on them, understate the systems. "
                   f"Run again on a quiet machine.**")
        out.append("")
    out.append("| system | scenario | load | ok/s | ok % | p50 µs | p99 µs | p99.9 µs | server CPU % | gen busy % | notes |")
    out.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    rows = []
    for r in runs:
        if (r["system"], r["scenario_key"]) not in rows:
            rows.append((r["system"], r["scenario_key"]))
    for system, key in rows:
        measured = find(runs, system, key)
        r = median_run(measured)
        if r is None:
            why = next(x["skipped"] for x in runs if x["system"] == system and x["scenario_key"] == key)
            out.append(f"| {system} | {key} | | | | | | | | | skipped: {why} |")
            continue
        rec = r.get("received", 0)
        okp = 100.0 * ok_count(r) / rec if rec else 0.0
        notes = note(r)
        if len(measured) > 1:
            rates = sorted(ok_rate(x) for x in measured)
            span = f"median of {len(measured)} rounds, {fmt_int(rates[0])}–{fmt_int(rates[-1])}/s"
            notes = span + (", " + notes if notes else "")
        out.append(
            f"| {system} | {key} | {load(r)} | {fmt_int(ok_rate(r))} | {okp:.1f} | "
            f"{fmt(r.get('p50_us'))} | {fmt(r.get('p99_us'))} | {fmt(r.get('p999_us'))} | "
            f"{fmt(r.get('server_cpu_pct'))} | {fmt(r.get('gen_busy_pct'))} | {notes} |")
    out.append("")
    out.append("| ratio (ok/s, same run) | options | forward | rr-forward | register |")
    out.append("|---|---:|---:|---:|---:|")
    keys = ("options", "forward", "rr-forward", "register")
    hp = {s: find(runs, HYPERPROXY, s) for s in keys}
    hp["register"] = find(runs, HYPERPROXY_NONE, "register") or hp["register"]
    hp_sync = find(runs, HYPERPROXY_SYNC, "register")
    kam = {s: find(runs, KAMAILIO, s) for s in keys}
    out.append(f"| Hyperproxy / Kamailio (register: durability none) | {ratio(hp['options'], kam['options'])} | "
               f"{ratio(hp['forward'], kam['forward'])} | {ratio(hp['rr-forward'], kam['rr-forward'])} | "
               f"{ratio(hp['register'], kam['register'])} |")
    out.append(f"| Hyperproxy durability sync / Kamailio (in-memory usrloc) | | | | {ratio(hp_sync, kam['register'])} |")
    echo = find(runs, ECHO, "options")
    sl = find(runs, SL200, "options")
    out.append(f"| Hyperproxy / C reflector echo (physical limit) | {ratio(hp['options'], echo)} | | | |")
    out.append(f"| Hyperproxy / C reflector sl 200 (register: durability none) | {ratio(hp['options'], sl)} | | | "
               f"{ratio(hp['register'], find(runs, SL200, 'register'))} |")
    out.append(f"| Kamailio / C reflector echo | {ratio(kam['options'], echo)} | | | |")
    out.append("")
    ceil = []
    for label, measured in (("options", echo), ("register", find(runs, SL200, "register")), ("forward", find(runs, DIRECT, "forward"))):
        r = median_run(measured)
        if r is not None:
            ceil.append(f"{label} {fmt_int(ok_rate(r))}/s (gen busy {fmt(r.get('gen_busy_pct'))} %, "
                        f"server CPU {fmt(r.get('server_cpu_pct'))} %)")
    out.append("Generator ceiling (udpgen against the C reflector; forward and rr-forward: udpgen and its responder alone on "
               f"CPU {m['gen_cpu']}, no proxy): " + ("; ".join(ceil) if ceil else "not measured") + ".")
    out.append("A system whose ok/s comes near that ceiling is measuring the generator, not itself.")
    out.append("ok/s counts replies that did the job (echo or 2xx; forward, rr-forward: 2xx that came from the responder) "
               "per measured second; in forward every request crosses the proxy twice (request and reply), "
               "so the proxy handles 2x ok/s datagrams in and 2x out. Latency in closed loop is mostly "
               "queueing (window / rate); the open-loop rows show latency at a fixed load.")
    out.extend(sync_table(runs))
    calls_ceiling = median_run(find(runs, CALL_DIRECT, "stateful-call"))
    if calls_ceiling is not None:
        out.append("")
        out.append(f"stateful-call generator ceiling (udpgen's caller and callee alone on CPU {m['gen_cpu']}, no proxy): "
                   f"{fmt_int(ok_rate(calls_ceiling))} calls/s (gen busy {fmt(calls_ceiling.get('gen_busy_pct'))} %).")
    out.extend(stateful_table(runs))
    out.extend(overload_table(runs))
    out.extend(dispatch_table(runs))
    out.extend(management_table(runs))
    out.extend(streams_table(runs))
    out.extend(security_table(runs))
    text = "\n".join(out) + "\n"
    with open(out_md, "w") as f:
        f.write(text)
    sys.stdout.write(text)
    if out_readme:
        with open(out_readme, "w") as f:
            f.write(readme_table(meta, runs))


if __name__ == "__main__":
    main()
