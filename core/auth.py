"""Signing in from a browser: passwords, lockout after failures, logoff after idle time.

Over SSH the operator is the system user sshd already authenticated, so none of this applies
there. A browser session (recoup serve) has no such user, so the application asks for a name and
a password. Passwords are kept only as argon2id hashes. Five failures in a row lock the operator
out for LOCK_MINUTES (each failure and each lockout is in the audit trail, so an admin can see a
guessing attack); an admin can lift a lockout by setting a new password. A client address (the
browser's, passed by recoup serve) has a limit of its own, CLIENT_LIMIT failures an hour whatever
names it tries, so one client cannot keep an admin locked out. Every refusal is the same message,
which does not say whether the name exists. A signed-in session
that sees no key for the idle limit is logged off (default 15 minutes, RECOUP_IDLE_MINUTES).
"""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import case, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select

from core import audit
from core.errors import BadInput, Refused
from core.models.security import Operator, SignInClient
from core.runs import UowFactory
from core.security import Actor, require
from core.uow import UnitOfWork

LOCK_AFTER = 5
LOCK_MINUTES = 15
CLIENT_LIMIT = 10            # failed sign-ins from one client address ...
CLIENT_WINDOW_MINUTES = 60   # ... in this window, whatever names were tried
IDLE_MINUTES_DEFAULT = 15
PASSWORD_MIN = 10
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password of anyone's")
# One message for every refusal (unknown name, wrong password, locked out, disabled, no password
# yet, too many attempts from this client): none of them says whether the account exists.
FAILED = ("sign-in refused: the name and password were not accepted. After several failures, "
          "wait 15 minutes or ask an admin")
BLANK = "sign-in: enter both a name and a password"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _aware_utc(value: dt.datetime) -> dt.datetime:
    """Timestamps compare in UTC (a value read back without a zone is UTC)."""
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _operator(uow: UnitOfWork, name: str) -> Operator | None:
    return uow.session.exec(select(Operator).where(Operator.name == name)).first()


def set_password(uow: UnitOfWork, actor: Actor, name: str, password: str) -> None:
    """Set (or reset) an operator's browser password; admins for anyone, everyone for themselves.
    Resetting also lifts a lockout."""
    if name != actor.name:
        require(actor, "admin", "set another operator's password")
    if len(password) < PASSWORD_MIN:
        raise BadInput(f"password: at least {PASSWORD_MIN} characters", field="password")
    op = _operator(uow, name)
    if op is None:
        raise BadInput(f"name: no operator {name!r}", field="name")
    if op.role == "support" and not actor.can("support"):
        raise Refused(f"{actor.name} ({actor.role}) may not change a support operator")
    op.password_hash, op.failed_logins, op.locked_until = hash_password(password), 0, None
    op.version += 1
    uow.session.add(op)
    audit.record(uow, actor.name, "users.password", "operator", [name], None, {"password": "set"})
    uow.commit()


def sign_in(uow: UowFactory, name: str, password: str, client: str | None = None) -> Actor:
    """The operator, if the password matches; else one Refused(FAILED), whatever the reason.

    The password is checked only after two claims, each one UPDATE ... RETURNING committed before
    the (slow) check: one on the client's failure count and one on the operator's. An UPDATE
    waits for the row lock of a concurrent one and then sees its committed count, so parallel
    guesses queue on the counter: at most LOCK_AFTER of them are ever checked, however many
    arrive at once (a read-modify-write let twelve parallel guesses all through).
    A claim counts as a failure until the password matches, when both claims are given back.
    """
    if not name or not password:
        raise Refused(BLANK)   # nothing to check, so nothing counted
    client = (client or "local")[:64]
    with uow(write=True) as u:
        over_limit = not _claim_client(u, client)
        claim = None if over_limit else _claim_operator(u, name)
        if claim is None:
            _refused(u, None if over_limit else _operator(u, name), "client limit" if over_limit else "", client)
        u.commit()
    if over_limit:
        raise Refused(FAILED)
    if claim is None:
        _matches(_DUMMY_HASH, password)   # the same work as a real check: timing tells nothing
        raise Refused(FAILED)
    failures, role, stored = claim
    if not stored or not _matches(stored, password):
        with uow(write=True) as u:
            _failed(u, name, failures, client)
        raise Refused(FAILED)
    with uow(write=True) as u:
        _succeeded(u, name, password, stored, failures, client)
    return Actor(name, role)


def _claim_client(uow: UnitOfWork, client: str) -> bool:
    """Count one attempt against the client; False when it is over CLIENT_LIMIT in its window."""
    now = uow.now()
    cutoff = now - dt.timedelta(minutes=CLIENT_WINDOW_MINUTES)
    insert = postgresql.insert if uow.dialect == "postgresql" else sqlite.insert
    uow.session.execute(insert(SignInClient).values(client=client, failures=0, window_start=now)
                        .on_conflict_do_nothing())
    row = SignInClient.__table__.c  # type: ignore[attr-defined]
    expired = row.window_start <= cutoff
    claimed = uow.session.execute(
        update(SignInClient).where(row.client == client)
        .where(or_(expired, row.failures < CLIENT_LIMIT))
        .values(failures=case((expired, 1), else_=row.failures + 1),
                window_start=case((expired, now), else_=row.window_start))
        .returning(row.failures)).first()
    return claimed is not None


def _claim_operator(uow: UnitOfWork, name: str) -> tuple[int, str, str | None] | None:
    """Count one attempt against an active operator who is not locked out and has attempts left:
    (failures so far, role, password hash), or None when the password must not be checked."""
    t = Operator.__table__.c  # type: ignore[attr-defined]
    now = uow.now()
    row = uow.session.execute(
        update(Operator).where(t.name == name).where(t.active)
        .where(or_(t.locked_until.is_(None), t.locked_until <= now))
        .where(t.failed_logins < LOCK_AFTER)
        .values(failed_logins=t.failed_logins + 1)
        .returning(t.failed_logins, t.role, t.password_hash)).first()
    return None if row is None else (int(row[0]), str(row[1]), row[2])


def _refused(uow: UnitOfWork, op: Operator | None, reason: str, client: str) -> None:
    """Audit a refusal without a password check (locked, disabled, over the client limit); a
    name that is no operator is not recorded (it may be a password typed in the wrong field)."""
    if op is None:
        if reason:
            audit.record(uow, "-", "auth.refused", "sign_in_client", [client], None, {"reason": reason})
        return
    why = reason or ("disabled" if not op.active else "locked" if op.locked_until is not None
                     else "no password" if not op.password_hash else "too many attempts")
    audit.record(uow, op.name, "auth.refused", "operator", [op.name], None, {"reason": why, "client": client})


def _failed(uow: UnitOfWork, name: str, failures: int, client: str) -> None:
    """The claimed attempt stays counted; the LOCK_AFTER-th in a row locks the operator out.
    Committed and audited (an admin sees a guessing attack in the trail)."""
    after: dict[str, object] = {"failed_logins": failures, "client": client}
    action = "auth.failed"
    if failures >= LOCK_AFTER:
        until = uow.now() + dt.timedelta(minutes=LOCK_MINUTES)
        t = Operator.__table__.c  # type: ignore[attr-defined]
        uow.session.execute(update(Operator).where(t.name == name)
                            .values(locked_until=until, failed_logins=0))
        after = {"locked_until": until.isoformat(timespec="seconds"), "client": client}
        action = "auth.locked"
    audit.record(uow, name, action, "operator", [name], None, after)
    uow.commit()


def _succeeded(uow: UnitOfWork, name: str, password: str, stored: str, failures: int, client: str) -> None:
    """Give both claims back: the operator's count starts again, the client's loses this attempt."""
    t = Operator.__table__.c  # type: ignore[attr-defined]
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
    if _hasher.check_needs_rehash(stored):
        values["password_hash"] = hash_password(password)
    uow.session.execute(update(Operator).where(t.name == name).values(**values))
    c = SignInClient.__table__.c  # type: ignore[attr-defined]
    uow.session.execute(update(SignInClient).where(c.client == client).where(c.failures > 0)
                        .values(failures=c.failures - 1))
    audit.record(uow, name, "auth.sign_in", "operator", [name], {"failed_logins": failures - 1},
                 {"failed_logins": 0, "client": client})
    uow.commit()


def _matches(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def idle_minutes(text: str | None) -> int:
    """The idle limit from configuration (RECOUP_IDLE_MINUTES); 0 turns logoff off."""
    if text is None or not text.strip():
        return IDLE_MINUTES_DEFAULT
    try:
        minutes = int(text)
    except ValueError:
        raise BadInput(f"RECOUP_IDLE_MINUTES: {text!r} is not a whole number of minutes",
                       field="RECOUP_IDLE_MINUTES") from None
    if minutes < 0:
        raise BadInput("RECOUP_IDLE_MINUTES: must not be negative", field="RECOUP_IDLE_MINUTES")
    return minutes


def idle_expired(idle_seconds: int, minutes: int) -> bool:
    """True when a session has seen no key for `minutes` whole minutes (0 = never log off)."""
    return minutes > 0 and idle_seconds >= minutes * 60
