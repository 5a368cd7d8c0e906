"""Outputs fed from one encode: RTMP push and local recording; see :mod:`rigcast.engine.output.base`."""
