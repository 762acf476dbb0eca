#!/usr/bin/env python3
"""How long `flink-sql shell` takes to show its prompt on a terminal (bench/run.sh).

  shell_prompt.py FLINK_SQL GATEWAY_URL [N]

Each of N rounds (after one warm-up): (1) one session round trip, measured from here: a
POST /v1/sessions on a new connection until its answer (the session is then deleted, not timed);
(2) `FLINK_SQL shell --gateway GATEWAY_URL` started on a new pseudo-terminal (HOME in a temporary
directory, so an empty history), timed from just before the fork to the moment the prompt's
`> ` reaches the terminal; then `\\q` ends it. Prints
`rounds=N prompt_median_ms=… session_median_ms=… own_median_ms=… own_p90_ms=…`, own = prompt
minus the session round trip of the same round.
"""
import http.client
import json
import os
import pty
import select
import sys
import tempfile
import time
import urllib.parse


def session_round_trip(gateway):
    u = urllib.parse.urlparse(gateway)
    body = json.dumps({"sessionName": "bench-rtt", "properties": {}})
    t0 = time.perf_counter()
    c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
    c.request("POST", "/v1/sessions", body, {"Content-Type": "application/json"})
    answer = c.getresponse().read()
    took = time.perf_counter() - t0
    c.close()
    handle = json.loads(answer)["sessionHandle"]
    c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
    c.request("DELETE", "/v1/sessions/" + handle)
    c.getresponse().read()
    c.close()
    return took


def prompt_time(flink_sql, gateway, home):
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["HOME"] = home
        os.environ["TERM"] = "xterm"
        os.execv(flink_sql, [flink_sql, "shell", "--gateway", gateway])
    seen = b""
    took = None
    deadline = t0 + 30
    while time.perf_counter() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if not r:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        # Answer a cursor-position query, as a terminal would.
        if b"\x1b[6n" in chunk:
            os.write(fd, b"\x1b[1;1R")
        if b"> " in seen:
            took = time.perf_counter() - t0
            break
    if took is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        sys.exit("shell_prompt.py: no prompt within 30 s; the terminal showed: %r" % seen[-400:])
    os.write(fd, b"\\q\r")
    end = time.perf_counter() + 10
    while time.perf_counter() < end:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                os.read(fd, 4096)
            except OSError:
                pass
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    os.close(fd)
    return took


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    flink_sql, gateway = sys.argv[1], sys.argv[2].rstrip("/")
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    prompts, sessions, own = [], [], []
    with tempfile.TemporaryDirectory(prefix="flink-sql-bench-home.") as home:
        session_round_trip(gateway)
        prompt_time(flink_sql, gateway, home)
        for _ in range(n):
            s = session_round_trip(gateway)
            p = prompt_time(flink_sql, gateway, home)
            sessions.append(s * 1000)
            prompts.append(p * 1000)
            own.append((p - s) * 1000)
    print(
        "rounds=%d prompt_median_ms=%.1f session_median_ms=%.1f own_median_ms=%.1f own_p90_ms=%.1f"
        % (n, pct(prompts, 0.5), pct(sessions, 0.5), pct(own, 0.5), pct(own, 0.9))
    )


if __name__ == "__main__":
    main()
