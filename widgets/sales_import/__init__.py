"""File → Import sales…: a telemetry export previewed, mapped, matched, imported with progress, and summarised."""
