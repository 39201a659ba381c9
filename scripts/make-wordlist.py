#!/usr/bin/env python3
"""Writes public/wordlist.txt: the lab's own wordlist for the weak-HS256-secret switch and the
browser's offline cracker. Made by the project, not taken from any leaked-password list: every
word is two or three syllables from the fixed lists below, in a fixed order, so the file is the
same on every machine. 4,096 words, one per line."""
import itertools
import pathlib

ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z"]
VOWELS = ["a", "e", "i", "o", "u"]
SYLLABLES = [o + v for o, v in itertools.product(ONSETS, VOWELS)]  # 70

words = []
for a, b in itertools.product(SYLLABLES, repeat=2):
    words.append(a + b)  # 4,900 two-syllable words
words = words[:3_000]
for a, b, c in itertools.product(SYLLABLES[:16], SYLLABLES[16:32], SYLLABLES[32:48]):
    words.append(a + b + c)
    if len(words) == 4_096:
        break

out = pathlib.Path(__file__).resolve().parent.parent / "public" / "wordlist.txt"
out.write_text("\n".join(words) + "\n")
print(f"{len(words)} words -> {out}")
