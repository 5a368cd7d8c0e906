"""The obs-websocket v5 server, so the OBS remote tools streamers own drive rigcast unchanged.

One module per concern: ``protocol`` (the spec's codes and field rules), ``codec`` (JSON or
MessagePack), ``auth`` (the password and the brake on guessing), ``events`` (engine state
changes as OBS events), ``requests`` (the registry, batches, status answers) and one module per
area of requests (``general``, ``scenes``, ``outputs``, ``inputs``) that registers them;
``server`` holds the sessions. A new request is a function in its area's module.
"""
