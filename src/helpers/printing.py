"""Printing HTML to PDF with Debian's headless ``chromium`` (no network, no header or footer)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from helpers.errors import InputError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-pdf-header-footer",
)
"""Flags of every print: headless, no network services, no extensions, no page header or footer."""


def page_count(pdf: bytes) -> int:
    """Pages of a PDF (its ``/Type /Page`` objects)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def print_pdf(html_text: str, out: Path) -> Path:
    """Print a self-contained HTML page to ``out`` with headless chromium."""
    browser = shutil.which(CHROMIUM) or shutil.which("chromium")
    if not browser:
        raise InputError(f"{CHROMIUM} is missing: install Debian's chromium to print the PDF")
    out = Path(out).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html_text, encoding="utf-8")
        cmd = [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp}/profile",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not out.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise InputError(f"chromium could not print the PDF: {last}", file=str(out))
    return out
