"""The packet_file output's implementation: a thread in the video process, fed the same encoded
packets as every other output. ``QueuedOutput`` gives it its queue (a slow disk fills only this
output's queue, never stalls the encoder), keyframe gating, rebased time, pause and status;
``run()`` is what the kind does with the packets."""

from __future__ import annotations

from pathlib import Path

import av

from rigcast.engine.output.base import QueuedOutput
from rigcast.engine.vocab import OutputState


class PacketFileOutput(QueuedOutput):
    def target(self) -> str:
        return str(Path(self.cfg.settings.path).expanduser())

    def run(self) -> None:
        container = None
        try:
            container = av.open(self.target(), "w", format="mpegts")
            streams = self.open_streams(container)  # video, then one audio stream per track
            self.new_session()  # from the next keyframe, at time 0
            self.state = OutputState.RECORDING
            for kind, packet in self.ready_packets(lambda: None):
                packet.stream = streams[kind]
                container.mux(packet)
        except (OSError, av.FFmpegError) as e:
            self.error = f"could not write packets: {e}"  # shown in status, the TUI and the link
            self.state = OutputState.ERROR
            self.accepting = False
        finally:
            if container is not None:
                container.close()
        if self.state != OutputState.ERROR:
            self.state = OutputState.STOPPED
