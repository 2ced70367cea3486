"""Settings of the catalogue benchmark (benchmarks/catalogue_reads.py): the portal's own settings, with
the URLs of benchmarks/bare_urls.py, which add a bare view. Never used in production."""

from kuasheng.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bare_urls"
