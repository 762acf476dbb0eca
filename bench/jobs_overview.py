#!/usr/bin/env python3
"""A recorded JobManager `/jobs/overview` answer of N jobs, and a tiny server for it (bench/run.sh).

  jobs_overview.py gen TEMPLATE.json N > jobs.json
      TEMPLATE.json: a real `/jobs/overview` answer (at least one job). Its jobs are replicated N
      times with fresh ids, numbered names, a mix of states and spread start times; every field
      the real answer has is kept, so the recording has the real response's shape.
  jobs_overview.py serve jobs.json PORT_FILE LOG_FILE
      Serves the recording at GET /jobs/overview on 127.0.0.1 (a free port, written to
      PORT_FILE); every request's path is appended to LOG_FILE (the bench counts the calls).
      Anything else answers 404. Runs until killed.
"""
import copy
import json
import random
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATES = ["RUNNING"] * 4 + ["FINISHED"] * 3 + ["CANCELED"] * 2 + ["FAILED"]


def gen(template_path, n):
    with open(template_path) as f:
        jobs = json.load(f)["jobs"]
    if not jobs:
        sys.exit("jobs_overview.py: the template answer holds no job")
    rng = random.Random(17)
    now = int(time.time() * 1000)
    out = []
    for i in range(n):
        job = copy.deepcopy(jobs[i % len(jobs)])
        state = STATES[i % len(STATES)]
        start = now - rng.randint(60_000, 86_400_000 * 3)
        end = -1 if state == "RUNNING" else start + rng.randint(1_000, 3_600_000)
        job["jid"] = "%032x" % rng.getrandbits(128)
        job["name"] = "bench-pipeline-%04d" % i
        job["state"] = state
        job["start-time"] = start
        job["end-time"] = end
        job["duration"] = (now if end == -1 else end) - start
        if "last-modification" in job:
            job["last-modification"] = start
        tasks = job.get("tasks")
        if isinstance(tasks, dict):
            total = tasks.get("total", 1) or 1
            for k in tasks:
                tasks[k] = 0
            tasks["total"] = total
            key = {"RUNNING": "running", "FINISHED": "finished", "CANCELED": "canceled", "FAILED": "failed"}[state]
            tasks[key] = total
        out.append(job)
    json.dump({"jobs": out}, sys.stdout, separators=(",", ":"))


def serve(path, port_file, log_file):
    with open(path, "rb") as f:
        body = f.read()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            with open(log_file, "a") as log:
                log.write(self.path + "\n")
            if self.path.split("?")[0] == "/jobs/overview":
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(404)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                msg = b'{"errors":["Not found."]}'
                self.send_header("Content-Length", str(len(msg)))
                self.end_headers()
                self.wfile.write(msg)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 5 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
