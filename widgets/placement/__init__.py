"""The placement model's help while designing: its training, the heat map and score while dragging, Fill empty slots."""
