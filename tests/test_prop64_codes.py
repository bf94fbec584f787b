"""Table-driven tests of code-section extraction, normalisation and matchers (helpers.prop64.codes)."""

from __future__ import annotations

import pytest

from helpers.prop64 import codes

SECTION_TEXT = [
    # (OFFENSE_DESCR, COMMENT_TEXT, expected section text)
    ("11358 HS-CULTIVATE CANNABIS", "", "11358 HS"),
    ("11357(A) HS-POSSESS", "IGNORED 11360 HS", "11357(A) HS"),
    ("SEE COMMENT FOR CHARGE", "11358 HS-CULTIVATE CANNABIS", "11358 HS"),
    ("  SEE COMMENT FOR CHARGE ", "11359 HS-POSS FOR SALE", "11359 HS"),
    ("", "11360(A) HS-TRANSPORT", "11360(A) HS"),
    ("   ", "11357 HS", "11357 HS"),
    ("220 PC- COMMIT MAYHEM", "", "220 PC"),
    ("503 VC", "", "503 VC"),
    ("SEE COMMENT FOR CHARGE", "", ""),
]


@pytest.mark.parametrize(("offense", "comment", "expected"), SECTION_TEXT)
def test_section_text(offense: str, comment: str, expected: str) -> None:
    assert codes.section_text(offense, comment) == expected


NORMALIZE = [
    # (raw section text, canonical, prop64 section, attempt)
    ("11357(A) HS", "11357(A) HS", "11357", False),
    ("11357A HS", "11357(A) HS", "11357", False),
    ("11357B2 HS", "11357(B)(2) HS", "11357", False),
    ("11359B HS", "11359(B) HS", "11359", False),
    ("11360A2 HS", "11360(A)(2) HS", "11360", False),
    ("11357 (A)(1) HS", "11357(A)(1) HS", "11357", False),
    ("11357(a) hs", "11357(A) HS", "11357", False),
    ("664.11357 HS", "11357 HS", "11357", True),
    ("664/11359 HS", "11359 HS", "11359", True),
    ("66411357(A) HS", "11357(A) HS", "11357", True),
    ("11357(A)PC", "11357(A) HS", "11357", False),  # wrong code letters
    ("11357(A)", "11357(A) HS", "11357", False),  # missing code letters
    ("11357 HS X", "11357 HS", "11357", False),  # stray letter after the code
    ("11357AHS", "11357(A) HS", "11357", False),
    ("HS11357(a)", "11357(A) HS", "11357", False),  # code letters first (CDCR style)
    ("11358", "11358 HS", "11358", False),
    ("11357.5 HS", "11357.5 HS", "", False),  # synthetic cannabinoids, not Prop 64
    ("113570 HS", "113570 HS", "", False),
    ("11350(A) HS", "11350(A) HS", "", False),
    ("288A PC", "288A PC", "", False),  # section 288a keeps its letter
    ("273AB PC", "273AB PC", "", False),
    ("664/187(A) PC", "187(A) PC", "", True),
    ("PC187(664)", "187 PC", "", True),
    ("182.5 PC", "182.5 PC", "", False),  # a real section, not a conspiracy prefix
    ("SEE COMMENT", "SEE COMMENT", "", False),
    ("", "", "", False),
]


@pytest.mark.parametrize(("raw", "canonical", "p64", "attempt"), NORMALIZE)
def test_normalize_section(raw: str, canonical: str, p64: str, attempt: bool) -> None:
    sec = codes.parse_section(raw)
    assert codes.normalize_section(raw) == canonical
    assert codes.prop64_section(raw) == p64
    assert sec.attempt is attempt


SUPERSTRIKE = [
    ("187 PC", True),
    ("187(A) PC", True),
    ("664/187(A) PC", True),  # attempted murder
    ("182/187 PC", True),
    ("191.5(A) PC", True),
    ("190.2 PC", True),
    ("192(A) PC", False),  # manslaughter: outside PC 187-191.5
    ("245(D)(3) PC", True),
    ("245(A)(1) PC", False),
    ("261(A)(2) PC", True),
    ("288(A) PC", True),
    ("288(C)(1) PC", False),
    ("288A(C)(2)(B) PC", True),
    ("288A(B)(1) PC", False),
    ("286(C)(2)(A) PC", True),
    ("286(B)(1) PC", False),
    ("289(J) PC", True),
    ("653F PC", True),
    ("11418(A)(1) PC", True),
    ("11418(A)(2) PC", False),
    ("1672(A) MV", True),
    ("187", True),  # code letters missing: read as PC
    ("187 VC", False),
    ("1187 PC", False),  # anchored: not "187"
    ("11358 HS", False),
    ("459 PC", False),
]


@pytest.mark.parametrize(("text", "expected"), SUPERSTRIKE)
def test_is_superstrike(text: str, expected: bool) -> None:
    assert codes.is_superstrike(text) is expected


PC290 = [
    ("243.4(A) PC", True),
    ("314(1) PC", True),
    ("314 PC", False),
    ("647.6(A) PC", True),
    ("311.11(A) PC", True),
    ("311.2(A) PC", False),
    ("311.2(B) PC", True),
    ("261.5 PC", False),
    ("288 PC", True),
    ("266H(B) PC", True),
    ("266H(A) PC", False),
    ("236.1(C) PC", True),
    ("236.1(A) PC", False),
    ("290 PC", False),  # registration itself is read from REGISTRATION rows
    ("11358 HS", False),
]


@pytest.mark.parametrize(("text", "expected"), PC290)
def test_is_pc290(text: str, expected: bool) -> None:
    assert codes.is_pc290(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("290 PC", True),
        ("290(A) PC", True),
        ("290.018(B) PC", True),
        ("2900 PC", False),
        ("11357 HS", False),
    ],
)
def test_pc290_registration_section(text: str, expected: bool) -> None:
    assert codes.is_pc290_registration_section(text) is expected


RELATED = [
    ("647(F) PC", "647(F) PC"),
    ("647F PC", "647(F) PC"),
    ("647(B) PC", ""),
    ("602 PC", "602 PC"),
    ("602(K) PC", "602 PC"),
    ("1602 PC", ""),
    ("148(A)(1) PC", "148 PC"),
    ("148.9(A) PC", "148.9 PC"),
    ("11364(A) HS", "11364 HS"),
    ("11550 HS", "11550 HS"),
    ("4060 BP", "4060 BP"),
    ("4060 PC", ""),  # other code
    ("40508(A) VC", "40508 VC"),
    ("1320(B) PC", "1320 PC"),
    ("1320.5 PC", ""),
    ("11357 HS", ""),
]


@pytest.mark.parametrize(("text", "expected"), RELATED)
def test_related_charge(text: str, expected: str) -> None:
    assert codes.related_charge(text) == expected


def test_related_charge_custom_list() -> None:
    assert codes.related_charge("602 PC", ("647(F) PC",)) == ""
    assert codes.related_charge("23152(A) VC", ("23152 VC",)) == "23152 VC"


OTHER_P64 = [
    # (OFFENSE_DESCR, COMMENT_TEXT, expected)
    ("459 PC-BURGLARY", "ALSO 11359 HS", "ALSO 11359 HS"),
    ("11358 HS-CULTIVATE", "11359 HS-POSS FOR SALE", "11359 HS-POSS FOR SALE"),
    ("11358 HS-CULTIVATE", "11358 HS", ""),
    ("11357(A) HS-POSS", "11357(C) HS", "11357(C) HS"),
    ("11357(A) HS-POSS", "11357(B) HS", ""),
    ("11357 HS-POSS", "11357(D) HS", "11357(D) HS"),
    ("11357(C) HS-POSS", "11357 HS", ""),
    ("SEE COMMENT FOR CHARGE", "11358 HS-CULTIVATE", ""),  # the comment is the charge
    ("459 PC-BURGLARY", "113575 GRAMS", ""),
    ("459 PC-BURGLARY", "", ""),
]


@pytest.mark.parametrize(("offense", "comment", "expected"), OTHER_P64)
def test_possible_other_prop64(offense: str, comment: str, expected: str) -> None:
    assert codes.possible_other_prop64(offense, comment) == expected


@pytest.mark.parametrize(
    ("text", "pattern", "expected"),
    [
        ("11357(B)(2) HS", "11357(B)", True),
        ("11357(B) HS", "11357", True),
        ("11357 HS", "11357(B)", False),
        ("11359(C)(3) HS", "11359(C)(3)", True),
        ("11359(C)(2) HS", "11359(C)(3)", False),
        ("11360(A)(3)(D) HS", "11360(A)(3)(D)", True),
        ("11358 HS", "11357", False),
    ],
)
def test_section_matches(text: str, pattern: str, expected: bool) -> None:
    assert codes.section_matches(codes.parse_section(text), pattern) is expected
