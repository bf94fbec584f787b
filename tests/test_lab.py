"""`make lab`: JupyterLab on the county notebooks, with the project and the widgets installed."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_make_lab_opens_jupyterlab_on_the_notebooks() -> None:
    dry = subprocess.run(
        ["make", "--no-print-directory", "-n", "lab"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    commands = [line for line in dry.stdout.splitlines() if "jupyter lab" in line]
    assert len(commands) == 1 and "/lab/tree/notebooks" in commands[0]
    assert "Jupytext Notebook" in dry.stdout  # MyST notebooks open as notebooks


def test_jupyterlab_and_the_widgets_are_pinned() -> None:
    lock = (ROOT / "requirements.lock").read_text().splitlines()
    for pin in ("jupyterlab==4.6.4", "ipywidgets==8.1.9", "folium==0.20.0", "seaborn==0.13.2"):
        assert pin in lock


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_jupyterlab_serves_the_notebooks(tmp_path: Path) -> None:
    """The server `make lab` starts answers, lists the county notebooks and opens one as a notebook."""
    port, token = _free_port(), "secondlook-test"
    jupyter = ROOT / ".venv" / "bin" / "jupyter"
    args = [
        str(jupyter),
        "lab",
        "--no-browser",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}",
        "--ServerApp.ip=127.0.0.1",
        "--allow-root",
    ]
    env = {"JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    import os

    proc = subprocess.Popen(
        args, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}/api/contents/notebooks?token={token}"
        listing = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    listing = json.load(r)
                break
            except OSError:
                time.sleep(0.5)
        assert listing is not None, "JupyterLab did not start"
        names = {item["name"] for item in listing["content"]}
        assert {"02-score.md", "04-bias-audit.md"} <= names
        # jupytext's contents manager opens the MyST file as a notebook with its widget cell.
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/contents/notebooks/02-score.md?type=notebook&token={token}",
            timeout=10,
        ) as r:
            nb = json.load(r)["content"]
        sources = "".join(c["source"] for c in nb["cells"])
        assert "report.widgets.weights_explorer(ctx)" in sources
    finally:
        proc.terminate()
        proc.wait(timeout=20)
