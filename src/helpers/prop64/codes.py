"""Code-section extraction, normalisation and matchers for CA DOJ criminal-history rows.

The DOJ writes a charge as ``<section>[subsection] <CODE>-<description>``, e.g.
``11357(A) HS-POSSESS MARIJUANA``. The same section appears in many spellings: ``11357A HS``,
``11357B2 HS`` (subsections without parentheses), ``664.11357 HS`` or ``66411357(A) HS``
(attempts), ``11357(A)PC`` (wrong code letters), ``11357(A)`` (no code letters). Everything here
works on one string at a time; the engine applies it to the *unique* strings of a file only, so the
cost does not grow with the number of rows.

Facts used (copied here so the package never reads anything else at run time):

* Prop 64 sections: Health and Safety Code 11357, 11358, 11359, 11360 (Prop 64, 2016; relief under
  HS 11361.8; automatic review under AB 1793 / HS 11361.9).
* Superstrikes: the offenses listed in Penal Code 667(e)(2)(C)(iv) (sexually violent offenses, lewd
  acts on a child under 14, homicide offenses in PC 187 to 191.5 and their attempts, solicitation of
  murder, assault with a machine gun on a peace officer, weapons of mass destruction, and any serious
  or violent felony punishable by life imprisonment or death). The list below follows the section
  list used by Code for America's Clear My Record engine, anchored to whole section numbers.
* PC 290 offenses: the registrable offenses of Penal Code 290(c).
* Related charges (San Joaquin / Contra Costa practice): PC 647(f), 602, 466, 148, 148.9, 1320,
  HS 11364, 11550, BP 4140, 4149, 4060, VC 40508.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

PROP64_SECTIONS: tuple[str, ...] = ("11357", "11358", "11359", "11360")

# Code abbreviations seen in DOJ files (Penal, Health & Safety, Vehicle, Business & Professions,
# Welfare & Institutions, Military & Veterans, ...). Two letters, upper case.
KNOWN_CODES: frozenset[str] = frozenset(
    [
        "PC",
        "HS",
        "VC",
        "BP",
        "WI",
        "MV",
        "CC",
        "GC",
        "FG",
        "RT",
        "EC",
        "LC",
        "PR",
        "UI",
        "HN",
        "US",
        "FA",
        "IC",
        "FC",
        "CP",
        "SH",
        "AG",
        "CR",
        "ED",
        # Further codes of the DOJ law enforcement statute code table: California Code of
        # Regulations, Elections, Civil, Public Utilities, Water.
        "CA",
        "EL",
        "CI",
        "PU",
        "WC",
    ]
)
_CODE_ALIASES = {"H&S": "HS", "H/S": "HS", "HSC": "HS", "H&SC": "HS", "B&P": "BP", "W&I": "WI"}

# A value of None means "any subsection"; a tuple lists allowed subsection prefixes, where "" also
# allows the bare section with no subsection at all.
_Rule = tuple[str, ...] | None

SUPERSTRIKES: dict[str, _Rule] = {
    "37": None,  # treason (punishable by death)
    "128": None,  # perjury causing execution
    "187": None,  # murder; PC 187-191.5 homicide offenses, attempts included
    "188": None,
    "189": None,
    "189.1": None,
    "189.5": None,
    "190": None,
    "190.*": None,  # 190.03, 190.05, 190.2, 190.25 ...
    "191": None,
    "191.5": None,
    "205": None,  # aggravated mayhem (life)
    "207": None,  # kidnapping (of a child under 14 for lewd acts)
    "209": None,  # kidnapping for ransom / robbery (life)
    "209.5": None,  # kidnapping in a carjacking (life)
    "217.1": None,  # assault / attempted murder of public officials
    "218": None,  # train wrecking (life)
    "219": None,
    "220": None,  # assault with intent to commit rape etc.
    "245": ("(D)(3)",),  # assault with a machine gun on a peace officer or firefighter
    "261": None,  # rape (sexually violent offenses, WIC 6600(b))
    "262": None,
    "264.1": None,
    "269": None,  # aggravated sexual assault of a child
    "273AB": None,  # assault resulting in death of a child under 8
    "286": ("", "(C)(1)", "(C)(2)", "(C)(3)", "(D)(1)", "(D)(2)", "(D)(3)"),
    "287": None,
    "288": ("", "(A)", "(B)(1)", "(B)(2)"),
    "288A": ("", "(C)(1)", "(C)(2)(A)", "(C)(2)(B)", "(C)(2)(C)", "(D)"),
    "288.5": ("", "(A)"),
    "289": ("", "(A)(1)(A)", "(A)(1)(B)", "(A)(1)(C)", "(A)(2)(C)", "(J)"),
    "451.5": None,  # aggravated arson (life)
    "653F": None,  # solicitation to commit murder (653f(b))
    "667.61": None,  # one-strike sex offenses
    "667.7": None,
    "667.71": None,
    "4500": None,  # assault by a life prisoner
    "11418": ("(A)(1)", "(B)(1)", "(B)(2)"),  # weapons of mass destruction
    "12308": None,  # explosives (now 18745, 18755)
    "12310": None,
    "18745": None,
    "18755": None,
}
# Military and Veterans Code 1672(a): explosives causing death (punishable by life or death).
SUPERSTRIKES_MV: dict[str, _Rule] = {"1672": ("(A)",)}

# PC 667(e)(2)(C)(iv)(VIII): these offenses are superstrikes when they carry the PC 186.22(b)(4)
# gang life enhancement in the same case.
GANG_ENHANCEMENT: tuple[str, _Rule] = ("186.22", ("(B)(4)",))
GANG_ENHANCEABLE: dict[str, _Rule] = {
    "136.1": None,
    "213": ("(A)(1)(A)",),
    "215": None,
    "246": None,
    "519": None,
    "12022.55": None,
}

PC290_OFFENSES: dict[str, _Rule] = {
    "220": None,
    "236.1": ("(B)", "(C)"),
    "243.4": None,
    "261": None,
    "262": ("(A)(1)",),
    "264.1": None,
    "266": ("",),
    "266C": None,
    "266H": ("(B)",),
    "266I": ("(B)",),
    "266J": None,
    "267": None,
    "269": None,
    "272": None,
    "285": None,
    "286": None,
    "287": None,
    "288": None,
    "288A": None,
    "288.2": None,
    "288.3": None,
    "288.4": None,
    "288.5": None,
    "288.7": None,
    "289": None,
    "311.1": None,
    "311.2": ("(B)", "(C)", "(D)"),
    "311.3": None,
    "311.4": None,
    "311.10": None,
    "311.11": None,
    "314": ("(1)", "(2)"),
    "647.6": None,
    "647A": None,
    "653F": ("(C)",),
}

# Related charges: "<section> <CODE>" -> rule. Matched on number + code letters.
RELATED_CHARGES_DEFAULT: tuple[str, ...] = (
    "647(F) PC",
    "602 PC",
    "466 PC",
    "148 PC",
    "148.9 PC",
    "1320 PC",
    "11364 HS",
    "11550 HS",
    "4140 BP",
    "4149 BP",
    "4060 BP",
    "40508 VC",
)

_WS = re.compile(r"\s+")
_CODE_PREFIX = re.compile(r"^(H&SC|H&S|H/S|HSC|B&P|W&I|[A-Z]{2})\s*(?=\d)")
# Attempt (PC 664) or conspiracy (PC 182) written before the section: 664.11357, 664/187, 664 187,
# 664-187 or glued to a Prop 64 section: 66411357.
_FLAG_PREFIX = re.compile(r"^(664|182)(?:\s*[./\\-]\s*|\s+)(?=\d{3})|^(664|182)(?=1135[789]|11360)")
_FLAG_SUFFIX = re.compile(r"\((664|182)\)")
_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)")  # 11357, 12022.53, 148.2.1
_LEADING_JUNK = re.compile(r"^[^0-9A-Z]+")  # "/11357 HS", ":11358 HS"
# An attempt marker joined by a dash (664-187 PC): the dash is not the start of the description.
_ATTEMPT_DASH = re.compile(r"^\s*(664|182)\s*-\s*(?=\d)")
# A second section written in the same charge: 246/186.22(B)(4) PC, 215 + 186.22(B)(4) PC.
_JOINED = re.compile(r"\s*(?:/|\+|&)\s*(?=\d)")
# Where a charge may start inside free text: code letters or a number of two or more digits,
# not glued to a word before it (CHRG 11358 HS, :CHRG 11358 HS, CHG-11359 HS).
_CHARGE_START = re.compile(r"(?<![0-9A-Z.])(?=(?:H&SC|H&S|H/S|HSC|B&P|W&I|[A-Z]{2})?\s?\d{2})")
_SUB_SEGMENT = re.compile(r"^(?:[A-Z]|\d{1,3})$")
_PAREN = re.compile(r"^\s*\(\s*([0-9A-Z]{1,4})\s*\)")
_GLUED = re.compile(r"^([A-Z0-9]+)")
_SUB_SPLIT = re.compile(r"[A-Z]+|\d+")


@dataclass(frozen=True)
class Section:
    """A parsed code section.

    ``number`` is the numeric part (``11357``, ``148.9``); ``suffix`` letters glued to it that may
    be part of the section number (``288A``, ``653F``, ``337A.6``); ``subs`` the parenthesised
    subsections (``(A)(1)``); ``code`` the code letters (``HS``, ``PC``, or empty); ``attempt`` is
    True for PC 664 attempts and PC 182 conspiracies written around the section. ``also`` holds
    the canonical spellings of further sections written in the same charge (``246/186.22(B)(4)
    PC``), ``unread`` the text that is none of these (kept visible, never read as a subsection).
    """

    raw: str
    number: str
    suffix: str
    subs: str
    code: str
    attempt: bool
    also: tuple[str, ...] = ()
    unread: str = ""

    @property
    def prop64(self) -> str:
        """The Prop 64 section (``"11357"`` .. ``"11360"``) or ``""``."""
        return self.number if self.number in PROP64_SECTIONS else ""

    @property
    def canonical(self) -> str:
        """Normalised spelling, e.g. ``11357(A) HS``; Prop 64 sections always get ``HS``."""
        if not self.number:
            return self.raw
        code = "HS" if self.prop64 else self.code
        body = f"{self.number}{self.suffix}{self.subs}"
        return f"{body} {code}" if code else body


def _charge_in_text(text: str) -> str:
    """The charge written in free text (a comment): from the first place a section starts, after
    any label or punctuation (``CHRG 11358 HS``, ``:CHRG 11358 HS``, ``CHG-11359 HS``). The first
    start that reads as a Prop 64 section, or as a section with its code letters and nothing
    else, wins; otherwise the first one."""
    first = ""
    for m in _CHARGE_START.finditer(text):
        candidate = _before_description(text[m.start() :])
        sec = parse_section(candidate)
        if sec.prop64 or (sec.number and sec.code and not sec.unread):
            return candidate
        first = first or candidate
    return first


def _before_description(text: str) -> str:
    """The text before the first ``-`` (the description), a ``664-`` attempt marker kept."""
    text = _ATTEMPT_DASH.sub(r"\1/", text)
    return text.split("-", 1)[0].strip()


def section_text(offense_descr: str, comment_text: str = "") -> str:
    """Text of the code section of a row: before the first ``-`` of the offense, or the charge
    found in the comment when the offense reads ``SEE COMMENT FOR CHARGE`` or is blank."""
    offense = (offense_descr or "").strip()
    if offense in ("", "SEE COMMENT FOR CHARGE"):
        return _charge_in_text(" ".join((comment_text or "").upper().split()))
    return _before_description(offense_descr)


def _glued_to_subs(text: str) -> str:
    return "".join(f"({part})" for part in _SUB_SPLIT.findall(text))


def _is_subsection(text: str) -> bool:
    """Letters/digits glued after a subsection read as more subsections (``(A)1``, ``B2``):
    single letters and numbers of up to three digits only; ``ZZ`` is not a subsection."""
    parts = _SUB_SPLIT.findall(text)
    return bool(parts) and "".join(parts) == text and all(_SUB_SEGMENT.match(p) for p in parts)


def _leading_marks(s: str) -> tuple[str, str, bool]:
    """Code letters written first (``HS11357``) and attempt/conspiracy marks around the section:
    the rest of the text, the code letters and whether it is an attempt."""
    code = ""
    m = _CODE_PREFIX.match(s)
    if m:
        code = _CODE_ALIASES.get(m.group(1), m.group(1))
        s = s[m.end() :]
    attempt = False
    m = _FLAG_PREFIX.match(s)
    if m:
        attempt = True
        s = s[m.end() :]
    if _FLAG_SUFFIX.search(s):
        attempt = True
        s = _FLAG_SUFFIX.sub("", s)
    return s, code, attempt


def _glued_suffix(s: str, code: str) -> tuple[str, str, str]:
    """Letters/digits glued to the number (11357A, 11357B2, 288A, 273AB, 337A.6, 11357HS): the
    rest of the text, the code letters and the suffix."""
    m = _GLUED.match(s)
    if not m:
        return s, code, ""
    glued = m.group(1)
    s = s[m.end() :]
    if glued in KNOWN_CODES or glued in _CODE_ALIASES:
        return s, code or _CODE_ALIASES.get(glued, glued), ""
    if len(glued) > 2 and glued[-2:] in KNOWN_CODES and not s.strip():
        glued, code = glued[:-2], code or glued[-2:]
    decimal = _NUMBER.match(s[1:]) if s.startswith(".") and glued.isalpha() else None
    if decimal:  # a decimal section after a letter: 337A.6, 171D.2
        glued += "." + decimal.group(1)
        s = s[1 + decimal.end() :]
    return s, code, glued


def _subsections(s: str, code: str) -> tuple[str, str, list[str], list[str]]:
    """Parenthesised subsections, with code letters glued after them (``11357(A)PC``): the rest,
    the code, the subsections and the glued text that is neither (unread)."""
    subs: list[str] = []
    unread: list[str] = []
    while True:
        m = _PAREN.match(s)
        if m:
            subs.append(f"({m.group(1)})")
            s = s[m.end() :]
            continue
        m = _GLUED.match(s)
        if not (m and subs):
            return s, code, subs, unread
        glued = m.group(1)
        s = s[m.end() :]
        if glued in KNOWN_CODES:
            code = code or glued
        elif glued[-2:] in KNOWN_CODES and len(glued) > 2 and _is_subsection(glued[:-2]):
            subs.append(_glued_to_subs(glued[:-2]))
            code = code or glued[-2:]
        elif _is_subsection(glued):
            subs.append(_glued_to_subs(glued))
        else:
            unread.append(glued)


def _trailing_tokens(s: str, code: str) -> tuple[str, list[str]]:
    """Remaining space-separated tokens: the code letters (the first ones), the rest unread."""
    unread: list[str] = []
    for token in s.replace("(", " (").split():
        word = token.strip(".,;:")
        alias = _CODE_ALIASES.get(word, word)
        if not code and alias in KNOWN_CODES:
            code = alias
        elif word and alias != code:
            unread.append(token)
    return code, unread


def _parse_one(raw: str, inherited_code: str = "") -> Section:
    """One section (no joined sections): number, glued suffix, subsections, code letters."""
    s, code, attempt = _leading_marks(raw)
    m = _NUMBER.match(s)
    if not m:
        return Section(raw, "", "", "", code, attempt)
    number = m.group(1)
    s, code, suffix = _glued_suffix(s[m.end() :], code)
    s, code, subs, unread = _subsections(s, code)
    code, rest = _trailing_tokens(s, code)
    if number in PROP64_SECTIONS and suffix:
        # The DOJ writes Prop 64 subsections without parentheses: 11357A, 11357B2, 11360A2.
        subs.insert(0, _glued_to_subs(suffix))
        suffix = ""
    return Section(
        raw,
        number,
        suffix,
        "".join(subs),
        code or inherited_code,
        attempt,
        (),
        " ".join(unread + rest),
    )


@lru_cache(maxsize=65536)
def parse_section(text: str) -> Section:
    """Parse the section text of a charge (see :func:`section_text`) into a :class:`Section`.

    Stray characters before the section are skipped (``/11357 HS``); a second section joined with
    ``/``, ``+`` or ``&`` (``246/186.22(B)(4) PC``) is kept in ``also``, and code letters written
    once after both apply to both.
    """
    raw = _LEADING_JUNK.sub("", _WS.sub(" ", (text or "").upper()).strip())
    head, _code, attempt = _leading_marks(raw)
    pieces = _JOINED.split(head)
    if len(pieces) == 1:
        return _parse_one(raw)
    prefix = raw[: len(raw) - len(head)]
    others = [_parse_one(p) for p in pieces[1:]]
    shared = next((o.code for o in reversed(others) if o.code), "")
    main = _parse_one(prefix + pieces[0], shared)
    also = tuple(_parse_one(p, shared).canonical for p in pieces[1:] if _NUMBER.match(p))
    unread = " ".join(u for u in [main.unread, *(o.unread for o in others)] if u)
    return Section(
        raw, main.number, main.suffix, main.subs, main.code, main.attempt or attempt, also, unread
    )


def normalize_section(text: str) -> str:
    """Normalised spelling of a section text: ``'11357b2 hs'`` -> ``'11357(B)(2) HS'``."""
    return parse_section(text).canonical


def prop64_section(text: str) -> str:
    """``"11357"`` .. ``"11360"`` when the text is a Prop 64 charge (attempts included), else ``""``."""
    return parse_section(text).prop64


def _rule_matches(rule: _Rule, subs: str) -> bool:
    if rule is None:
        return True
    return any((p == "" and subs == "") or (p and subs.startswith(p)) for p in rule)


def _interpretations(sec: Section, known: set[str] | dict[str, _Rule]) -> list[tuple[str, str]]:
    """(section number, subsections) readings. Letters glued to the number are part of the
    section when the list knows such a section (``288A`` is section 288a); otherwise they are
    read as a subsection (``647F`` is 647(f))."""
    whole = sec.number + sec.suffix
    if not sec.suffix or whole in known:
        return [(whole, sec.subs)]
    return [(whole, sec.subs), (sec.number, _glued_to_subs(sec.suffix) + sec.subs)]


def _in_table(sec: Section, table: dict[str, _Rule], codes: tuple[str, ...]) -> bool:
    if not sec.number or sec.code not in codes:
        return False
    for number, subs in _interpretations(sec, table):
        if number in table and _rule_matches(table[number], subs):
            return True
        head = number.split(".")[0]
        if "." in number and f"{head}.*" in table and _rule_matches(table[f"{head}.*"], subs):
            return True
    return False


@lru_cache(maxsize=65536)
def is_superstrike(text: str) -> bool:
    """True for a PC 667(e)(2)(C)(iv) offense (attempts and conspiracies included).

    Missing code letters count as PC, so that a disqualifier is never missed for a typing slip.
    """
    sec = parse_section(text)
    return _in_table(sec, SUPERSTRIKES, ("PC", "")) or _in_table(sec, SUPERSTRIKES_MV, ("MV",))


@lru_cache(maxsize=65536)
def is_pc290(text: str) -> bool:
    """True for an offense that requires sex-offender registration under PC 290(c)."""
    return _in_table(parse_section(text), PC290_OFFENSES, ("PC", ""))


@lru_cache(maxsize=65536)
def is_gang_enhancement(text: str) -> bool:
    """True for the PC 186.22(b)(4) gang life enhancement."""
    number, rule = GANG_ENHANCEMENT
    return _in_table(parse_section(text), {number: rule}, ("PC", ""))


@lru_cache(maxsize=65536)
def is_gang_enhanceable(text: str) -> bool:
    """True for offenses that are superstrikes with the PC 186.22(b)(4) enhancement."""
    return _in_table(parse_section(text), GANG_ENHANCEABLE, ("PC", ""))


@lru_cache(maxsize=65536)
def gang_pair(text: str) -> str:
    """``"<offense> + <enhancement>"`` when one charge names a gang-enhanceable offense and the
    PC 186.22(b)(4) enhancement together (``246/186.22(B)(4) PC``, ``215 + 186.22(B)(4) PC``): the
    same superstrike as the two written as separate counts of one case. Else ``""``."""
    sec = parse_section(text)
    if not sec.also:
        return ""
    parts = [sec.canonical, *sec.also]
    enhancement = next((p for p in parts if is_gang_enhancement(p)), "")
    offense = next((p for p in parts if is_gang_enhanceable(p)), "")
    return f"{offense} + {enhancement}" if enhancement and offense else ""


def is_pc290_registration_section(text: str) -> bool:
    """True when a REGISTRATION row's offense is a PC 290 registration (``290``, ``290(A)``...)."""
    sec = parse_section(text)
    return sec.number.split(".")[0] == "290" and sec.code in ("PC", "")


def _parse_entry(entry: str) -> Section:
    sec = parse_section(entry)
    if not sec.number:
        raise ValueError(f"not a code section: {entry!r}")
    return sec


def related_charge(text: str, entries: tuple[str, ...] = RELATED_CHARGES_DEFAULT) -> str:
    """The matching entry of ``entries`` (e.g. ``'647(F) PC'``) for a related charge, else ``""``.

    An entry matches the same section number and code letters; its subsections, if any, must
    start the charge's subsections (``602 PC`` matches ``602(K) PC``; ``148 PC`` does not match
    ``148.9 PC``). ``647F PC`` is read as ``647(F) PC``.
    """
    sec = parse_section(text)
    if not sec.number:
        return ""
    wanted = [_parse_entry(e) for e in entries]
    known = {w.number + w.suffix for w in wanted}
    for want in wanted:
        if want.code and sec.code and want.code != sec.code:
            continue
        for number, subs in _interpretations(sec, known):
            if number == want.number + want.suffix and subs.startswith(want.subs):
                return want.canonical
    return ""


def section_matches(sec: Section, pattern: str) -> bool:
    """True when a Prop 64 ``pattern`` such as ``11357``, ``11357(B)`` or ``11359(C)(3)`` covers
    the section (same number, subsections starting with the pattern's)."""
    want = parse_section(pattern)
    number = sec.number
    return bool(number) and number == want.number and sec.subs.startswith(want.subs)


_P64_IN_TEXT = re.compile(
    r"(?<![\d.])(1135[789]|11360)(?!\d)(?!\.\d)((?:\s*\([0-9A-Z]{1,3}\))+|[A-Z](?![A-Z])\d?)?"
)


def possible_other_prop64(offense_descr: str, comment_text: str) -> str:
    """The comment text when it names a Prop 64 charge other than the row's offense, else ``""``.

    Rows whose charge is read from the comment are skipped. An 11357 comment counts as another
    charge when the row's offense is not 11357, or when their subsections differ between the
    possession-by-amount group (a), (b) and the school/other group (c), (d).
    """
    offense = (offense_descr or "").strip()
    comment = (comment_text or "").strip()
    if offense in ("", "SEE COMMENT FOR CHARGE") or not comment:
        return ""
    m = _P64_IN_TEXT.search(comment.upper())
    if not m:
        return ""
    comment_section = m.group(1)
    sec = parse_section(section_text(offense))
    if sec.prop64 != comment_section:
        return comment
    if comment_section == "11357":
        comment_sub = parse_section(m.group(1) + (m.group(2) or "")).subs[1:2]
        offense_sub = sec.subs[1:2]
        if comment_sub and offense_sub:
            groups = {"A": 0, "B": 0, "C": 1, "D": 1}
            if groups.get(comment_sub, 2) != groups.get(offense_sub, 2):
                return comment
        elif comment_sub:
            return comment
    return ""
