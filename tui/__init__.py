"""The Textual control room (arrives with the control protocol; the engine never imports it)."""
