"""Qt views of the planogram designer: thin widgets that show what storage, designer and ai compute."""
