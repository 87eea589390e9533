"""Local models and the seed's five AI services, in pure Python (no Qt).

Every number the app shows comes from here; Claude only explains.
"""
