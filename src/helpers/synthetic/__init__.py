"""Synthetic default data: the statewide CDCR-format generator and the DOJ research-file generator.

``secondlook sample`` writes the CDCR-format files (``cdcr``, drawing people, commitments, custody
records and review decisions with ``people``, ``commitments``, ``dsa``, ``decisions``, ``places``,
``offenses`` and ``formats``, written by ``csvfile``; calibration targets and their sources in
``targets``). ``secondlook sample-doj`` writes a CA DOJ research file (``doj``) for the Prop 64
engine.

Both are deterministic (same seed, same bytes) and describe no real person.  Both are closed-world:
they emit only the codes and spellings the project already knows (the offense vocabulary of
``notes/offense_vocabulary.md``, the DOJ charge tables of ``doj``), so they exercise the pipeline's
plumbing, not its handling of real-world vocabulary (the tests do that with real formats).
"""

from __future__ import annotations

from helpers.synthetic.cdcr import (
    FILES,
    generate_sample,
    write_sample,
)
from helpers.synthetic.commitments import (
    Enhancements,
    build_current,
    build_priors,
    dated_enhancements,
    in_prison_case,
)
from helpers.synthetic.csvfile import (
    Table,
    write_csv,
)
from helpers.synthetic.decisions import (
    propensity,
    review_log,
)
from helpers.synthetic.doj import (
    generate_doj,
    write_doj,
)
from helpers.synthetic.dsa import (
    credits,
    latent_traits,
    person_columns,
    rules_violations,
)
from helpers.synthetic.formats import (
    Coded,
    add_years,
    calendar_age,
    concat,
    iso_dates,
    month_year,
    terms,
    us_dates,
    years_between,
)
from helpers.synthetic.offenses import (
    family_weights,
    weights,
)
from helpers.synthetic.people import (
    categorical,
    draw_people,
    draw_timeline,
    release_dates,
    served_fraction,
)
from helpers.synthetic.places import (
    case_numbers,
    county_weights,
)

__all__ = [
    "Coded",
    "Enhancements",
    "FILES",
    "Table",
    "add_years",
    "build_current",
    "build_priors",
    "calendar_age",
    "case_numbers",
    "categorical",
    "concat",
    "county_weights",
    "credits",
    "dated_enhancements",
    "draw_people",
    "draw_timeline",
    "family_weights",
    "generate_doj",
    "generate_sample",
    "in_prison_case",
    "iso_dates",
    "latent_traits",
    "month_year",
    "person_columns",
    "propensity",
    "release_dates",
    "review_log",
    "rules_violations",
    "served_fraction",
    "terms",
    "us_dates",
    "weights",
    "write_csv",
    "write_doj",
    "write_sample",
    "years_between",
]
