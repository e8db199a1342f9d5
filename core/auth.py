"""Signing in from a browser: passwords, lockout after failures, logoff after idle time.

Over SSH the operator is the system user sshd already authenticated, so none of this applies
there. A browser session (recoup serve) has no such user, so the application asks for a name and
a password. Passwords are kept only as argon2id hashes. Five failures in a row lock the operator
out for LOCK_MINUTES (each failure and each lockout is in the audit trail, so an admin can see a
guessing attack); an admin can lift a lockout by setting a new password. A signed-in session
that sees no key for the idle limit is logged off (default 15 minutes, RECOUP_IDLE_MINUTES).
"""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import select

from core import audit
from core.errors import BadInput, Refused
from core.models.security import Operator
from core.security import Actor, require
from core.uow import UnitOfWork

LOCK_AFTER = 5
LOCK_MINUTES = 15
IDLE_MINUTES_DEFAULT = 15
PASSWORD_MIN = 10
_hasher = PasswordHasher()
WRONG = "sign-in refused: that name and password do not match"


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


def sign_in(uow: UnitOfWork, name: str, password: str) -> Actor:
    """The operator, if the password matches and they are not locked out; commits the outcome."""
    op = _operator(uow, name)
    if op is None or not op.active:
        raise Refused(WRONG)
    now = _aware_utc(uow.now())
    if op.locked_until is not None and _aware_utc(op.locked_until) > now:
        audit.record(uow, name, "auth.refused_locked", "operator", [name], None, {"locked_until": str(op.locked_until)})
        uow.commit()
        raise Refused(f"sign-in refused: {name} is locked out after {LOCK_AFTER} failed sign-ins "
                      f"until {op.locked_until:%H:%M} UTC; an admin can reset the password")
    if not op.password_hash:
        raise Refused(f"sign-in refused: {name} has no password yet; an admin sets one with "
                      f"'recoup users password {name}'")
    if not _matches(op.password_hash, password):
        _failed(uow, op, now)
        raise Refused(WRONG)
    before = {"failed_logins": op.failed_logins}
    op.failed_logins, op.locked_until = 0, None
    if _hasher.check_needs_rehash(op.password_hash):
        op.password_hash = hash_password(password)
    uow.session.add(op)
    audit.record(uow, name, "auth.sign_in", "operator", [name], before, {"failed_logins": 0})
    uow.commit()
    return Actor(op.name, op.role)


def _matches(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _failed(uow: UnitOfWork, op: Operator, now: dt.datetime) -> None:
    """Count the failure; the LOCK_AFTER-th in a row locks the operator out. Committed, audited."""
    op.failed_logins += 1
    after: dict[str, object] = {"failed_logins": op.failed_logins}
    action = "auth.failed"
    if op.failed_logins >= LOCK_AFTER:
        op.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
        op.failed_logins = 0
        after = {"locked_until": op.locked_until.isoformat(timespec="seconds")}
        action = "auth.locked"
    uow.session.add(op)
    audit.record(uow, op.name, action, "operator", [op.name], None, after)
    uow.commit()


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
