#!/usr/bin/env python3
"""Split sampled call stacks (`perf script` output) into the parts of one request.

Usage: parts.py OUT.json NAME COST_FILE STACKS_FILE [NAME COST_FILE STACKS_FILE ...]

COST_FILE holds one line of scripts/bench/lib.sh's `record_wrk` ("name|req/s of CPU|..."), taken
without perf. Each sample goes to the first part (in PARTS' order) one of whose patterns names a
frame of its stack, else to the HTTP server. A function the compiler inlined has no frame of its
own: its samples count for its caller's part.
"""
import json
import re
import sys

# (part, patterns): the first that matches a sample's stack takes it.
PARTS = [
    ("the request log: written out by the log's own thread", ["tracing_appender::worker::Worker"]),
    (
        "the request log: the line, formatted by the request",
        ["tracing_core::event::Event::dispatch", "authlab::logging::request_line"],
    ),
    (
        "the token's check: signature and claims",
        ["authlab::auth::jwt::verify", "jsonwebtoken::decoding::decode"],
    ),
    (
        "the rest of the judgement: subject, switches, revocation, the trace built",
        ["authlab::auth::judge::"],
    ),
    (
        "the answer's JSON (authlab's carries the decision trace, about 2.5 KB)",
        ["serde_json::ser::", "serde_json::value::", "for authlab::wire::trace::"],
    ),
    (
        "the lab's bookkeeping: audit read counts, measured cost",
        [
            "authlab::api::extract::settle",
            "authlab::audit::",
            "authlab::auth::cost::",
            "authlab::api::auth_cost::",
            "authlab::api::extract::judge_time",
        ],
    ),
    (
        "the lab's own headers: security, caching, hosting",
        ["authlab::security_headers::", "authlab::static_files::", "authlab::hosting::"],
    ),
]
# Samples no part above took, by where they were when sampled (the stack's leaf).
KERNEL = "the kernel: sockets, waking threads, scheduling"
MALLOC = "malloc and free"
REST = "the HTTP server and the rest: hyper, axum's routing, tokio"
ORDER = [name for name, _ in PARTS] + [KERNEL, MALLOC, REST]
MALLOC_LEAVES = ("malloc", "free", "calloc", "realloc", "_int_", "tcache", "unlink_chunk")


def stacks(path):
    """Each sample's frames (function names), leaf first, and the leaf's object file."""
    frames, leaf_object = [], ""
    with open(path, errors="replace") as lines:
        for line in lines:
            if not line.strip():
                if frames:
                    yield frames, leaf_object
                frames, leaf_object = [], ""
            elif line[0] in " \t":
                parts = line.strip().split(" ", 1)
                if len(parts) == 2:
                    if not frames:
                        found = re.search(r"\(([^()]*)\)$", parts[1])
                        leaf_object = found.group(1) if found else ""
                    frames.append(re.sub(r"\+0x[0-9a-f]+ \(.*\)$|\s\(.*\)$", "", parts[1]))
    if frames:
        yield frames, leaf_object


def part_of(frames, leaf_object):
    for name, patterns in PARTS:
        if any(p in frame for frame in frames for p in patterns):
            return name
    if "kernel" in leaf_object:
        return KERNEL
    if "libc" in leaf_object and any(m in frames[0] for m in MALLOC_LEAVES):
        return MALLOC
    return REST


def main(argv):
    out, rest = argv[1], argv[2:]
    servers = {}
    for i in range(0, len(rest), 3):
        name, cost_file, stacks_file = rest[i : i + 3]
        with open(cost_file) as f:
            cpu_rps = float(f.read().split("|")[1])
        counts = {part: 0 for part in ORDER}
        for frames, leaf_object in stacks(stacks_file):
            counts[part_of(frames, leaf_object)] += 1
        total = sum(counts.values())
        if total == 0:
            raise SystemExit(f"no samples for {name}")
        servers[name] = {
            "us_per_request": 1e6 / cpu_rps,
            "samples": total,
            "share": {part: n / total for part, n in counts.items()},
        }
    with open(out, "w") as f:
        json.dump({"order": ORDER, "servers": servers}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv)
