"""The planogram domain and the editor's logic, in pure Python (no Qt, no database)."""
