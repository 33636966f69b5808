#!/usr/bin/env python3
"""Unit test of scripts/check-fences.py on tiny fixture trees written to a temporary directory."""

import os
import subprocess
import sys
import tempfile
import unittest

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                       "check-fences.py")

FENCES = """
[fences]
common:
mappings: common
gateway/api: common mappings
gateway/admin: common mappings
gateway: *
[temporary]
"""


class CheckFencesTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.root = self.directory.name
        self.write("common/Error.h", "#pragma once\n")
        self.write("mappings/Field.h", '#pragma once\n#include "common/Error.h"\n')
        self.write("gateway/api/ApiHandler.h", '#pragma once\n#include "mappings/Field.h"\n')
        self.write("gateway/admin/AdminApi.h", "#pragma once\n#include <string>\n")
        self.write("gateway/main.cpp", '#include "gateway/api/ApiHandler.h"\n'
                                       '#include "gateway/admin/AdminApi.h"\n')

    def tearDown(self):
        self.directory.cleanup()

    def write(self, path, text):
        full = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as file:
            file.write(text)

    def run_checker(self, fences=FENCES):
        self.write("fences.txt", fences)
        return subprocess.run([sys.executable, CHECKER, "--root", self.root, "--fences",
                               os.path.join(self.root, "fences.txt")],
                              capture_output=True, text=True, check=False)

    def test_a_tree_inside_its_fences_passes(self):
        result = self.run_checker()
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout, "")

    def test_one_bad_include_fails_naming_file_line_and_crossing(self):
        self.write("gateway/api/ApiHandler.cpp", '#include "gateway/api/ApiHandler.h"\n\n'
                                                 '#include "gateway/admin/AdminApi.h"\n')
        result = self.run_checker()
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, 'gateway/api/ApiHandler.cpp:3: gateway/api may not include '
                                        'from gateway/admin ("gateway/admin/AdminApi.h")\n')

    def test_a_lower_library_including_a_higher_one_fails(self):
        self.write("common/Digest.cpp", '#include "mappings/Field.h"\n')
        result = self.run_checker()
        self.assertEqual(result.returncode, 1)
        self.assertIn("common/Digest.cpp:1: common may not include from mappings", result.stdout)

    def test_an_include_beside_the_file_resolves_to_its_folder(self):
        self.write("gateway/admin/AdminApi.cpp", '#include "AdminApi.h"\n#include "../api/ApiHandler.h"\n')
        result = self.run_checker()
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, 'gateway/admin/AdminApi.cpp:2: gateway/admin may not include '
                                        'from gateway/api ("../api/ApiHandler.h")\n')

    def test_a_subfolder_belongs_to_its_listed_parent(self):
        self.write("mappings/detail/Index.cpp", '#include "mappings/Field.h"\n#include "common/Error.h"\n')
        self.assertEqual(self.run_checker().returncode, 0)

    def test_a_temporary_entry_allows_exactly_that_crossing(self):
        self.write("gateway/api/ApiHandler.cpp", '#include "gateway/admin/AdminApi.h"\n')
        self.write("gateway/api/ClientCatalog.cpp", '#include "gateway/admin/AdminApi.h"\n')
        result = self.run_checker(FENCES + "gateway/api/ApiHandler.cpp -> gateway/admin/AdminApi.h\n")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, 'gateway/api/ClientCatalog.cpp:1: gateway/api may not include '
                                        'from gateway/admin ("gateway/admin/AdminApi.h")\n')

    def test_a_temporary_entry_no_longer_needed_is_named_but_does_not_fail(self):
        result = self.run_checker(FENCES + "gateway/api/Gone.cpp -> gateway/admin/AdminApi.h\n")
        self.assertEqual(result.returncode, 0)
        self.assertIn("gateway/api/Gone.cpp -> gateway/admin/AdminApi.h", result.stderr)

    def test_a_folder_without_an_entry_fails(self):
        self.write("policies/Mask.h", "#pragma once\n")
        result = self.run_checker()
        self.assertEqual(result.returncode, 1)
        self.assertIn("policies/Mask.h:1: its folder has no entry", result.stdout)

    def test_a_malformed_fences_file_is_reported_with_its_line(self):
        result = self.run_checker("[fences]\ncommon:\nmappings common\n")
        self.assertEqual(result.returncode, 2)
        self.assertIn("fences.txt:3: expected 'folder: allowed folders...'", result.stderr)

    def test_an_allowed_folder_that_is_not_listed_is_reported(self):
        result = self.run_checker("[fences]\ncommon:\nmappings: comon\n")
        self.assertEqual(result.returncode, 2)
        self.assertIn("'mappings' may include from unlisted folders: ['comon']", result.stderr)


if __name__ == "__main__":
    unittest.main()
