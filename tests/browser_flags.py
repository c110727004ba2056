"""Headless Chromium as the browser tests and docs/screenshot.py launch it (one list of flags)."""

from __future__ import annotations

import os

# Debian's chromium (apt-get install chromium); QA_CHROMIUM points elsewhere.
CHROMIUM = os.environ.get("QA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
