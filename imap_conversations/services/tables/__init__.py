"""The tables the sync writes in bulk, one module each: the only place their SQL is written.

Each module names its table's columns once and builds rows by column name, so a column added
to the model is added here, and nowhere else has to count positions. The ORM does not see these
statements: callers flush what they read before and invalidate what they wrote after (see
services/locations.py and services/message_importer.py).
"""
