"""The main window and what it lends the collaborators it composes: its services, and the role gate."""
