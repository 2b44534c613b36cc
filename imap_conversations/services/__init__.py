"""Sync services: plain Python over the ORM, used by the models' buttons and crons."""
