"""Capture sources (window, display) behind one protocol; see :mod:`engine.capture.base`."""
