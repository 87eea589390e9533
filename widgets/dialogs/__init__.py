"""The window's dialogs: settings, users, a cabinet's versions, and the first run's demo fleet."""
