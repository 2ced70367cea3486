"""The catalogue version, and catalogue answers stored under it (docs/benchmarks.md, "Catalogue reads").

The catalogue changes a few times a year and is read by every visitor, so its answers are kept:

- **The version** is a random token that every catalogue write replaces (`bump`). Signals bump it
  on every save, delete and many-to-many change of a catalogue model (`connect_signals`, from
  `CatalogueConfig.ready`); code that writes without signals (`bulk_create`, `update()`, the region
  refresh, the loaders of `setup_portal`) calls `bump()` itself. A write bumps at once (so a read in
  the same transaction, or in a test that never commits, sees it) and again when its transaction
  commits: a reader in another process between the first bump and the commit could store what it
  read (the data before the commit) under the new version; the second bump retires it.
- **Where the version lives**: in the cache when the cache is shared between processes (Redis:
  one small GET per request). With the local-memory cache each process has its own cache, so the
  version is a small file instead (`var/cache/catalogue-version-<database>`, one per database: the
  test database is not the development one), written atomically (os.replace) and checked with one
  file read per request: a write in one process is seen by every other on its next request.
- **Answers** are stored by `CatalogueCacheMiddleware` (catalogue/middleware.py) under a key made of
  the version, the language, the reader's visibility class, the scheme, host and full path with its
  query, and the Accept header's class (`accept_variant`: JSON or a browser's HTML): the status,
  every header and the body, exactly as the full path produced them. A small per-process LRU sits
  in front of the Django cache, so a hit does not fetch 84 KB from Redis each time.
- **Logged-in readers and token clients** go the full path, but the item list and detail JSON is
  kept per visibility class (public / staff: staff see drafts), `rendered_key` (catalogue/api.py).
- **ETags** of the API come from the version (`etag`), without a query.
- **Without Redis** (unreachable) the catalogue is read uncached and written as usual; a write
  then cannot bump the version in Redis and says so in the log (ERROR).

CATALOGUE_CACHE=0 turns the stored answers off (the ETag still comes from the version).
"""

import functools
import hashlib
import logging
import os
import secrets
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import DisallowedHost
from django.db import connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

logger = logging.getLogger(__name__)

ANSWER_TIMEOUT = 24 * 3600  # seconds; a newer version retires an answer long before
LOCAL_MAX_ENTRIES = 256  # answers kept per process (the 200-item list is 84 KB: ≤ ~20 MB)
LOCAL_MAX_BYTES = 24 * 1024 * 1024
GENERATION_KEY = "catalogue:generation"
UNAVAILABLE = "unavailable-"  # a version made up while the shared cache cannot be reached
PUBLIC, STAFF = "public", "staff"  # visibility classes: staff also see drafts and retired items


_last_warning = 0.0


def _warn(message: str) -> None:
    """Log a cache failure with its traceback at most once a minute per process (not per request)."""
    global _last_warning
    if time.monotonic() - _last_warning > 60:
        _last_warning = time.monotonic()
        logger.warning(message, exc_info=True)


def enabled() -> bool:
    return getattr(settings, "CATALOGUE_CACHE", True)


# --- The version -------------------------------------------------------------------------------


def _database_slug() -> str:
    """Names the database the catalogue is in (tests use another one than development)."""
    db = connections["default"].settings_dict
    return _slug(tuple(str(db.get(part) or "") for part in ("ENGINE", "HOST", "PORT", "NAME")))


@functools.lru_cache(maxsize=8)
def _slug(parts: tuple[str, ...]) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _shared_cache() -> bool:
    """The cache is one for every process (Redis); local memory (or none) is per process."""
    return not isinstance(caches["default"], LocMemCache | DummyCache)


def _new_token() -> str:
    return f"{time.time_ns():x}{secrets.token_hex(4)}"


def version_file() -> Path:
    return _version_file(str(settings.VAR_DIR), _database_slug())


@functools.lru_cache(maxsize=8)
def _version_file(folder: str, slug: str) -> Path:
    return Path(folder) / "cache" / f"catalogue-version-{slug}"


def _version_key() -> str:
    return f"catalogue:version-token:{_database_slug()}"  # the token's bytes (see _SharedVersion)


def _write_file(path: Path, token: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".catalogue-version-")
    with os.fdopen(handle, "w") as file:
        file.write(token)
    os.replace(temporary, path)  # readers see the old file or the new one, never half of one


def _read_file(path: Path) -> str:
    """The token itself, read each time (a few microseconds): a stat signature (inode, mtime, size) can
    repeat when two bumps land in one clock tick and the file system reuses the inode."""
    for _attempt in range(3):
        try:
            with open(path) as file:
                return file.read()
        except FileNotFoundError:
            _write_file(path, _new_token())
    raise RuntimeError(f"cannot read the catalogue version in {path}")


class _SharedVersion:
    """The version in the shared cache. With Redis it is read and written through one client kept
    per cache connection: Django's RedisCache makes a new redis-py client for every call, which
    costs more than the GET itself (~0.2 ms). The value is the token's bytes, not pickled."""

    def __init__(self, backend):
        self.backend = backend
        self.client = None
        if isinstance(backend, RedisCache):
            self.client = backend._cache.get_client(write=True)  # Django's own pool (private API)

    def get(self, key: str):
        if self.client is None:
            return self.backend.get(key)
        value = self.client.get(self.backend.make_and_validate_key(key))
        return value.decode() if value is not None else None

    def add(self, key: str, token: str) -> None:
        if self.client is None:
            self.backend.add(key, token, None)
        else:
            self.client.set(self.backend.make_and_validate_key(key), token, nx=True)

    def set(self, key: str, token: str) -> None:
        if self.client is None:
            self.backend.set(key, token, None)
        else:
            self.client.set(self.backend.make_and_validate_key(key), token)


def _shared_version() -> _SharedVersion:
    backend = caches["default"]  # one per thread
    shared = getattr(backend, "_catalogue_version", None)
    if shared is None:
        shared = backend._catalogue_version = _SharedVersion(backend)
    return shared


def current_version() -> str:
    """The catalogue version now: one small file read (local-memory cache) or one cache GET (Redis)."""
    if _shared_cache():
        key = _version_key()
        try:
            shared = _shared_version()
            token = shared.get(key)
            if token is None:  # first use, or evicted: any new token retires what was stored before
                shared.add(key, _new_token())
                token = shared.get(key)
            return token
        except Exception:  # noqa: BLE001 (the catalogue is read without its cache when Redis is away)
            _warn("catalogue version unavailable: answering without the cache")
            return UNAVAILABLE + _new_token()  # matches no ETag and no stored answer
    return _read_file(version_file())


def local_version(version: str | None = None) -> str:
    """The version answers and the search index are kept under in this process.

    With the local-memory cache it carries a token kept in that cache: clearing the cache (tests
    do, before each) retires what this process kept before, as clearing Redis drops the version
    there. ETags use `current_version` alone, so every process gives the same ETag.
    """
    version = version or current_version()
    if _shared_cache():
        return version
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _new_token(), None)
        generation = cache.get(GENERATION_KEY)
    return f"{version}.{generation}"


def request_version(request) -> str:
    """The version, read once per request (the middleware and the view agree on it)."""
    version = getattr(request, "_catalogue_version", None)
    if version is None:
        version = request._catalogue_version = current_version()
    return version


def request_local_version(request) -> str:
    return local_version(request_version(request))


def _bump_now() -> None:
    token = _new_token()
    _local.clear()
    if _shared_cache():
        try:
            _shared_version().set(_version_key(), token)
        except Exception:  # noqa: BLE001 (a write must not fail because the cache is away)
            # Once Redis is back its old version and answers are served until the next write (or
            # `migrate`, or a flush of the cache): say so loudly.
            logger.error("catalogue version NOT bumped: the cache is unavailable", exc_info=True)
    else:
        _write_file(version_file(), token)


def bump(using: str = "default") -> None:
    """A catalogue write: a new version now, and another when the transaction commits."""
    _bump_now()
    connection = connections[using]
    if connection.in_atomic_block and not any(
        callback is _bump_now for _sids, callback, _robust in connection.run_on_commit
    ):
        transaction.on_commit(_bump_now, using=using)


def _on_write(sender, using="default", **kwargs) -> None:
    bump(using)


def _on_m2m(sender, action, using="default", **kwargs) -> None:
    if action.startswith("post_"):
        bump(using)


def bump_after_migrate(sender, using="default", **kwargs) -> None:
    bump(using)


def connect_signals() -> None:
    """Every model of the catalogue bumps the version on save, delete and many-to-many change.

    The history models (django-simple-history) are left out: each goes with a write that bumps.
    """
    from django.apps import apps

    for model in apps.get_app_config("catalogue").get_models():
        if model.__name__.startswith("Historical"):
            continue
        uid = f"catalogue-cache-{model.__name__}"
        post_save.connect(_on_write, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"{uid}-delete")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _on_m2m, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}"
            )


# --- Keys, ETags and stored answers -----------------------------------------------------------


def cacheable(view):
    """Marks a view as a public catalogue read whose anonymous answers may be stored."""
    view.catalogue_cacheable = True
    return view


def visibility_class(user) -> str:
    from .selectors import can_see_unpublished

    return STAFF if can_see_unpublished(user) else PUBLIC


def etag(request, language: str, visibility: str, variant: str) -> str:
    """A strong validator of a catalogue answer, from the version alone (no query)."""
    raw = f"{request_version(request)}|{language}|{visibility}|{request.get_full_path()}|{variant}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


JSON_RANGES = frozenset({"*/*", "application/*", "application/json"})


def accept_variant(request) -> str | None:
    """The Accept header as the answer depends on it: "json", "html", or None (answer it uncached).

    The API picks its renderer from Accept (JSON, or the browsable API for a browser); the pages do
    not look at it. Only these two classes go into keys: a raw header in the key would let a client
    store a new copy of every answer for every made-up Accept value.
    """
    raw = request.META.get("HTTP_ACCEPT", "")
    ranges = [part.split(";")[0].strip().lower() for part in raw.split(",") if part.strip()]
    if not ranges or set(ranges) <= JSON_RANGES | {"text/plain"} and JSON_RANGES.intersection(ranges):
        return "json"
    if ranges[0] == "text/html":  # what browsers send first
        return "html"
    return None


def answer_key(version: str, language: str, visibility: str, request, host: str) -> str | None:
    """The key of a stored answer, or None when the request's Accept is not one of the two classes."""
    variant = accept_variant(request)
    if variant is None:
        return None
    raw = "|".join((language, visibility, request.scheme, host, request.get_full_path(), variant))
    return f"catalogue:answer:3:{version}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"


class _LocalAnswers:
    """A small LRU of answers in this process, in front of the Django cache."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, tuple] = OrderedDict()
        self.size = 0

    def get(self, key: str):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: tuple) -> None:
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = entry
            self.size += len(entry[2])
            while self.entries and (len(self.entries) > LOCAL_MAX_ENTRIES or self.size > LOCAL_MAX_BYTES):
                _key, old = self.entries.popitem(last=False)
                self.size -= len(old[2])

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0


_local = _LocalAnswers()


def stored_answer(key: str):
    """(status, headers, body, ETag, headers of the 304) stored under `key`, or None."""
    entry = _local.get(key)
    if entry is None:
        try:
            entry = cache.get(key)
        except Exception:  # noqa: BLE001 (no answer: the full path answers)
            _warn("catalogue answers unavailable")
            return None
        if entry is not None:
            _local.put(key, entry)
    return entry


# Left out of a 304 made from a 200 (the full path's 304 has no body, so none of these).
NOT_IN_304 = frozenset({"content-type", "content-length"})


def store_answer(key: str, status: int, headers: list[tuple[str, str]], body: bytes) -> tuple:
    """Keep an answer as (status, headers, body, its ETag, the headers of its 304)."""
    etag = next((value for name, value in headers if name.lower() == "etag"), None)
    headers_304 = {name: value for name, value in headers if name.lower() not in NOT_IN_304}
    headers_304["Content-Length"] = "0"
    entry = (status, dict(headers), body, etag, headers_304)
    _local.put(key, entry)
    try:
        cache.set(key, entry, ANSWER_TIMEOUT)
    except Exception:  # noqa: BLE001 (kept in this process only)
        _warn("catalogue answer not stored in the cache")
    return entry


def rendered_key(request, language: str, visibility: str) -> str | None:
    """The key of a rendered body for a logged-in reader's class; None when the cache is away."""
    version = request_local_version(request)
    if version.startswith(UNAVAILABLE):
        return None
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    key = answer_key(version, language, visibility, request, host)
    return None if key is None else "catalogue:rendered:" + key.split(":", 2)[2]


def stored_rendering(key: str) -> tuple[str, bytes] | None:
    """(content type, body) kept under `key`, or None."""
    entry = stored_answer(key)
    return (entry[1]["Content-Type"], entry[2]) if entry else None


def store_rendering(key: str, content_type: str, body: bytes) -> None:
    """Keep the body the API rendered (the headers are the view's and the middleware's to add)."""
    store_answer(key, 200, [("Content-Type", content_type)], body)


def new_version() -> None:
    """A new version now, outside any transaction's bookkeeping (tests start each from one)."""
    _bump_now()
