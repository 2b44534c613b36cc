"""Shell access to the Odoo locator, for scripts/run-tests and scripts/run-odoo.

python3 -m rig.odoo_cli locate           # prints shell assignments, or exits 3 saying why not
python3 -m rig.odoo_cli ensure-postgres  # starts the local cluster and our role when needed
"""

import shlex
import sys

from rig import odoo_locator, odoo_runner


def main(argv):
    command = argv[1] if len(argv) > 1 else ""
    try:
        install = odoo_locator.locate()
    except odoo_locator.OdooNotFound as exc:
        print(f"# {exc}", file=sys.stderr)
        return 3
    if command == "locate":
        print(f"ODOO_PYTHON={shlex.quote(install.python)}")
        print(f"ODOO_COMMAND=({' '.join(shlex.quote(a) for a in install.command())})")
        print(f"ODOO_ADDONS_DIR={shlex.quote(install.addons_dir)}")
        print(f"ODOO_DB_ARGS=({' '.join(shlex.quote(a) for a in odoo_runner.db_args(install))})")
        return 0
    if command == "ensure-postgres":
        odoo_runner.ensure_postgres(install)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
