"""Writes bench/REPORT.md from one scripts/bench.sh run: the load and stall lines, criterion's
estimates (target/criterion) and the front-end JSON. Every figure is what this run measured; the
targets (from the performance issue) are compared, never assumed met."""
import datetime
import glob
import json
import os
import platform
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wasm_sections import section_bytes, sizes as wasm_sizes  # noqa: E402

results_dir, out, elapsed = sys.argv[1], sys.argv[2], int(sys.argv[3])
failed_parts = sys.argv[4] if len(sys.argv) > 4 else ""


def sh(*cmd):
    """A command's first line of output (stdout or stderr; wrk -v exits 1), or "?"."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True)
    except OSError:
        return "?"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else "?"


def ms(text):
    """wrk's latency ("812.00us", "2.44ms", "1.02s") in milliseconds."""
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float("nan")


def middle(values, key=lambda v: v):
    """The median of an odd count; the lower of the two middle values of an even one."""
    ordered = sorted(values, key=key)
    return ordered[(len(ordered) - 1) // 2]


# A case measured in several rounds (scripts/bench/load.sh) has a line per round, in round order.
samples = {}
logins = {}
for line in open(os.path.join(results_dir, "load.txt")):
    fields = line.strip().split("|")
    if len(fields) == 6:
        name, cpu, p50, p99, requests, wall = fields
        samples.setdefault(name, []).append(
            dict(cpu=int(cpu), p50=p50, p99=p99, requests=int(requests), wall=int(wall)))
    elif len(fields) == 3:
        logins.setdefault(fields[0], []).append((float(fields[1]), int(fields[2])))
# Each figure is its median over the rounds.
rows = {
    name: dict(cpu=middle(s["cpu"] for s in runs), p50=middle((s["p50"] for s in runs), key=ms),
               p99=middle((s["p99"] for s in runs), key=ms), requests=sum(s["requests"] for s in runs),
               wall=middle(s["wall"] for s in runs), rounds=len(runs))
    for name, runs in samples.items()
}


cpu_model = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu_model = line.split(":", 1)[1].strip()
        break
mem_gib = int(open("/proc/meminfo").readline().split()[1]) / 1024 / 1024
# The checkout as it was when the run started (it is what was built and measured).
commit = open(os.path.join(results_dir, "commit")).read().strip()
dirty = open(os.path.join(results_dir, "dirty")).read().strip()

lines = [
    "# authlab benchmark report",
    "",
    f"Written by `scripts/bench.sh` on {datetime.date.today()} at commit {commit}"
    + (" (with uncommitted changes)" if dirty else "")
    + f", in {elapsed // 60} min {elapsed % 60} s. Machine: {os.cpu_count()} cores ({cpu_model}), "
    f"{mem_gib:.0f} GiB, Linux {platform.release()}; {sh('rustc', '--version')}; "
    f"{' '.join(sh('wrk', '-v').split()[:2])}; "
    f"{' '.join(sh('/usr/bin/chromium', '--version').split()[:2])}.",
    "",
    "Every figure below was measured in this one run on a shared, noisy 2-core machine: compare "
    "figures within the report, not across reports.",
    "",
]
if failed_parts.strip():
    lines += [f"**Parts that failed in this run, so their figures are missing:** {failed_parts}.", ""]

# ---- targets at a glance -------------------------------------------------------------------
CASES = [
    "bearer HS256",
    "bearer EdDSA",
    "bearer ES256",
    "session on SQLite",
    "session on Redis",
    "session on SQLite, account cache off",
    "session on Redis, account cache off",
    "bearer HS256 + denylist on SQLite",
    "bearer HS256 + denylist on Redis",
]
# A case measured against another case's reference (the account cache changes authlab, not the
# bare reference).
REFERENCE_OF = {
    "session on SQLite, account cache off": "session on SQLite",
    "session on Redis, account cache off": "session on Redis",
}


def pair(case):
    return rows.get(f"authlab: {case}"), rows.get(f"reference: {REFERENCE_OF.get(case, case)}")


def ratios(case):
    """The reference's CPU req/s ÷ authlab's, per round: each pair was measured back to back."""
    ours = samples.get(f"authlab: {case}", [])
    theirs = samples.get(f"reference: {REFERENCE_OF.get(case, case)}", [])
    return [r["cpu"] / a["cpu"] for a, r in zip(ours, theirs)]


glance = []
for case in CASES:
    per_round = ratios(case)
    if per_round:
        ratio = middle(per_round)
        glance.append((f"{case}: server CPU per request, authlab ÷ bare reference", "≤ 1.3×",
                       f"{ratio:.2f}×", ratio <= 1.3))


def stall_ratios(pool, window="loaded"):
    """Each loaded (or spinner) window's p99 ÷ that of the idle window of its round."""
    idle, loaded = samples.get(f"stall {pool} idle", []), samples.get(f"stall {pool} {window}", [])
    return [ms(l["p99"]) / ms(i["p99"]) for i, l in zip(idle, loaded)]


stall_idle, stall_loaded = rows.get("stall default idle"), rows.get("stall default loaded")
if stall_idle and stall_loaded and stall_ratios("default"):
    ratio = middle(stall_ratios("default"))
    glance.append(("`GET /api/me` p99 while logins saturate the hash pool ÷ idle p99 (default pool)",
                   "≤ 2×", f"{ratio:.2f}× (medians {stall_loaded['p99']} vs {stall_idle['p99']})",
                   ratio <= 2))

pkg = "target/site/pkg"
size = lambda p: os.path.getsize(p) if os.path.exists(p) else None
bundle = {}
for path in sorted(glob.glob(f"{pkg}/authlab.*")):
    name = os.path.basename(path)
    if name.endswith((".br", ".gz")) or ".d." in name or name.endswith(".ts"):
        continue
    kind = name.rsplit(".", 1)[1]
    bundle[kind] = dict(name=name, raw=size(path), gz=size(path + ".gz"), br=size(path + ".br"))
# A split build (`--split`): the loader, the manifest, one file per split-out page, shared chunks.
split = {}
for pattern, what in (("__wasm_split.*.js", "loader"), ("__wasm_split_manifest.*.json", "manifest"),
                      ("split_*.wasm", "pages"), ("chunk_*.wasm", "chunks")):
    files = glob.glob(f"{pkg}/{pattern}")
    if files:
        split[what] = dict(count=len(files), raw=sum(size(f) for f in files),
                           gz=sum(size(f + ".gz") or 0 for f in files),
                           br=sum(size(f + ".br") or 0 for f in files))
whole_br = sum(b["br"] or 0 for b in bundle.values()) + sum(s["br"] for s in split.values())


def reach():
    """What each page can ever load, brotli bytes: the files every page starts with (the main
    WASM, JS, CSS, the wasm-split loader and manifest), plus each split it may ask for with every
    file the manifest lists for that split (the split itself and the chunks it shares). A page of
    the router also asks for the whole-page hydration (`hydrate_page`); the first page (`/`) asks
    for the playground's own splits instead, all of them when a visitor uses both modes signed in.
    [(page, bytes)], the first page first; empty for a build without splits."""
    manifests = glob.glob(f"{pkg}/__wasm_split_manifest.*.json")
    if not manifests:
        return []
    manifest = json.load(open(manifests[0]))
    start = sum(b["br"] or 0 for b in bundle.values()) + sum(
        split[what]["br"] for what in ("loader", "manifest") if what in split)

    def load(splits):
        files = {f for name in splits for f in manifest[name]}
        return start + sum(size(f"{pkg}/{f}.wasm.br") or 0 for f in files)

    pages = sorted(name for name in manifest if name.startswith("__"))
    whole_page = [name for name in manifest if name.startswith("hydrate_page_")]
    playground = [name for name in manifest if name not in pages and name not in whole_page]
    routes = {"lesson": "/lessons/<slug>"}
    found = [("`/`, both modes used, signed in", load(playground))]
    for name in pages:
        page = name[2:].split("_view_")[0]
        found.append((f"`{routes.get(page, '/' + page)}`", load(whole_page + [name])))
    return found


reachable = reach()
if bundle:
    glance.append(("whole app, brotli (WASM + JS + CSS, every split-out page included)", "≤ 250 KB",
                   f"{whole_br / 1000:.0f} KB", whole_br <= 250_000))

frontend = []
fe_path = os.path.join(results_dir, "frontend.json")
if os.path.exists(fe_path):
    frontend = json.load(open(fe_path))
by_path = {p["path"]: p for p in frontend}
first = by_path.get("/")
if first:
    glance.append(("first page (`/`), bytes over the wire on a first visit", "≤ 150 KB brotli",
                   f"{first['wireBytes'] / 1000:.0f} KB ({', '.join(sorted({t['encoding'] or 'identity' for t in first['transfers']}))})",
                   first["wireBytes"] <= 150_000))
# The stack's floor (scripts/bench/front_floor.sh): the smallest app on the same stack, built the
# same way. Not a target: it says how much of a page is Leptos and how much is the lab.
floor = None
floor_path = os.path.join(results_dir, "floor.json")


def floor_brotli(build):
    """WASM + JS, brotli bytes, of one floor build (front_floor.sh's JSON)."""
    return build["wasm"]["br"] + build["js"]["br"]


def floor_files(build):
    """The sentence giving one floor build's WASM and JS, raw and brotli, and their brotli sum."""
    return (f"Its WASM is {build['wasm']['raw']:,} bytes ({build['wasm']['br']:,} brotli) and its JS "
            f"{build['js']['raw']:,} ({build['js']['br']:,} brotli): {floor_brotli(build):,} bytes brotli")


if os.path.exists(floor_path):
    floor = json.load(open(floor_path))
    floor_br = floor_brotli(floor)
    glance.append(("the stack's floor: the smallest app on it (hydration, router, one JSON fetch), "
                   "WASM + JS brotli", "(a reference)", f"{floor_br / 1000:.0f} KB", None))
    if "islands" in floor:
        islands_br = floor_brotli(floor["islands"])
        glance.append(("the same floor with Leptos islands (only the button hydrates), WASM + JS brotli",
                       "(a reference)", f"{islands_br / 1000:.0f} KB", None))
compare = by_path.get("/compare")
if compare:
    glance.append(("`/compare` interactive after navigation (cold cache, median)", "< 1 s",
                   f"{compare['coldInteractiveMs']:.0f} ms", compare["coldInteractiveMs"] < 1000))

lines += ["## Targets", "", "| target | wanted | measured | met |", "|---|---|---:|---|"]
for what, wanted, measured, met in glance:
    verdict = "—" if met is None else "yes" if met else "**no**"
    lines.append(f"| {what} | {wanted} | {measured} | {verdict} |")
lines.append("")

# ---- load ----------------------------------------------------------------------------------
lines += [
    "## Auth paths under load",
    "",
    "`GET /api/me` with each credential, release builds, wrk on loopback (1 thread, "
    f"{os.environ.get('BENCH_CONNS', '16')} connections, {os.environ.get('BENCH_SECS', '5')} s per case "
    f"after a 2 s warm-up), in {os.environ.get('BENCH_ROUNDS', '3')} rounds: every server runs "
    "throughout, and each round measures every case, the reference's right before authlab's, so a "
    "pair shares the machine's speed of the moment (it drifts by tens of percent within minutes "
    "here). *CPU req/s* = requests answered ÷ CPU seconds the server used during the case (plus "
    "redis-server's, on Redis paths), so the load generator's share of the cores does not count; "
    "higher is cheaper. Each figure is the median over the rounds. *ratio* = the reference's CPU "
    "req/s ÷ authlab's in the same round, the median over the rounds (the range in brackets): how "
    "many times the reference's cost one request costs in authlab.",
    "",
    "| path | authlab CPU req/s | p50 | p99 | reference CPU req/s | p50 | p99 | ratio (range) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
]
for case in CASES:
    a, r = pair(case)
    if not a:
        continue
    per_round = ratios(case)
    ref = (f"{r['cpu']:,} | {r['p50']} | {r['p99']} | {middle(per_round):.2f}× "
           f"({min(per_round):.2f}–{max(per_round):.2f})" if r and per_round else "— | — | — | —")
    lines.append(f"| {case} | {a['cpu']:,} | {a['p50']} | {a['p99']} | {ref} |")
for who in ("authlab", "reference"):
    c = rows.get(f"{who}: static ceiling")
    if c:
        what = "`/favicon.svg`, a static file" if who == "authlab" else "`/health`, an empty answer"
        lines.append(f"| ceiling ({who}: {what}) | {c['cpu']:,} | {c['p50']} | {c['p99']} | | | | |"
                     if who == "authlab" else
                     f"| ceiling ({who}: {what}) | | | | {c['cpu']:,} | {c['p50']} | {c['p99']} | |")
s, rd = rows.get("authlab: session on SQLite"), rows.get("authlab: session on Redis")
if s and rd:
    lines += ["", f"A session check on Redis costs {s['cpu'] / rd['cpu']:.2f}× what it costs on SQLite "
              "(CPU of authlab and redis-server together: the lookup's work moved to another process, "
              "it did not disappear)."]
lines += [
    "",
    "The references (`bench/reference`, axum + jsonwebtoken + tower-sessions + redis-rs, the same "
    "request log line at info, written by the same writer (authlab's own file, `src/logging/batched.rs`), "
    "and the same allocator, mimalloc, as authlab): `/me/hs256`, `/me/eddsa`, "
    "`/me/es256` verify a JWT (algorithm pinned; exp/iss/aud/sub required); `/me/hs256-sqlite` and "
    "`/me/hs256-redis` add one indexed SQLite lookup or one Redis GET; `/me/session` reads a "
    "tower-sessions session from its SQLite store (WAL); `/me/session-redis` reads a session record "
    "with one Redis GET and parses it.",
    "",
    "authlab's session check reads the session record, then the account (role, disabled), so that "
    "a demotion or a disable acts on the next request. With `session.cache_accounts` on (the "
    "default) the account comes from memory, emptied on every change to it (on every server, "
    "through Redis); the *account cache off* rows read it from the accounts table each time.",
    "",
]

# ---- where the microseconds go --------------------------------------------------------------
parts_file = os.path.join(results_dir, "parts.json")
cases = json.load(open(parts_file))["cases"] if os.path.exists(parts_file) else []
# What each profiled case's reference answers, next to authlab's answer with its decision trace.
CASE_NOTES = {
    "bearer HS256": "The reference verifies the token and answers `{\"username\": …}`.",
    "session on Redis": (
        "The reference reads its session record with one Redis `GET` (a JSON string), checks its "
        "expiry and answers `{\"username\": …}`; authlab also reads its record, a JSON string, "
        "with one `GET` (its Lua scripts decode it to end a session or move its idle deadline "
        "atomically), checks idle and absolute timeouts, takes the account from its cache and "
        "queues the last-seen update. Both servers' CPU includes their own redis-server's."
    ),
}
if cases:
    lines += [
        "## Where the microseconds go",
        "",
        "`GET /api/me` in the cheapest case (bearer HS256) and in a case with a lookup in another "
        "process (a session on Redis), by `scripts/bench/profile.sh`: each server's CPU per request "
        "measured without a profiler, then split by where perf's samples (call stacks unwound from "
        "DWARF) fell: each part's share of the samples times the CPU per request. A function the "
        "compiler inlined counts for its caller's part. authlab's answer carries the decision trace "
        "the inspector shows.",
        "",
    ]
for case in cases:
    ref, lab = case["servers"]["reference"], case["servers"]["authlab"]
    lines += [
        f"### {case['case']}",
        "",
        f"{CASE_NOTES.get(case['case'], '')} Samples: {ref['samples']:,} of the reference, "
        f"{lab['samples']:,} of authlab.",
        "",
        "| part | reference µs | authlab µs | authlab − reference |",
        "|---|---:|---:|---:|",
    ]
    for part in case["order"]:
        r = ref["share"][part] * ref["us_per_request"]
        a = lab["share"][part] * lab["us_per_request"]
        lines.append(f"| {part} | {r:.1f} | {a:.1f} | {a - r:+.1f} |")
    lines += [
        f"| **one request** | **{ref['us_per_request']:.1f}** | **{lab['us_per_request']:.1f}** | "
        f"**{lab['us_per_request'] - ref['us_per_request']:+.1f}** "
        f"({lab['us_per_request'] / ref['us_per_request']:.2f}×) |",
        "",
    ]

# ---- login stall ---------------------------------------------------------------------------
lines += [
    "## Logins do not stall other requests",
    "",
    "`GET /api/me` (a cookie session on SQLite, 4 connections) idle, then while 8 more connections "
    "post logins as fast as the argon2 pool takes them, idle and loaded windows alternating in "
    f"{os.environ.get('BENCH_ROUNDS', '3')} rounds of {os.environ.get('BENCH_SECS', '6')} s each. "
    "Latencies are medians over the rounds; *p99 loaded ÷ idle* compares each loaded window with "
    "the idle one right before it (median, range in brackets). The hashing threads run in Linux's "
    "idle scheduling class, below the request threads (`src/auth/hash_workers.rs`).",
    "",
    "| hash pool | idle p50 | idle p99 | loaded p50 | loaded p99 | p99 loaded ÷ idle | logins/s |",
    "|---|---:|---:|---:|---:|---:|---:|",
]
for pool, label in (("2", "2 (the old fixed default)"), ("default", f"default: cores − 1 = {max(1, (os.cpu_count() or 1) - 1)}")):
    idle, loaded = rows.get(f"stall {pool} idle"), rows.get(f"stall {pool} loaded")
    rates = [rate for rate, _ in logins.get(f"stall {pool} logins", [])]
    per_round = stall_ratios(pool)
    if idle and loaded and per_round and rates:
        lines.append(f"| {label} | {idle['p50']} | {idle['p99']} | {loaded['p50']} | {loaded['p99']} | "
                     f"{middle(per_round):.2f}× ({min(per_round):.2f}–{max(per_round):.2f}) | "
                     f"{middle(rates):.0f} |")
spinner, idle = rows.get("stall default spinner"), rows.get("stall default idle")
if spinner and idle and stall_ratios("default", "spinner"):
    per_round = stall_ratios("default", "spinner")
    lines.append(f"| no logins; a shell busy loop in the idle class instead (not authlab) | {idle['p50']} | "
                 f"{idle['p99']} | {spinner['p50']} | {spinner['p99']} | {middle(per_round):.2f}× "
                 f"({min(per_round):.2f}–{max(per_round):.2f}) | — |")
    lines += ["", "The last row is the floor on this machine: one busy thread in the lowest scheduling "
              "class, which the kernel preempts for any request thread, and no logins at all. Where the "
              "login flood's ratio is near it, what is left is not authlab's to remove: on these 2 "
              "virtual cores any busy core lengthens the request tail by about that much."]
lines.append("")

# ---- micro ---------------------------------------------------------------------------------
micro = []
for bench_file in glob.glob("target/criterion/**/new/benchmark.json", recursive=True):
    estimates = os.path.join(os.path.dirname(bench_file), "estimates.json")
    if not os.path.exists(estimates):
        continue
    full_id = json.load(open(bench_file))["full_id"]
    median = json.load(open(estimates))["median"]["point_estimate"]
    micro.append((full_id, median))
if micro:
    lines += ["## Micro (criterion)", "",
              "`cargo bench --features ssr --bench auth_cost`: each check alone, median time per call.", "",
              "| benchmark | median |", "|---|---:|"]
    for full_id, ns in sorted(micro):
        shown = f"{ns / 1e6:.2f} ms" if ns >= 1e6 else f"{ns / 1e3:.2f} µs" if ns >= 1e3 else f"{ns:.0f} ns"
        lines.append(f"| {full_id} | {shown} |")
    lines.append("")

# ---- front end -----------------------------------------------------------------------------
if bundle:
    lines += ["## Front end", "", "The bundle as built (`cargo leptos build --release --precompress --split`), "
              "and what the server sends for it:", "",
              "| file | raw | gzip | brotli |", "|---|---:|---:|---:|"]
    for kind in ("wasm", "js", "css"):
        b = bundle.get(kind)
        if b:
            lines.append(f"| `{b['name']}` | {b['raw']:,} | {b['gz'] or 0:,} | {b['br'] or 0:,} |")
    for what, label in (("loader", "split loader (`__wasm_split.*.js`)"), ("manifest", "split manifest"),
                        ("pages", "split-out pages and the playground's JWT half (`split_*.wasm`)"), ("chunks", "chunks they share (`chunk_*.wasm`)")):
        b = split.get(what)
        if b:
            lines.append(f"| {label}, {b['count']} file{'s' if b['count'] > 1 else ''} | {b['raw']:,} | {b['gz']:,} | {b['br']:,} |")
    every = list(bundle.values()) + list(split.values())
    lines += [f"| everything | {sum(b['raw'] for b in every):,} | "
              f"{sum(b['gz'] or 0 for b in every):,} | {whole_br:,} |", ""]
    if reachable:
        smallest = min(reachable, key=lambda r: r[1])
        largest = max(reachable, key=lambda r: r[1])
        lines += [
            "Everything one page can ever load, brotli: the files every page starts with, plus the "
            "split-out files it may fetch as it is used, each with the chunks the split manifest "
            "lists for it (a page of the router includes the whole-page hydration). The whole app "
            "holds all of these together, so it is at least the largest, "
            f"{largest[0]} at {largest[1]:,} bytes; the smallest, {smallest[0]}, is "
            f"{smallest[1]:,}, already over the whole app's 250 KB.",
            "",
            "| page | everything it can load, brotli |",
            "|---|---:|",
        ]
        lines += [f"| {page} | {bytes_:,} |" for page, bytes_ in reachable]
        lines.append("")
if frontend:
    runs = len(frontend[0].get("coldInteractiveAll", []))
    lines += [
        f"Per page in Chromium, {runs} loads each in a fresh context (empty cache), then once more "
        "in the same context (warm). *Wire* = bytes received for the page and everything it loaded "
        "except `/api/` calls (headers included, compressed as sent); *uncompressed* = the same "
        "bodies decoded; *interactive* = navigation start to the app's hydration mark "
        "(`body[data-hydrated]`), median.",
        "",
        "| page | wire, first visit | uncompressed | wire, next visit | interactive, first visit | interactive, next visit | encodings |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for p in frontend:
        enc = ", ".join(sorted({t["encoding"] or "identity" for t in p["transfers"]}))
        lines.append(f"| `{p['path']}` | {p['wireBytes']:,} | {p['bodyBytes']:,} | {p['warmWireBytes']:,} | "
                     f"{p['coldInteractiveMs']:.0f} ms | {p['warmInteractiveMs']:.0f} ms | {enc} |")
    lines.append("")
if floor:
    lines += [
        "The stack's floor (`bench/front-floor`, built by `scripts/bench/front_floor.sh` with the lab's "
        "size profile, wasm-bindgen and cargo-leptos' wasm-opt flags): one page with a button and a "
        f"JSON fetch, one lazy route, a title. {floor_files(floor)} before an app adds a page of its own. "
        "Every page of the lab but the first hydrates this way, whole, with the router.",
        "",
    ]
    if "islands" in floor:
        lines += [
            "The same floor with Leptos islands (`bench/front-floor-islands`, built the same way): the "
            "button and the fetch are one `#[island]`, and the page around it is rendered on the server "
            f"only, with no router or title code in the browser. {floor_files(floor['islands'])}, "
            f"{islands_br / floor_br:.2f}× the hydration floor. The lab's first page (`/`) hydrates "
            "this way: the playground is its only island, and the router and every page's code are "
            "split-out files it never fetches (`src/app.rs`)."
            + (f" Its {first['wireBytes']:,} bytes over the wire are that floor plus "
               f"{first['wireBytes'] - islands_br:,} of the lab's own (the playground, the "
               "wasm-split loader, the styles, the HTML and the HTTP headers)." if first else ""),
            "",
        ]
main_wasm = bundle.get("wasm")
if floor and main_wasm and "sections" in floor.get("islands", {}):
    lab, base = wasm_sizes(os.path.join(pkg, main_wasm["name"])), floor["islands"]["sections"]
    lines += [
        "Split by section, brotli each: the main WASM's code is "
        f"{lab['code']['br']:,} bytes ({lab['code']['raw']:,} raw) against the islands floor's "
        f"{base['code']['br']:,} ({base['code']['raw']:,}), and its data (constants: text, tables) "
        f"{lab['data']['br']:,} ({lab['data']['raw']:,} raw) against its "
        f"{base['data']['br']:,} ({base['data']['raw']:,}). The main WASM holds the playground "
        "island (its session half as a first visit draws it) and what the split-out files share; "
        "the router and the whole-page hydration are `split_hydrate_page`, fetched by every other "
        "page. The data left is the playground's own (its text, and the messages of the code it uses): "
        "wasm-split gives each split-out page its text, as long as the packed shares fit the "
        "segment the linker wrote (`SPLIT_DATA_SLACK` in `src/lib.rs`).",
        "",
    ]



tw_path = os.path.join(results_dir, "twiggy.txt")
named_wasm = "target/front/wasm32-unknown-unknown/wasm-release/authlab.wasm"
if os.path.exists(tw_path):
    code = len(section_bytes(named_wasm)["code"]) if os.path.exists(named_wasm) else None
    lines += [
        "### Where the WASM's bytes go",
        "",
        "`twiggy monos` on the release WASM before wasm-bindgen strips its function names (so the "
        "sizes are before wasm-opt): the generic functions with the most copies, one per type the "
        "compiler made them for. `hydrate_async` is the asynchronous hydration every `AnyView` "
        "carries (Leptos' router makes one per page, and each `.into_any()` another), whether or "
        "not a lazy route ever calls it. twiggy's percentages are of the whole file, whose function "
        "names are most of it" + (f"; its code is {code:,} bytes." if code else "."),
        "",
        "```",
        open(tw_path).read().rstrip(),
        "```",
        "",
    ]

open(out, "w").write("\n".join(lines).rstrip() + "\n")
