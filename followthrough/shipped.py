"""The files Followthrough carries beside its code: the default policy and the Slack app manifest.

In a checkout they live where people look for them (``policies/default.yml``, ``manifest.yml``); an installed wheel
carries copies in ``followthrough/data/`` (``setup.py`` copies them in at build time), so the installed command
finds them without a checkout. The package's copy wins when both exist: an installed package never reads a
checkout that happens to sit beside it.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent

SHIPPED = {"default.yml": "policies/default.yml", "manifest.yml": "manifest.yml"}
"""Each file of ``followthrough/data/`` in a wheel, and where it comes from in a checkout (read by setup.py)."""


def shipped_file(name: str) -> Path:
    """The path of a shipped file: the installed package's copy, else the checkout's original."""
    packaged = PACKAGE_DIR / "data" / name
    return packaged if packaged.is_file() else CHECKOUT_DIR / SHIPPED[name]


DEFAULT_POLICY = shipped_file("default.yml")
MANIFEST = shipped_file("manifest.yml")
