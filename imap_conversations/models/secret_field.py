"""A Char field whose column holds the value encrypted when a key is configured (services/secret_box.py).

The ORM cache holds what the column holds; the clear value exists only when the
field is read on a record. So every secret field of the credential model (and any
future one, such as OAuth tokens) is encrypted by declaring it a ``SecretChar``.
"""

from odoo import fields
from odoo.tools import SQL

from ..services import secret_box


class SecretChar(fields.Char):
    # A search on a secret would compare ciphertexts; nothing needs one.
    _description_searchable = False

    def convert_to_cache(self, value, record, validate=True):
        # Values from the database arrive in the cache without this conversion; what comes here
        # is what a write or a create sets: it is encrypted before it reaches the column.
        value = super().convert_to_cache(value, record, validate)
        return secret_box.encrypt(value) if value else value

    def convert_to_record(self, value, record):
        return secret_box.decrypt(super().convert_to_record(value, record))


def reencrypt_secrets(model):
    """Encrypt every stored secret of *model*'s table with the newest key; returns how many values changed.

    Works on the columns of its SecretChar fields, every row and company: callers check who may.
    Either every value is re-encrypted or, if one cannot be decrypted, none is (the error rolls back).
    """
    model.flush_model()
    names = [name for name, field in model._fields.items() if isinstance(field, SecretChar) and field.store]
    model.env.cr.execute(
        SQL(
            "SELECT id, %s FROM %s FOR UPDATE",
            SQL(", ").join(SQL.identifier(name) for name in names),
            SQL.identifier(model._table),
        )
    )
    updates = []
    for row_id, *values in model.env.cr.fetchall():
        for name, stored in zip(names, values, strict=True):
            new = secret_box.reencrypted(stored)
            if new is not None:
                updates.append((row_id, name, new))
    for row_id, name, new in updates:
        model.env.cr.execute(
            SQL("UPDATE %s SET %s = %s WHERE id = %s", SQL.identifier(model._table), SQL.identifier(name), new, row_id)
        )
    # Fields cache what was read through the old column values.
    model.env.invalidate_all()
    return len(updates)
