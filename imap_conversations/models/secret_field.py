"""A Char field whose column holds the value encrypted when a key is configured (services/secret_box.py).

The ORM cache holds what the column holds; the clear value exists only when the
field is read on a record. So every secret field of the credential model (and any
future one, such as OAuth tokens) is encrypted by declaring it a ``SecretChar``.
"""

from odoo import fields

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
