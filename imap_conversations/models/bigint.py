"""A 64-bit integer field.

IMAP's UIDVALIDITY and UIDs are unsigned 32-bit numbers and HIGHESTMODSEQ is
63-bit: Odoo's Integer is a signed int4 and would overflow on real servers.
"""

from odoo import fields


class BigInteger(fields.Integer):
    _column_type = ("int8", "int8")
