"""Browser sign-in (SPEC 17): the lockout holds under parallel guesses, a per-client limit, and one
message for every refusal, on both back ends (PostgreSQL with RECOUP_TEST_POSTGRES_URL)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from core import auth, operators, security
from core.audit import entries
from core.errors import Refused
from core.security import Actor
from db.uow import SqlUnitOfWork

PASSWORD = "a long password"
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


class Clock:
    """The wall clock the units of work read, moved by the test (no sleeps)."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its lowest costs for these tests: the library's (64 MiB, 3 passes, 4 lanes)
    take about 0.2 s of CPU a check, and these tests check a password some 150 times; what they
    test is the counting, the lockout and the messages. The real costs: the test just below."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", cheap)
    monkeypatch.setattr(auth, "_DUMMY_HASH", cheap.hash("not a password of anyone's"))


def test_passwords_are_kept_as_argon2id_hashes_at_the_librarys_costs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()   # the hasher Recoup really uses
    stored = auth.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), stored
    assert auth._DUMMY_HASH.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert auth._matches(stored, PASSWORD) and not auth._matches(stored, "wrong")


@pytest.fixture
def uows(engine: Engine, clock: Clock) -> Callable[..., SqlUnitOfWork]:
    return lambda write=True: SqlUnitOfWork(engine, write=write, clock=clock)


def _refused(uows: Callable[..., SqlUnitOfWork], name: str, password: str, client: str = "10.0.0.1") -> str:
    with pytest.raises(Refused) as caught:
        auth.sign_in(uows, name, password, client=client)
    return caught.value.message


def _operator(uows: Callable[..., SqlUnitOfWork], admin: Actor, name: str, password: str | None = PASSWORD) -> None:
    with uows() as u:
        security.add_user(u, admin, name, "collector")
    if password:
        with uows() as u:
            auth.set_password(u, admin, name, password)


def _actions(uows: Callable[..., SqlUnitOfWork], name: str) -> list[str]:
    with uows(write=False) as u:
        return [e.action for e in entries(u, operator=name, action="auth")]


def test_every_refusal_is_one_message_that_does_not_say_the_account_exists(uows, admin: Actor) -> None:
    _operator(uows, admin, "ann")
    _operator(uows, admin, "bob")
    _operator(uows, admin, "nopass", password=None)
    with uows() as u:
        operators.set_active(u, admin, "bob", False)
    seen = {
        "unknown name": _refused(uows, "nobody", PASSWORD),
        "wrong password": _refused(uows, "ann", "wrong"),
        "disabled": _refused(uows, "bob", PASSWORD),
        "no password yet": _refused(uows, "nopass", PASSWORD),
    }
    assert _refused(uows, "ann", "") == auth.BLANK   # nothing to check: not counted
    for _ in range(auth.LOCK_AFTER - 1):
        _refused(uows, "ann", "wrong")
    seen["locked (right password)"] = _refused(uows, "ann", PASSWORD)
    assert set(seen.values()) == {auth.FAILED}, seen
    assert "ann" not in auth.FAILED and "lock" not in auth.FAILED.split(".")[0]
    assert _actions(uows, "ann")[:2] == ["auth.refused", "auth.locked"]
    assert _actions(uows, "nobody") == []   # a mistyped name (maybe a password) is not recorded


def test_the_lockout_ends_after_its_minutes_or_when_an_admin_sets_a_password(uows, admin: Actor, clock: Clock) -> None:
    _operator(uows, admin, "ann")
    for _ in range(auth.LOCK_AFTER):
        _refused(uows, "ann", "wrong")
    _refused(uows, "ann", PASSWORD)
    clock.now += dt.timedelta(minutes=auth.LOCK_MINUTES)
    assert auth.sign_in(uows, "ann", PASSWORD, client="10.0.0.1") == Actor("ann", "collector")
    for _ in range(auth.LOCK_AFTER):
        _refused(uows, "ann", "wrong", client="10.0.0.2")
    with uows() as u:
        auth.set_password(u, admin, "ann", "another long password")
    assert auth.sign_in(uows, "ann", "another long password", client="10.0.0.3").name == "ann"


def test_one_client_cannot_keep_an_admin_locked_out(uows, admin: Actor, clock: Clock) -> None:
    """The attacker's client locks the admin once; then it is over its own limit and its guesses
    are refused unchecked and uncounted, so the lockout ends and the admin signs in."""
    _operator(uows, admin, "boss")
    with uows() as u:
        security.add_user(u, admin, "boss", "admin")
    attacker = "203.0.113.7"
    for _ in range(auth.CLIENT_LIMIT):
        _refused(uows, "boss", "guess", client=attacker)
    clock.now += dt.timedelta(minutes=auth.LOCK_MINUTES)
    for _ in range(auth.LOCK_AFTER * 3):   # more guesses from the same client: not even counted
        _refused(uows, "boss", "guess", client=attacker)
    assert _refused(uows, "boss", PASSWORD, client=attacker) == auth.FAILED   # over its limit
    assert auth.sign_in(uows, "boss", PASSWORD, client="192.0.2.10").name == "boss"
    with uows(write=False) as u:
        refusals = [e for e in entries(u, action="auth.refused") if e.entity == "sign_in_client"]
    assert refusals and all(attacker in e.record_ids for e in refusals)
    clock.now += dt.timedelta(minutes=auth.CLIENT_WINDOW_MINUTES)   # a new window for the client
    assert auth.sign_in(uows, "boss", PASSWORD, client=attacker).name == "boss"


def test_a_success_does_not_reset_the_client_count(uows, admin: Actor) -> None:
    """Knowing one password does not buy a client more guesses at another account."""
    _operator(uows, admin, "ann")
    _operator(uows, admin, "bob")
    client = "198.51.100.4"
    for i in range(auth.CLIENT_LIMIT - 1):
        _refused(uows, "bob" if i % 2 else "nobody", "guess", client=client)
    assert auth.sign_in(uows, "ann", PASSWORD, client=client).name == "ann"
    _refused(uows, "nobody", "guess", client=client)
    assert _refused(uows, "ann", PASSWORD, client=client) == auth.FAILED


def test_twelve_parallel_wrong_passwords_lock_the_account_after_at_most_five_checks(
        uows, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twelve sign-ins at once, each from a client of its own (so only the account's lockout can
    stop them) and each with its own connection; every password check is counted."""
    _operator(uows, admin, "ann")
    checks: list[str] = []
    real = auth._matches

    def counted(stored: str, password: str) -> bool:
        if stored != auth._DUMMY_HASH:
            checks.append(password)
        return real(stored, password)

    monkeypatch.setattr(auth, "_matches", counted)
    start = threading.Barrier(12)
    outcomes: list[Any] = []

    def guess(i: int) -> None:
        start.wait()
        try:
            auth.sign_in(uows, "ann", f"wrong {i}", client=f"10.1.0.{i}")
            outcomes.append("signed in")
        except Refused as exc:
            outcomes.append(exc.message)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert outcomes == [auth.FAILED] * 12
    assert len(checks) <= auth.LOCK_AFTER, checks
    assert "auth.locked" in _actions(uows, "ann")
    assert _refused(uows, "ann", PASSWORD, client="10.2.0.1") == auth.FAILED   # locked now
    assert len(checks) <= auth.LOCK_AFTER
