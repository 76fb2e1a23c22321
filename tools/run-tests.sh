#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run the meson test suites of build directory $1 (further arguments go to
# `meson test`) and close with one summary line counting individual test
# cases: cmocka cases inside each unit-test program, other programs as one.
set -uo pipefail

builddir=$1
shift
meson test -C "$builddir" --print-errorlogs "$@"
rc=$?

python3 - "$builddir/meson-logs/testlog.json" <<'PY'
import json, re, sys
passed = failed = skipped = 0
with open(sys.argv[1]) as f:
    for line in f:
        t = json.loads(line)
        out = (t.get("stdout") or "") + (t.get("stderr") or "")
        p = re.findall(r"\[  PASSED  \] (\d+) test", out)
        fl = re.findall(r"\[  FAILED  \] (\d+) test", out)
        sk = re.findall(r"\[  SKIPPED \] (\d+) test", out)
        if p or fl or sk:
            passed += sum(map(int, p)); failed += sum(map(int, fl)); skipped += sum(map(int, sk))
            if t["result"] not in ("OK", "SKIP") and not fl:
                failed += 1     # crashed or timed out after some cases passed
        elif t["result"] == "OK":
            passed += 1
        elif t["result"] == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc
