"""Static files in production: hashed and compressed once collected, served from the sources until then.

Django's manifest storage answers 500 on every page that links a file `collectstatic` has not
collected (no manifest, or an entry missing from it). This storage falls back to the file's plain
URL instead, and WhiteNoise (WHITENOISE_USE_FINDERS) serves that from the source folders
(static/ and the apps'), so a portal started with DEBUG=0 works before anyone knows about
collectstatic. The documented start command (docs/deploy.md) runs collectstatic, which gives
hashed names cached for a year, and gzip/brotli copies.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CollectedOrSourceStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:  # "Missing staticfiles manifest entry": not collected (yet)
            return name
