"""Make sure the Debian packages a make target needs are present (Qt's libraries, tools).

    python3 packaging/system_deps.py [--optional] PACKAGE...

Installs the missing ones when running as root on a Debian-like system; otherwise prints the
exact apt-get line to run and exits non-zero so that `make` stops with a clear reason. With
--optional (tools whose tests skip without them) it only says what is missing and goes on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def missing_packages(names: list[str]) -> list[str]:
    missing = []
    for name in names:
        probe = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name],
            capture_output=True,
            text=True,
            check=False,
        )
        if "install ok installed" not in probe.stdout:
            missing.append(name)
    return missing


def main(names: list[str]) -> int:
    optional = "--optional" in names
    names = [name for name in names if name != "--optional"]
    if not shutil.which("dpkg-query"):
        # Not Debian: the Qt wheels' own libraries are assumed present (macOS, Windows, others).
        return 0
    missing = missing_packages(names)
    if not missing:
        return 0
    line = "apt-get install -y --no-install-recommends " + " ".join(missing)
    if os.geteuid() != 0:
        if optional:
            print(f"note: {' '.join(missing)} missing; the tests that need them are skipped "
                  f"(as root: apt-get install {' '.join(missing)})", file=sys.stderr)
            return 0
        print("System packages are missing. Run as root:", file=sys.stderr)
        print(f"    apt-get update && {line}", file=sys.stderr)
        return 1
    print(f"Installing: {' '.join(missing)}", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                   check=True, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
