"""Test rig: the real servers (Dovecot, SMTP) and the Odoo test-tier runner."""
