"""Review material that leaves the team: the report (one builder for the window and the CLI)
and redaction of personal data."""
