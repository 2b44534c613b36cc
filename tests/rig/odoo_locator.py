"""Finding an Odoo 18 to run the addon's own tests in.

Looked for, in this order (the first that names something wins):

1. environment variables ``IMAP_CONVERSATIONS_ODOO_BIN`` (an ``odoo-bin``) and,
   optionally, ``IMAP_CONVERSATIONS_ODOO_PYTHON`` (the interpreter that runs it);
2. the file ``~/.config/imap_conversations/odoo.conf``::

       [odoo]
       odoo_bin = /opt/odoo18/odoo-bin
       python = /opt/odoo18-venv/bin/python
       # optional, for a PostgreSQL not on the local socket:
       db_host = 127.0.0.1
       db_port = 5432
       db_user = odoo
       db_password = odoo

   (CI runs on the same machine without your shell's variables: this file is
   what it finds);
3. an ``odoo`` package importable by the interpreter running the tests.

Whatever is found must really be Odoo 18, or it is reported as unusable.
"""

import configparser
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_FILE = Path.home() / ".config" / "imap_conversations" / "odoo.conf"
ENV_BIN = "IMAP_CONVERSATIONS_ODOO_BIN"
ENV_PYTHON = "IMAP_CONVERSATIONS_ODOO_PYTHON"

_PROBE = (
    "import json, os, odoo, odoo.release as r; "
    "print(json.dumps({'version': list(r.version_info[:2]), "
    "'addons': os.path.join(os.path.dirname(odoo.__file__), 'addons')}))"
)


class OdooNotFound(Exception):
    """No usable Odoo 18: the message says what was looked for and why it failed."""


@dataclass
class OdooInstall:
    python: str
    #: The command (after the interpreter) that starts Odoo.
    entry: list
    addons_dir: str
    source: str
    db_options: dict = field(default_factory=dict)

    def command(self, *args):
        return [self.python, *self.entry, *args]


def _from_config_file():
    if not CONFIG_FILE.exists():
        return None
    parser = configparser.ConfigParser()
    parser.read(CONFIG_FILE)
    if not parser.has_section("odoo"):
        raise OdooNotFound(f"{CONFIG_FILE} has no [odoo] section")
    section = parser["odoo"]
    odoo_bin = section.get("odoo_bin", "").strip()
    if not odoo_bin:
        raise OdooNotFound(f"{CONFIG_FILE} does not set odoo_bin")
    db = {
        k: section.get(k).strip()
        for k in ("db_host", "db_port", "db_user", "db_password")
        if section.get(k, "").strip()
    }
    return odoo_bin, section.get("python", "").strip() or sys.executable, f"config file {CONFIG_FILE}", db


def _probe(python, entry, source, cwd=None, db=None):
    try:
        result = subprocess.run(
            [python, "-c", _PROBE], capture_output=True, text=True, timeout=120, cwd=cwd, check=False
        )
    except OSError as exc:
        raise OdooNotFound(f"{source}: cannot run {python}: {exc}") from exc
    if result.returncode != 0:
        tail = result.stderr.strip().splitlines()[-1:] or ["no output"]
        raise OdooNotFound(f"{source}: 'import odoo' failed with {python}: {tail[0]}")
    info = json.loads(result.stdout.strip().splitlines()[-1])
    if info["version"][0] != 18:
        raise OdooNotFound(f"{source}: found Odoo {info['version'][0]}, this addon needs Odoo 18")
    return OdooInstall(python, entry, info["addons"], source, db or {})


def locate():
    """The Odoo 18 to use, or :class:`OdooNotFound` saying why there is none."""
    if os.environ.get(ENV_BIN):
        odoo_bin = os.environ[ENV_BIN]
        python = os.environ.get(ENV_PYTHON) or sys.executable
        source, db = f"${ENV_BIN}", {}
    else:
        found = _from_config_file()
        if found:
            odoo_bin, python, source, db = found
        elif importlib.util.find_spec("odoo") is not None:
            return _probe(sys.executable, ["-m", "odoo"], "the test interpreter's 'odoo' package")
        else:
            raise OdooNotFound(
                f"no Odoo 18 found: set {ENV_BIN} (and {ENV_PYTHON}), or write {CONFIG_FILE}, or make 'odoo' importable"
            )
    if not Path(odoo_bin).is_file():
        raise OdooNotFound(f"{source}: {odoo_bin} does not exist")
    return _probe(python, [odoo_bin], source, cwd=str(Path(odoo_bin).resolve().parent), db=db)
