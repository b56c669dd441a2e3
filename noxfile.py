"""Sessions: tests, lint, typecheck, bench. ``nox -s tests`` runs what CI runs."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.default_venv_backend = "venv"


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """The test suite on asyncio and trio (MySQL tests need ZCRM_TEST_MYSQL_URL)."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff check and format check."""
    session.install("ruff>=0.17,<0.18")
    paths = ("zcrm_async", "tests", "benchmarks", "docs/examples", "noxfile.py")
    session.run("ruff", "check", *paths)
    session.run("ruff", "format", "--check", *paths)


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[dev]")
    session.run("mypy", "--strict", "zcrm_async")


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the documentation site (docs/mkdocs.yml) with warnings as errors."""
    session.install("-e", ".[docs]")
    session.env["NO_MKDOCS_2_WARNING"] = "1"
    session.run("mkdocs", "build", "--strict", "-f", "docs/mkdocs.yml", *session.posargs)


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """The benchmarks of benchmarks/README.md (markdown tables, and a result file each in
    benchmarks/results/), then the performance page's charts drawn from those files.

    ``nox -s bench -- bench_core.py`` runs one (and redraws every chart); MySQL, PostgreSQL and
    Redis figures need their servers (ZCRM_TEST_MYSQL_URL...).
    """
    session.install("-e", ".[dev]")
    scripts = session.posargs or [
        "bench_core.py",
        "bench_overhead.py",
        "bench_stores.py",
        "bench_records.py",
        "bench_bulk_read.py",
        "bench_sync.py",
        "bench_upsert.py",
        "bench_blocking.py",
        "bench_credits.py",
        "bench_fake_listing.py",
        "bench_transport.py",
        "bench_limits.py",  # ~4 min: four worker processes, Redis
        "bench_limiter_expiry.py",
    ]
    for script in scripts:
        session.run("python", f"benchmarks/{script}")
    session.run("python", "benchmarks/charts.py")
