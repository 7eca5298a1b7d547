"""What the Matrix adapter keeps between runs, in one JSON file in the data directory.

The sync token is what makes a restart resume instead of re-reading history (no duplicate
welcomes); the device id keeps the same device, so the homeserver's `txn_id` de-duplication and
the end-to-end crypto store stay valid; the DM and group rooms are reused instead of opening a
new room per message. Secrets are never stored here.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_FILE = "state.json"


@dataclass
class MatrixState:
    user_id: str = ""
    device_id: str = ""
    next_batch: str = ""
    not_before_ms: int = 0
    """When this bot first started here: anything older is history it must not answer."""
    direct: dict[str, str] = field(default_factory=dict)
    """Member id -> the DM room Porch uses with them."""
    groups: dict[str, str] = field(default_factory=dict)
    """Sorted, comma-joined member ids -> the group room Porch opened for them."""

    @classmethod
    def load(cls, directory: Path) -> MatrixState:
        """The stored state, or a fresh one when there is none (a first start)."""
        path = directory / STATE_FILE
        if not path.is_file():
            return cls()
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def save(self, directory: Path) -> None:
        """Write atomically (temp file, fsync, rename), so a crash never leaves half a file."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / STATE_FILE
        partial = path.with_suffix(".tmp")
        with partial.open("w", encoding="utf-8") as handle:
            json.dump(asdict(self), handle, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
