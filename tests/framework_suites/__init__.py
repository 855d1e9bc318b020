"""Each framework's own test suite, run against Albany's drop-in and the framework's own server.

One module per framework (``tornado_suite``, ``twisted_web_suite``, ``aiohttp_suite``) runs the
framework's tests on each side and hands the outcomes to :mod:`.report`, which prints one table
and lists every failure seen only on Albany, with its reason. ``scripts/framework-suites`` runs
them; ``docs/guides/testing.md`` says how.
"""
