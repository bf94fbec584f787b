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
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from helpers import paths
from helpers.errors import InputError
from helpers.privacy import run_salt, suppress

ROOT = paths.ROOT
NOTEBOOKS = ("05-county-report", "01-clean", "02-score", "03-model", "04-bias-audit")
COUNTY_INDEX_PAGE = "book/county-reports"
ACCOUNTABILITY_PAGE = "book/accountability"
COMMITMENT_DIMS = ["county", "sentence_type", "offense_category", "eligibility"]
DEMOGRAPHIC_DIMS = ["county", "race_group", "age_band", "eligibility"]


# --------------------------------------------------------------------------------------------------
# Tables the method pages include
# --------------------------------------------------------------------------------------------------


def write_ingest_tables(processed: Path, out: Path) -> None:
    """Ingest summary and quarantine reasons (method/data page)."""
    from helpers.data.manifest import read_manifest

    manifest = read_manifest(Path(processed))
    summary = pd.DataFrame([asdict(i) for i in manifest.inputs])
    summary["file"] = summary["file"].map(lambda p: Path(p).name)
    summary = summary[["file", "kind", "rows_in", "kept", "quarantined", "sha256"]]
    summary["sha256"] = summary["sha256"].str.slice(0, 12)
    summary.columns = ["File", "Kind", "Rows in", "Kept", "Quarantined", "SHA-256 (first 12)"]
    summary.to_csv(out / "ingest_summary.csv", index=False)
    reasons = pd.Series(manifest.quarantine_reasons, dtype="int64")
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
    from helpers.counties import county_names, slug

    pages = {}
    for county in county_names():
        folder = book_dir / "counties" / slug(county)
        if all((folder / f"{name}.ipynb").exists() for name in NOTEBOOKS):
            pages[county] = slug(county)
    return pages


def write_dashboards(statewide: pd.DataFrame, out: Path, links: dict[str, str]) -> list[Path]:
    """The two statewide dashboards' specs (suppressed count cubes)."""
    from helpers.audit import AGE_BAND_ORDER
    from helpers.site import dashboard as dash

    people = dash.person_dimensions(statewide)
    label = "Passes the statewide screen"
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
            [
                dash.Facet("race_group", "Race/ethnicity"),
                dash.Facet("age_band", "Age", AGE_BAND_ORDER),
            ],
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
                c: f"../counties/{folder}/05-county-report.html" for c, folder in links.items()
            },
        )
        written.append(_write_json(out / "charts" / f"{name}.json", spec))
    return written


def county_index_table(shared_manifest: dict[str, Any], links: dict[str, str]) -> pd.DataFrame:
    """Per county: people, eligible under its own screen, extreme outliers; small cells suppressed."""
    from helpers.screening.config import county_file

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
    return "suppressed" if pd.isna(value) else f"{int(value):,}"


def write_county_index(table: pd.DataFrame, out: Path) -> tuple[Path, Path]:
    """The county index: a map linking each county's report, and a Markdown table."""
    from helpers.data import reference
    from helpers.site import dashboard as dash

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
    records = [
        {
            "county": str(row.county),
            "people": None if pd.isna(row.people) else int(row.people),
            "label": _cell(row.people),
            "link": f"counties/{row.report}/05-county-report.html"
            if isinstance(row.report, str)
            else None,
        }
        for row in table.itertuples()
    ]
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
                    "data": {"values": records},
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


def write_toc(root: Path, sections: dict[str, list[str]], out: Path) -> Path:
    """``_toc.yml`` plus generated sub-pages under chosen chapters (county reports, annual reports).

    ``sections`` maps a chapter's file to its generated pages; a page given as ``"a|b|c"`` gets
    ``b`` and ``c`` as its own sub-pages.
    """
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    found = set()
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            if chapter.get("file") in sections:
                entries = []
                for page in sections[chapter["file"]]:
                    first, *rest = page.split("|")
                    entry: dict[str, Any] = {"file": first}
                    if rest:
                        entry["sections"] = [{"file": r} for r in rest]
                    entries.append(entry)
                if entries:
                    chapter["sections"] = entries
                found.add(chapter["file"])
    missing = sorted(set(sections) - found)
    if missing:
        raise InputError(f"_toc.yml has no chapter '{missing[0]}'", file=str(root / "_toc.yml"))
    path = out / "_toc.yml"
    path.write_text(
        "# Generated by `secondlook book` from _toc.yml: do not edit.\n"
        + yaml.safe_dump(toc, sort_keys=False),
        encoding="utf-8",
    )
    return path


# --------------------------------------------------------------------------------------------------
# Accountability: the statewide page and each county's annual report
# --------------------------------------------------------------------------------------------------


def report_year(decisions: pd.DataFrame, as_of: str) -> int | None:
    """The latest calendar year of the log that has ended by the as-of date (else the latest)."""
    years = pd.to_datetime(decisions["date_reviewed"], errors="coerce").dt.year.dropna()
    if years.empty:
        return None
    ended = years[years < pd.Timestamp(as_of).year]
    return int((ended if len(ended) else years).max())


def _county_candidates(shared_manifest: dict[str, Any]) -> pd.DataFrame:
    """Every person under the county's own screen (one file per configuration)."""
    parts = []
    by_file: dict[str, list[str]] = {}
    for county, path in shared_manifest["candidates"].items():
        by_file.setdefault(path, []).append(county)
    for path, counties in by_file.items():
        frame = pd.read_parquet(path)
        parts.append(frame[frame["county"].isin(counties)])
    return pd.concat(parts, ignore_index=True)


def write_accountability(shared_manifest: dict[str, Any], out: Path, salt: str) -> list[str]:
    """Statewide compliance and savings (table + map) and each county's annual report page.

    Public pages list reviewed cases under pseudonymous IDs: naming case numbers, as the policy asks,
    is the office's own publication (``secondlook annual-report`` builds it).  Returns the pages.
    """
    from helpers.accountability import statewide_table
    from helpers.accountability.annual_report import build_report, render_html, render_markdown
    from helpers.counties import slug
    from helpers.data import reference
    from helpers.privacy import pseudonymise
    from helpers.screening.config import load_config
    from helpers.site import dashboard as dash

    folder = out / "accountability"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    processed = Path(shared_manifest["processed"])
    as_of = shared_manifest["as_of"]
    decisions_path = processed / "decisions.parquet"
    decisions = pd.read_parquet(decisions_path) if decisions_path.exists() else None
    year = report_year(decisions, as_of) if decisions is not None else None
    table_path = out / "accountability_table.md"
    if year is None:
        table_path.write_text("No review-decision log was given to this run.\n", encoding="utf-8")
        _write_json(out / "charts" / "accountability.json", _empty_map())
        return []
    tables = {"people": pd.read_parquet(processed / "people.parquet"), "decisions": decisions}
    candidates = _county_candidates(shared_manifest)
    configs: dict[str, Any] = {}

    def config_for(county: str):
        if county not in configs:
            configs[county] = load_config(county)
        return configs[county]

    table = statewide_table(
        candidates, decisions, config_for, year, people=tables["people"], as_of=as_of
    )
    logged = set(
        decisions.loc[pd.to_datetime(decisions["date_reviewed"]).dt.year == year, "county"]
    )
    pages = []
    for county in sorted(c for c in logged if isinstance(c, str)):
        report = build_report(
            tables, county, year, as_of=as_of, decisions=decisions, mode="public",
            config=config_for(county), candidates=candidates[candidates["county"] == county],
        )  # fmt: skip
        report.cases["case_number"] = pseudonymise(report.cases["case_number"], salt).to_numpy()
        stem = f"{slug(county)}-{year}"
        html_name = f"{stem}-press-release.html"
        (folder / html_name).write_text(render_html(report), encoding="utf-8")
        page = render_markdown(report, html_name).replace("](../method/", "](../../method/")
        (folder / f"{stem}.md").write_text(page, encoding="utf-8")
        pages.append(f"book/generated/accountability/{stem}")

    def money(v: Any) -> str:
        return "suppressed" if pd.isna(v) else f"${float(v):,.0f}"

    lines = [
        f"Review year {year}; data as of {as_of}.",
        "",
        "| County | Extreme outliers | Reviews required | Reviewed | Mandate met | "
        "Projected savings (top of list) | Realised savings |",
        "|---|--:|--:|--:|---|--:|--:|",
    ]
    for row in table.itertuples():
        name = (
            f"[{row.county}](generated/accountability/{slug(row.county)}-{year}.md)"
            if row.county in logged
            else row.county
        )
        met = "" if pd.isna(row.mandate_met) else ("yes" if row.mandate_met else "**no**")
        lines.append(
            f"| {name} | {_cell(row.outliers)} | {_cell(row.required)} | {_cell(row.reviewed)} | "
            f"{met} | {money(row.projected_savings)} | {money(row.realised_savings)} |"
        )
    table_path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    status = table["mandate_met"].map(
        lambda m: (
            "no extreme outliers" if pd.isna(m) else ("mandate met" if m else "mandate not met")
        )
    )
    status = status.where(~(table["outliers"].fillna(1) == 0), "no extreme outliers")
    values = pd.DataFrame(
        {
            "county": table["county"],
            "status": status,
            "reviewed": table["reviewed"].map(_cell),
            "required": table["required"].map(_cell),
            "projected": table["projected_savings"].map(money),
            "realised": table["realised_savings"].map(money),
        }
    )
    tooltip = [
        {"field": "county", "title": "County"},
        {"field": "status", "title": f"Review mandate {year}"},
        {"field": "reviewed", "title": "Reviewed"},
        {"field": "required", "title": "Required"},
        {"field": "projected", "title": "Projected savings"},
        {"field": "realised", "title": "Realised savings"},
    ]
    spec = {
        "$schema": dash.SCHEMA,
        "description": f"Review mandate compliance and savings by county, {year}",
        "width": 380,
        "height": 420,
        "projection": {"type": "mercator"},
        "data": {"values": reference.county_geojson()["features"]},
        "transform": [
            {"calculate": "datum.properties.county", "as": "county"},
            {
                "lookup": "county",
                "from": {
                    "data": {"values": values.to_dict("records")},
                    "key": "county",
                    "fields": ["status", "reviewed", "required", "projected", "realised"],
                },
            },
        ],
        "mark": {"type": "geoshape", "stroke": "white"},
        "encoding": {
            "color": {
                "field": "status",
                "type": "nominal",
                "title": f"Review mandate {year}",
                "scale": {
                    "domain": ["mandate met", "mandate not met", "no extreme outliers"],
                    "range": ["#3b7d3b", "#c0392b", "#d9d9d9"],
                },
                "legend": {"orient": "top-right"},
            },
            "description": {"field": "county"},
            "tooltip": tooltip,
        },
        "config": {"view": {"stroke": None}},
    }
    _write_json(out / "charts" / "accountability.json", spec)
    return pages


def _empty_map() -> dict[str, Any]:
    from helpers.data import reference
    from helpers.site import dashboard as dash

    return {
        "$schema": dash.SCHEMA,
        "description": "California counties (no review-decision log in this run)",
        "width": 380,
        "height": 420,
        "projection": {"type": "mercator"},
        "data": {"values": reference.county_geojson()["features"]},
        "mark": {"type": "geoshape", "fill": "#e6e6e6", "stroke": "white"},
    }


# --------------------------------------------------------------------------------------------------
# Whole site
# --------------------------------------------------------------------------------------------------


def write_model_card(shared_manifest: dict[str, Any], out: Path) -> Path:
    """The statewide model's card, headings moved one level down to sit inside the model page."""
    from helpers.model.card import model_card

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
    files = [out / "audit_selection.csv", out / "audit_sentence_summary.csv"]
    table.to_csv(files[0], index=False)
    summary = pd.read_csv(folder / "sentence_summary.csv").drop(columns=["scope"])
    summary.columns = [
        "Group",
        "Offense categories compared",
        "… with a longer mean sentence than the reference",
        "… of which the 95 % interval excludes equality",
        "Reference group",
    ]
    summary.to_csv(files[1], index=False)
    figure = folder / "sentence_by_category.png"
    if figure.exists():
        shutil.copy(figure, out / "audit_sentence_by_category.png")
        files.append(out / "audit_sentence_by_category.png")
    return files


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
        from helpers.site.playground import playground_page_spec

        spec = playground_page_spec(manifest, salt=run_salt(Path(shared)))
        _write_json(out / "charts" / "playground.json", spec)

    annual = write_accountability(manifest, out, run_salt(Path(shared)))
    county_entries = [
        "|".join(f"book/counties/{folder}/{name}" for name in NOTEBOOKS)
        for _, folder in sorted(links.items())
    ]
    write_toc(root, {COUNTY_INDEX_PAGE: county_entries, ACCOUNTABILITY_PAGE: annual}, out)
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
