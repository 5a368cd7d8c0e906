"""The one-line-per-second status a foreground ``rigcast stream`` prints."""

from __future__ import annotations

from rigcast.engine.vocab import OutputState, SourceState, labelled
from rigcast.engine.vocab.reports import OutputStatus, VideoStats


def clock(seconds: float | None) -> str:
    s = int(seconds or 0)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _output(o: OutputStatus) -> str:
    state = labelled(o.state, OutputState)
    if o.retry_in_s is not None:
        state += f" (retry in {o.retry_in_s:.0f}s)"
    parts = [f"{o.name}: {state}"]
    if o.state in (OutputState.LIVE, OutputState.RECORDING):
        parts.append(f"{o.kbps:.0f} kbps")
        if o.queue_ms is not None:  # a network output: its delay, and the rate its encode makes now
            parts.append(f"queue {o.queue_ms} ms video {o.bitrate_kbps} kbps")
    if o.dropped:
        parts.append(f"dropped {o.dropped} ({o.dropped_pct:.1f}%)")
    if o.link is not None:  # the kind's own statistics (SRT's link, WebRTC's receiver reports)
        parts.append(o.link_summary())
    return " ".join(parts)


def status_line(st: VideoStats) -> str:
    outs = " | ".join(_output(o) for o in st.outputs)
    return (
        f"{clock(st.uptime_s)} fps {st.fps} repeated {st.repeated} skipped {st.skipped}"
        + (f" lagged {st.lagged}" if st.lagged else "")
        + f" | {st.encoder} {st.encode_ms:.1f}/{st.budget_ms:.1f} ms"
        + f" | {st.source.name}: {labelled(st.source.state, SourceState)}"
        + (f" | {outs}" if outs else "")
    )
