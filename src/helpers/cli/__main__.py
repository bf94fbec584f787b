"""``python -m helpers.cli``: the ``secondlook`` command."""

from helpers.cli import main

main()
