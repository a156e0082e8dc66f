"""Sizes shared by the package."""
HIDDEN = 12
