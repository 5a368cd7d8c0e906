from __future__ import annotations

from rigcast.engine.cli import main

raise SystemExit(main())
