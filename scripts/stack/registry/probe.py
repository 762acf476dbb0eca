#!/usr/bin/env python3
"""Readiness probe for the local schema registry (scripts/stack/registry.sh).

usage: probe.py BASE_URL [--full]

Credentials come from the environment (REG_USER, REG_PASSWORD; optional REG_USER2, REG_PASSWORD2), never
from the command line. Default check: an authenticated GET BASE_URL/subjects answers 200 with a JSON list.
--full also requires: no credentials -> 401, a wrong password -> 401, and the second user (if given) -> 200.
Exit 0 when every check passes; otherwise print what failed to stderr and exit 1.
"""
import base64
import json
import os
import sys
import urllib.error
import urllib.request


def get(url, user=None, password=None):
    req = urllib.request.Request(url, headers={"Accept": "application/vnd.schemaregistry.v1+json"})
    if user is not None:
        token = base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")
        req.add_header("Authorization", "Basic " + token)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    base = sys.argv[1].rstrip("/")
    full = "--full" in sys.argv[2:]
    url = base + "/subjects"
    user, password = os.environ["REG_USER"], os.environ["REG_PASSWORD"]
    problems = []
    try:
        status, body = get(url, user, password)
        if status != 200:
            problems.append(f"authenticated GET /subjects as {user}: HTTP {status}")
        elif not isinstance(json.loads(body), list):
            problems.append("authenticated GET /subjects: body is not a JSON list")
        if full:
            status, _ = get(url)
            if status != 401:
                problems.append(f"GET /subjects without credentials: HTTP {status}, expected 401")
            status, _ = get(url, user, "wrong-" + password)
            if status != 401:
                problems.append(f"GET /subjects with a wrong password: HTTP {status}, expected 401")
            if "REG_USER2" in os.environ:
                user2 = os.environ["REG_USER2"]
                status, _ = get(url, user2, os.environ["REG_PASSWORD2"])
                if status != 200:
                    problems.append(f"authenticated GET /subjects as {user2}: HTTP {status}")
    except (OSError, ValueError) as e:
        problems.append(f"GET {url}: {e}")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
