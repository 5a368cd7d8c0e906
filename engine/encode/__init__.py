"""Video/audio encoders behind one registry; the choice logic is in :mod:`rigcast.engine.encode.select`."""
