"""Did a foreground ``rigcast stream`` do its job? One rule, for its exit status.

A run whose every publish was refused or unreachable is a failure a script must be able to
see, even though the engine itself ran fine until its ``--duration`` was up. The rule: when
the run has stream outputs, at least one of them must have gone live at some point; a
record-only run must have recorded. Each output that never got there gets one line saying
what it last was (``rejected by server``, ``reconnecting``: the server's reason, masked).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rigcast.config.kinds import Cap
from rigcast.config.model import OutputConfig
from rigcast.engine.vocab import OutputState, labelled
from rigcast.engine.vocab.reports import OutputStatus

WORKED = (OutputState.LIVE, OutputState.RECORDING)


@dataclass
class Outcomes:
    worked: set[str] = field(default_factory=set)  # outputs that were live or recording at some point
    last: dict[str, OutputStatus] = field(default_factory=dict)  # each one's last report that said something

    def note(self, rows: Iterable[OutputStatus]) -> None:
        for row in rows:
            if row.state in WORKED:
                self.worked.add(row.name)
            if row.error or row.name not in self.last or row.state not in (OutputState.STOPPING, OutputState.STOPPED,
                                                                           OutputState.OFF):
                self.last[row.name] = row

    def failures(self, outputs: Sequence[OutputConfig]) -> list[str]:
        """One line per output that never worked — empty when the run did its job."""
        streams = [o for o in outputs if o.has(Cap.STREAM)]
        judged = streams or list(outputs)
        if not judged or any(o.name in self.worked for o in judged):
            return []
        lines = []
        for o in judged:
            row = self.last.get(o.name)
            state = labelled(row.state, OutputState) if row is not None else "never started"
            why = f": {row.error}" if row is not None and row.error else ""
            what = "live" if o.has(Cap.STREAM) else "recording"
            lines.append(f"{o.name} ({o.describe()}) was never {what}; last {state}{why}")
        return lines
