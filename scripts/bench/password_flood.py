#!/usr/bin/env python3
"""Other learners' logins while one account floods the password change (scripts/bench/password_flood.sh).

The flooder (wrk, given on the command line) keeps its wrong password changes in flight; meanwhile
each learner of a class behind one address signs in every `--every` seconds, on their own browser
(its device cookie, from a first sign-in before the flood, sent back as a browser would). Prints one
JSON line: the learners' logins (count, statuses, p50/p99/max in ms) and the server's peak RSS.

Usage: password_flood.py BASE_URL SERVER_PID LEARNERS SECONDS EVERY
"""

import http.client
import json
import sys
import threading
import time
import urllib.parse

PASSWORD = "class-password-123"


def call(base, method, path, body=None, cookie=None):
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    headers = {"content-type": "application/json", "sec-fetch-site": "same-origin"}
    if cookie:
        headers["cookie"] = cookie
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    answer = conn.getresponse()
    data = answer.read()
    set_cookies = answer.headers.get_all("set-cookie") or []
    conn.close()
    return answer.status, data, set_cookies


def device_cookie(set_cookies):
    for value in set_cookies:
        if value.startswith("__Host-authlab_device="):
            return value.split(";", 1)[0]
    return None


def learner(base, name, seconds, every, results, cookie):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            status, _, set_cookies = call(
                base, "POST", "/api/session/login", {"username": name, "password": PASSWORD}, cookie
            )
            cookie = device_cookie(set_cookies) or cookie
        except Exception:  # a refused or dropped connection is a failed login too
            status = 0
        results.append((status, (time.monotonic() - started) * 1000))
        time.sleep(max(0.0, every - (time.monotonic() - started)))


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    base, pid, learners, seconds, every = sys.argv[1:6]
    learners, seconds, every = int(learners), float(seconds), float(every)
    names = [f"learner-{n:02d}" for n in range(learners)]
    # Each learner has signed in on their own browser before the flood starts.
    cookies = {}
    for name in names:
        status, _, set_cookies = call(
            base, "POST", "/api/session/login", {"username": name, "password": PASSWORD}
        )
        assert status == 200, f"{name} first sign-in: {status}"
        cookies[name] = device_cookie(set_cookies)
    print("ready", flush=True)
    sys.stdin.readline()  # the flood has started
    results = []
    threads = [
        threading.Thread(target=learner, args=(base, name, seconds, every, results, cookies[name]))
        for name in names
    ]
    for thread in threads:
        thread.start()
        time.sleep(every / len(threads))
    for thread in threads:
        thread.join()
    statuses = {}
    for status, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    millis = [ms for _, ms in results]
    with open(f"/proc/{pid}/status") as proc:
        rss = next(int(line.split()[1]) for line in proc if line.startswith("VmHWM:"))
    print(
        json.dumps(
            {
                "logins": len(results),
                "ok": statuses.get("200", 0),
                "statuses": statuses,
                "p50_ms": percentile(millis, 50),
                "p99_ms": percentile(millis, 99),
                "max_ms": max(millis) if millis else None,
                "device_cookies": sum(1 for c in cookies.values() if c),
                "peak_rss_kib": rss,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
