"""The addon's layers import downwards only: models use services, services never import models.

A service importing a model module imports ``models/__init__`` and so every model, which imports
the services again: a cycle that shows only in the import order Odoo happens to use.
"""

from pathlib import Path

import engine

SERVICES = Path(engine.__file__).resolve().parent.parent / "services"


def test_no_service_imports_a_model_module():
    offenders = [
        f"{path.name}: {line.strip()}"
        for path in sorted(SERVICES.rglob("*.py"))
        for line in path.read_text().splitlines()
        if line.strip().startswith(("from ..models", "from ...models", "import odoo.addons.imap_conversations.models"))
    ]
    assert not offenders, "services import models: " + "; ".join(offenders)
