"""One output contract: every network kind's errors share engine/output/errors.py's hierarchy
and are mapped to a session outcome and a status line in one place (network.py's ``_session``);
what an output asks of its encode goes through one channel (engine/output/upstream.py).

The mapping is exercised through a real RTMP output whose session raises what each kind's
client raises; the end-to-end behaviour (rejected, busy, reconnecting, the profile switch) is
shown against nginx-rtmp, SRS-like listeners and aiortc in test_stream_e2e, test_busy, test_srt
and test_whip.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from rigcast.config.model import OutputConfig
from rigcast.engine.output import rtmp_client, srt_lib, whip, whip_http
from rigcast.engine.output.errors import BusyError, NetworkError, OutputError, RejectedError, SessionEnd
from rigcast.engine.output.rtmp import RtmpOutput
from rigcast.engine.output.upstream import Upstream

KIND_ERRORS = [
    (rtmp_client.RtmpNetworkError, NetworkError), (rtmp_client.RtmpRejected, RejectedError),
    (rtmp_client.RtmpBusy, BusyError), (srt_lib.SrtError, NetworkError), (srt_lib.SrtRejected, RejectedError),
    (whip_http.WhipNetworkError, NetworkError), (whip_http.WhipHttpFailed, NetworkError),
    (whip_http.WhipRejected, RejectedError), (whip._Lost, NetworkError),
]


@pytest.mark.parametrize("kind_error,base", KIND_ERRORS, ids=lambda c: c.__name__)
def test_each_kinds_errors_derive_from_the_shared_hierarchy(kind_error: type, base: type) -> None:
    assert issubclass(kind_error, base) and issubclass(kind_error, OutputError)


def test_a_refused_srt_connect_is_a_rejection_and_a_lost_one_the_networks() -> None:
    assert srt_lib.SrtRejected("bad secret", 4).END is SessionEnd.REJECTED  # SRT_REJ_BADSECRET
    assert srt_lib.SrtError("SRT send failed").END is SessionEnd.NETWORK
    assert srt_lib.SrtError.is_refusal(1403) and not srt_lib.SrtError.is_refusal(1)  # a server's code; a timeout


class _Raising(RtmpOutput):
    """A real RTMP output whose session ends by raising ``exc``: the loop's mapping is what runs."""

    exc: BaseException

    def session(self) -> SessionEnd:
        raise self.exc


@pytest.mark.parametrize("exc,end,line", [
    (rtmp_client.RtmpNetworkError("cannot connect to h:1935: refused"), SessionEnd.NETWORK,
     "network error: cannot connect to h:1935: refused"),
    (rtmp_client.RtmpRejected("server refused publish: NetStream.Publish.BadName"), SessionEnd.REJECTED,
     "rejected by server: server refused publish: NetStream.Publish.BadName"),
    (rtmp_client.RtmpBusy("stream busy on server: BadName"), SessionEnd.BUSY, "stream busy on server: BadName"),
    (srt_lib.SrtRejected("Password required or unexpected (SRT reject reason 4)", 4), SessionEnd.REJECTED,
     "rejected by server: Password required or unexpected (SRT reject reason 4)"),
    (whip_http.WhipRejected("401 Unauthorized (check the Bearer token in token_env)"), SessionEnd.REJECTED,
     "rejected by server: 401 Unauthorized (check the Bearer token in token_env)"),
    (TimeoutError(), SessionEnd.NETWORK, "network error: TimeoutError"),
    (ConnectionResetError("reset by peer\x1b[31m"), SessionEnd.NETWORK, "network error: reset by peer"),  # the escape gone
])
def test_one_boundary_maps_every_kinds_errors_to_an_outcome_and_a_line(exc: BaseException, end: SessionEnd,
                                                                        line: str) -> None:
    out = _Raising(OutputConfig("live", "rtmp", url="rtmp://127.0.0.1/live/k"), None)
    out.exc = exc
    assert out._session() is end
    assert out.error == line


def test_a_bug_is_not_taken_for_the_network() -> None:
    out = _Raising(OutputConfig("live", "rtmp", url="rtmp://127.0.0.1/live/k"), None)
    out.exc = KeyError("oops")
    with pytest.raises(KeyError):
        out._session()


def test_the_upstream_channel_carries_a_keyframe_a_bitrate_and_a_profile() -> None:
    shared = threading.Event()
    up = Upstream(shared)
    up.want_keyframe()
    assert shared.is_set(), "the encode's own keyframe event, shared by its outputs"
    up.want_kbps(1200)
    assert up.kbps == 1200

    answers: list[Any] = []
    asking = threading.Thread(target=lambda: answers.append(up.want_profile("baseline", 10)))
    asking.start()
    while (wanted := up.profile_asked()) is None:
        threading.Event().wait(0.01)
    assert wanted == "baseline" and up.profile_asked() is None, "asked once"
    up.answer_profile("the encode is shared with record; set video.profile")
    asking.join(10)
    assert answers == ["the encode is shared with record; set video.profile"]

    assert up.want_profile("baseline", 0.05) == "the encoder did not switch to baseline in time"
    assert up.profile_asked() is None, "an unanswered ask is withdrawn"
