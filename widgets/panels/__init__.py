"""The panels around the cabinets: the fleet's devices, the product palette, the slot inspector, and Claude's
explanations."""
