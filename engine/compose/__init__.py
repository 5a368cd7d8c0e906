"""Scenes on the canvas: where each item goes (layout) and how the pixels get there (compositor)."""
