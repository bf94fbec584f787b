"""Build the public website (Jupyter Book 1.x) from the outputs of the main job.

``prepare_site`` writes everything the pages include into ``book/generated/`` (gitignored): ingest
tables, the versions table, the dashboards' and playground's chart specs (aggregated, suppressed and
pseudonymised data only), the county index, and a table of contents that adds the executed county
notebooks.  ``build_book`` runs Jupyter Book with warnings as errors into ``_build/html`` and checks
that the result needs no network.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from helpers.errors import InputError
from helpers.privacy import SMALL_CELL, suppress

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ("05-county-report", "01-clean", "02-score", "03-model", "04-bias-audit")
COUNTY_INDEX_PAGE = "book/county-reports"
COMMITMENT_DIMS = ["county", "sentence_type", "offense_category", "eligibility"]
DEMOGRAPHIC_DIMS = ["county", "race_group", "age_band", "eligibility"]


# --------------------------------------------------------------------------------------------------
# Tables the method pages include
# --------------------------------------------------------------------------------------------------


def write_ingest_tables(processed: Path, out: Path) -> None:
    """Ingest summary and quarantine reasons (method/data page)."""
    manifest_path = Path(processed) / "manifest.json"
    if not manifest_path.exists():
        raise InputError("no manifest.json: run `secondlook ingest` first", file=str(processed))
    manifest = json.loads(manifest_path.read_text())
    summary = pd.DataFrame(manifest["inputs"])
    summary["file"] = summary["file"].map(lambda p: Path(p).name)
    summary = summary[["file", "kind", "rows_in", "kept", "quarantined", "sha256"]]
    summary["sha256"] = summary["sha256"].str.slice(0, 12)
    summary.columns = ["File", "Kind", "Rows in", "Kept", "Quarantined", "SHA-256 (first 12)"]
    summary.to_csv(out / "ingest_summary.csv", index=False)
    reasons = pd.Series(manifest.get("quarantine_reasons", {}), dtype="int64")
    table = pd.DataFrame({"Reason": reasons.index, "Rows": reasons.to_numpy()})
    if table.empty:
        table = pd.DataFrame({"Reason": ["(none: every row was kept)"], "Rows": [0]})
    table.to_csv(out / "quarantine_reasons.csv", index=False)


def versions_table(shared_manifest: dict[str, Any]) -> pd.DataFrame:
    """Code, data and library versions of this build (changelog page)."""
    rows = [
        ("secondlook version", shared_manifest.get("versions", {}).get("secondlook", "")),
        ("Git commit", shared_manifest.get("git_commit", "")),
        ("Results computed", shared_manifest.get("created", "")),
        ("Site built", datetime.now().isoformat(timespec="seconds")),
        ("Data as of", shared_manifest.get("as_of", "")),
        ("Random seed", shared_manifest.get("seed", "")),
        ("People in the input", shared_manifest.get("people", "")),
        ("Rows quarantined", shared_manifest.get("quarantined_rows", "")),
    ]
    rows += [(f"Input {name} (SHA-256)", sha) for name, sha in shared_manifest["inputs"].items()]
    rows += [(f"Library {name}", v) for name, v in shared_manifest.get("versions", {}).items()]
    return pd.DataFrame(rows, columns=["Item", "Value"]).astype({"Value": "string"})


# --------------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------------


def _write_json(path: Path, spec: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec, separators=(",", ":"), allow_nan=False), encoding="utf-8")
    return path


def county_pages(book_dir: Path) -> dict[str, str]:
    """County name → its report folder (slug), for counties whose five notebooks all exist."""
    from helpers.pipeline import all_counties, county_slug

    pages = {}
    for county in all_counties():
        folder = book_dir / "counties" / county_slug(county)
        if all((folder / f"{name}.ipynb").exists() for name in NOTEBOOKS):
            pages[county] = county_slug(county)
    return pages


def write_dashboards(statewide: pd.DataFrame, out: Path, links: dict[str, str]) -> list[Path]:
    """The two statewide dashboards' specs (suppressed count cubes)."""
    from helpers import dashboard as dash

    people = dash.person_dimensions(statewide)
    label = "Passes the statewide screen"
    age_order = tuple(b[2] for b in __import__("helpers.report").report.AGE_BANDS) + ("unknown",)
    specs = {
        "commitments": (
            COMMITMENT_DIMS,
            [
                dash.Facet("offense_category", "Offense category"),
                dash.Facet("sentence_type", "Sentence type"),
            ],
            "Current commitments by county, offense category and sentence type",
        ),
        "demographics": (
            DEMOGRAPHIC_DIMS,
            [dash.Facet("race_group", "Race/ethnicity"), dash.Facet("age_band", "Age", age_order)],
            "People in prison by county, race/ethnicity and age",
        ),
    }
    written = []
    for name, (dims, facets, title) in specs.items():
        cube = dash.suppress_cube(dash.count_cube(people, dims), dims)
        spec = dash.dashboard_spec(
            cube,
            dims,
            facets,
            title=title,
            screen_label=label,
            county_links={
                c: f"../counties/{slug}/05-county-report.html" for c, slug in links.items()
            },
        )
        written.append(_write_json(out / "charts" / f"{name}.json", spec))
    return written


def county_index_table(shared_manifest: dict[str, Any], links: dict[str, str]) -> pd.DataFrame:
    """Per county: people, eligible under its own screen, extreme outliers; small cells suppressed."""
    from helpers.config import county_file

    rows = []
    by_file: dict[str, list[str]] = {}
    for county, path in shared_manifest["candidates"].items():
        by_file.setdefault(path, []).append(county)
    for path, counties in by_file.items():
        frame = pd.read_parquet(
            path, columns=["county", "eligibility", "outlier", "review_required"]
        )
        frame = frame[frame["county"].isin(counties)]
        grouped = frame.groupby("county", observed=True).agg(
            people=("eligibility", "size"),
            eligible=("eligibility", lambda s: int((s == "eligible").sum())),
            outliers=("outlier", "sum"),
        )
        rows.append(grouped.reset_index())
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    table["screen"] = table["county"].map(lambda c: Path(county_file(c)).stem.replace("_", " "))
    table = suppress(table, ["people", "eligible", "outliers"], by=None, derived={}).sort_values(
        "county"
    )
    table["report"] = table["county"].map(links)
    return table.reset_index(drop=True)


def _cell(value: Any) -> str:
    return f"fewer than {SMALL_CELL} or hidden" if pd.isna(value) else f"{int(value):,}"


def write_county_index(table: pd.DataFrame, out: Path) -> tuple[Path, Path]:
    """The county index: a map linking each county's report, and a Markdown table."""
    from helpers import dashboard as dash
    from helpers import reference

    lines = [
        "| County | Screen used | People in custody | Pass the county's screen | Extreme outliers |",
        "|---|---|--:|--:|--:|",
    ]
    for row in table.itertuples():
        name = (
            f"[{row.county}](counties/{row.report}/05-county-report.ipynb)"
            if isinstance(row.report, str)
            else f"{row.county} (no report: see the run log)"
        )
        lines.append(
            f"| {name} | {row.screen} | {_cell(row.people)} | {_cell(row.eligible)} | "
            f"{_cell(row.outliers)} |"
        )
    table_path = out / "county_table.md"
    table_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = pd.DataFrame(
        {
            "county": table["county"],
            "people": table["people"]
            .astype("Float64")
            .astype(object)
            .where(table["people"].notna(), None),
            "label": table["people"].map(_cell),
            "link": table["report"].map(
                lambda r: f"counties/{r}/05-county-report.html" if isinstance(r, str) else None
            ),
        }
    )
    tooltip = [{"field": "county", "title": "County"}, {"field": "label", "title": "People"}]
    spec = {
        "$schema": dash.SCHEMA,
        "description": "Map of California counties; click a county to open its report",
        "width": 380,
        "height": 420,
        "projection": {"type": "mercator"},
        "data": {"values": reference.county_geojson()["features"], "format": {"type": "json"}},
        "transform": [
            {
                "lookup": "properties.county",
                "from": {
                    "data": {"values": data.to_dict("records")},
                    "key": "county",
                    "fields": ["people", "label", "link"],
                },
            },
            {"calculate": "datum.properties.county", "as": "county"},
        ],
        "layer": [
            {
                # Every county, also those whose count is suppressed (no colour).
                "mark": {
                    "type": "geoshape",
                    "fill": "#e6e6e6",
                    "stroke": "white",
                    "cursor": "pointer",
                },
                "encoding": {"href": {"field": "link"}, "tooltip": tooltip},
            },
            {
                "mark": {"type": "geoshape", "stroke": "white", "cursor": "pointer"},
                "encoding": {
                    "color": dash.county_color("people"),
                    "href": {"field": "link"},
                    "description": {"field": "county"},
                    "tooltip": tooltip,
                },
            },
        ],
        "config": {"view": {"stroke": None}},
    }
    spec_path = _write_json(out / "charts" / "county_index.json", spec)
    return table_path, spec_path


# --------------------------------------------------------------------------------------------------
# Table of contents
# --------------------------------------------------------------------------------------------------


def write_toc(root: Path, links: dict[str, str], out: Path) -> Path:
    """``_toc.yml`` plus one entry per county report (its other notebooks as sub-pages)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    entries = [
        {
            "file": f"book/counties/{slug}/{NOTEBOOKS[0]}",
            "sections": [{"file": f"book/counties/{slug}/{name}"} for name in NOTEBOOKS[1:]],
        }
        for _, slug in sorted(links.items())
    ]
    found = False
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            if chapter.get("file") == COUNTY_INDEX_PAGE:
                chapter["sections"] = entries
                found = True
    if not found:
        raise InputError(
            f"_toc.yml has no chapter '{COUNTY_INDEX_PAGE}'", file=str(root / "_toc.yml")
        )
    path = out / "_toc.yml"
    path.write_text(
        "# Generated by `secondlook book` from _toc.yml: do not edit.\n"
        + yaml.safe_dump(toc, sort_keys=False),
        encoding="utf-8",
    )
    return path


# --------------------------------------------------------------------------------------------------
# Whole site
# --------------------------------------------------------------------------------------------------


def write_model_card(shared_manifest: dict[str, Any], out: Path) -> Path:
    """The statewide model's card, headings moved one level down to sit inside the model page."""
    from helpers.model_card import model_card

    meta_path = (shared_manifest.get("model") or {}).get("metadata")
    if not meta_path or not Path(meta_path).exists():
        text = "No model was trained in this run (too few positive labels); see the run log.\n"
    else:
        card = model_card(json.loads(Path(meta_path).read_text()))
        lines = card.splitlines()
        if lines and lines[0].startswith("# "):
            lines = lines[1:]
        text = "\n".join("#" + line if re.match(r"#+ ", line) else line for line in lines)
    path = out / "model_card.md"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _share(value: Any) -> str:
    return "suppressed" if pd.isna(value) else f"{100 * float(value):.1f} %"


def write_audit_tables(shared_manifest: dict[str, Any], out: Path) -> list[Path]:
    """The statewide audit's headline tables and figure (already suppressed by the audit)."""
    folder = Path(shared_manifest.get("audit") or "")
    sel_path = folder / "selection_audit.csv"
    if not sel_path.exists():
        raise InputError("no statewide audit: rerun `secondlook run`", file=str(folder))
    sel = pd.read_csv(sel_path)
    sel = sel[(sel["selection"] == "screen_eligible") & (sel["dimension"] == "race_group")]

    def ratio(row: pd.Series) -> str:
        if pd.isna(row["ratio_vs_reference"]):
            return "suppressed" if row["group"] != row["reference_group"] else "1 (reference)"
        return (
            f"{row['ratio_vs_reference']:.2f} "
            f"({row['ratio_vs_reference_lo']:.2f}–{row['ratio_vs_reference_hi']:.2f})"
        )

    table = pd.DataFrame(
        {
            "Group": sel["group"],
            "People in prison": sel["n_population"].map(_cell),
            "Share of prison population": sel["share_of_population"].map(_share),
            "Share of screen-eligible": sel["share_of_selected"].map(_share),
            "Selection rate vs White (95 % CI)": sel.apply(ratio, axis=1),
            "Outside 0.8–1.25": sel["flag_vs_reference"].map(
                lambda f: "" if pd.isna(f) else ("yes" if str(f) == "True" else "no")
            ),
        }
    )
    paths = [out / "audit_selection.csv", out / "audit_sentence_summary.csv"]
    table.to_csv(paths[0], index=False)
    summary = pd.read_csv(folder / "sentence_summary.csv").drop(columns=["scope"])
    summary.columns = [
        "Group",
        "Offense categories compared",
        "… with a longer mean sentence than the reference",
        "… of which the 95 % interval excludes equality",
        "Reference group",
    ]
    summary.to_csv(paths[1], index=False)
    figure = folder / "sentence_by_category.png"
    if figure.exists():
        shutil.copy(figure, out / "audit_sentence_by_category.png")
        paths.append(out / "audit_sentence_by_category.png")
    return paths


def statewide_candidates(shared: Path, manifest: dict[str, Any]) -> Path:
    """The candidate list under the statewide screen (the dashboards' screen outcome)."""
    if manifest.get("statewide_candidates"):
        return Path(manifest["statewide_candidates"])
    found = sorted(
        (shared / "candidates").glob("statewide-*.parquet"), key=lambda p: p.stat().st_mtime
    )
    if not found:
        raise InputError("no statewide candidate list: rerun `secondlook run`", file=str(shared))
    return found[-1]


def prepare_site(shared: Path, root: Path | None = None, *, playground: bool = True) -> Path:
    """Write ``book/generated/`` from the outputs of ``secondlook run`` (in ``shared``)."""
    root = Path(root or ROOT)
    book_dir = root / "book"
    out = book_dir / "generated"
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = Path(shared) / "shared.json"
    if not manifest_path.exists():
        raise InputError("no shared.json: run `secondlook run` first", file=str(shared))
    manifest = json.loads(manifest_path.read_text())
    write_ingest_tables(Path(manifest["processed"]), out)
    versions_table(manifest).to_csv(out / "versions.csv", index=False)
    write_model_card(manifest, out)
    write_audit_tables(manifest, out)
    links = county_pages(book_dir)
    statewide = pd.read_parquet(statewide_candidates(Path(shared), manifest))
    write_dashboards(statewide, out, links)
    write_county_index(county_index_table(manifest, links), out)
    if playground:
        from helpers.playground import playground_page_spec
        from helpers.report import pipeline_salt

        spec = playground_page_spec(manifest, salt=pipeline_salt(Path(shared)))
        _write_json(out / "charts" / "playground.json", spec)
    write_toc(root, links, out)
    return out


EXTERNAL = re.compile(
    r"""(?:<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc|<link\b[^>]*\bhref)\s*=\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)
CSS_EXTERNAL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])(?:https?:)?//""", re.IGNORECASE)


def external_references(html_dir: Path) -> list[str]:
    """Every place in the built site that would load something from the network."""
    found = []
    for path in sorted(Path(html_dir).rglob("*")):
        if path.suffix not in {".html", ".css"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        pattern = EXTERNAL if path.suffix == ".html" else CSS_EXTERNAL
        for match in pattern.finditer(text):
            start = max(0, match.start() - 20)
            found.append(f"{path.relative_to(html_dir)}: …{text[start : match.end() + 60]}…")
    return found


def build_book(root: Path | None = None, strict: bool = True, toc: Path | None = None) -> Path:
    """Run ``jupyter-book build`` (warnings are errors when ``strict``); return the HTML folder."""
    root = Path(root or ROOT)
    toc = Path(toc) if toc else root / "book" / "generated" / "_toc.yml"
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(root)]
    command += ["--builder", "html", "--toc", str(toc if toc.exists() else root / "_toc.yml")]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=root)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise RuntimeError(f"jupyter-book build failed:\n{tail}")
    html_dir = root / "_build" / "html"
    external = external_references(html_dir)
    if external:
        raise RuntimeError(
            "the built site loads files from the network (it must open offline):\n"
            + "\n".join(external[:20])
        )
    return html_dir
