"""Deterministic synthetic DOJ research file (vectorised numpy; no real person).

Every person is named ``SYNTHETIC,PERSON 000123`` and has at least one Prop 64 conviction in the
chosen county, like the real file (which holds the whole record of everyone with such a
conviction). Records mix arrests, dismissals, other charges, other counties, Prop 64 convictions
written with and without parentheses, attempts (``664.11359``), ``SEE COMMENT FOR CHARGE`` rows,
sentences split over two rows of one ``CNT_ORDER``, deceased people, PC 290 registrations,
superstrikes, misdemeanors and felonies, before and after 2016-11-09.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

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


def _zfill(values: np.ndarray, width: int) -> np.ndarray:
    return np.char.zfill(values.astype(str), width)


def generate_doj(people: int, seed: int = 0, county: str = "SAN JOAQUIN") -> Any:
    """A synthetic DOJ research table (pyarrow, the 95 DOJ columns as strings), deterministic for
    ``seed``. Prop 64 convictions are placed in ``county``."""
    import pyarrow as pa

    if people < 1:
        raise ValueError("people must be at least 1")
    rng = np.random.default_rng(seed)
    county = " ".join(county.upper().split())
    others = [c for c in COUNTIES if c != county]
    P = people
    pid = np.arange(P)
    dob = rng.integers(-9100, 11300, size=P)  # 1945 .. 2000
    n_cyc = np.minimum(1 + rng.poisson(1.6, size=P), 8)

    # ---- cycles (arrest events) ----
    c_person = np.repeat(pid, n_cyc)
    C = len(c_person)
    start = dob[c_person] + 18 * 365
    c_date = start + (rng.random(C) * np.maximum(_END - start, 30)).astype(np.int64)
    order = np.lexsort((c_date, c_person))
    c_date = c_date[order]
    first = np.concatenate([[0], np.cumsum(n_cyc)[:-1]])
    c_num = np.arange(C) - np.repeat(first, n_cyc)  # 0-based cycle number in the person
    key_cycle = first + (rng.random(P) * n_cyc).astype(np.int64)  # one Prop 64 cycle in county
    c_key = np.zeros(C, dtype=bool)
    c_key[key_cycle] = True
    c_p64 = c_key | (rng.random(C) < 0.2)
    c_cty = np.where(
        c_key | (rng.random(C) < 0.6), county, np.array(others)[rng.integers(0, len(others), C)]
    )

    # ---- counts ----
    n_cnt = 1 + rng.binomial(2, 0.3, size=C)
    k_cycle = np.repeat(np.arange(C), n_cnt)
    K = len(k_cycle)
    k_first = np.concatenate([[0], np.cumsum(n_cnt)[:-1]])
    k_num = np.arange(K) - np.repeat(k_first, n_cnt)
    k_p64 = c_p64[k_cycle] & (k_num == 0)
    r = rng.random(K)
    kind = np.where(
        k_p64,
        0,
        np.where(c_p64[k_cycle] & (r < 0.45), 1, np.where(r < 0.985, 2, np.where(r < 0.993, 3, 4))),
    )
    tables = (
        PROP64_OFFENSES,
        RELATED_OFFENSES,
        OTHER_OFFENSES,
        SUPERSTRIKE_OFFENSES,
        PC290_OFFENSES,
    )
    vocab: list[str] = []
    toc_vocab: list[str] = []
    base = []
    for t in tables:
        base.append(len(vocab))
        vocab += [o[0] for o in t]
        toc_vocab += [o[1] for o in t]
    off = np.zeros(K, dtype=np.int64)
    for i, t in enumerate(tables):
        sel = kind == i
        off[sel] = base[i] + _pick(rng, t, int(sel.sum()))
    toc = np.array(toc_vocab)[off]
    see_comment = np.array(vocab)[off] == "SEE COMMENT FOR CHARGE"
    must_convict = c_key[k_cycle] & k_p64
    u = rng.random(K)
    convicted = must_convict | (u < 0.62)
    dismissed = ~convicted & (u < 0.95)
    felony_conv = convicted & (toc == "F") & (rng.random(K) < 0.8)
    # CONV_STAT_DESCR: FELONY / MISDEMEANOR; sometimes blank (then OFFENSE_TOC decides).
    stat = np.where(felony_conv, "FELONY", np.where(convicted & (toc != "I"), "MISDEMEANOR", ""))
    blank_stat = convicted & (rng.random(K) < 0.04)
    stat = np.where(blank_stat, "", stat)
    k_toc = np.where(blank_stat & felony_conv, "F", toc)
    loc = np.where(
        ~convicted,
        0,
        np.where(felony_conv & (rng.random(K) < 0.35), 3, np.where(rng.random(K) < 0.5, 2, 1)),
    )
    # 1 jail (days), 2 probation (months), 3 prison (months/years)
    length = np.where(
        loc == 1,
        rng.integers(5, 365, K),
        np.where(loc == 2, rng.integers(12, 60, K), rng.integers(16, 72, K)),
    )
    unit = np.where(loc == 1, "D", "M")
    split = convicted & (rng.random(K) < 0.05)

    person_k = c_person[k_cycle]
    cyc_date_k = c_date[k_cycle]
    court_date = (c_date + rng.integers(1, 120, C))[k_cycle]  # one court action per cycle
    # CNT_ORDER as a number: cycle (3 digits), step (3), count (3), 000; written zero-padded.
    cnt_base = (c_num[k_cycle] + 1) * 10**9 + (k_num + 1) * 10**3
    docket = rng.integers(10**6, 10**7, C)[k_cycle]  # court docket (OFN), one per court action
    docket = np.where(rng.random(K) < 0.05, rng.integers(10**6, 10**7, K), docket)

    # ---- rows: arrest (one per count), court (one per count, + split rows), extras ----
    def rows_for(sel: np.ndarray, **cols: Any) -> dict[str, Any]:
        return {
            k: (v[sel] if isinstance(v, np.ndarray) and v.shape[:1] == (K,) else v)
            for k, v in cols.items()
        }

    all_k = np.ones(K, dtype=bool)
    arrest = rows_for(
        all_k,
        person=person_k,
        date=cyc_date_k,
        cyc=c_date[k_cycle],
        stp="ARREST/DETAINED/CITED",
        ori="CAPD",
        cty=c_cty[k_cycle],
        cnt=cnt_base + 10**6,
        ofn=-rng.integers(10**7, 10**8, K),
        off=off,
        toc=toc,
        disp=np.where(rng.random(K) < 0.1, "REL/TOT OTHER JURIS/AUTH", ""),
        stat="",
        loc=0,
        length="",
        unit="",
        see=see_comment,
        order=0,
    )
    court_cnt = cnt_base + 2 * 10**6
    disp_conv = np.array(["", "CONVICTED-JAIL", "CONVICTED-PROBATION", "CONVICTED-PRISON"])[loc]
    disp = np.where(
        convicted,
        disp_conv,
        np.where(dismissed, "DISMISSED/CHARGE DROPPED", "REL/TOT OTHER JURIS/AUTH"),
    )
    court_len = np.where(convicted, length, 0).astype(str)
    court_len = np.where(convicted, court_len, "")
    court_fields = dict(
        person=person_k,
        date=court_date,
        cyc=c_date[k_cycle],
        stp="COURT ACTION",
        ori="CASC",
        cty=c_cty[k_cycle],
        cnt=court_cnt,
        ofn=docket,
        off=off,
        toc=k_toc,
        disp=disp,
        stat=stat,
        loc=loc,
        see=see_comment,
    )
    court = rows_for(
        all_k, **court_fields, length=court_len, unit=np.where(convicted, unit, ""), order=1
    )
    # The rng draw stays where it was, so the same seed gives the same file.
    split_length = rng.integers(1, 12, K).astype(str)
    splits = rows_for(split, **court_fields, length=split_length, unit="M", order=2)
    # PC 290 registration after a 290 conviction (most), or (rarely) on its own.
    reg_k = convicted & (kind == 4) & (rng.random(K) < 0.8)
    reg_p = np.zeros(P, dtype=bool)
    reg_p[person_k[reg_k]] = True
    reg_p |= rng.random(P) < 0.002
    reg_person = np.flatnonzero(reg_p)
    reg_date = np.minimum(dob[reg_person] + 25 * 365 + rng.integers(0, 3650, len(reg_person)), _END)
    dead_person = np.flatnonzero(rng.random(P) < 0.03)
    last_cyc = n_cyc
    extra_n = len(reg_person) + len(dead_person)
    e_person = np.concatenate([reg_person, dead_person])
    e_is_reg = np.arange(extra_n) < len(reg_person)
    e_date = np.concatenate([reg_date, np.minimum(dob[dead_person] + 60 * 365, _END)])
    e_cnt = (last_cyc[e_person] + 1 + (~e_is_reg)) * 10**9 + 10**6 + 10**3
    reg_off = len(vocab)
    vocab.append("290 PC-REGISTRATION OF SEX OFFENDER")
    vocab.append("")
    extra = {
        "person": e_person,
        "date": e_date,
        "cyc": e_date,
        "stp": np.where(e_is_reg, "REGISTRATION", "DECEASED"),
        "ori": np.where(e_is_reg, "CASO", "CACO"),
        "cty": np.where(e_is_reg, county, np.array(others)[rng.integers(0, len(others), extra_n)]),
        "cnt": e_cnt,
        "ofn": 0,
        "off": np.where(e_is_reg, reg_off, reg_off + 1),
        "toc": "",
        "disp": "",
        "stat": "",
        "loc": 0,
        "length": "",
        "unit": "",
        "see": np.zeros(extra_n, dtype=bool),
        "order": 3,
    }

    parts = [arrest, court, splits, extra]
    sizes = [len(p["person"]) for p in parts]
    N = sum(sizes)

    def cat(name: str, dtype: Any = None) -> np.ndarray:
        out = []
        for p, size in zip(parts, sizes, strict=True):
            v = p[name]
            out.append(v if isinstance(v, np.ndarray) else np.full(size, v, dtype=dtype))
        return np.concatenate(out)

    person = cat("person")
    cnt = cat("cnt")
    ordr = cat("order")
    import pandas as pd

    sort = np.lexsort((ordr, cnt, person))
    person = person[sort]
    date = cat("date")[sort]
    offc = cat("off")[sort]
    see = cat("see")[sort]
    locr = cat("loc")[sort]
    stp = cat("stp", object)[sort]
    ctyr = cat("cty", object)[sort]

    def arr(values: np.ndarray, fmt: Any = str) -> Any:
        codes, uniq = pd.factorize(values)
        return pa.array([fmt(u) for u in uniq], pa.string()).take(pa.array(codes))

    def ofn_text(u: int) -> str:  # arrest numbers B########, dockets #######, none 0
        return f"B{-u:08d}" if u < 0 else (str(u) if u else "")

    def const(v: str) -> Any:
        return pa.array([v], pa.string()).take(pa.array(np.zeros(N, dtype=np.int64)))

    sid = 20_000_000 + person
    cii = np.char.add("A", _zfill(person * 7919 % 10**9, 9))
    names_p = np.char.add("SYNTHETIC,PERSON ", _zfill(pid, 6))
    age = np.floor((date - dob[person]) / 365.25).astype(int)
    vocab_arr = pa.array(vocab, pa.string())
    offense = vocab_arr.take(pa.array(offc))
    note_rng = np.random.default_rng([seed, 64])  # separate stream: other columns stay as they were
    pick = note_rng.integers(0, 3, N)
    note = (offc < len(PROP64_OFFENSES) + len(RELATED_OFFENSES)) & (note_rng.random(N) < 0.02)
    comment = np.where(
        see, np.array(COMMENT_CHARGES)[pick], np.where(note, np.array(COMMENT_NOTES)[pick], "")
    )
    loc_descr = np.array(["", "JAIL", "PROBATION", "PRISON"])[locr]
    loc_code = np.array(["", "J", "P", "P"])[locr]
    unit_r = cat("unit", object)[sort]
    unit_descr = np.where(unit_r == "D", "DAYS", np.where(unit_r == "M", "MONTHS", ""))
    values: dict[str, Any] = {c: None for c in DOJ_COLUMNS}
    values.update(
        {
            "RECORD_ID": const("x"),
            "SUBJECT_STATUS": const("x"),
            "SUBJECT_ID": arr(sid),
            "REQ_SEG_SEP": const("#"),
            "REQ_CII_NUMBER": arr(cii[person]),
            "PII_SEG_SEP": const("#"),
            "CII_NUMBER": arr(cii[person]),
            "PRI_NAME": pa.array(names_p, pa.string()).take(pa.array(person)),
            "GENDER": arr(np.array(["M", "F"])[person % 2]),
            "PRI_DOB": arr(_ymd(dob)[person]),
            "PDR_SEG_SEP": const("#"),
            "RACE_DESCR": arr(np.array(RACES)[person % len(RACES)]),
            "CYC_SEG_SEP": const("#"),
            "CYC_DATE": arr(_ymd(cat("cyc")[sort])),
            "STP_SEG_SEP": const("#"),
            "STP_EVENT_DATE": arr(_ymd(date)),
            "STP_TYPE_DESCR": arr(stp),
            "STP_ORI_DESCR": arr(
                np.char.add(cat("ori", object)[sort].astype(str), ctyr.astype(str))
            ),
            "STP_ORI_CNTY_NAME": arr(ctyr),
            "CNT_SEG_SEP": const("#"),
            "CNT_ORDER": arr(cnt[sort], lambda u: f"{u:012d}"),
            "DISP_DATE": arr(_ymd(date)),
            "OFN": arr(cat("ofn")[sort], ofn_text),
            "OFFENSE_DESCR": offense,
            "OFFENSE_TOC": arr(cat("toc", object)[sort]),
            "DISP_DESCR": arr(cat("disp", object)[sort]),
            "CONV_STAT_DESCR": arr(cat("stat", object)[sort]),
            "SENT_SEG_SEP": const("#"),
            "SENT_LOC_CODE": arr(loc_code),
            "SENT_LOC_DESCR": arr(loc_descr),
            "SENT_LENGTH": arr(cat("length", object)[sort]),
            "SENT_TIME_CODE": arr(unit_r),
            "SENT_TIME_DESCR": arr(unit_descr),
            "CYC_AGE": arr(age),
            "COMMENT_TEXT": arr(comment),
            "END_OF_REC": const("#"),
        }
    )
    empty = const("")
    return pa.table({c: (values[c] if values[c] is not None else empty) for c in DOJ_COLUMNS})


def write_doj(
    path: str | Path, people: int, seed: int = 0, county: str = "SAN JOAQUIN"
) -> tuple[Path, int]:
    """Write a synthetic DOJ file (with header) and return (path, number of rows). A directory
    gets the file ``synthetic_doj_<county>_<people>_<seed>.csv``."""
    from helpers.prop64.report import write_csv

    path = Path(path)
    if path.is_dir() or str(path).endswith(("/", "\\")) or not path.suffix:
        slug = "_".join(county.lower().split())
        path = path / f"synthetic_doj_{slug}_{people}_{seed}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table = generate_doj(people, seed, county)
    write_csv(path, list(DOJ_COLUMNS), [table.column(c) for c in DOJ_COLUMNS])
    return path, int(table.num_rows)
