"""Designing on a CVD database: open it, sync with it (progress and Cancel in the status bar), settle conflicts."""
