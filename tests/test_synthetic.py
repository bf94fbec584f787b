"""The synthetic sample: calibration, joint structure, determinism and exact formats.

Calibration runs on one 20,000-person sample (seed 1); targets and tolerances come from
:mod:`helpers.synthetic.targets`, which cites their sources.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.data import schema
from helpers.data.codes import parse_offense_codes, parse_sentences
from helpers.synthetic import FILES, generate_sample, targets, write_sample
from helpers.synthetic.csvfile import write_csv
from helpers.synthetic.decisions import REASON_CODES
from helpers.synthetic.offenses import ENHANCEMENTS, OFFENSES
from helpers.synthetic.places import COUNTIES

ROOT = Path(__file__).resolve().parents[1]
N = 20_000
AS_OF = date(2026, 5, 1)
HEADERS = {
    "demographics.csv": schema.DEMOGRAPHICS_2026,
    "current_commitments.csv": schema.CURRENT_COMMITMENTS,
    "prior_commitments.csv": schema.PRIOR_COMMITMENTS,
    "dsa/demographics.csv": schema.DEMOGRAPHICS_DSA,
    "dsa/rules_violations.csv": schema.RULES_VIOLATIONS,
    "dsa/education_merit_credits.csv": schema.EDUCATION_MERIT_CREDITS,
    "dsa/milestone_credits.csv": schema.MILESTONE_CREDITS,
    "dsa/rehabilitative_credits.csv": schema.REHABILITATIVE_CREDITS,
    "dsa/mitigating_factors.csv": schema.MITIGATING_FACTORS,
    "decisions/review_decisions.csv": schema.REVIEW_DECISIONS,
}
SV = OFFENSES.set_index("code")["sv"]
SEX = OFFENSES.set_index("code")["sex"]
FAMILY = OFFENSES.set_index("code")["family"]


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return generate_sample(people=N, seed=1, as_of=AS_OF)


@pytest.fixture(scope="module")
def demo(sample: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return sample["demographics.csv"]


@pytest.fixture(scope="module")
def current(sample: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return sample["current_commitments.csv"]


@pytest.fixture(scope="module")
def prior(sample: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return sample["prior_commitments.csv"]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("sample")
    return out, write_sample(out, people=2_000, seed=5, as_of=AS_OF)


def _share(values: pd.Series, key: str) -> float:
    return float((values == key).mean())


# --------------------------------------------------------------------------------------------------
# Files, headers, determinism
# --------------------------------------------------------------------------------------------------


def test_tables_have_the_exact_headers_in_order(sample: dict[str, pd.DataFrame]) -> None:
    assert list(sample) == list(FILES)
    for name, header in HEADERS.items():
        assert list(sample[name].columns) == header, name


def test_write_sample_writes_every_file_and_a_synthetic_readme(
    written: tuple[Path, dict[str, int]],
) -> None:
    out, counts = written
    assert list(counts) == list(FILES)
    assert counts["demographics.csv"] == 2_000
    for name, n in counts.items():
        frame = pd.read_csv(out / name, dtype=str, keep_default_na=False)
        assert list(frame.columns) == HEADERS[name], name
        assert len(frame) == n, name
    readme = (out / "README.md").read_text(encoding="utf-8").splitlines()
    assert readme[0].startswith("SYNTHETIC DATA")
    for word in ("seed 5", "2,000 people", "as of 2026-05-01", "secondlook"):
        assert word in readme[0]
    text = "\n".join(readme)
    assert all(name in text for name in FILES)


def test_same_seed_same_bytes_other_seed_other_bytes(
    written: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    out, _ = written
    write_sample(tmp_path / "again", people=2_000, seed=5, as_of=AS_OF)
    write_sample(tmp_path / "other", people=2_000, seed=6, as_of=AS_OF)
    for name in [*FILES, "README.md"]:
        first = (out / name).read_bytes()
        assert first == (tmp_path / "again" / name).read_bytes(), name
        if name != "README.md":
            assert first != (tmp_path / "other" / name).read_bytes(), name


def test_fast_writer_matches_the_in_memory_tables(
    written: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    out, _ = written
    tables = generate_sample(people=2_000, seed=5, as_of=AS_OF)
    decimals = {
        "aggregate sentence in years": 2,
        "time served in years": 2,
        "estimated age at offense": 1,
    }
    for name in ("demographics.csv", "current_commitments.csv", "dsa/demographics.csv"):
        write_csv(tables[name], tmp_path / "x.csv", decimals)
        assert (tmp_path / "x.csv").read_bytes() == (out / name).read_bytes(), name
    # And the writer agrees with pandas on text (minimal quoting, blanks for missing).
    frame = tables["dsa/demographics.csv"].head(50)
    write_csv(frame, tmp_path / "y.csv")
    assert (tmp_path / "y.csv").read_text() == frame.to_csv(index=False, lineterminator="\n")


# --------------------------------------------------------------------------------------------------
# Calibration (targets and tolerances from helpers.synthetic.targets)
# --------------------------------------------------------------------------------------------------


def test_ethnicity_shares(demo: pd.DataFrame) -> None:
    assert set(demo["ethnicity"]) <= set(targets.ETHNICITY_SHARES)
    for code, share in targets.ETHNICITY_SHARES.items():
        got = _share(demo["ethnicity"], code)
        assert abs(got - share) <= targets.ETHNICITY_TOLERANCE, (code, got)
    latino = demo["ethnicity"].isin(["Mexican", "Hispanic"])
    assert latino.mean() == pytest.approx(0.46, abs=0.02)


def test_age_bands(demo: pd.DataFrame) -> None:
    age = demo["current age"]
    assert age.min() >= 18
    for band, (lo, hi, share) in targets.AGE_BANDS.items():
        got = float(age.between(lo, hi).mean())
        assert abs(got - share) <= targets.AGE_TOLERANCE, (band, got)
    assert (age >= 50).mean() == pytest.approx(0.288, abs=0.025)  # LAO: 71.2 % under 50


def test_sentence_type_shares(demo: pd.DataFrame) -> None:
    assert set(demo["sentence type"]) == set(schema.SENTENCE_TYPES)
    for stype, share in targets.SENTENCE_TYPE_SHARES.items():
        got = _share(demo["sentence type"], stype)
        assert abs(got - share) <= targets.SENTENCE_TYPE_TOLERANCE, (stype, got)


def test_offense_category_and_group_shares(demo: pd.DataFrame) -> None:
    for category, share in targets.OFFENSE_CATEGORY_SHARES.items():
        got = _share(demo["offense category"], category)
        assert abs(got - share) <= targets.OFFENSE_CATEGORY_TOLERANCE, (category, got)
    family = demo["controlling offense"].map(FAMILY)
    homicide_assault = family.isin(["homicide", "assault"]).mean()
    sex = demo["controlling offense"].map(SEX).mean()
    assert abs(homicide_assault - targets.HOMICIDE_ASSAULT_SHARE) <= targets.OFFENSE_GROUP_TOLERANCE
    assert abs(sex - targets.SEX_OFFENSE_SHARE) <= targets.OFFENSE_GROUP_TOLERANCE


def test_county_shares(demo: pd.DataFrame) -> None:
    county = demo["controlling case sentencing county"]
    assert set(county) == set(COUNTIES)  # all 58 appear
    la = _share(county, "Los Angeles")
    assert abs(la - 0.31) <= targets.LOS_ANGELES_TOLERANCE
    for name, share in targets.COUNTY_WEIGHTS_MAJOR.items():
        assert abs(_share(county, name) - share) <= max(0.01, share * 0.2), name
    for small in ("San Francisco", "Marin", "Sierra", "Alpine", "Plumas"):
        assert _share(county, small) < 0.005, small


def test_time_served_medians_by_sentence_type(demo: pd.DataFrame) -> None:
    served = demo.groupby("sentence type")["time served in years"].median()
    for stype, median in targets.TIME_SERVED_MEDIAN_YEARS.items():
        assert abs(served[stype] - median) <= targets.TIME_SERVED_TOLERANCE_YEARS, stype
    overall = demo["time served in years"]
    assert 4.5 <= overall.median() <= 7.0
    assert 0.17 <= (overall >= 15).mean() <= 0.27


def test_sentence_lengths_by_type(demo: pd.DataFrame) -> None:
    months = demo.groupby("sentence type")["aggregate sentence in months"]
    assert 48 <= months.median()["DSL"] <= 72
    assert 90 <= months.median()["Second Striker"] <= 135
    third = demo.loc[demo["sentence type"] == "Third Striker", "aggregate sentence in months"]
    assert (third >= 300).all()
    assert third.between(*targets.THIRD_STRIKER_SENTENCE_RANGE_MONTHS).mean() >= 0.75
    lifers = demo.loc[demo["sentence type"] == "Life with Parole", "aggregate sentence in months"]
    assert 180 <= lifers.median() <= 300


def test_people_level_shares(sample: dict[str, pd.DataFrame], demo: pd.DataFrame) -> None:
    dsa = sample["dsa/demographics.csv"]
    female = _share(dsa["Gender"], "Female")
    assert abs(female - targets.FEMALE_SHARE) <= targets.FEMALE_TOLERANCE
    juvenile = _share(demo["probable juvenile at offense"], "Yes")
    assert targets.JUVENILE_SHARE_RANGE[0] <= juvenile <= targets.JUVENILE_SHARE_RANGE[1]
    young = demo["estimated age at offense"].between(14, 15.99).sum()
    assert 5 <= young <= 0.004 * N  # a few aged 14-15
    mh = dsa["Mental Health Level of Care"].fillna("")
    assert set(mh) <= {"", "CCCMS", "EOP", "ICF", "Acute", "MHCB"}
    assert abs((mh != "").mean() - targets.MHSDS_SHARE) <= 0.03
    assert demo["cdcno"].isin(sample["prior_commitments.csv"]["cdcno"]).mean() == pytest.approx(
        targets.PRIOR_PERSON_SHARE, abs=0.03
    )


def test_enhancement_share(current: pd.DataFrame) -> None:
    has = current["off_enh1"].fillna("").ne("").groupby(current["cdcno"]).any()
    lo, hi = targets.ENHANCEMENT_PERSON_SHARE_RANGE
    assert lo <= has.mean() <= hi


# --------------------------------------------------------------------------------------------------
# Joint structure
# --------------------------------------------------------------------------------------------------


def test_third_strikers_are_older_with_longer_sentences_than_dsl(demo: pd.DataFrame) -> None:
    by = demo.groupby("sentence type")
    age, months = by["current age"].median(), by["aggregate sentence in months"].median()
    assert age["Third Striker"] >= age["DSL"] + 12
    assert months["Third Striker"] >= 4 * months["DSL"]
    third = demo[demo["sentence type"] == "Third Striker"]
    assert (third["time served in years"] < 33).all()  # Three Strikes began in March 1994


def test_lifers_have_served_longer(demo: pd.DataFrame) -> None:
    served = demo.groupby("sentence type")["time served in years"].median()
    for life in ("Life with Parole", "Life w/o Parole", "Condemned"):
        assert served[life] >= served["DSL"] + 10, life


def test_lwop_and_condemned_coding(demo: pd.DataFrame, current: pd.DataFrame) -> None:
    lwop = demo[demo["sentence type"] == "Life w/o Parole"]
    assert (lwop["aggregate sentence in months"] == schema.LWOP_MONTHS).all()
    dead = demo[demo["sentence type"] == "Condemned"]
    assert (dead["aggregate sentence in months"] == schema.CONDEMNED_MONTHS_WRITTEN).all()
    no_release = demo["sentence type"].isin(["Life w/o Parole", "Condemned"])
    assert (demo.loc[no_release, "eprd mepd"] == "JAN9999").all()
    assert demo.loc[no_release, "expected release date"].fillna("").eq("").all()
    assert demo.loc[~no_release, "expected release date"].notna().all()
    assert (demo.loc[~no_release, "eprd mepd"] != "JAN9999").all()
    assert set(lwop["description"]) >= {"Murder 1st (LWO)"}
    assert set(dead["description"]) == {"Murder 1st (Death)"}
    main = current[current["in-prison"].fillna("") == ""].merge(
        demo[["cdcno", "sentence type"]], on="cdcno"
    )
    initial = main[main["relationship"] == "Initial"]
    assert (initial.loc[initial["sentence type"] == "Life w/o Parole", "offense time with enhancement"] == "LWOP").all()  # fmt: skip
    assert (main.loc[main["sentence type"] == "Condemned", "sentence from abstract of judgement"] == "Condemned").all()  # fmt: skip
    third = initial[initial["sentence type"] == "Third Striker"]
    assert third["offense time with enhancement"].str.endswith("-to-Life").all()


def test_determinate_terms_end_after_the_as_of_date(demo: pd.DataFrame) -> None:
    det = demo[demo["sentence type"].isin(["DSL", "Second Striker"])]
    assert (pd.to_datetime(det["expected release date"]) > pd.Timestamp(AS_OF)).all()


def test_age_is_age_at_offense_plus_time_served(
    sample: dict[str, pd.DataFrame], demo: pd.DataFrame
) -> None:
    estimate = demo["current age"] - demo["time served in years"]
    assert np.allclose(estimate, demo["estimated age at offense"], atol=0.051)
    assert ((demo["estimated age at offense"] < 18) == (demo["probable juvenile at offense"] == "Yes")).all()  # fmt: skip
    assert demo["estimated age at offense"].min() >= 14
    birth = pd.to_datetime(sample["dsa/demographics.csv"]["Birthday"], format="%m/%d/%Y")
    t = pd.Timestamp(AS_OF)
    before = (birth.dt.month > t.month) | ((birth.dt.month == t.month) & (birth.dt.day > t.day))
    age = t.year - birth.dt.year - before.astype(int)
    assert (age.to_numpy() == demo["current age"].to_numpy()).all()


def test_strikers_have_serious_or_violent_priors(demo: pd.DataFrame, prior: pd.DataFrame) -> None:
    strikes = prior[prior["relationship"] == "Initial"]
    strikes = strikes[strikes["offense"].map(SV)].groupby("cdcno").size()
    stype = demo.set_index("cdcno")["sentence type"]
    second = strikes.reindex(stype[stype == "Second Striker"].index).fillna(0)
    third = strikes.reindex(stype[stype == "Third Striker"].index).fillna(0)
    assert (second >= 1).all() and (third >= 2).all()
    # Priors happen before the current offense, releases before the next offense.
    merged = prior.merge(
        demo[["cdcno", "offense begin date"]].rename(columns={"offense begin date": "now"}),
        on="cdcno",
    )
    assert (merged["offense end date"] < merged["now"]).all()
    assert (merged["release date"] <= merged["now"]).all()
    assert (merged["release date"] >= merged["offense end date"]).all()


def test_women_sex_offenses_and_registrants(
    sample: dict[str, pd.DataFrame], demo: pd.DataFrame
) -> None:
    dsa = sample["dsa/demographics.csv"]
    women = dsa[dsa["Gender"] == "Female"]
    ccwf_ciw = women["Current Location"].isin(
        ["Central California Women's Facility", "California Institution for Women"]
    )
    assert ccwf_ciw.mean() >= 0.85
    men_places = dsa.loc[dsa["Gender"] == "Male", "Current Location"]
    assert not men_places.isin(women["Current Location"][ccwf_ciw]).any()
    sex = demo["controlling offense"].map(SEX)
    assert (dsa.loc[sex.to_numpy(), "Sex Registrant"] == "Y").all()
    assert 0.15 <= (dsa["Sex Registrant"] == "Y").mean() <= 0.22
    assert demo["current location"].str.endswith(" Control Office").mean() < 0.03


def test_latino_share_higher_in_the_central_valley(demo: pd.DataFrame) -> None:
    latino = demo["ethnicity"].isin(["Mexican", "Hispanic"])
    valley = demo["controlling case sentencing county"].isin(
        ["Kern", "Tulare", "Fresno", "Imperial"]
    )
    assert latino[valley].mean() >= latino.mean() + 0.1


def test_violations_fall_with_age(sample: dict[str, pd.DataFrame], demo: pd.DataFrame) -> None:
    rv = sample["dsa/rules_violations.csv"]
    assert set(rv["Division"]) <= {"A1", "A2", "B", "C", "D", "E", "F"}
    assert rv["STG Nexus"].isin(["Y", "N"]).all()
    n = rv.groupby("CDCNo").size().reindex(demo["cdcno"]).fillna(0).to_numpy()
    assert (n == 0).mean() >= 0.3  # many people have none
    per_year = n / np.maximum(demo["time served in years"].to_numpy(), 0.5)
    young = per_year[demo["current age"].to_numpy() < 30].mean()
    old = per_year[demo["current age"].to_numpy() >= 55].mean()
    assert young > 2 * old
    when = pd.to_datetime(rv["Rule Violation Date"], format="%m/%d/%Y")
    offense = pd.to_datetime(rv["CDCNo"].map(demo.set_index("cdcno")["offense end date"]))
    assert (when > offense).all() and (when < pd.Timestamp(AS_OF)).all()


def test_statewide_screen_selects_about_half_to_one_percent(
    demo: pd.DataFrame, current: pd.DataFrame
) -> None:
    # age >= 50, sentence >= 20 years, served >= 10, no current serious/violent/sex offense
    bad = (current["offense"].map(SV) | current["offense"].map(SEX)).groupby(current["cdcno"]).any()
    life = demo["sentence type"].isin(["Life with Parole", "Life w/o Parole", "Condemned"])
    selected = (
        (demo["current age"] >= 50)
        & ((demo["aggregate sentence in months"] >= 240) | life)
        & (demo["time served in years"] >= 10)
        & ~demo["cdcno"].map(bad)
    )
    lo, hi = targets.SCREEN_SHARE_RANGE
    assert lo <= selected.mean() <= hi
    assert (demo.loc[selected, "sentence type"] == "Third Striker").mean() >= 0.5


# --------------------------------------------------------------------------------------------------
# Formats and vocabularies
# --------------------------------------------------------------------------------------------------

OFFENSE_TIME = re.compile(r"^(\d+ Months|1 Year|\d+ Years \d+ Months|\d+ Years \d+ Months-to-Life|Stayed|LWOP|Condemned)$")  # fmt: skip
ABSTRACT = re.compile(r"^(\d+ Years|\d+ Years \d+ Months|\d+ Months|Life with Parole|LWOP|Condemned)$")  # fmt: skip
ISO = r"^\d{4}-\d{2}-\d{2}$"
US = r"^\d{2}/\d{2}/\d{4}$"


def test_sentence_strings_match_the_documented_patterns(
    current: pd.DataFrame, prior: pd.DataFrame
) -> None:
    for frame in (current, prior):
        assert frame["offense time with enhancement"].str.fullmatch(OFFENSE_TIME).all()
        assert frame["sentence from abstract of judgement"].str.fullmatch(ABSTRACT).all()
        for col in ("offense time with enhancement", "sentence from abstract of judgement"):
            assert (parse_sentences(frame[col])["error"] == "").all(), col
    assert (current["offense time with enhancement"] == "1 Year").any()
    assert current["offense time with enhancement"].str.fullmatch(r"\d Months").any()


def test_vocabularies(sample: dict[str, pd.DataFrame], demo: pd.DataFrame) -> None:
    assert demo["eprd mepd"].str.fullmatch(r"(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\d{4}").all()  # fmt: skip
    assert set(demo["offense category"]) <= set(schema.CDCR_OFFENSE_CATEGORIES)
    assert set(demo["probable juvenile at offense"]) == {"Yes", "No"}
    for name in ("current_commitments.csv", "prior_commitments.csv"):
        frame = sample[name]
        assert set(frame["relationship"]) <= set(schema.RELATIONSHIPS)
        assert set(frame["in-prison"].fillna("")) <= {"", "In-Prison"}
        assert set(frame["sentencing county"]) <= set(COUNTIES)
    current = sample["current_commitments.csv"]
    assert 0.005 <= (current["in-prison"] == "In-Prison").mean() <= 0.05
    for col in ("offense begin date", "offense end date", "expected release date"):
        assert demo[col].dropna().str.fullmatch(ISO).all(), col
    assert (demo["offense begin date"] <= demo["offense end date"]).all()
    dsa = sample["dsa/demographics.csv"]
    for col in ("Birthday", "Offense Begin Date", "Offense End Date"):
        assert dsa[col].str.fullmatch(US).all(), col
    assert dsa["Offender's Name"].str.startswith("SYNTHETIC, PERSON ").all()
    assert set(dsa["Current Security Level"]) <= {"I", "II", "III", "IV"}
    assert set(dsa["CSRA"]) <= {"Low", "Moderate", "High"}
    factors = sample["dsa/mitigating_factors.csv"]
    for col in schema.MITIGATING_FACTORS[1:]:
        assert set(factors[col].fillna("")) <= {"", "0", "1"}, col
    for name, col in (
        ("dsa/education_merit_credits.csv", "EMC_EffectiveDate"),
        ("dsa/milestone_credits.csv", "MCC_EffectiveDate"),
        ("dsa/rehabilitative_credits.csv", "RAC_EffectiveDate"),
    ):
        frame = sample[name]
        assert frame[col].str.fullmatch(US).all(), name
        assert (frame.iloc[:, 1] > 0).all(), name


def test_offense_and_enhancement_codes_come_from_the_vocabulary(
    current: pd.DataFrame, prior: pd.DataFrame, demo: pd.DataFrame
) -> None:
    codes = set(OFFENSES["code"])
    for frame in (current, prior):
        assert set(frame["offense"]) <= codes
        enh = frame[[f"off_enh{i}" for i in range(1, 12)]].stack().dropna()
        assert set(enh[enh != ""]) <= set(ENHANCEMENTS)
    assert set(demo["controlling offense"]) <= codes
    described = current[["offense", "offense description", "offense category"]].drop_duplicates()
    table = OFFENSES.set_index("code")
    assert (described["offense description"].to_numpy() == table.loc[described["offense"], "description"].to_numpy()).all()  # fmt: skip
    parsed = parse_offense_codes(pd.Series(sorted(codes | set(ENHANCEMENTS))))
    assert parsed["offense_key"].notna().all()


def test_generator_vocabulary_matches_the_shared_notes() -> None:
    notes = ROOT / "notes" / "offense_vocabulary.md"
    rows = re.findall(r"^\| (\S[^|]*?) \| ([^|]*?) \| ([^|]*?) \|$", notes.read_text(), re.M)
    vocab = {r[0]: (r[1], r[2]) for r in rows if r[0] not in ("raw code",) and "---" not in r[0]}
    table = {r.code: (r.description, r.category) for r in OFFENSES.itertuples()}
    assert table == vocab
    text = notes.read_text()
    for code, (desc, _) in ENHANCEMENTS.items():
        assert f"{code} {desc}" in text, code


def test_reference_offense_table_covers_every_generated_code() -> None:
    path = ROOT / "data" / "reference" / "offenses.csv"
    ref = pd.read_csv(path, dtype=str, keep_default_na=False)
    parsed = parse_offense_codes(pd.Series(list(OFFENSES["code"]) + list(ENHANCEMENTS)))
    assert parsed["offense_key"].isin(set(ref["offense_key"])).all()


def test_identifiers_and_joins(sample: dict[str, pd.DataFrame], demo: pd.DataFrame) -> None:
    ids = demo["cdcno"]
    assert ids.is_unique and ids.str.fullmatch(r"[0-9a-f]{8}").all()
    for name in FILES[1:]:
        frame = sample[name]
        col = "cdcno" if "cdcno" in frame else "CDCNo"
        assert frame[col].isin(ids).all(), name
    dsa = sample["dsa/demographics.csv"]
    assert (dsa["CDCNo"].to_numpy() == ids.to_numpy()).all()
    assert (sample["dsa/mitigating_factors.csv"]["CDCNo"].to_numpy() == ids.to_numpy()).all()


def test_case_structure_and_aggregate_rule(demo: pd.DataFrame, current: pd.DataFrame) -> None:
    # One Initial count per case; the controlling offense is the main case's Initial count.
    initial = current[current["relationship"] == "Initial"]
    assert not initial["case number"].duplicated().any()
    assert set(current["case number"]) == set(initial["case number"])
    main = initial[initial["in-prison"].fillna("") == ""].set_index("cdcno")
    assert (main.loc[demo["cdcno"], "offense"].to_numpy() == demo["controlling offense"].to_numpy()).all()  # fmt: skip
    assert (main.loc[demo["cdcno"], "case number"].to_numpy() == demo["controlling case number"].to_numpy()).all()  # fmt: skip
    assert current.groupby("cdcno").size().mean() == pytest.approx(2.55, abs=0.3)
    # aggregate = sum of Initial + Consecutive counts (life terms at their minimum).
    term = parse_sentences(current["offense time with enhancement"])
    counted = current["relationship"].isin(["Initial", "Consecutive"]) & ~term["stayed"]
    total = term["months"].where(counted, 0).fillna(0).groupby(current["cdcno"]).sum()
    det = demo[~demo["sentence type"].isin(["Life w/o Parole", "Condemned"])]
    assert (total.loc[det["cdcno"]].to_numpy() == det["aggregate sentence in months"].to_numpy()).all()  # fmt: skip
    # Case numbers look like the county's.
    la = demo.loc[
        demo["controlling case sentencing county"] == "Los Angeles", "controlling case number"
    ]
    assert la.str.fullmatch(r"[A-Z]A\d{6}").all()
    sd = demo.loc[
        demo["controlling case sentencing county"] == "San Diego", "controlling case number"
    ]
    assert sd.str.fullmatch(r"SC[DNSE]\d{6}").all()


# --------------------------------------------------------------------------------------------------
# Review decisions
# --------------------------------------------------------------------------------------------------


def test_review_decisions(sample: dict[str, pd.DataFrame], demo: pd.DataFrame) -> None:
    log = sample["decisions/review_decisions.csv"]
    assert set(log["decision"]) == set(schema.DECISION_VALUES)
    positive = log.loc[log["decision"].isin(["referred", "resentenced"]), "cdcno"].unique()
    lo, hi = targets.POSITIVE_SHARE_RANGE
    assert lo <= len(positive) / N <= hi
    assert 0.03 <= log["cdcno"].nunique() / N <= 0.08
    codes = log["reason_codes"].str.split(";").explode()
    assert set(codes) <= set(REASON_CODES)
    assert log["reason_text"].str.len().gt(0).all()
    assert set(log["reviewer_role"]) <= {"Deputy DA", "Head Deputy", "Resentencing Unit"}
    resentenced = log["decision"] == "resentenced"
    assert log.loc[resentenced, "new_sentence_months"].notna().all()
    assert log.loc[~resentenced, "new_sentence_months"].isna().all()
    when = pd.to_datetime(log["date_reviewed"], format="%Y-%m-%d")
    assert when.min() >= pd.Timestamp("2021-01-01") and when.max() <= pd.Timestamp("2025-12-31")
    people = demo.set_index("cdcno")
    assert (log["county"].to_numpy() == people.loc[log["cdcno"], "controlling case sentencing county"].to_numpy()).all()  # fmt: skip
    assert (log["case_number"].to_numpy() == people.loc[log["cdcno"], "controlling case number"].to_numpy()).all()  # fmt: skip


def test_positives_depend_on_features_learnably(
    sample: dict[str, pd.DataFrame], demo: pd.DataFrame, current: pd.DataFrame
) -> None:
    log = sample["decisions/review_decisions.csv"]
    pos = demo["cdcno"].isin(log.loc[log["decision"].isin(["referred", "resentenced"]), "cdcno"])
    third = demo["sentence type"] == "Third Striker"
    assert 0.25 <= third[pos].mean() <= 0.65  # RAND: 43 % of referrals were third strikers
    assert demo.loc[pos, "current age"].median() >= demo["current age"].median() + 8
    assert demo.loc[pos, "time served in years"].median() >= 10
    lwop = demo["sentence type"].isin(["Life w/o Parole", "Condemned"])
    assert lwop[pos].mean() < 0.5 * lwop.mean()
    # A simple score ranks positives well above chance, but does not reproduce them.
    score = (
        demo["current age"] / 10 + demo["time served in years"] / 5 + 2 * third - 3 * lwop
    ).to_numpy()
    ranks = pd.Series(score).rank().to_numpy()
    n_pos, n_neg = pos.sum(), (~pos).sum()
    auc = (ranks[pos.to_numpy()].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    assert 0.75 <= auc < 0.99
    has_enh = current["off_enh1"].fillna("").ne("").groupby(current["cdcno"]).any()
    assert has_enh.reindex(demo.loc[pos, "cdcno"]).mean() >= 0.7  # RAND: 85 % had one


def _identical_people(n: int, as_of: date) -> dict[str, np.ndarray]:
    """A decision generator's input of ``n`` identical people (third strikers, 25 years served)."""
    from helpers.synthetic.people import THIRD

    today = np.datetime64(as_of, "D")
    ones, zeros = np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    return {
        "person": np.arange(n),
        "stype": np.full(n, THIRD),
        "offense": np.zeros(n, dtype=np.int64),
        "months_total": np.full(n, 300.0),
        "age": np.full(n, 62),
        "ts_true": np.full(n, 25.0),
        "aao": np.full(n, 37.0),
        "admission": np.full(n, today - np.timedelta64(9000, "D")),
        "county": np.zeros(n, dtype=np.int64),
        "nonserious_current": ones,
        "change_in_law": zeros,
        "credits_recent": np.full(n, 4),
        "degree": zeros,
        "rv_recent": np.zeros(n, dtype=np.int64),
        "rv_recent_serious": np.zeros(n, dtype=np.int64),
        "medical": zeros,
        "trauma": zeros,
        "ipv": zeros,
        "sex_current": zeros,
        "prior_sex": zeros,
        "murder": zeros,
        "category": np.full(n, "Property Crimes", dtype=object),
        "level": np.full(n, 2),
    }


def test_decisions_are_not_a_function_of_the_features() -> None:
    from helpers.synthetic.decisions import review_log

    p = _identical_people(4000, AS_OF)
    log = review_log(p, np.random.default_rng(1), AS_OF)
    # The same columns, different outcomes: the office's own judgment and two random draws.
    assert 0 < log["owner"].nunique() < 4000
    assert {"referred", "not referred"} <= set(log["decision"])
    again = review_log(p, np.random.default_rng(2), AS_OF)
    first, second = set(log["owner"]), set(again["owner"])
    assert len(first & second) < 0.5 * min(len(first), len(second))


def test_the_drivers_are_measured_on_the_review_date() -> None:
    from helpers.synthetic.decisions import review_log

    p = _identical_people(4000, AS_OF)
    log = review_log(p, np.random.default_rng(3), AS_OF)
    back = (np.datetime64(AS_OF, "D") - log["date"].to_numpy(dtype="datetime64[D]")).astype(int)
    aged = log["reason_codes"].str.contains("AGE")
    said = log.loc[aged, "reason_text"].str.extract(r"Age (\d+)")[0].astype(int).to_numpy()
    assert (said == np.floor(62 - back[aged.to_numpy()] / 365.25)).all()  # age then, not today
    assert said.min() < 62
