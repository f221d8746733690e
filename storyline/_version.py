"""Storyline's version, in a leaf module: nothing needs the package face to read it."""

__version__ = "0.1.0"
