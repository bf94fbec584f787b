"""The offense vocabulary the generator draws from, with sentencing terms and mix weights.

Codes, descriptions and CDCR categories are the project's shared vocabulary
(``notes/offense_vocabulary.md``; the reference table ``data/reference/offenses.csv`` covers exactly
these codes).  Added here for generation only:

``family``   a coarse group used to pick companion counts and enhancements;
``sv``       serious (PC 1192.7(c)) or violent (PC 667.5(c)) felony, as the generator understands it;
``sex``      sex-registrable (PC 290(c)) offense;
``low/mid/high``  determinate triad in months (PC 1170(b); the usual 16-2-3, 2-3-4, 2-3-5 … terms);
``life``     minimum term in months when the offense carries a life term (15/25-to-life, 7-to-life for
             premeditated attempted murder and kidnapping for ransom or robbery, one-strike sex
             offenses under PC 667.61), else 0.

The mix weights say how often an offense is the *controlling* offense of each sentence type, or a prior
conviction; they were tuned so the controlling-offense mix meets the CDCR category and PPIC group
shares in :mod:`helpers.synthetic.targets`.  They are synthetic and make no claim about real cases.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
import pandas as pd

# code | description | CDCR category | family | sv | sex | low | mid | high | life
_OFFENSES = """\
PC187 1st|Murder 1st|Crimes Against Persons|homicide|1|0|0|0|0|300
PC187 2nd|Murder 2nd|Crimes Against Persons|homicide|1|0|0|0|0|180
PC187(664)|Attempted Murder|Crimes Against Persons|homicide|1|0|60|84|108|84
PC192(a)|Voluntary Manslaughter|Crimes Against Persons|homicide|1|0|36|72|132|0
PC192(b)|Involuntary Manslaughter|Crimes Against Persons|homicide|0|0|24|36|48|0
PC191.5(a)|Gross Vehicular Manslaughter While Intoxicated|Crimes Against Persons|homicide|1|0|48|72|120|0
PC192(c)(1)|Vehicular Manslaughter With Gross Negligence|Crimes Against Persons|homicide|0|0|24|48|72|0
PC245(a)(1)|Assault With Deadly Weapon|Crimes Against Persons|assault|1|0|24|36|48|0
PC245(a)(2)|Assault With Firearm|Crimes Against Persons|assault|1|0|24|36|48|0
PC245(a)(4)|Assault By Means Likely To Produce GBI|Crimes Against Persons|assault|0|0|24|36|48|0
PC245(b)|Assault With Semiautomatic Firearm|Crimes Against Persons|assault|1|0|36|72|108|0
PC243(d)|Battery With Serious Bodily Injury|Crimes Against Persons|assault|0|0|24|36|48|0
PC273.5(a)|Corporal Injury On Spouse/Cohabitant|Crimes Against Persons|assault|0|0|24|36|48|0
PC273a(a)|Child Endangerment With Likely GBI|Crimes Against Persons|assault|0|0|24|48|72|0
PC203|Mayhem|Crimes Against Persons|assault|1|0|24|48|96|0
PC205|Aggravated Mayhem|Crimes Against Persons|assault|1|0|0|0|0|84
PC4501(b)|Assault By Prisoner With Force Likely GBI|Crimes Against Persons|assault|0|0|24|48|72|0
PC4501.5|Battery By Prisoner On Non-Prisoner|Crimes Against Persons|assault|0|0|24|36|48|0
PC69|Resisting Executive Officer|Crimes Against Persons|assault|0|0|16|24|36|0
PC422|Criminal Threats|Crimes Against Persons|assault|1|0|16|24|36|0
PC646.9(a)|Stalking|Crimes Against Persons|assault|0|0|16|24|36|0
PC246|Shooting At Inhabited Dwelling|Crimes Against Persons|assault|1|0|36|60|84|180
PC148.10(a)|Resisting Officer Causing Serious Injury|Crimes Against Persons|assault|0|0|24|36|48|0
PC211 1st|Robbery 1st|Crimes Against Persons|robbery|1|0|36|72|108|180
PC211 2nd|Robbery 2nd|Crimes Against Persons|robbery|1|0|24|36|60|0
PC212.5(c)|Robbery 2nd|Crimes Against Persons|robbery|1|0|24|36|60|0
PC215(a)|Carjacking|Crimes Against Persons|robbery|1|0|36|60|108|180
PC207(a)|Kidnapping|Crimes Against Persons|kidnap|1|0|36|60|96|0
PC209(a)|Kidnapping For Ransom|Crimes Against Persons|kidnap|1|0|0|0|0|84
PC209(b)(1)|Kidnapping To Commit Robbery|Crimes Against Persons|kidnap|1|0|0|0|0|84
PC236.1(a)|Human Trafficking|Crimes Against Persons|kidnap|0|0|60|96|144|0
PC237(a)|False Imprisonment By Violence|Crimes Against Persons|kidnap|0|0|16|24|36|0
PC261(a)(2)|Rape By Force|Crimes Against Persons|sex|1|1|36|72|96|300
PC288(a)|Lewd Act With Child Under 14|Crimes Against Persons|sex|1|1|36|72|96|180
PC288(b)(1)|Lewd Act With Child Under 14 By Force|Crimes Against Persons|sex|1|1|60|96|120|300
PC288.5(a)|Continuous Sexual Abuse Of Child|Crimes Against Persons|sex|1|1|72|144|192|180
PC286(c)(2)(A)|Sodomy By Force|Crimes Against Persons|sex|1|1|36|72|96|180
PC287(c)(2)(A)|Oral Copulation By Force|Crimes Against Persons|sex|1|1|36|72|96|180
PC269(a)|Aggravated Sexual Assault Of Child|Crimes Against Persons|sex|1|1|0|0|0|180
PC288.7(a)|Sexual Intercourse With Child 10 Or Younger|Crimes Against Persons|sex|1|1|0|0|0|300
PC311.11(a)|Possession Of Child Pornography|Other Crimes|sex|0|1|16|24|36|0
PC290.018(b)|Failure To Register As Sex Offender|Other Crimes|sex|0|1|16|24|36|0
PC459 1st|Burglary 1st|Property Crimes|burglary|1|0|24|48|72|0
PC459 2nd|Burglary 2nd|Property Crimes|burglary|0|0|16|24|36|0
PC487(a)|Grand Theft Exceeding $950|Property Crimes|theft|0|0|16|24|36|0
PC487(c)|Grand Theft From Person|Property Crimes|theft|0|0|16|24|36|0
PC496(a)|Receiving Stolen Property|Property Crimes|theft|0|0|16|24|36|0
PC666.1(a)(1)|Theft With Prior Theft Convictions|Property Crimes|theft|0|0|16|24|36|0
PC530.5(a)|Identity Theft|Property Crimes|fraud|0|0|16|24|36|0
PC470(a)|Forgery|Property Crimes|fraud|0|0|16|24|36|0
PC503|Embezzlement|Property Crimes|fraud|0|0|16|24|36|0
PC532(a)|Theft By False Pretenses|Property Crimes|fraud|0|0|16|24|36|0
PC550(a)|Insurance Fraud|Property Crimes|fraud|0|0|24|36|60|0
PC594(b)(1)|Vandalism $400 Or More|Property Crimes|theft|0|0|16|24|36|0
VC10851(a)|Unlawful Driving Or Taking Of Vehicle|Property Crimes|vehicle|0|0|16|24|36|0
PC496d(a)|Receiving Stolen Vehicle|Property Crimes|vehicle|0|0|16|24|36|0
PC666|Petty Theft With Priors|Property Crimes|theft|0|0|16|24|36|0
HS11351|Possession For Sale Of Narcotic|Drug Crimes|drug|0|0|24|36|48|0
HS11352(a)|Transport/Sell Narcotic|Drug Crimes|drug|0|0|36|48|60|0
HS11378|Possession For Sale Of Controlled Substance|Drug Crimes|drug|0|0|16|24|36|0
HS11379(a)|Transport/Sell Controlled Substance|Drug Crimes|drug|0|0|24|36|48|0
HS11350(a)|Possession Of Narcotic|Drug Crimes|drug|0|0|16|24|36|0
HS11377(a)|Possession Of Controlled Substance|Drug Crimes|drug|0|0|16|24|36|0
HS11370.1(a)|Possession Of Drugs While Armed|Drug Crimes|drug|0|0|24|36|48|0
HS11379.6(a)|Manufacture Of Controlled Substance|Drug Crimes|drug|0|0|36|60|84|0
HS11360(a)|Transport/Sell Marijuana|Drug Crimes|drug|0|0|24|36|48|0
PC4573.6|Possession Of Controlled Substance In Prison|Drug Crimes|drug|0|0|24|36|48|0
PC4573|Bringing Controlled Substance Into Prison|Drug Crimes|drug|0|0|24|36|48|0
PC29800(a)(1)|Felon In Possession Of Firearm|Other Crimes|weapon|0|0|16|24|36|0
PC30305(a)(1)|Prohibited Person Possessing Ammunition|Other Crimes|weapon|0|0|16|24|36|0
PC25850(a)|Carrying Loaded Firearm In Public|Other Crimes|weapon|0|0|16|24|36|0
PC25400(a)(1)|Carrying Concealed Firearm In Vehicle|Other Crimes|weapon|0|0|16|24|36|0
PC33215|Possession Of Short-Barreled Shotgun|Other Crimes|weapon|0|0|16|24|36|0
PC246.3(a)|Grossly Negligent Discharge Of Firearm|Other Crimes|weapon|0|0|16|24|36|0
PC4502(a)|Possession Of Weapon By Prisoner|Other Crimes|weapon|0|0|24|36|48|0
VC23152(a)|DUI W/3 or More Priors Within 10 years|Other Crimes|driving|0|0|16|24|36|0
VC23153(a)|DUI Causing Injury|Other Crimes|driving|0|0|16|24|36|0
VC2800.2(a)|Evading Peace Officer With Reckless Driving|Other Crimes|driving|0|0|16|24|36|0
VC20001(a)|Hit And Run Causing Injury|Other Crimes|driving|0|0|24|36|48|0
PC451(b)|Arson Of Inhabited Structure|Other Crimes|arson|1|0|36|60|96|0
PC451(c)|Arson Of Structure Or Forest Land|Other Crimes|arson|1|0|24|48|72|0
PC452(c)|Unlawfully Causing A Fire Of Structure|Other Crimes|arson|0|0|16|24|36|0
PC18715(a)|Possession Of Destructive Device|Other Crimes|weapon|0|0|24|48|72|0
PC4530(b)|Escape From Prison|Other Crimes|custody|0|0|16|24|36|0
PC1320(b)|Failure To Appear On Felony|Other Crimes|custody|0|0|16|24|36|0
PC186.22(a)|Active Participation In Criminal Street Gang|Other Crimes|weapon|1|0|16|24|36|0
PC118|Perjury|Other Crimes|custody|0|0|24|36|48|0
"""

_COLUMNS = ["code", "description", "category", "family", "sv", "sex", "low", "mid", "high", "life"]


def _table() -> pd.DataFrame:
    frame = pd.read_csv(io.StringIO(_OFFENSES), sep="|", header=None, names=_COLUMNS, dtype=str)
    for col in ("sv", "sex"):
        frame[col] = frame[col].astype(int).astype(bool)
    for col in ("low", "mid", "high", "life"):
        frame[col] = frame[col].astype(int)
    return frame


OFFENSES: pd.DataFrame = _table()
CODES: np.ndarray = OFFENSES["code"].to_numpy(dtype=object)
CODE_INDEX: dict[str, int] = {c: i for i, c in enumerate(CODES)}

# --------------------------------------------------------------------------------------------------
# Controlling-offense mix by sentence type (relative weights).
# --------------------------------------------------------------------------------------------------
# fmt: off
MIX: dict[str, dict[str, float]] = {
    "DSL": {
        "PC187(664)": 5.0, "PC192(a)": 3.5, "PC192(b)": 0.6, "PC191.5(a)": 1.0, "PC192(c)(1)": 0.5,
        "PC245(a)(1)": 9.0, "PC245(a)(2)": 3.5, "PC245(a)(4)": 5.0, "PC245(b)": 0.8,
        "PC243(d)": 2.0, "PC273.5(a)": 5.0, "PC273a(a)": 0.8, "PC203": 0.4, "PC4501(b)": 0.8,
        "PC4501.5": 0.6, "PC69": 1.2, "PC422": 3.0, "PC646.9(a)": 0.8, "PC246": 1.2,
        "PC148.10(a)": 0.2, "PC211 2nd": 6.0, "PC211 1st": 1.5, "PC212.5(c)": 0.5, "PC215(a)": 2.0,
        "PC207(a)": 1.0, "PC236.1(a)": 0.3, "PC237(a)": 0.5, "PC261(a)(2)": 5.0, "PC288(a)": 11.0,
        "PC288(b)(1)": 2.0, "PC288.5(a)": 3.0, "PC286(c)(2)(A)": 0.8, "PC287(c)(2)(A)": 1.0,
        "PC311.11(a)": 1.5, "PC290.018(b)": 1.2, "PC459 1st": 4.0, "PC459 2nd": 2.0,
        "PC487(a)": 1.2, "PC487(c)": 0.4, "PC496(a)": 1.0, "PC666.1(a)(1)": 0.3, "PC530.5(a)": 0.6,
        "PC470(a)": 0.3, "PC503": 0.2, "PC532(a)": 0.3, "PC550(a)": 0.2, "PC594(b)(1)": 0.3,
        "VC10851(a)": 1.2, "PC496d(a)": 0.3, "PC666": 0.3, "HS11351": 0.6, "HS11352(a)": 1.0,
        "HS11378": 1.0, "HS11379(a)": 0.5, "HS11350(a)": 0.2, "HS11377(a)": 0.2,
        "HS11370.1(a)": 0.2, "HS11379.6(a)": 0.1, "HS11360(a)": 0.1, "PC4573.6": 0.3,
        "PC4573": 0.1, "PC29800(a)(1)": 1.5, "PC30305(a)(1)": 0.3, "PC25850(a)": 0.4,
        "PC25400(a)(1)": 0.2, "PC33215": 0.2, "PC246.3(a)": 0.3, "PC4502(a)": 0.4,
        "VC23152(a)": 0.6, "VC23153(a)": 0.5, "VC2800.2(a)": 0.8, "VC20001(a)": 0.3,
        "PC451(b)": 0.3, "PC451(c)": 0.2, "PC452(c)": 0.1, "PC18715(a)": 0.1, "PC4530(b)": 0.1,
        "PC1320(b)": 0.1, "PC186.22(a)": 0.4, "PC118": 0.02,
    },
    "Second Striker": {
        "PC187(664)": 3.0, "PC192(a)": 2.0, "PC191.5(a)": 0.5, "PC245(a)(1)": 10.0,
        "PC245(a)(2)": 2.5, "PC245(a)(4)": 4.0, "PC245(b)": 0.5, "PC243(d)": 1.5,
        "PC273.5(a)": 6.0, "PC273a(a)": 0.4, "PC203": 0.3, "PC4501(b)": 1.0, "PC4501.5": 0.8,
        "PC69": 1.5, "PC422": 4.0, "PC646.9(a)": 1.0, "PC246": 1.0, "PC148.10(a)": 0.3,
        "PC211 2nd": 12.0, "PC211 1st": 2.0, "PC212.5(c)": 0.6, "PC215(a)": 2.5, "PC207(a)": 1.0,
        "PC237(a)": 0.5, "PC261(a)(2)": 1.5, "PC288(a)": 3.0, "PC288(b)(1)": 0.5,
        "PC288.5(a)": 0.5, "PC286(c)(2)(A)": 0.3, "PC287(c)(2)(A)": 0.3, "PC311.11(a)": 0.6,
        "PC290.018(b)": 1.2, "PC459 1st": 6.0, "PC459 2nd": 3.0, "PC487(a)": 1.5, "PC487(c)": 0.5,
        "PC496(a)": 2.0, "PC666.1(a)(1)": 0.5, "PC530.5(a)": 0.6, "PC470(a)": 0.3,
        "PC594(b)(1)": 0.3, "VC10851(a)": 2.5, "PC496d(a)": 0.5, "PC666": 0.5, "HS11351": 1.5,
        "HS11352(a)": 3.5, "HS11378": 4.0, "HS11379(a)": 1.5, "HS11350(a)": 0.5, "HS11377(a)": 0.5,
        "HS11370.1(a)": 0.6, "HS11379.6(a)": 0.2, "PC4573.6": 0.6, "PC4573": 0.2,
        "PC29800(a)(1)": 5.0, "PC30305(a)(1)": 1.0, "PC25850(a)": 1.0, "PC25400(a)(1)": 0.4,
        "PC33215": 0.4, "PC246.3(a)": 0.5, "PC4502(a)": 0.8, "VC23152(a)": 1.0, "VC23153(a)": 0.5,
        "VC2800.2(a)": 1.5, "VC20001(a)": 0.3, "PC451(b)": 0.3, "PC451(c)": 0.3, "PC4530(b)": 0.3,
        "PC1320(b)": 0.3, "PC186.22(a)": 1.0,
    },
    "Third Striker": {
        "PC187(664)": 2.0, "PC192(a)": 1.5, "PC245(a)(1)": 13.0, "PC245(a)(2)": 3.0,
        "PC245(a)(4)": 0.5, "PC243(d)": 0.8, "PC273.5(a)": 0.6, "PC4501(b)": 0.8, "PC69": 0.2,
        "PC422": 4.0, "PC246": 1.5, "PC203": 0.5, "PC211 2nd": 24.0, "PC211 1st": 6.0,
        "PC215(a)": 3.0, "PC207(a)": 1.5, "PC261(a)(2)": 3.0, "PC288(a)": 3.0,
        "PC286(c)(2)(A)": 0.5, "PC287(c)(2)(A)": 0.5, "PC290.018(b)": 0.6, "PC459 1st": 9.0,
        "PC459 2nd": 0.6, "PC487(a)": 0.3, "PC496(a)": 0.3, "VC10851(a)": 0.3, "PC666": 0.3,
        "HS11352(a)": 0.8, "HS11378": 0.5, "HS11351": 0.3, "HS11350(a)": 0.4, "HS11377(a)": 0.3,
        "PC29800(a)(1)": 1.3, "VC2800.2(a)": 0.3, "VC23152(a)": 0.3, "PC4502(a)": 0.3,
        "PC451(b)": 0.4, "PC186.22(a)": 0.3,
    },
    "Life with Parole": {
        "PC187 1st": 28.0, "PC187 2nd": 30.0, "PC187(664)": 12.0, "PC205": 1.5, "PC288(a)": 6.0,
        "PC288(b)(1)": 2.0, "PC261(a)(2)": 4.0, "PC269(a)": 3.0, "PC288.7(a)": 3.0,
        "PC286(c)(2)(A)": 0.5, "PC287(c)(2)(A)": 0.5, "PC288.5(a)": 1.0, "PC209(b)(1)": 3.0,
        "PC209(a)": 1.5, "PC215(a)": 0.5, "PC211 1st": 1.5, "PC246": 0.5,
    },
    "Life w/o Parole": {
        "PC187 1st": 91.0, "PC209(a)": 3.0, "PC261(a)(2)": 2.0, "PC288(b)(1)": 2.0,
        "PC288.7(a)": 1.0,
    },
    "Condemned": {
        "PC187 1st": 1.0,
    },
}
# Prior convictions: strike priors (serious or violent) for strikers, and other priors.
PRIOR_STRIKE_MIX: dict[str, float] = {
    "PC211 2nd": 35.0, "PC211 1st": 4.0, "PC459 1st": 28.0, "PC245(a)(1)": 15.0,
    "PC245(a)(2)": 3.0, "PC422": 6.0, "PC215(a)": 2.0, "PC246": 2.0, "PC187(664)": 1.0,
    "PC192(a)": 1.0, "PC261(a)(2)": 1.0, "PC288(a)": 1.0, "PC203": 1.0, "PC207(a)": 1.0,
    "PC451(b)": 0.5, "PC186.22(a)": 0.5,
}
PRIOR_OTHER_MIX: dict[str, float] = {
    "HS11350(a)": 10.0, "HS11377(a)": 8.0, "HS11378": 6.0, "HS11352(a)": 4.0, "HS11351": 2.0,
    "PC459 2nd": 10.0, "PC487(a)": 6.0, "VC10851(a)": 8.0, "PC496(a)": 6.0, "PC666": 4.0,
    "PC29800(a)(1)": 7.0, "PC273.5(a)": 6.0, "PC245(a)(4)": 3.0, "PC69": 2.0, "VC23152(a)": 3.0,
    "VC2800.2(a)": 2.0, "PC530.5(a)": 2.0, "PC470(a)": 1.0, "PC1320(b)": 2.0, "PC290.018(b)": 1.0,
    "PC4573.6": 1.0, "PC594(b)(1)": 1.0,
}
# Offenses committed in prison (second current case, marked ``In-Prison``).
IN_PRISON_MIX: dict[str, float] = {
    "PC4501(b)": 25.0, "PC4501.5": 25.0, "PC4573.6": 25.0, "PC4502(a)": 15.0, "PC4573": 5.0,
    "PC4530(b)": 5.0,
}
# Counts that often ride along with any controlling offense.
GENERIC_COMPANION_MIX: dict[str, float] = {
    "PC29800(a)(1)": 30.0, "PC496(a)": 10.0, "HS11378": 10.0, "HS11377(a)": 5.0, "PC69": 10.0,
    "PC245(a)(1)": 10.0, "PC422": 8.0, "PC25850(a)": 5.0, "PC30305(a)(1)": 5.0, "VC2800.2(a)": 5.0,
    "PC459 2nd": 5.0, "PC148.10(a)": 2.0,
}
# fmt: on

# --------------------------------------------------------------------------------------------------
# Enhancements: code, CDCR description, months added to a determinate term (or to the minimum of a
# life term: PC 12022.53(d) adds 25-to-life).  PC 667.61 (one strike) sets the life term itself.
# --------------------------------------------------------------------------------------------------
ENHANCEMENTS: dict[str, tuple[str, int]] = {
    "PC12022(a)(1)": ("ARMED W/F'ARM", 12),
    "PC12022(b)(1)": ("USE OF DEADLY WEAPON", 12),
    "PC12022.5(a)": ("USE OF FIREARM", 48),
    "PC12022.53(b)": ("USE OF FIREARM", 120),
    "PC12022.53(c)": ("DISCHARGE OF FIREARM", 240),
    "PC12022.53(d)": ("DISCHARGE FIREARM CAUSING GBI/DEATH", 300),
    "PC12022.7(a)": ("GREAT BODILY INJURY", 36),
    "PC12022.7(e)": ("GBI DOMESTIC VIOLENCE", 48),
    "PC667(a)(1)": ("PRIOR SERIOUS FELONY", 60),
    "PC667.5(b)": ("PRIOR PRISON TERM", 12),
    "PC186.22(b)(1)": ("GANG ENHANCEMENT", 36),
    "PC12022.1": ("ON BAIL/OR", 24),
    "PC667.61": ("ONE STRIKE SEX OFFENSE", 0),
    "PC667.8(a)": ("KIDNAP FOR SEX OFFENSE", 108),
    "HS11370.2(a)": ("PRIOR DRUG CONVICTION", 36),
}
ENH_CODES: np.ndarray = np.array(list(ENHANCEMENTS), dtype=object)
ENH_DESCRIPTIONS: np.ndarray = np.array([v[0] for v in ENHANCEMENTS.values()], dtype=object)
ENH_MONTHS: np.ndarray = np.array([v[1] for v in ENHANCEMENTS.values()], dtype=np.int64)
ENH_INDEX: dict[str, int] = {c: i for i, c in enumerate(ENH_CODES)}
# Enhancements that a later change in law made discretionary or invalid (SB 620, SB 1393, SB 483).
CHANGE_IN_LAW_ENHANCEMENTS = (
    "PC667.5(b)",
    "PC12022.53(b)",
    "PC12022.53(c)",
    "PC12022.53(d)",
    "PC12022.5(a)",
    "PC667(a)(1)",
    "HS11370.2(a)",
)


def weights(mix: dict[str, float]) -> np.ndarray:
    """Normalised weights over :data:`CODES` for a mix (unknown codes raise ``KeyError``)."""
    out = np.zeros(len(CODES))
    for code, w in mix.items():
        out[CODE_INDEX[code]] = w
    return out / out.sum()


@lru_cache(maxsize=64)
def family_weights(family: str, *, determinate_only: bool = True) -> np.ndarray:
    """Weights for a companion count of the same family (DSL mix within the family).

    Cached: the returned array is shared, do not modify it.
    """
    w = weights(MIX["DSL"]) + 0.2 * weights(MIX["Second Striker"])
    mask = (OFFENSES["family"] == family).to_numpy()
    if determinate_only:
        mask = mask & (OFFENSES["mid"] > 0).to_numpy()
    w = np.where(mask, w, 0.0)
    if w.sum() == 0:
        return weights(GENERIC_COMPANION_MIX)
    return w / w.sum()
