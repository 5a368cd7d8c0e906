"""The engine's control protocol: the command bus, its websocket server and clients."""
