"""Refresh the JavaScript the site serves itself (no CDN): Leaflet for the folium maps and the
Jupyter widgets HTML manager for embedded widget state.

The files come from the npm registry (``npm pack``) at the versions the Python packages expect:
folium 0.20.0 draws with Leaflet 1.9.3; ipywidgets 8.1.9 (controls 5.0.13) renders with
@jupyter-widgets/html-manager 1.0.15.  They are written to ``src/helpers/site/vendor/`` and copied
into the built site's ``_static/vendor/`` by ``secondlook book``.

Run ``python scripts/vendor_js.py`` (needs ``npm``); nothing is fetched at build or run time.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src" / "helpers" / "site" / "vendor"
PACKAGES = {
    "leaflet@1.9.3": ("leaflet", ["dist/leaflet.js", "dist/leaflet.css", "dist/images/*.png"]),
    "@jupyter-widgets/html-manager@1.0.15": (
        "html-manager",
        ["dist/embed.js", "dist/embed.js.LICENSE.txt", "dist/*.woff2", "dist/*.woff"],
    ),
}


def fetch(spec: str, folder: str, patterns: list[str], work: Path) -> None:
    """``npm pack`` one package and copy the files matching ``patterns`` into the vendor folder."""
    name = (
        subprocess.run(
            ["npm", "pack", spec, "--silent"], cwd=work, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    with tarfile.open(work / name) as tar:
        tar.extractall(work / folder, filter="data")
    package = work / folder / "package"
    out = VENDOR / folder
    shutil.rmtree(out, ignore_errors=True)
    for pattern in patterns:
        for path in sorted(package.glob(pattern)):
            target = out / path.relative_to(package / "dist")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    shutil.copyfile(
        package / "LICENSE" if (package / "LICENSE").exists() else package / "package.json",
        out / "LICENSE",
    )
    (out / "SOURCE.txt").write_text(f"npm package {spec} (registry.npmjs.org)\n")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        for spec, (folder, patterns) in PACKAGES.items():
            fetch(spec, folder, patterns, Path(tmp))
    print(f"vendored into {VENDOR}")
