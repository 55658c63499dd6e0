#!/usr/bin/env python3
"""The layering check: every #include "x.h" in a layer's folder must name a
header of that layer or of a layer it links (directly or through others),
as CMakeLists.txt's otw_layer() calls declare them; protocols/ includes only
its own headers. Prints each violation as FILE:LINE and exits 1 if any.

usage: layers.py SOURCE_DIR"""
import os
import re
import sys


def layers(top):
    """{library: (folder, [linked libraries])} from CMakeLists.txt."""
    text = open(os.path.join(top, "CMakeLists.txt")).read()
    out = {"otwproto": ("protocols", [])}
    for m in re.finditer(r"^otw_layer\((\w+)\s+(\S+)([^)]*)\)", text, re.M):
        deps = [d for d in re.findall(r"\botw\w+", m.group(3))]
        out[m.group(1)] = (m.group(2), deps)
    return out


def reachable(lib, table, seen=None):
    seen = set() if seen is None else seen
    for dep in table.get(lib, ("", []))[1]:
        if dep not in seen:
            seen.add(dep)
            reachable(dep, table, seen)
    return seen


def main():
    top = sys.argv[1]
    table = layers(top)
    header_home = {}  # header name -> library owning it
    for lib, (folder, _) in table.items():
        path = os.path.join(top, folder)
        for name in os.listdir(path):
            if name.endswith(".h"):
                header_home[name] = lib
    bad = 0
    for lib, (folder, _) in sorted(table.items()):
        allowed = reachable(lib, table) | {lib}
        path = os.path.join(top, folder)
        for name in sorted(os.listdir(path)):
            if not name.endswith((".c", ".h")):
                continue
            for no, line in enumerate(open(os.path.join(path, name), errors="replace"), 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m:
                    continue
                home = header_home.get(os.path.basename(m.group(1)))
                if home is None:
                    if lib == "otwproto":
                        print(f"{folder}/{name}:{no}: protocols/ includes only its own headers "
                              f"and libc: {m.group(1)}")
                        bad += 1
                    continue  # generated or system header
                if home not in allowed:
                    print(f"{folder}/{name}:{no}: {table[lib][0]}/ may not include "
                          f"{table[home][0]}/{m.group(1)} (against the layer direction)")
                    bad += 1
    n = len(table)
    if bad:
        print(f"FAIL: {bad} include(s) against the layer direction")
        return 1
    print(f"PASS: {n} layers, every include follows the direction")
    return 0


if __name__ == "__main__":
    sys.exit(main())
