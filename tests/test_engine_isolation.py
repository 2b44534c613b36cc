"""The engine stands alone: it imports and works with Odoo made unimportable."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import engine

ADDON = Path(engine.__file__).resolve().parent.parent


def test_every_engine_module_imports_without_odoo():
    # Subpackages too (engine/mime); walk_packages imports each package it lists, engine is already imported.
    modules = sorted(m.name.removeprefix("engine.") for m in pkgutil.walk_packages(engine.__path__, "engine."))
    assert {"errors", "transport", "folders", "mime", "mime.charsets"} <= set(modules)
    script = (
        "import sys\n"
        "sys.modules['odoo'] = None  # any 'import odoo...' now raises ImportError\n"
        f"sys.path.insert(0, {str(ADDON)!r})\n"
        "import importlib\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module('engine.' + name)\n"
        "assert not any(m == 'odoo' or m.startswith('odoo.') for m in sys.modules if sys.modules[m])\n"
        "print('ok', len(sys.argv))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


def test_no_engine_source_mentions_an_odoo_import():
    for path in Path(engine.__file__).parent.rglob("*.py"):
        for line in path.read_text().splitlines():
            stripped = line.strip()
            assert not stripped.startswith(("import odoo", "from odoo")), f"{path.name}: {line}"
