"""How the reports show tables and figures: human headers, rounding by kind, downloads, captions."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from helpers.privacy import suppress
from helpers.report import present
from helpers.report.context import _table_html


@pytest.fixture(autouse=True)
def _fresh_page():
    present.new_page()


def test_label_uses_the_table_then_spaces_words():
    assert present.label("n_population") == "In prison"
    assert present.label("selection_rate") == "Selection rate"
    assert present.label("some_new_column") == "Some new column"
    assert present.label("n_flagged") == "Flagged (n)"
    assert present.label("ci_low_95") == "CI low 95"


def test_numbers_are_rounded_by_kind():
    frame = pd.DataFrame(
        {
            "n_population": [12345, 20],
            "share_of_selected": [0.123456, 1.0],
            "ratio_vs_reference": [1.23456, np.inf],
            "sentence_years": [12.345, np.inf],
            "p_value": [0.0000123, 0.5],
            "passed": [True, False],
        }
    )
    shown = present.format_table(frame)
    assert list(shown.columns) == [
        "In prison",
        "Share of selected",
        "Ratio vs reference group",
        "Sentence (years)",
        "p-value",
        "Pass",
    ]
    assert shown.iloc[0].tolist() == ["12,345", "12.3%", "1.23", "12.3", "<0.001", "yes"]
    assert shown.iloc[1].tolist() == ["20", "100.0%", "n/a", "life", "0.500", "no"]


def test_shares_outside_zero_to_one_are_not_turned_into_percentages():
    shown = present.format_table(pd.DataFrame({"share": [12.5, 80.0]}))
    assert shown["Share"].tolist() == ["12.5", "80"]


def test_no_inf_or_long_decimals_reach_the_html():
    frame = pd.DataFrame({"x": [np.inf, -np.inf, 1 / 3], "label": ["a", "b", "c"]})
    text = present.table_html(frame)
    assert "inf" not in text
    assert "0.33" in text and "0.333" not in text


def test_suppressed_cells_are_empty_and_explained_once_per_page():
    table = pd.DataFrame({"group": ["A", "B", "C"], "n": [3, 40, 50], "rate": [0.1, 0.2, 0.3]})
    hidden = suppress(table, "n")
    first = present.table_html(hidden)
    second = present.table_html(hidden)
    assert present.SUPPRESSION_NOTE in first
    assert present.SUPPRESSION_NOTE not in second
    assert "Suppressed" not in first  # the helper columns are not shown
    assert "<td></td>" in first
    present.new_page()
    assert present.SUPPRESSION_NOTE in present.table_html(hidden)


def test_long_tables_show_first_rows_with_a_note():
    frame = pd.DataFrame({"n": range(40)})
    text = str(present.show_table(frame, caption="Counts", max_rows=15))
    assert "First 15 of 40 rows." in text
    assert text.count("<tr") == 16  # header + 15 rows
    assert "Counts" in text


def test_central_formatter_uses_human_headers():
    text = _table_html(pd.DataFrame({"n_population": [1200], "selection_rate": [0.25]}))
    assert "In prison" in text and "Selection rate" in text and "25.0%" in text
    assert "n_population" not in text


def test_download_table_writes_csv_and_xlsx_and_links_them(tmp_path, monkeypatch):
    monkeypatch.setenv("SECONDLOOK_NOTEBOOK_DIR", str(tmp_path))
    ctx = SimpleNamespace(public=True, county="Alpine")
    frame = pd.DataFrame({"n": range(30), "reason": ["=1+1"] + ["ok"] * 29})
    out = str(present.download_table(ctx, frame, "ranked_list", top=5))
    assert (tmp_path / "ranked_list.csv").is_file()
    assert (tmp_path / "ranked_list.xlsx").is_file()
    assert 'href="ranked_list.csv"' in out and 'href="ranked_list.xlsx"' in out
    assert "First 5 of 30 rows." in out
    written = pd.read_csv(tmp_path / "ranked_list.csv")
    assert len(written) == 30
    assert not str(written.loc[0, "reason"]).startswith("=")


def test_download_names_are_plain_file_names(tmp_path, monkeypatch):
    monkeypatch.setenv("SECONDLOOK_NOTEBOOK_DIR", str(tmp_path))
    ctx = SimpleNamespace(public=True, county="Alpine")
    with pytest.raises(ValueError, match="plain file name"):
        present.download_table(ctx, pd.DataFrame({"n": [1]}), "../x")


def test_figure_has_its_caption_and_is_identical_on_rerun():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    present.set_style()

    def draw() -> str:
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        return str(present.figure(ax, "A straight line: what to see."))

    first = draw()
    assert "<figcaption>A straight line: what to see.</figcaption>" in first
    assert first == draw()
    assert plt.get_fignums() == []


def test_palette_is_the_style_cycle():
    import matplotlib
    from matplotlib.colors import to_hex

    present.set_style()
    colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [to_hex(c) for c in colours[:3]] == [c.lower() for c in present.PALETTE[:3]]


def test_county_map_is_small_offline_and_suppresses_small_counts():
    ctx = SimpleNamespace(
        county="Alpine",
        public=True,
        candidates=pd.DataFrame({"eligibility": ["eligible"] * 3 + ["not eligible"] * 40}),
    )
    html = present.county_map(ctx)._repr_html_()
    assert "Alpine" in html and "suppressed (1 to 10)" in html and "43" in html
    assert "openstreetmap" not in html.lower()  # no tiles: it opens offline
    assert "bootstrap" not in html.lower() and "jquery" not in html.lower()  # Leaflet only
    assert len(html) < 60_000
