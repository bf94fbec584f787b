"""Synthetic default data: the statewide CDCR-format generator and the DOJ research-file generator.

Both are deterministic (same seed, same bytes) and describe no real person.  Both are closed-world:
they emit only the codes and spellings the project already knows, so they exercise the pipeline's
plumbing, not its handling of real-world vocabulary (the tests do that with real formats).
"""

from __future__ import annotations

from helpers.synthetic.cdcr import FILES, generate_sample, write_sample
from helpers.synthetic.doj import generate_doj, write_doj

__all__ = ["FILES", "generate_doj", "generate_sample", "write_doj", "write_sample"]
