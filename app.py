"""Followthrough's composition root, as a checkout runs it: ``python app.py [bot|worker|doctor|policy|audit|shadow]``.

The Procfile's ``bot: python app.py`` and ``worker: python app.py worker`` run it from a checkout; an installed
package runs the same ``main`` as the ``followthrough`` console script. The settings, the wiring and the processes
live in the ``followthrough`` package (see its ``__init__``); this file only re-exports what tests and benchmarks
import from it, and is never installed (a wheel has no top-level ``app`` module).
"""

from __future__ import annotations

import sys

from followthrough.cli import main
from followthrough.settings import (
    AuditSettings,
    ConfigurationError,
    Settings,
    load_settings,
    salesforce_login,
)
from followthrough.shipped import DEFAULT_POLICY
from followthrough.wiring import build_extractor, build_runtime, record_policy_at_start, utc_now

_extractor = build_extractor  # the name tests used before the package existed

__all__ = [
    "DEFAULT_POLICY",
    "AuditSettings",
    "ConfigurationError",
    "Settings",
    "_extractor",
    "build_extractor",
    "build_runtime",
    "load_settings",
    "main",
    "record_policy_at_start",
    "salesforce_login",
    "utc_now",
]

if __name__ == "__main__":
    sys.exit(main())
