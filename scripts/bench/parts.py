#!/usr/bin/env python3
"""Split sampled call stacks (`perf script` output) into the parts of one request.

Usage: parts.py OUT.json CASE REF_COST REF_STACKS LAB_COST LAB_STACKS [CASE ...]

Per case, the reference's files and authlab's. A COST file holds one line of
scripts/bench/lib.sh's `record_wrk` ("name|req/s of CPU|..."), taken without perf. A sample of the
log's writer thread or of redis-server is theirs, whatever it was doing; any other goes to the
first part (in PARTS' order) one of whose patterns names a frame of its stack, else to the
kernel, malloc or the HTTP server by where it was (its leaf). A function the compiler inlined has
no frame of its own: its samples count for its caller's part. A part no server of a case spent
anything on is left out of that case.
"""
import json
import re
import sys

# (part, patterns): the first that matches a sample's stack takes it.
PARTS = [
    (
        "the request log: the line, formatted by the request",
        ["tracing_core::event::Event::dispatch", "authlab::logging::request_line"],
    ),
    (
        "the lab's bookkeeping: audit read counts, measured cost, last-seen batches",
        [
            "authlab::api::extract::settle",
            "authlab::audit::",
            "authlab::auth::cost::",
            "authlab::api::auth_cost::",
            "authlab::api::extract::judge_time",
            "authlab::auth::last_seen::",
        ],
    ),
    (
        "the token's check: signature and claims",
        ["authlab::auth::jwt::verify", "jsonwebtoken::decoding::decode"],
    ),
    (
        "the lookup: the command sent to Redis, its reply read and parsed",
        ["redis::", "combine::", "authlab::store::sessions::", "serde_json::de::"],
    ),
    (
        "the rest of the judgement: the other checks, the account, the trace built",
        ["authlab::auth::judge::", "authlab::auth::session::", "authlab::auth::account_cache::"],
    ),
    (
        "the answer's JSON (authlab's carries the decision trace)",
        ["serde_json::ser::", "serde_json::value::", "for authlab::wire::trace::"],
    ),
    (
        "the lab's own headers: security, caching, hosting",
        ["authlab::security_headers::", "authlab::static_files::", "authlab::hosting::"],
    ),
]
# Every sample of the log's writer thread (src/logging/batched.rs, which the reference shares).
LOG_WRITER = "the request log: written out by the log's own thread"
LOG_THREADS = ("authlab-log",)
# Every sample of redis-server's process: its main thread and its background helpers, by name.
REDIS = "Redis' own work: redis-server, the command run and the socket, its kernel time included"
REDIS_THREADS = ("redis-server", "bio_", "io_thd")
# Samples no part above took, by where they were when sampled (the stack's leaf).
KERNEL = "the kernel: sockets, waking threads, scheduling"
MALLOC = "malloc and free"
REST = "the HTTP server and the rest: hyper, axum's routing, tokio"
ORDER = [LOG_WRITER] + [name for name, _ in PARTS] + [REDIS, KERNEL, MALLOC, REST]
# mimalloc's functions, linked into both servers (`src/main.rs`), and glibc's, as before.
MIMALLOC_LEAVES = ("mi_", "_mi_")
MALLOC_LEAVES = ("malloc", "free", "calloc", "realloc", "_int_", "tcache", "unlink_chunk")


def stacks(path):
    """Each sample's thread name, frames (function names, leaf first) and leaf's object file."""
    thread, frames, leaf_object = "", [], ""
    with open(path, errors="replace") as lines:
        for line in lines:
            if not line.strip():
                if frames:
                    yield thread, frames, leaf_object
                thread, frames, leaf_object = "", [], ""
            elif line[0] in " \t":
                parts = line.strip().split(" ", 1)
                if len(parts) == 2:
                    if not frames:
                        found = re.search(r"\(([^()]*)\)$", parts[1])
                        leaf_object = found.group(1) if found else ""
                    frames.append(re.sub(r"\+0x[0-9a-f]+ \(.*\)$|\s\(.*\)$", "", parts[1]))
            else:
                # A sample's header: the thread's name, its id, the time, the event.
                thread = line.split()[0]
    if frames:
        yield thread, frames, leaf_object


def part_of(thread, frames, leaf_object):
    if thread.startswith(LOG_THREADS):
        return LOG_WRITER
    if thread.startswith(REDIS_THREADS):
        return REDIS
    for name, patterns in PARTS:
        if any(p in frame for frame in frames for p in patterns):
            return name
    if "kernel" in leaf_object:
        return KERNEL
    if frames[0].startswith(MIMALLOC_LEAVES) or (
        "libc" in leaf_object and any(m in frames[0] for m in MALLOC_LEAVES)
    ):
        return MALLOC
    return REST


def server(cost_file, stacks_file):
    """One server's CPU per request and its samples' shares, part by part."""
    with open(cost_file) as f:
        cpu_rps = float(f.read().split("|")[1])
    counts = {part: 0 for part in ORDER}
    for thread, frames, leaf_object in stacks(stacks_file):
        counts[part_of(thread, frames, leaf_object)] += 1
    total = sum(counts.values())
    if total == 0:
        raise SystemExit(f"no samples in {stacks_file}")
    return {
        "us_per_request": 1e6 / cpu_rps,
        "samples": total,
        "share": {part: n / total for part, n in counts.items()},
    }


def main(argv):
    out, rest = argv[1], argv[2:]
    cases = []
    for i in range(0, len(rest), 5):
        name, ref_cost, ref_stacks, lab_cost, lab_stacks = rest[i : i + 5]
        servers = {
            "reference": server(ref_cost, ref_stacks),
            "authlab": server(lab_cost, lab_stacks),
        }
        order = [p for p in ORDER if any(s["share"][p] > 0 for s in servers.values())]
        cases.append({"case": name, "order": order, "servers": servers})
    with open(out, "w") as f:
        json.dump({"cases": cases}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv)
