"""The version of the Albany interface spec this code implements (docs/spec.md)."""

SPEC_VERSION = "1.0"
ASGI_VERSIONS = {"version": "3.0", "spec_version": "2.4"}
