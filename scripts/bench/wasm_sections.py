"""A WASM file's code and data, the two sections that weigh: raw bytes and brotli -q 11 bytes of
each. The data section holds the constants (a page's text, tables); the code section the function
bodies. Used for the lab's main WASM (report.py) and the stack's floor (front_floor.sh).
Usage as a command: wasm_sections.py FILE  (prints {"code": {"raw", "br"}, "data": {...}})."""
import json
import subprocess
import sys

SECTIONS = {10: "code", 11: "data"}


def section_bytes(path):
    """{"code": bytes, "data": bytes} of the file at `path` (missing sections are empty)."""
    blob = open(path, "rb").read()
    found = {name: b"" for name in SECTIONS.values()}
    i = 8  # magic and version
    while i < len(blob):
        section, i = blob[i], i + 1
        size = shift = 0
        while True:
            byte, i = blob[i], i + 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        if section in SECTIONS:
            found[SECTIONS[section]] = blob[i:i + size]
        i += size
    return found


def brotli_size(data):
    return len(subprocess.run(["brotli", "-q", "11", "-c"], input=data, capture_output=True,
                              check=True).stdout)


def sizes(path):
    """{"code": {"raw", "br"}, "data": {"raw", "br"}} of the file at `path`."""
    return {name: {"raw": len(data), "br": brotli_size(data)}
            for name, data in section_bytes(path).items()}


if __name__ == "__main__":
    print(json.dumps(sizes(sys.argv[1])))
