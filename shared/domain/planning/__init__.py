"""The planning rules engine: pure functions from a member's profile and preferences (and, for class plans, the
client's catalog) to workout, nutrition and class plans that explain themselves and stay inside the limits of
limits.py. Nothing here reads the clock (but for `generatedAt`), the database or HTTP."""
