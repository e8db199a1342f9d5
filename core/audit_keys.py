"""The audit chain's secret keys, kept in a file outside the database (SPEC 17).

Whoever can write the database can recompute a plain hash chain; they cannot recompute an HMAC
without the key, so the key lives on the application hosts, not in the database: by default
`audit.key` in the user's Recoup config folder, or the file named by $RECOUP_AUDIT_KEY. The file
is a key ring, one hex key a line, oldest first: rotation adds a key and keeps the old ones,
which are needed to check the entries they signed. It is created owner-only (0600) on first use.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from core.errors import RecoupError

ENV = "RECOUP_AUDIT_KEY"
KEY_BYTES = 32


class KeyProblem(RecoupError):
    """The key file is missing, unreadable or lacks the key that signed the chain (exit 1)."""


def key_path() -> Path:
    """$RECOUP_AUDIT_KEY, else audit.key in the user's Recoup config folder."""
    chosen = os.environ.get(ENV)
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_config_dir
    return Path(user_config_dir("recoup", appauthor=False)) / "audit.key"


def key_id(key: bytes) -> str:
    """A short public name for a key (stored with each entry it signs); reveals nothing of it."""
    return hashlib.sha256(b"recoup audit key id:" + key).hexdigest()[:16]


def sign(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class KeyRing:
    path: Path
    keys: dict[str, bytes]   # key id -> key, in the order they were made
    newest: str | None

    def get(self, kid: str) -> bytes:
        key = self.keys.get(kid)
        if key is None:
            raise KeyProblem(f"the audit key {kid} is not in the key file {self.path}; restore the key file "
                             "from its backup (without it the audit chain cannot be checked or continued)")
        return key


_cache: dict[Path, tuple[tuple[int, int], KeyRing]] = {}


def load(path: Path | None = None, create: bool = False) -> KeyRing:
    """The key ring at `path` (default `key_path()`); `create` makes it, with one new key, if it
    does not exist yet. Read once per change of the file."""
    path = path or key_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        if not create:
            raise KeyProblem(f"no audit key file at {path} (set ${ENV} to where it is kept); "
                             "without it the audit chain cannot be checked") from None
        _create(path)
        st = path.stat()
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _cache.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    ring = _read(path)
    _cache[path] = (stamp, ring)
    return ring


def _read(path: Path) -> KeyRing:
    keys: dict[str, bytes] = {}
    try:
        lines = path.read_text().split()
        for line in lines:
            key = bytes.fromhex(line)
            keys[key_id(key)] = key
    except (OSError, ValueError) as exc:
        raise KeyProblem(f"the audit key file {path} cannot be read ({exc.__class__.__name__})") from None
    if not keys:
        raise KeyProblem(f"the audit key file {path} holds no key")
    return KeyRing(path, keys, list(keys)[-1])


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first: use theirs
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(KEY_BYTES) + "\n")
    os.chmod(path, 0o600)


def add_key(path: Path | None = None) -> str:
    """Append a new key to the ring (rotation); returns its id. The old keys stay: they check the
    entries they signed."""
    path = path or key_path()
    load(path)  # it must exist and be readable
    key = secrets.token_bytes(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    with os.fdopen(fd, "a") as fh:
        fh.write(key.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return key_id(key)
