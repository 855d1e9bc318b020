"""A module that fails while it is imported, for the CLI's error tests."""

raise RuntimeError("this module is broken on purpose")
