"""``python -m albany``: the same as the ``albany`` command."""

from albany.cli import entry_point

entry_point()
