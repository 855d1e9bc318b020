"""Albany: installs ``albany`` and the adapter packages under ``adapters/``."""

from setuptools import find_packages, setup

# The framework versions each adapter supports: the oldest, and the major version it stays
# below. tox.ini tests both ends ({twisted-web,tornado,aiohttp}-{oldest,newest}).
FRAMEWORK_VERSIONS = {
    "twisted": ("24.7.0", "27"),
    "tornado": ("6.3", "7"),
    "aiohttp": ("3.14.4", "4"),
}


def supported(name: str) -> list[str]:
    oldest, below = FRAMEWORK_VERSIONS[name]
    return [f"{name}>={oldest},<{below}"]


TWISTED = supported("twisted")
TORNADO = supported("tornado")
AIOHTTP = supported("aiohttp")
UVLOOP = ["uvloop>=0.17; sys_platform != 'win32'"]
WEBSOCKET = ["autobahn>=23.1", "websockets>=13"]  # websockets: its C masking routine
# TLS on the Twisted loop: pyOpenSSL and service_identity; cryptography reads the PEM chain.
TLS = [spec.replace("twisted", "twisted[tls]", 1) for spec in TWISTED] + ["cryptography>=39"]
# The docs site (scripts/docs): MkDocs with Material, the API pages from the docstrings,
# the benchmark charts.
DOCS = ["mkdocs>=1.6", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.25", "matplotlib>=3.8"]
HTTP2 = ["h2>=4.1"]  # albany/http2: sans-IO HTTP/2
ALL = TWISTED + TORNADO + UVLOOP + AIOHTTP + WEBSOCKET + TLS + HTTP2
# What scripts/demo serves (examples/showcase): the frameworks it mounts, nothing to test with.
DEMO = TWISTED + TORNADO + UVLOOP + AIOHTTP + ["flask>=3.0", "starlette>=0.37", "wsproto>=1.2"]
FRAMEWORKS_UNDER_TEST = [
    "klein>=24.8",
    "flask>=3.0",
    "django>=4.2",
    "starlette>=0.37",
    "fastapi>=0.110",
    "python-multipart>=0.0.9",
    "wsproto>=1.2",  # what twisted.web.websocket imports (Albany never runs its engine)
    "uvicorn>=0.30",  # the ASGI servers albany.as_asgi and the adapters are tested under
    "hypercorn>=0.17",
    "daphne>=4.1",
]
RELOAD = ["watchfiles>=0.21"]  # --reload
DEV = ALL + RELOAD + FRAMEWORKS_UNDER_TEST + DOCS + [
    "websockets>=13",
    "trustme>=1.1",
    "pyhamcrest>=2",  # twisted.web's own tests (tests/framework_suites/twisted_web_suite.py)
    "kosoku>=0.1",
    "pytest>=8",
    "pytest-timeout>=2.2",
    "hypothesis>=6.100",
    "httpx>=0.27",
    "mypy>=1.10",
    "ruff>=0.5",
    "tox>=4",
    "build>=1.0",  # tests/test_packaging.py builds the sdist and the wheel
    "selenium>=4.20",  # tests/test_showcase_browser.py drives Debian's chromium
    "gunicorn>=22",  # albany.workers' gunicorn worker classes are tested under it
]

adapter_packages = find_packages("adapters")

setup(
    name="albany",
    version="0.1.0",
    description="One calling interface between HTTP and web logic, served on every loop.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["albany", "albany.*"]) + adapter_packages,
    package_dir={name: f"adapters/{name.replace('.', '/')}" for name in adapter_packages},
    package_data={"albany": ["py.typed"]},
    install_requires=["httptools>=0.6.1", "txaio>=23.1"],
    extras_require={
        "twisted": TWISTED,
        "tornado": TORNADO,
        "uvloop": UVLOOP,
        "aiohttp": AIOHTTP,
        "websocket": WEBSOCKET,
        "tls": TLS,
        "http2": HTTP2,
        "reload": RELOAD,
        "all": ALL,
        "docs": DOCS,
        "demo": DEMO,
        "dev": DEV,
    },
    entry_points={
        "console_scripts": ["albany = albany.cli:entry_point"],
        "pytest11": ["albany = albany.testing.plugin"],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Framework :: AsyncIO",
        "Framework :: Twisted",
        "Topic :: Internet :: WWW/HTTP :: HTTP Servers",
    ],
)
