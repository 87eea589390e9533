"""The cabinet grid: one cabinet drawn as the machine, its editing gestures, what a drag carries, history colours."""
