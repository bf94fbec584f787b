"""secondlook: tools to find people in California prisons whose cases deserve a second look.

All analysis logic lives in this package; notebooks and the ``secondlook`` command only call it.
"""

from __future__ import annotations

__version__ = "0.1.0"
