"""Audio: capture workers (soundcard), the shared-memory sample ring, the mixer."""
