"""The imapclient releases every test tier runs with: one directory per supported major.

The engine supports imapclient 3.x and 4.x (engine/imapclient_support.py), and an Odoo
server may have either. Each major is installed with ``pip install --target`` into a
directory of its own under .imapclient/ (named after its requirement, never changed once
made), which the engine-tier pass and the Odoo process of that major put first on
PYTHONPATH. Neither .venv nor Odoo's interpreter is touched, so runs in parallel (and other
checkouts using the same Odoo) are not disturbed.

    python3 -m rig.imapclient_versions ensure      # installs what is missing, prints MAJOR=DIR lines
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOT = REPO / ".imapclient"
#: Each supported major, newest release of it at the time its directory is made.
REQUIREMENTS = {
    "3": "imapclient>=3.0.1,<4",
    "4": "imapclient>=4,<5",
}
#: Set by scripts/run-tests for each pytest pass: the major that pass runs the engine with.
ENV_MAJOR = "IMAP_CONVERSATIONS_IMAPCLIENT_MAJOR"


def target_dir(major):
    requirement = REQUIREMENTS[major]
    return ROOT / f"{major}-{hashlib.sha1(requirement.encode()).hexdigest()[:10]}"


def ensure(major, pip=None):
    """The directory holding imapclient *major*, installed there first if needed.

    Installed into a temporary directory and renamed into place: a concurrent run either
    sees a complete directory or none, and the loser of a race drops its copy.
    """
    target = target_dir(major)
    if target.is_dir():
        return target
    ROOT.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{major}-", dir=ROOT))
    staging.chmod(0o755)  # mkdtemp's 0700 would keep out an Odoo running as another user
    try:
        subprocess.run(
            [
                *(pip or [sys.executable, "-m", "pip"]),
                "install",
                "-q",
                "--disable-pip-version-check",
                "--no-deps",
                "--target",
                str(staging),
                REQUIREMENTS[major],
            ],
            check=True,
        )
        try:
            os.rename(staging, target)
        except OSError:
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def env_for(major, environ=None):
    """*environ* (default: this process's) with imapclient *major* first on PYTHONPATH."""
    environ = dict(os.environ if environ is None else environ)
    paths = [str(ensure(major)), *filter(None, environ.get("PYTHONPATH", "").split(os.pathsep))]
    environ["PYTHONPATH"] = os.pathsep.join(paths)
    return environ


def version_seen_by(python, environ):
    """``(version, file)`` of the imapclient that *python* imports with *environ*."""
    probe = "import imapclient; print(imapclient.__version__); print(imapclient.__file__)"
    result = subprocess.run([python, "-c", probe], env=environ, capture_output=True, text=True, check=True, timeout=120)
    version, file = result.stdout.split()
    return version, file


def main(argv):
    if argv[1:] != ["ensure"]:
        print(__doc__, file=sys.stderr)
        return 2
    for major in REQUIREMENTS:
        print(f"{major}={ensure(major)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
