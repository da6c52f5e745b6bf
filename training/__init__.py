"""Reproducible training and evaluation of stancekit's default models (development only, not in the wheel)."""
