"""``secondlook sample-doj``: a deterministic SYNTHETIC CA DOJ research file (vectorised numpy).

Nothing here describes a real person: every person is named ``SYNTHETIC,PERSON 000123`` and has
at least one Prop 64 conviction in the chosen county, like the real file (which holds the whole
record of everyone with such a conviction). Records mix arrests, dismissals, other charges, other
counties, Prop 64 convictions written with and without parentheses, attempts (``664.11359``),
``SEE COMMENT FOR CHARGE`` rows, sentences split over two rows of one ``CNT_ORDER``, deceased
people, PC 290 registrations, superstrikes, misdemeanors and felonies, before and after
2016-11-09. The Prop 64 engine (:mod:`helpers.prop64`) reads it; its tests and benchmark use it.

Closed world: the file holds only the charges listed in the tables below, spelled as written there,
so it exercises the engine's plumbing and speed, not its reading of spellings it has never seen
(the engine's own tests cover real DOJ spellings). Same seed, same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from helpers.errors import InputError
from helpers.prop64.read import DOJ_COLUMNS

# (OFFENSE_DESCR, OFFENSE_TOC, weight); COMMENT_TEXT holds the charge for SEE COMMENT rows.
PROP64_OFFENSES: tuple[tuple[str, str, float], ...] = (
    ("11357(A) HS-POSSESS CONCENTRATED CANNABIS", "F", 4),
    ("11357(B) HS-POSSESS 28.5 GRAMS OR LESS MARIJUANA", "M", 10),
    ("11357(C) HS-POSSESS MORE THAN 28.5 GRAMS MARIJUANA", "M", 4),
    ("11357(D) HS-POSSESS MARIJUANA ON SCHOOL GROUNDS", "M", 1),
    ("11357 HS-POSSESS MARIJUANA", "M", 3),
    ("11357A HS-POSSESS CONCENTRATED CANNABIS", "F", 2),
    ("11357B2 HS-POSSESS MARIJUANA", "M", 1),
    ("11358 HS-CULTIVATE MARIJUANA", "F", 6),
    ("11359 HS-POSSESS MARIJUANA FOR SALE", "F", 12),
    ("11359B HS-POSSESS MARIJUANA FOR SALE", "F", 1),
    ("11360(A) HS-SELL/TRANSPORT/ETC MARIJUANA", "F", 8),
    ("11360A2 HS-GIVE AWAY/TRANSPORT MARIJUANA", "M", 1),
    ("11360(B) HS-GIVE/TRANSPORT 28.5 GRAMS OR LESS MARIJUANA", "M", 2),
    ("664.11359 HS-ATTEMPT POSSESS MARIJUANA FOR SALE", "F", 1),
    ("11359(C)(3) HS-POSSESS MARIJUANA FOR SALE W/PRIOR", "F", 0.3),
    ("SEE COMMENT FOR CHARGE", "F", 1.5),
)
COMMENT_CHARGES: tuple[str, ...] = (
    "11358 HS-CULTIVATE MARIJUANA",
    "11359 HS-POSSESS MARIJUANA FOR SALE",
    "11357(C) HS-POSSESS MORE THAN 28.5 GRAMS MARIJUANA",
)
# Free-text notes that name another Prop 64 charge ("Possible Other P64 Charges").
COMMENT_NOTES: tuple[str, ...] = (
    "ALSO CHARGED 11359 HS",
    "ORIG CHG 11360(A) HS",
    "AMENDED FROM 11358 HS",
)
RELATED_OFFENSES: tuple[tuple[str, str, float], ...] = (
    ("647(F) PC-DISORDERLY CONDUCT:INTOX", "M", 3),
    ("602 PC-TRESPASSING", "M", 2),
    ("148(A)(1) PC-OBSTRUCT/RESIST OFFICER", "M", 3),
    ("11364(A) HS-POSSESS UNLAWFUL PARAPHERNALIA", "M", 3),
    ("11550(A) HS-UNDER INFLUENCE CONTROLLED SUBSTANCE", "M", 2),
    ("4060 BP-POSSESS CONTROLLED SUBSTANCE W/O PRESCRIPTION", "M", 1),
    ("4140 BP-POSSESS HYPODERMIC NEEDLE", "M", 1),
    ("40508(A) VC-FAIL TO APPEAR:CITATION", "M", 1),
    ("1320(B) PC-FAIL TO APPEAR ON FELONY", "F", 1),
)
OTHER_OFFENSES: tuple[tuple[str, str, float], ...] = (
    ("459 PC-BURGLARY", "F", 5),
    ("484(A) PC-PETTY THEFT", "M", 6),
    ("23152(A) VC-DUI ALCOHOL/DRUGS", "M", 8),
    ("11350(A) HS-POSSESS NARCOTIC CONTROLLED SUBSTANCE", "F", 5),
    ("11377(A) HS-POSSESS CONTROLLED SUBSTANCE", "M", 5),
    ("245(A)(1) PC-ASSAULT W/DEADLY WEAPON", "F", 3),
    ("10851(A) VC-TAKE VEHICLE W/O OWNER CONSENT", "F", 3),
    ("12500(A) VC-DRIVE W/O LICENSE", "M", 4),
    ("273.5(A) PC-INFLICT CORPORAL INJURY SPOUSE", "F", 2),
    ("496(A) PC-RECEIVE STOLEN PROPERTY", "F", 2),
    ("211 PC-ROBBERY", "F", 1.5),
    ("594(B)(1) PC-VANDALISM", "F", 1.5),
    ("14601.1(A) VC-DRIVE W/SUSPENDED LICENSE", "M", 3),
    ("11378 HS-POSSESS CONTROLLED SUBSTANCE FOR SALE", "F", 2),
    ("12020(A)(1) PC-POSSESS DEADLY WEAPON", "F", 1),
)
SUPERSTRIKE_OFFENSES: tuple[tuple[str, str, float], ...] = (
    ("187 PC-MURDER", "F", 1),
    ("664/187(A) PC-ATTEMPTED MURDER", "F", 1),
    ("288(A) PC-LEWD OR LASCIVIOUS ACTS WITH CHILD", "F", 1),
    ("261(A)(2) PC-RAPE BY FORCE", "F", 1),
    ("209(B)(1) PC-KIDNAP FOR ROBBERY", "F", 0.5),
)
PC290_OFFENSES: tuple[tuple[str, str, float], ...] = (
    ("243.4(A) PC-SEXUAL BATTERY", "F", 1),
    ("314(1) PC-INDECENT EXPOSURE", "M", 1),
    ("647.6(A) PC-ANNOY/MOLEST CHILD", "M", 1),
    ("311.11(A) PC-POSSESS CHILD PORNOGRAPHY", "F", 0.5),
)
COUNTIES: tuple[str, ...] = (
    "LOS ANGELES",
    "SAN JOAQUIN",
    "SACRAMENTO",
    "CONTRA COSTA",
    "SAN FRANCISCO",
    "ALAMEDA",
    "FRESNO",
    "KERN",
    "ORANGE",
    "RIVERSIDE",
    "SAN DIEGO",
    "STANISLAUS",
)
RACES = ("WHITE", "BLACK", "HISPANIC", "ASIAN", "AMERICAN INDIAN", "OTHER")
_EPOCH = np.datetime64("1970-01-01", "D")
_END = int((np.datetime64("2023-06-30") - _EPOCH).astype(int))


def _pick(
    rng: np.random.Generator, table: tuple[tuple[str, str, float], ...], n: int
) -> np.ndarray:
    w = np.array([t[2] for t in table], dtype=float)
    return rng.choice(len(table), size=n, p=w / w.sum())


def _ymd(days: np.ndarray) -> np.ndarray:
    """Day numbers -> YYYYMMDD integers."""
    d = (_EPOCH + days.astype(np.int64)).astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(int) + 1970
    m = d.astype("datetime64[M]").astype(int) % 12 + 1
    dd = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(int) + 1
    return y * 10000 + m * 100 + dd


Frame = dict[str, Any]
OFFENSE_TABLES = (
    PROP64_OFFENSES,
    RELATED_OFFENSES,
    OTHER_OFFENSES,
    SUPERSTRIKE_OFFENSES,
    PC290_OFFENSES,
)


def _draw_cycles(
    rng: np.random.Generator, dob: np.ndarray, county: str, others: list[str]
) -> Frame:
    """Arrest cycles: 1-8 per person, dated after 18, one of them a Prop 64 cycle in the county."""
    people = len(dob)
    n_cyc = np.minimum(1 + rng.poisson(1.6, size=people), 8)
    c_person = np.repeat(np.arange(people), n_cyc)
    n = len(c_person)
    start = dob[c_person] + 18 * 365
    c_date = start + (rng.random(n) * np.maximum(_END - start, 30)).astype(np.int64)
    c_date = c_date[np.lexsort((c_date, c_person))]
    first = np.concatenate([[0], np.cumsum(n_cyc)[:-1]])
    key_cycle = first + (rng.random(people) * n_cyc).astype(np.int64)  # the Prop 64 cycle
    c_key = np.zeros(n, dtype=bool)
    c_key[key_cycle] = True
    c_p64 = c_key | (rng.random(n) < 0.2)
    c_cty = np.where(
        c_key | (rng.random(n) < 0.6), county, np.array(others)[rng.integers(0, len(others), n)]
    )
    return {
        "n_cyc": n_cyc,
        "person": c_person,
        "date": c_date,
        "number": np.arange(n) - np.repeat(first, n_cyc),  # 0-based cycle number in the person
        "key": c_key,
        "p64": c_p64,
        "county": c_cty,
    }


def _offense_vocabulary() -> tuple[list[str], list[str], list[int]]:
    """Every offense text of the tables, their OFFENSE_TOC, and where each table starts."""
    vocab: list[str] = []
    toc_vocab: list[str] = []
    base = []
    for t in OFFENSE_TABLES:
        base.append(len(vocab))
        vocab += [o[0] for o in t]
        toc_vocab += [o[1] for o in t]
    return vocab, toc_vocab, base


def _draw_counts(rng: np.random.Generator, cyc: Frame) -> Frame:
    """Counts of each cycle (1-3): the offense (Prop 64 first in a Prop 64 cycle, then related,
    other, superstrike or PC 290 charges), the disposition, felony status and sentence."""
    n_cnt = 1 + rng.binomial(2, 0.3, size=len(cyc["person"]))
    k_cycle = np.repeat(np.arange(len(cyc["person"])), n_cnt)
    n = len(k_cycle)
    k_first = np.concatenate([[0], np.cumsum(n_cnt)[:-1]])
    k_num = np.arange(n) - np.repeat(k_first, n_cnt)
    k_p64 = cyc["p64"][k_cycle] & (k_num == 0)
    r = rng.random(n)
    kind = np.where(
        k_p64,
        0,
        np.where(
            cyc["p64"][k_cycle] & (r < 0.45), 1, np.where(r < 0.985, 2, np.where(r < 0.993, 3, 4))
        ),
    )
    vocab, toc_vocab, base = _offense_vocabulary()
    off = np.zeros(n, dtype=np.int64)
    for i, t in enumerate(OFFENSE_TABLES):
        sel = kind == i
        off[sel] = base[i] + _pick(rng, t, int(sel.sum()))
    toc = np.array(toc_vocab)[off]
    u = rng.random(n)
    convicted = (cyc["key"][k_cycle] & k_p64) | (u < 0.62)
    felony_conv = convicted & (toc == "F") & (rng.random(n) < 0.8)
    # CONV_STAT_DESCR: FELONY / MISDEMEANOR; sometimes blank (then OFFENSE_TOC decides).
    stat = np.where(felony_conv, "FELONY", np.where(convicted & (toc != "I"), "MISDEMEANOR", ""))
    blank_stat = convicted & (rng.random(n) < 0.04)
    return {
        "cycle": k_cycle,
        "number": k_num,
        "kind": kind,
        "offense": off,
        "vocab": vocab,
        "toc": toc,
        "see_comment": np.array(vocab)[off] == "SEE COMMENT FOR CHARGE",
        "convicted": convicted,
        "dismissed": ~convicted & (u < 0.95),
        "felony": felony_conv,
        "stat": np.where(blank_stat, "", stat),
        "court_toc": np.where(blank_stat & felony_conv, "F", toc),
    }


def _draw_sentences(rng: np.random.Generator, cnt: Frame) -> None:
    """Sentence of each convicted count: 1 jail (days), 2 probation (months), 3 prison (months);
    5 % of them are split over two rows of one CNT_ORDER."""
    n = len(cnt["cycle"])
    convicted, felony_conv = cnt["convicted"], cnt["felony"]
    loc = np.where(
        ~convicted,
        0,
        np.where(felony_conv & (rng.random(n) < 0.35), 3, np.where(rng.random(n) < 0.5, 2, 1)),
    )
    cnt["location"] = loc
    cnt["length"] = np.where(
        loc == 1,
        rng.integers(5, 365, n),
        np.where(loc == 2, rng.integers(12, 60, n), rng.integers(16, 72, n)),
    )
    cnt["unit"] = np.where(loc == 1, "D", "M")
    cnt["split"] = convicted & (rng.random(n) < 0.05)


def _court_rows(rng: np.random.Generator, cyc: Frame, cnt: Frame) -> list[Frame]:
    """An arrest row and a court row per count (plus the second row of a split sentence)."""
    n = len(cnt["cycle"])
    k_cycle = cnt["cycle"]
    court_date = (cyc["date"] + rng.integers(1, 120, len(cyc["date"])))[k_cycle]
    # CNT_ORDER as a number: cycle (3 digits), step (3), count (3), 000; written zero-padded.
    cnt_base = (cyc["number"][k_cycle] + 1) * 10**9 + (cnt["number"] + 1) * 10**3
    docket = rng.integers(10**6, 10**7, len(cyc["date"]))[k_cycle]  # court docket (OFN)
    docket = np.where(rng.random(n) < 0.05, rng.integers(10**6, 10**7, n), docket)
    shared = {
        "person": cyc["person"][k_cycle],
        "cyc": cyc["date"][k_cycle],
        "cty": cyc["county"][k_cycle],
        "off": cnt["offense"],
        "see": cnt["see_comment"],
    }
    arrest = {
        **shared,
        "date": cyc["date"][k_cycle],
        "stp": "ARREST/DETAINED/CITED",
        "ori": "CAPD",
        "cnt": cnt_base + 10**6,
        "ofn": -rng.integers(10**7, 10**8, n),
        "toc": cnt["toc"],
        "disp": np.where(rng.random(n) < 0.1, "REL/TOT OTHER JURIS/AUTH", ""),
        "stat": "",
        "loc": 0,
        "length": "",
        "unit": "",
        "order": 0,
    }
    convicted = cnt["convicted"]
    disp_conv = np.array(["", "CONVICTED-JAIL", "CONVICTED-PROBATION", "CONVICTED-PRISON"])[
        cnt["location"]
    ]
    court = {
        **shared,
        "date": court_date,
        "stp": "COURT ACTION",
        "ori": "CASC",
        "cnt": cnt_base + 2 * 10**6,
        "ofn": docket,
        "toc": cnt["court_toc"],
        "disp": np.where(
            convicted,
            disp_conv,
            np.where(cnt["dismissed"], "DISMISSED/CHARGE DROPPED", "REL/TOT OTHER JURIS/AUTH"),
        ),
        "stat": cnt["stat"],
        "loc": cnt["location"],
    }
    court_len = np.where(convicted, cnt["length"], 0).astype(str)
    main = {
        **court,
        "length": np.where(convicted, court_len, ""),
        "unit": np.where(convicted, cnt["unit"], ""),
        "order": 1,
    }
    # The rng draw stays where it was, so the same seed gives the same file.
    split_length = rng.integers(1, 12, n).astype(str)
    split = cnt["split"]
    second = {k: v[split] if isinstance(v, np.ndarray) else v for k, v in court.items()}
    second.update(length=split_length[split], unit="M", order=2)
    return [arrest, main, second]


def _registration_and_death_rows(
    rng: np.random.Generator,
    dob: np.ndarray,
    cyc: Frame,
    cnt: Frame,
    county: str,
    others: list[str],
) -> Frame:
    """PC 290 registrations after a 290 conviction (most) or on their own (rarely), and DECEASED
    events, after the person's last cycle."""
    people = len(dob)
    person_k = cyc["person"][cnt["cycle"]]
    reg_k = cnt["convicted"] & (cnt["kind"] == 4) & (rng.random(len(person_k)) < 0.8)
    reg_p = np.zeros(people, dtype=bool)
    reg_p[person_k[reg_k]] = True
    reg_p |= rng.random(people) < 0.002
    reg_person = np.flatnonzero(reg_p)
    reg_date = np.minimum(dob[reg_person] + 25 * 365 + rng.integers(0, 3650, len(reg_person)), _END)
    dead_person = np.flatnonzero(rng.random(people) < 0.03)
    n = len(reg_person) + len(dead_person)
    e_person = np.concatenate([reg_person, dead_person])
    e_is_reg = np.arange(n) < len(reg_person)
    e_date = np.concatenate([reg_date, np.minimum(dob[dead_person] + 60 * 365, _END)])
    reg_off = len(cnt["vocab"])
    cnt["vocab"] += ["290 PC-REGISTRATION OF SEX OFFENDER", ""]
    return {
        "person": e_person,
        "date": e_date,
        "cyc": e_date,
        "stp": np.where(e_is_reg, "REGISTRATION", "DECEASED"),
        "ori": np.where(e_is_reg, "CASO", "CACO"),
        "cty": np.where(e_is_reg, county, np.array(others)[rng.integers(0, len(others), n)]),
        "cnt": (cyc["n_cyc"][e_person] + 1 + (~e_is_reg)) * 10**9 + 10**6 + 10**3,
        "ofn": 0,
        "off": np.where(e_is_reg, reg_off, reg_off + 1),
        "toc": "",
        "disp": "",
        "stat": "",
        "loc": 0,
        "length": "",
        "unit": "",
        "see": np.zeros(n, dtype=bool),
        "order": 3,
    }


class _Rows:
    """The row parts stacked into one table, sorted by person, CNT_ORDER and row order."""

    def __init__(self, parts: list[Frame]) -> None:
        self.parts = parts
        self.sizes = [len(p["person"]) for p in parts]
        self.n = sum(self.sizes)
        self.sort = np.lexsort((self.cat("order"), self.cat("cnt"), self.cat("person")))

    def cat(self, name: str, dtype: Any = None) -> np.ndarray:
        """One field of every part, constants repeated, in part order."""
        out = []
        for p, size in zip(self.parts, self.sizes, strict=True):
            v = p[name]
            out.append(v if isinstance(v, np.ndarray) else np.full(size, v, dtype=dtype))
        return np.concatenate(out)

    def sorted(self, name: str, dtype: Any = None) -> np.ndarray:
        """One field in the final row order."""
        return self.cat(name, dtype)[self.sort]

    def constant(self, value: str) -> Any:
        """A pyarrow string column holding ``value`` on every row."""
        import pyarrow as pa

        return pa.array([value], pa.string()).take(pa.array(np.zeros(self.n, dtype=np.int64)))


def _text(values: np.ndarray, fmt: Any = str) -> Any:
    """A pyarrow string column of ``values`` (each distinct value formatted once)."""
    import pandas as pd
    import pyarrow as pa

    codes, uniq = pd.factorize(values)
    return pa.array([fmt(u) for u in uniq], pa.string()).take(pa.array(codes))


def _ofn_text(values: np.ndarray) -> Any:
    """Arrest numbers B########, dockets #######, none blank (vectorised with pyarrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pa.array(np.abs(values)).cast(pa.string())
    arrest = pc.binary_join_element_wise("B", pc.utf8_lpad(digits, 8, "0"), "")
    out = pc.if_else(pa.array(values < 0), arrest, digits)
    return pc.if_else(pa.array(values == 0), pa.scalar(""), out)


def _padded(prefix: str, values: np.ndarray, width: int) -> Any:
    """``prefix`` + the zero-padded numbers (a pyarrow string column)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pc.utf8_lpad(pa.array(values).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _doj_columns(
    rows: _Rows, dob: np.ndarray, vocab: list[str], seed: int, batch: int = 0
) -> dict[str, Any]:
    """The filled DOJ columns (pyarrow string arrays) of the sorted rows of one batch of people
    (``batch`` > 0: the people after the first :data:`BATCH_PEOPLE`, numbered on)."""
    import pyarrow as pa

    const = rows.constant
    first = batch * BATCH_PEOPLE
    person = rows.sorted("person")
    date = rows.sorted("date")
    offc = rows.sorted("off")
    locr = rows.sorted("loc")
    ctyr = rows.sorted("cty", object)
    # CII numbers: derived from the person number (the same on every row of a person).
    cii = _padded("A", (first + person[person]) * 7919 % 10**9, 9)
    names_p = _padded("SYNTHETIC,PERSON ", first + np.arange(len(dob)), 6)
    # A separate stream: other columns stay as they were.
    note_rng = np.random.default_rng([seed, 64] if batch == 0 else [seed, 64, batch])
    pick = note_rng.integers(0, 3, rows.n)
    note = (offc < len(PROP64_OFFENSES) + len(RELATED_OFFENSES)) & (note_rng.random(rows.n) < 0.02)
    comment = np.where(
        rows.sorted("see"),
        np.array(COMMENT_CHARGES)[pick],
        np.where(note, np.array(COMMENT_NOTES)[pick], ""),
    )
    unit_r = rows.sorted("unit", object)
    return {
        "RECORD_ID": const("x"),
        "SUBJECT_STATUS": const("x"),
        "SUBJECT_ID": _text(20_000_000 + first + person),
        "REQ_SEG_SEP": const("#"),
        "REQ_CII_NUMBER": cii,
        "PII_SEG_SEP": const("#"),
        "CII_NUMBER": cii,
        "PRI_NAME": names_p.take(pa.array(person)),
        "GENDER": _text(np.array(["M", "F"])[person % 2]),
        "PRI_DOB": _text(_ymd(dob)[person]),
        "PDR_SEG_SEP": const("#"),
        "RACE_DESCR": _text(np.array(RACES)[person % len(RACES)]),
        "CYC_SEG_SEP": const("#"),
        "CYC_DATE": _text(_ymd(rows.sorted("cyc"))),
        "STP_SEG_SEP": const("#"),
        "STP_EVENT_DATE": _text(_ymd(date)),
        "STP_TYPE_DESCR": _text(rows.sorted("stp", object)),
        "STP_ORI_DESCR": _text(
            np.char.add(rows.sorted("ori", object).astype(str), ctyr.astype(str))
        ),
        "STP_ORI_CNTY_NAME": _text(ctyr),
        "CNT_SEG_SEP": const("#"),
        "CNT_ORDER": _text(rows.sorted("cnt"), lambda u: f"{u:012d}"),
        "DISP_DATE": _text(_ymd(date)),
        "OFN": _ofn_text(rows.sorted("ofn")),
        "OFFENSE_DESCR": pa.array(vocab, pa.string()).take(pa.array(offc)),
        "OFFENSE_TOC": _text(rows.sorted("toc", object)),
        "DISP_DESCR": _text(rows.sorted("disp", object)),
        "CONV_STAT_DESCR": _text(rows.sorted("stat", object)),
        "SENT_SEG_SEP": const("#"),
        "SENT_LOC_CODE": _text(np.array(["", "J", "P", "P"])[locr]),
        "SENT_LOC_DESCR": _text(np.array(["", "JAIL", "PROBATION", "PRISON"])[locr]),
        "SENT_LENGTH": _text(rows.sorted("length", object)),
        "SENT_TIME_CODE": _text(unit_r),
        "SENT_TIME_DESCR": _text(
            np.where(unit_r == "D", "DAYS", np.where(unit_r == "M", "MONTHS", ""))
        ),
        "CYC_AGE": _text(np.floor((date - dob[person]) / 365.25).astype(int)),
        "COMMENT_TEXT": _text(comment),
        "END_OF_REC": const("#"),
    }


BATCH_PEOPLE = 100_000
"""People generated at a time (a batch of about 850,000 rows): memory stays bounded and a file of
up to this many people is the same as one generated in a single piece."""


def _generate_batch(people: int, seed: int, county: str, batch: int) -> Any:
    """One batch of synthetic people as a pyarrow table of the 95 DOJ columns."""
    import pyarrow as pa

    rng = np.random.default_rng(seed if batch == 0 else [seed, batch])
    others = [c for c in COUNTIES if c != county]
    dob = rng.integers(-9100, 11300, size=people)  # 1945 .. 2000
    cyc = _draw_cycles(rng, dob, county, others)
    cnt = _draw_counts(rng, cyc)
    _draw_sentences(rng, cnt)
    parts = _court_rows(rng, cyc, cnt)
    parts.append(_registration_and_death_rows(rng, dob, cyc, cnt, county, others))
    rows = _Rows(parts)
    values = _doj_columns(rows, dob, cnt["vocab"], seed, batch)
    empty = rows.constant("")
    return pa.table({c: values.get(c, empty) for c in DOJ_COLUMNS})


def _batches(people: int, seed: int, county: str) -> Any:
    """The tables of successive batches of people (see :data:`BATCH_PEOPLE`)."""
    if people < 1:
        raise InputError("must be at least 1", column="--people")
    county = " ".join(county.upper().split())
    for batch, start in enumerate(range(0, people, BATCH_PEOPLE)):
        yield _generate_batch(min(BATCH_PEOPLE, people - start), seed, county, batch)


def generate_doj(people: int, seed: int = 0, county: str = "SAN JOAQUIN") -> Any:
    """A synthetic DOJ research table (pyarrow, the 95 DOJ columns as strings), deterministic for
    ``seed``. Prop 64 convictions are placed in ``county``. Held in memory: large files are
    written batch by batch with :func:`write_doj`."""
    import pyarrow as pa

    return pa.concat_tables(list(_batches(people, seed, county)))


def write_doj(
    path: str | Path, people: int, seed: int = 0, county: str = "SAN JOAQUIN"
) -> tuple[Path, int]:
    """Write a synthetic DOJ file (with header), batch by batch, and return (path, number of
    rows). A directory gets the file ``synthetic_doj_<county>_<people>_<seed>.csv``."""
    from concurrent.futures import ThreadPoolExecutor

    from helpers.prop64.output import csv_header, join_fields, value_bytes

    path = Path(path)
    if path.is_dir() or str(path).endswith(("/", "\\")) or not path.suffix:
        slug = "_".join(county.lower().split())
        path = path / f"synthetic_doj_{slug}_{people}_{seed}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0

    def render(table: Any, start: int) -> Any:
        return join_fields([table.column(c) for c in DOJ_COLUMNS], start, 100_000, True)

    with open(path, "wb") as fh, ThreadPoolExecutor(max_workers=2) as pool:
        fh.write(csv_header(list(DOJ_COLUMNS)))
        for table in _batches(people, seed, county):
            starts = range(0, table.num_rows, 100_000)
            for piece in pool.map(lambda start, t=table: render(t, start), starts):
                fh.write(value_bytes(piece))
            n += table.num_rows
        fh.write(b"\n")
    return path, n
