"""Capture sources (window, display) behind one protocol; see :mod:`rigcast.engine.capture.base`."""
