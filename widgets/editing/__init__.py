"""The open documents and their undo: one editor per cabinet, one undo stack per device, the Undo history panel."""
