"""``secondlook sample``: a deterministic SYNTHETIC statewide dataset in the public CDCR format.

Nothing here describes a real person or case.  The generator draws people jointly (sentence type →
sex → county → ethnicity → controlling offense → age at offense → counts, terms and enhancements →
time served and dates → custody record → review decisions) so that the columns keep the structure
of the real population: third strikers are older with 25-to-life terms and long time served, lifers
have served long, Los Angeles sends about 31 % of people, and so on.  Calibration targets and their
sources live in :mod:`helpers.synthetic.targets`; the sentencing rules (including how
``aggregate sentence in months`` sums the counts) in :mod:`helpers.synthetic.commitments`.

Files (all UTF-8 CSV, exact headers from :mod:`helpers.data.schema`):

``demographics.csv``, ``current_commitments.csv``, ``prior_commitments.csv``
    the public CPRA release, 05_2026 header variant;
``dsa/*.csv``
    data-sharing-agreement extras (Title Case demographics, rules violations, credits, mitigating
    factors).  In a real DSA extract ``CDCNo`` is the CDCR number; here it is the same hash as the
    public files so everything joins on one key;
``decisions/review_decisions.csv``
    an office review-decision log (positives ``referred``/``resentenced``);
``README.md``
    says the data is synthetic, with the seed, size, as-of date and version.

Closed world: the generator writes only the offense and enhancement codes of
:mod:`helpers.synthetic.offenses` (the shared vocabulary of ``notes/offense_vocabulary.md``, all in
the reference offense table) and the spellings, headers and date formats the ingest already reads.
It exercises the pipeline end to end, not the reading of codes or spellings the project has never
seen; the ingest tests do that with real formats.

Determinism: every random draw comes from ``numpy.random.default_rng`` streams spawned from one
``SeedSequence(seed)``; the same arguments give byte-identical files.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

import helpers
from helpers.data import schema
from helpers.errors import InputError
from helpers.synthetic import commitments, decisions, dsa, formats, places
from helpers.synthetic import people as persons
from helpers.synthetic.csvfile import Table
from helpers.synthetic.formats import Coded
from helpers.synthetic.offenses import (
    CHANGE_IN_LAW_ENHANCEMENTS,
    CODES,
    ENH_CODES,
    ENH_DESCRIPTIONS,
    ENH_INDEX,
    OFFENSES,
)

__all__ = ["FILES", "generate_sample", "write_sample"]

FILES: tuple[str, ...] = (
    "demographics.csv",
    "current_commitments.csv",
    "prior_commitments.csv",
    "dsa/demographics.csv",
    "dsa/rules_violations.csv",
    "dsa/education_merit_credits.csv",
    "dsa/milestone_credits.csv",
    "dsa/rehabilitative_credits.csv",
    "dsa/mitigating_factors.csv",
    "decisions/review_decisions.csv",
)
# Float columns and the decimals they are written with.
DECIMALS = {
    "aggregate sentence in years": 2,
    "time served in years": 2,
    "estimated age at offense": 1,
}
DESCRIPTION = OFFENSES["description"].to_numpy(dtype=object)
CATEGORY = OFFENSES["category"].to_numpy(dtype=object)
STYPE_NAMES = np.array(persons.STYPES, dtype=object)
COUNTY_NAMES = np.array(places.COUNTIES, dtype=object)
ETHNICITY_NAMES = np.array(persons.ETHNICITIES, dtype=object)


def _cdcnos(n: int, seed: int) -> np.ndarray:
    """8 lower-case hex characters: MD5 of a synthetic CDCR number ``SYN<seed>-<0000001>``.

    Hash collisions (expected about once in 95,000) are resolved by re-hashing with a salt.
    """
    raw = [f"SYN{seed}-{i + 1:07d}" for i in range(n)]
    ids = np.array([hashlib.md5(s.encode()).hexdigest()[:8] for s in raw], dtype=object)
    salt = 0
    while True:
        later = pd.Series(ids).duplicated(keep="first").to_numpy()
        if not later.any():
            return ids
        salt += 1
        for i in np.flatnonzero(later):
            ids[i] = hashlib.md5(f"{raw[i]}#{salt}".encode()).hexdigest()[:8]


def _enhancement_columns(
    n_rows: int, rows: np.ndarray, codes: np.ndarray, order: np.ndarray
) -> dict[str, Coded]:
    """``off_enh1..11`` / ``off_enh_desc1..11`` from (row, code, slot order) triples."""
    out: dict[str, Coded] = {}
    sort = np.lexsort((order, rows))
    rows, codes = rows[sort], codes[sort]
    position = np.arange(rows.size) - np.searchsorted(rows, rows, side="left")
    code_labels = np.concatenate([[""], ENH_CODES]).astype(object)
    desc_labels = np.concatenate([[""], ENH_DESCRIPTIONS]).astype(object)
    for i in range(schema.N_ENHANCEMENTS_PUBLIC):
        idx = np.zeros(n_rows, dtype=np.int64)
        sel = position == i
        idx[rows[sel]] = codes[sel] + 1
        out[f"off_enh{i + 1}"] = Coded(idx, code_labels)
        out[f"off_enh_desc{i + 1}"] = Coded(idx, desc_labels)
    return out


def _term_text(months: np.ndarray, life: np.ndarray, special: np.ndarray) -> Coded:
    text = formats.terms(months, "offense").where(life, formats.terms(months, "life"))
    for code, label in (
        (commitments.TERM_STAYED, "Stayed"),
        (commitments.TERM_LWOP, "LWOP"),
        (commitments.TERM_CONDEMNED, "Condemned"),
    ):
        text = text.where(special == code, label)
    return text


def _year(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _frame(columns: list[str], data: dict[str, object], order: np.ndarray | None = None) -> Table:
    """A table with exactly ``columns`` in order, rows optionally reordered by ``order``."""
    missing = [c for c in columns if c not in data]
    assert not missing, missing
    return Table(list(columns), data, order)


def generate_sample(
    people: int = 95_000,
    seed: int = 1,
    as_of: date = date(2026, 5, 1),
) -> dict[str, pd.DataFrame]:
    """Generate the synthetic sample in memory: ``{relative file path: table}`` (see :data:`FILES`)."""
    return {name: table.frame() for name, table in _build(people, seed, as_of).items()}


STREAMS = (
    "people",
    "current",
    "time",
    "prior",
    "custody",
    "credit",
    "person",
    "decisions",
    "case",
    "reserved",  # unused, so a new stream can be added without shifting the others
)


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """The independent random streams of one sample, spawned from ``SeedSequence(seed)``."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(s) for name, s in zip(STREAMS, children, strict=True)}


def _summarise_current_case(p: persons.Frame, r: persons.Frame) -> None:
    """Person-level summaries of the current case: enhancements, gang, change in law, family,
    category, murder."""
    n = len(p["person"])
    enh_rows, enh_codes, _ = r["enh"].arrays()
    enh_owner = r["owner"][enh_rows]
    p["n_enh"] = np.bincount(enh_owner, minlength=n)
    p["gang"] = np.bincount(
        enh_owner, weights=enh_codes == ENH_INDEX["PC186.22(b)(1)"], minlength=n
    ).astype(bool)
    cil = np.isin(ENH_CODES[enh_codes], CHANGE_IN_LAW_ENHANCEMENTS)
    p["change_in_law"] = np.bincount(enh_owner, weights=cil, minlength=n).astype(bool)
    p["family"] = OFFENSES["family"].to_numpy(dtype=object)[p["offense"]]
    p["category"] = CATEGORY[p["offense"]]
    p["murder"] = np.isin(CODES[p["offense"]], ["PC187 1st", "PC187 2nd"])


def _case_numbers(
    p: persons.Frame,
    extra: persons.Frame,
    pr: persons.Frame,
    rng: np.random.Generator,
    today: np.datetime64,
) -> tuple[Coded, Coded, Coded]:
    """Case numbers of the main, in-prison and prior cases (one draw for all, so none repeats)."""
    n = len(p["person"])
    ip_owner, ip_first = np.unique(extra["owner"], return_index=True)
    ip_year = np.minimum(_year(extra["date"][ip_first]) + 1, _year(today))
    main_year = np.minimum(_year(formats.add_years(p["offense_end"], p["lag"])), _year(today))
    keep = pr["case_keep"]
    prior_year = _year(pr["case_date"][keep]) + (rng.random(int(keep.sum())) < 0.5)
    all_numbers = places.case_numbers(
        rng,
        np.concatenate([p["county"], extra["county"][ip_first], pr["case_county"][keep]]),
        np.concatenate([main_year, ip_year, prior_year]),
    )
    # Case numbers as codes into one table: main cases, in-prison cases, prior cases.
    numbers = Coded(np.arange(all_numbers.size), all_numbers)
    ip_index = np.zeros(n, dtype=np.int64)
    ip_index[ip_owner] = n + np.arange(ip_owner.size)
    prior_index = np.zeros(keep.size, dtype=np.int64)
    prior_index[keep] = n + ip_owner.size + np.arange(int(keep.sum()))
    return numbers.take(np.arange(n)), numbers.take(ip_index), numbers.take(prior_index)


def _decisions(p: persons.Frame, log: pd.DataFrame, cdcno: Coded, case_main: Coded) -> Table:
    """The office review-decision log."""
    who = log["owner"].to_numpy()
    return _frame(
        schema.REVIEW_DECISIONS,
        {
            "case_number": case_main.take(who),
            "cdcno": cdcno.take(who),
            "county": Coded(p["county"][who], COUNTY_NAMES),
            "date_reviewed": formats.iso_dates(log["date"].to_numpy()),
            "decision": log["decision"].to_numpy(dtype=object),
            "new_sentence_months": log["new_sentence_months"],
            "reason_codes": log["reason_codes"].to_numpy(dtype=object),
            "reason_text": log["reason_text"].to_numpy(dtype=object),
            "reviewer_role": log["reviewer_role"].to_numpy(dtype=object),
        },
    )


def _build(people: int, seed: int, as_of: date) -> dict[str, Table]:
    """All output tables, text still coded."""
    n = int(people)
    if n < 10:
        raise InputError("must be at least 10", column="--people")
    today = np.datetime64(as_of, "D")
    rng = _streams(seed)

    # People, sentences, dates.
    p = persons.draw_people(n, rng["people"])
    r = commitments.build_current(p, rng["current"])
    p["served_fraction"] = persons.served_fraction(p)
    persons.draw_timeline(p, rng["time"], as_of)
    commitments.dated_enhancements(p, r, rng["current"])
    extra = commitments.in_prison_case(p, rng["current"], today)
    persons.release_dates(p, rng["time"], as_of)
    pr = commitments.build_priors(p, rng["prior"])
    _summarise_current_case(p, r)

    # Custody record (DSA) and decisions.
    dsa.latent_traits(p, rng["custody"])
    rv = dsa.rules_violations(p, rng["custody"], as_of)
    cr = dsa.credits(p, rng["credit"], as_of)
    dsa.person_columns(p, rng["person"], as_of)
    log = decisions.review_log(p, rng["decisions"], as_of, rv, cr)

    cdcno = Coded(np.arange(n), _cdcnos(n, seed))
    case_main, case_ip, case_prior = _case_numbers(p, extra, pr, rng["case"], today)
    tables: dict[str, Table] = {}
    tables["demographics.csv"] = _demographics(p, cdcno, case_main)
    tables["current_commitments.csv"] = _current(p, r, extra, cdcno, case_main, case_ip)
    tables["prior_commitments.csv"] = _prior(pr, cdcno, case_prior)
    tables.update(_dsa_tables(p, rv, cr, cdcno, case_main, tables["demographics.csv"]))
    tables["decisions/review_decisions.csv"] = _decisions(p, log, cdcno, case_main)
    assert list(tables) == list(FILES)
    return tables


def _demographics(p: persons.Frame, cdcno: Coded, case_main: Coded) -> Table:
    stype = p["stype"]
    description = Coded(p["offense"], DESCRIPTION)
    murder1 = CODES[p["offense"]] == "PC187 1st"
    description = description.where(murder1 & (stype == persons.LWOP), "Murder 1st (LWO)")
    description = description.where(murder1 & (stype == persons.CONDEMNED), "Murder 1st (Death)")
    months = p["months"]
    data = {
        "cdcno": cdcno,
        "current age": p["age"],
        "ethnicity": Coded(p["ethnicity"], ETHNICITY_NAMES),
        "controlling offense": Coded(p["offense"], CODES),
        "description": description,
        "offense begin date": formats.iso_dates(p["offense_begin"]),
        "offense end date": formats.iso_dates(p["offense_end"]),
        "controlling case number": case_main,
        "controlling case sentencing county": Coded(p["county"], COUNTY_NAMES),
        "sentence type": Coded(stype, STYPE_NAMES),
        "aggregate sentence in months": months,
        "offense category": Coded(p["offense"], CATEGORY),
        "eprd mepd": formats.month_year(p["release"]),
        "current location": Coded.of(p["location"]),
        "aggregate sentence in years": np.round(months / 12, 2),
        "time served in years": p["ts_years"],
        "expected release date": formats.iso_dates(p["release"]),
        "estimated age at offense": p["aao_est"],
        "probable juvenile at offense": Coded.flag(p["aao_est"] < 18, "Yes", "No"),
    }
    return _frame(schema.DEMOGRAPHICS_2026, data)


def _current(
    p: persons.Frame,
    r: persons.Frame,
    extra: persons.Frame,
    cdcno: Coded,
    case_main: Coded,
    case_ip: Coded,
) -> Table:
    n_main = r["owner"].size
    owner = np.concatenate([r["owner"], extra["owner"]])
    case = np.concatenate([r["case"], extra["case"]])
    pos = np.concatenate([r["pos"], extra["pos"]])
    rel = np.concatenate([r["relationship"], extra["relationship"]])
    off = np.concatenate([r["offense"], extra["offense"]])
    months = np.concatenate([r["months"], extra["months"]])
    life = np.concatenate([r["life"], extra["life"]])
    special = np.concatenate([r["special"], extra["special"]])
    begin = np.concatenate([p["offense_begin"][r["owner"]], extra["date"]])
    end = np.concatenate([p["offense_end"][r["owner"]], extra["date"]])
    county = np.concatenate([p["county"][r["owner"]], extra["county"]])
    number = formats.concat([case_main.take(r["owner"]), case_ip.take(extra["owner"])])
    in_prison = np.concatenate([np.zeros(n_main, dtype=bool), extra["in_prison"]])
    # Abstract of judgement per case: sum of initial and consecutive counts, or the life term.
    counted = ((rel == commitments.INITIAL) | (rel == commitments.CONSECUTIVE)) & (
        special == commitments.TERM_PLAIN
    )
    case_key = owner * 2 + case
    case_sum = np.bincount(case_key, weights=np.where(counted, months, 0), minlength=2 * len(cdcno))
    abstract = formats.terms(case_sum[case_key].astype(np.int64), "abstract")
    stype = p["stype"][owner]
    main = case == 0
    life_case = main & ((stype == persons.THIRD) | (stype == persons.LWP))
    abstract = abstract.where(life_case, "Life with Parole")
    abstract = abstract.where(main & (stype == persons.LWOP), "LWOP")
    abstract = abstract.where(main & (stype == persons.CONDEMNED), "Condemned")
    enh_rows, enh_codes, enh_order = r["enh"].arrays()
    data: dict[str, object] = {
        "cdcno": cdcno.take(owner),
        "sentencing county": Coded(county, COUNTY_NAMES),
        "case number": number,
        "sentence from abstract of judgement": abstract,
        "offense": Coded(off, CODES),
        "offense description": Coded(off, DESCRIPTION),
        "offense category": Coded(off, CATEGORY),
        "in-prison": Coded.flag(in_prison, "In-Prison", ""),
        "offense begin date": formats.iso_dates(begin),
        "offense end date": formats.iso_dates(end),
        "offense time with enhancement": _term_text(months, life, special),
        "relationship": Coded(rel, commitments.RELATIONSHIP_NAMES),
        **_enhancement_columns(owner.size, enh_rows, enh_codes, enh_order),
    }
    return _frame(schema.CURRENT_COMMITMENTS, data, order=np.lexsort((pos, case, owner)))


def _prior(pr: persons.Frame, cdcno: Coded, case_prior: Coded) -> Table:
    c = pr["row_case"]
    rel = pr["row_relationship"]
    enh_rows, enh_codes, enh_order = pr["enh"].arrays()
    months = pr["row_months"].copy()
    add = np.bincount(enh_rows, weights=commitments.ENH_MONTHS[enh_codes], minlength=c.size)
    add = np.where(rel == commitments.CONSECUTIVE, np.rint(add / 3), add).astype(np.int64)
    months = np.where(rel == commitments.STAYED, 0, months + add)
    counted = (rel == commitments.INITIAL) | (rel == commitments.CONSECUTIVE)
    case_sum = np.bincount(c, weights=np.where(counted, months, 0), minlength=pr["case_owner"].size)
    special = np.where(rel == commitments.STAYED, commitments.TERM_STAYED, commitments.TERM_PLAIN)
    owner = pr["case_owner"][c]
    day = pr["case_date"][c]
    data: dict[str, object] = {
        "cdcno": cdcno.take(owner),
        "sentencing county": Coded(pr["case_county"][c], COUNTY_NAMES),
        "case number": case_prior.take(c),
        "sentence from abstract of judgement": formats.terms(
            case_sum[c].astype(np.int64), "abstract"
        ),
        "offense": Coded(pr["row_offense"], CODES),
        "offense description": Coded(pr["row_offense"], DESCRIPTION),
        "offense category": Coded(pr["row_offense"], CATEGORY),
        "in-prison": Coded.const("", c.size),
        "offense begin date": formats.iso_dates(day),
        "offense end date": formats.iso_dates(day),
        "offense time with enhancement": _term_text(months, np.zeros(c.size, bool), special),
        "relationship": Coded(rel, commitments.RELATIONSHIP_NAMES),
        "release date": formats.iso_dates(pr["case_release"][c]),
        **_enhancement_columns(c.size, enh_rows, enh_codes, enh_order),
    }
    # Chronological within person, initial count first.
    order = np.lexsort((np.arange(c.size), day, owner))
    return _frame(schema.PRIOR_COMMITMENTS, data, order=order)


def _dsa_tables(
    p: persons.Frame,
    rv: persons.Frame,
    cr: dict[str, persons.Frame],
    cdcno: Coded,
    case_main: Coded,
    demo: Table,
) -> dict[str, Table]:
    n = len(cdcno)
    yn = np.array(["N", "Y"], dtype=object)
    names = Coded.of(
        ("SYNTHETIC, PERSON " + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(7)).to_numpy(
            dtype=object
        )
    )
    score5 = pd.array(
        np.where(p["class_score_5y"] >= 0, p["class_score_5y"], np.nan), dtype="Int64"
    )
    data = {
        "CDCNo": cdcno,
        "Offender's Name": names,
        "Birthday": formats.us_dates(p["birth"]),
        "Ethnicity": demo.data["ethnicity"],
        "Gender": Coded.flag(p["female"], "Female", "Male"),
        "Controlling Offense": demo.data["controlling offense"],
        "Description": demo.data["description"],
        "Offense Begin Date": formats.us_dates(p["offense_begin"]),
        "Offense End Date": formats.us_dates(p["offense_end"]),
        "Controlling Case Number": case_main,
        "Controlling Case Sentencing County": demo.data["controlling case sentencing county"],
        "Sentence Type": demo.data["sentence type"],
        "Aggregate Sentence in Months": demo.data["aggregate sentence in months"],
        "Offense Category": demo.data["offense category"],
        "EPRD/MEPD": demo.data["eprd mepd"],
        "Current Location": demo.data["current location"],
        "Current Classification Score": p["class_score"],
        "Current Security Level": Coded(
            p["level"] - 1, np.array(["I", "II", "III", "IV"], dtype=object)
        ),
        "Classification Score 5 Years Ago": score5,
        "Sex Registrant": Coded((p["sex_current"] | p["prior_sex"]).astype(np.int64), yn),
        "Mental Health Level of Care": Coded.of(p["mh_level"]),
        "CSRA": Coded.of(p["csra"]),
        "DPPV Disability - Mobility": Coded(p["dppv_mobility"].astype(np.int64), yn),
        "DPPV Disability - Hearing": Coded(p["dppv_hearing"].astype(np.int64), yn),
        "DPPV Disability - Vision": Coded(p["dppv_vision"].astype(np.int64), yn),
        "DPPV Disability - Speech": Coded(p["dppv_speech"].astype(np.int64), yn),
    }
    out = {"dsa/demographics.csv": _frame(schema.DEMOGRAPHICS_DSA, data)}
    out["dsa/rules_violations.csv"] = _frame(
        schema.RULES_VIOLATIONS,
        {
            "CDCNo": cdcno.take(rv["owner"]),
            "Rule Violation Date": formats.us_dates(rv["date"]),
            "Division": Coded(rv["div_code"], dsa.DIVISIONS),
            "Rule Violation": Coded.of(rv["rule"]),
            "Credit Loss (If applicable)": Coded.of(rv["loss"]),
            "STG Nexus": Coded.of(rv["stg"]),
        },
    )
    for key, header, c in (
        ("dsa/education_merit_credits.csv", schema.EDUCATION_MERIT_CREDITS, cr["emc"]),
        ("dsa/milestone_credits.csv", schema.MILESTONE_CREDITS, cr["mcc"]),
        ("dsa/rehabilitative_credits.csv", schema.REHABILITATIVE_CREDITS, cr["rac"]),
    ):
        values = [cdcno.take(c["owner"]), c["days"], c["reason"], formats.us_dates(c["date"])]
        out[key] = _frame(header, dict(zip(header, values, strict=True)))
    factors = {"CDCNo": cdcno, **{k: Coded.of(v) for k, v in p["factors"].items()}}
    out["dsa/mitigating_factors.csv"] = _frame(schema.MITIGATING_FACTORS, factors)
    return out


FILE_NOTES = {
    "demographics.csv": "one row per person (public CPRA release, 05_2026 header)",
    "current_commitments.csv": "one row per current offense count, enhancements in off_enh1..11",
    "prior_commitments.csv": "one row per prior offense count, with release date",
    "dsa/demographics.csv": "DSA demographics: synthetic name, birthday, gender, classification, ...",
    "dsa/rules_violations.csv": "DSA rules violation reports (division A1 most serious ... F)",
    "dsa/education_merit_credits.csv": "DSA education merit credits",
    "dsa/milestone_credits.csv": "DSA milestone completion credits",
    "dsa/rehabilitative_credits.csv": "DSA rehabilitative achievement credits",
    "dsa/mitigating_factors.csv": "county indicators, 0/1, blank = unknown",
    "decisions/review_decisions.csv": "office review-decision log (referred/resentenced = positive)",
}


def _readme(counts: dict[str, int], people_n: int, seed: int, as_of: date) -> str:
    """The README written next to the files; its first line says the data are synthetic."""
    version = helpers.__version__
    lines = [
        f"SYNTHETIC DATA - generated by `secondlook sample` (seed {seed}, {people_n:,} people, "
        f"as of {as_of.isoformat()}, secondlook {version}). No row describes a real person or case.",
        "",
        "# Synthetic CDCR-format sample",
        "",
        "Made by `helpers.synthetic.write_sample` to exercise the toolkit end to end. The public",
        "files follow the CDCR CPRA release (05_2026 header); `dsa/` holds county data-sharing",
        "extras; `decisions/` holds an office review-decision log. Names are",
        "`SYNTHETIC, PERSON nnnnnnn`; IDs are MD5 hashes of synthetic numbers `SYN<seed>-nnnnnnn`.",
        "The DSA files use the same IDs as the public files so they join (a real DSA extract",
        "carries CDCR numbers instead).",
        "",
        "Dates are `YYYY-MM-DD` in the public files and the decision log, `MM/DD/YYYY` in `dsa/`.",
        "Time served and ages are as of the date above; time served counts from the offense end date.",
        "",
        "| file | rows | contents |",
        "|---|---:|---|",
    ]
    lines += [
        f"| `{name}` | {count:,} | {FILE_NOTES.get(name, '')} |" for name, count in counts.items()
    ]
    lines += [
        "",
        "Calibration targets and their sources: `helpers/synthetic/targets.py`. Sentencing rules,",
        "including how `aggregate sentence in months` adds up the counts:",
        "`helpers/synthetic/commitments.py`. Review-decision model and reason codes:",
        "`helpers/synthetic/decisions.py`.",
        "",
    ]
    return "\n".join(lines)


def write_sample(
    out_dir: Path,
    people: int = 95_000,
    seed: int = 1,
    as_of: date = date(2026, 5, 1),
) -> dict[str, int]:
    """Write the synthetic sample as CSV files into ``out_dir``; return rows per file."""
    out_dir = Path(out_dir)
    counts: dict[str, int] = {}
    for name, table in _build(people, seed, as_of).items():
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        table.write(path, DECIMALS)
        counts[name] = len(table)
    (out_dir / "README.md").write_text(_readme(counts, people, seed, as_of), encoding="utf-8")
    return counts
