"""Sync with a real CVD database: its schema as the CVD web app writes it, the mapping, pull, push and queue."""
