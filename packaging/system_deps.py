"""Make sure the Debian packages Qt needs are present before anything starts Qt.

Installs the missing ones when running as root on a Debian-like system; otherwise prints the
exact apt-get line to run and exits non-zero so that `make` stops with a clear reason.
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
    if not shutil.which("dpkg-query"):
        # Not Debian: the Qt wheels' own libraries are assumed present (macOS, Windows, others).
        return 0
    missing = missing_packages(names)
    if not missing:
        return 0
    line = "apt-get install -y --no-install-recommends " + " ".join(missing)
    if os.geteuid() != 0:
        print("Qt needs system libraries that are missing. Run as root:", file=sys.stderr)
        print(f"    apt-get update && {line}", file=sys.stderr)
        return 1
    print(f"Installing the libraries Qt needs: {' '.join(missing)}", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                   check=True, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
