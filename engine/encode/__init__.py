"""Video/audio encoders behind one registry; the choice logic is in :mod:`engine.encode.select`."""
