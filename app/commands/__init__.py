"""Headless verbs of the `shaplens` command, one module each (see app/cli.py)."""
