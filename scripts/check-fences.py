#!/usr/bin/env python3
"""Checks that every #include "..." in the libraries stays inside its folder's fence.

Each folder under common/, connectors/, mappings/, policies/ and gateway/ is one library; the
fences file (scripts/fences.txt) says which other folders each may include from. A crossing the
table does not allow fails the check with file:line, so a layering mistake is caught by ctest
instead of by the next person who tries to split the CMake libraries.

Usage: scripts/check-fences.py [--root DIR] [--fences FILE]
Exit status: 0 when every include is allowed, 1 on crossings, 2 when the fences file is wrong.
Standard library only: it runs wherever ctest runs.
"""

import argparse
import os
import re
import sys

SCANNED_ROOTS = ("common", "connectors", "mappings", "policies", "gateway")
SOURCE_SUFFIXES = (".h", ".cpp")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


class FencesError(Exception):
    """The fences file itself is malformed; the message names file:line."""


class Fences:
    def __init__(self):
        self.allowed = {}  # folder -> set of folders it may include from ("*" for any)
        self.temporary = {}  # (including file, included file) -> line in the fences file

    def folder_of(self, path):
        """The longest listed folder containing path, so connectors/odbc belongs to connectors."""
        directory = os.path.dirname(path)
        while directory:
            if directory in self.allowed:
                return directory
            directory = os.path.dirname(directory)
        return None

    def may_include(self, from_folder, to_folder):
        if from_folder == to_folder:
            return True
        allowed = self.allowed[from_folder]
        return "*" in allowed or to_folder in allowed


def read_fences(path):
    fences = Fences()
    section = None
    with open(path, encoding="utf-8") as lines:
        for number, raw in enumerate(lines, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            where = f"{path}:{number}"
            if line in ("[fences]", "[temporary]"):
                section = line
            elif section == "[fences]":
                folder, colon, targets = line.partition(":")
                folder = folder.strip()
                if not colon or not folder:
                    raise FencesError(f"{where}: expected 'folder: allowed folders...', got '{line}'")
                if folder in fences.allowed:
                    raise FencesError(f"{where}: folder '{folder}' is listed twice")
                fences.allowed[folder] = set(targets.split())
            elif section == "[temporary]":
                source, arrow, target = line.partition("->")
                if not arrow or not source.strip() or not target.strip():
                    raise FencesError(f"{where}: expected 'file -> included file', got '{line}'")
                fences.temporary[(source.strip(), target.strip())] = number
            else:
                raise FencesError(f"{where}: text before a [fences] or [temporary] section")
    for folder, targets in fences.allowed.items():
        unknown = sorted(t for t in targets if t != "*" and t not in fences.allowed)
        if unknown:
            raise FencesError(f"{path}: '{folder}' may include from unlisted folders: {unknown}")
    return fences


def resolve(root, including, name):
    """Project-relative path of an include: next to the including file first, as the compiler
    looks, then from the project root (the libraries' one include directory)."""
    beside = os.path.normpath(os.path.join(os.path.dirname(including), name))
    if os.path.isfile(os.path.join(root, beside)):
        return beside
    from_root = os.path.normpath(name)
    if os.path.isfile(os.path.join(root, from_root)) or from_root.split(os.sep)[0] in SCANNED_ROOTS:
        return from_root
    return None  # not ours (a system or generated header): outside every fence


def source_files(root):
    for top in SCANNED_ROOTS:
        for directory, subdirectories, files in os.walk(os.path.join(root, top)):
            subdirectories.sort()
            for name in sorted(files):
                if name.endswith(SOURCE_SUFFIXES):
                    yield os.path.relpath(os.path.join(directory, name), root)


def check(root, fences):
    """Returns (crossings, unused temporary exceptions), each a list of printable lines."""
    crossings = []
    used = set()
    for path in source_files(root):
        from_folder = fences.folder_of(path)
        if from_folder is None:
            crossings.append(f"{path}:1: its folder has no entry in the fences file; add one")
            continue
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                target = resolve(root, path, match.group(1))
                if target is None:
                    continue
                to_folder = fences.folder_of(target)
                if to_folder is None or fences.may_include(from_folder, to_folder):
                    continue
                if (path, target) in fences.temporary:
                    used.add((path, target))
                    continue
                crossings.append(f"{path}:{number}: {from_folder} may not include from "
                                 f"{to_folder} (\"{match.group(1)}\")")
    unused = [f"line {line}: {source} -> {target}"
              for (source, target), line in sorted(fences.temporary.items(), key=lambda e: e[1])
              if (source, target) not in used]
    return crossings, unused


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.dirname(here), help="the project root")
    parser.add_argument("--fences", default=os.path.join(here, "fences.txt"), help="the table")
    arguments = parser.parse_args()
    try:
        fences = read_fences(arguments.fences)
    except (OSError, FencesError) as error:
        print(f"check-fences: {error}", file=sys.stderr)
        return 2
    crossings, unused = check(arguments.root, fences)
    if unused:
        # Not a failure: the restructure empties the temporary section file by file.
        print(f"check-fences: temporary exceptions no longer needed, remove them from "
              f"{arguments.fences}:", file=sys.stderr)
        for entry in unused:
            print(f"  {entry}", file=sys.stderr)
    for crossing in crossings:
        print(crossing)
    if crossings:
        print(f"check-fences: {len(crossings)} include(s) cross a fence; move the code, or change "
              f"{arguments.fences} if the layering itself should change", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
