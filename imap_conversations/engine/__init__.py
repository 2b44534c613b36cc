"""The sync engine: IMAP and MIME in, plain records out.

Pure Python on purpose: it never imports ``odoo`` (a test and a lint rule keep
it that way), so it is tested against a real IMAP server without a database,
and the Odoo models only persist what it returns.
"""
