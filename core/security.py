"""Operators, roles and the permission checks every use case makes.

Roles are cumulative: each includes everything of the ones before it in ROLES.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from core import audit
from core.errors import BadInput, Refused
from core.models.security import ROLES, Operator, RoleHistory
from core.uow import UnitOfWork

NAME_MAX = 64


@dataclass(frozen=True)
class Actor:
    """The operator a use case acts for, with the role read from the database."""
    name: str
    role: str

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def require(actor: Actor, role: str, what: str) -> None:
    """Refuse unless the actor's role includes `role`."""
    if not actor.can(role):
        raise Refused(f"{actor.name} ({actor.role}) may not {what}: it needs the {role} role")


def authenticate(uow: UnitOfWork, name: str) -> Actor:
    """The operator with this name, or one clear refusal: not an operator, or disabled."""
    op = uow.session.exec(select(Operator).where(Operator.name == name)).first()
    if op is None:
        raise Refused(f"{name!r} is not a Recoup operator here; ask an admin to run "
                      f"'recoup users add {name} --role collector'")
    if not op.active:
        raise Refused(f"{name!r} is disabled in Recoup; ask an admin to run 'recoup users enable {name}'")
    return Actor(op.name, op.role)


def keep_an_admin(uow: UnitOfWork, op: Operator, role: str, active: bool) -> None:
    """The last active admin may be neither demoted nor disabled (SPEC 17): nobody would be left
    to manage operators. Under the "operators" lock, so two admins demoting each other at once
    cannot both see the other one still there."""
    if not (op.active and _is_admin(op.role)) or (active and _is_admin(role)):
        return
    uow.lock("operators")
    admins = [r for r in ROLES if _is_admin(r)]
    other = uow.session.exec(select(Operator.id).where(Operator.active).where(Operator.name != op.name)
                             .where(col(Operator.role).in_(admins)).limit(1)).first()
    if other is None:
        raise Refused(f"{op.name} is the only admin: make another operator an admin first "
                      "(an admin may be neither demoted nor disabled while no other is left)")


def _is_admin(role: str) -> bool:
    return ROLES.index(role) >= ROLES.index("admin")


def role_changed(uow: UnitOfWork, by: str, action: str, name: str, role: str, active: bool,
                 was: tuple[str, bool] | None, before: dict[str, object] | None,
                 after: dict[str, object] | None = None) -> None:
    """Record a change to an operator in the caller's transaction: its audit entry (`before` and
    `after`, by default the role and active flag), and, when the role or active flag differs from
    what it `was` (None: a new operator), a row of the append-only role history (SPEC 17) that
    `recoup verify` replays. Every path that adds an operator or changes its role or active flag
    calls this."""
    if was != (role, active):
        uow.session.add(RoleHistory(operator=name, role=role, active=active, action=action, changed_by=by,
                                    at=uow.now()))
    audit.record(uow, by, action, "operator", [name], before,
                 after if after is not None else {"role": role, "active": active})


def has_operators(uow: UnitOfWork) -> bool:
    return uow.session.exec(select(Operator.id).limit(1)).first() is not None


def bootstrap_admin(uow: UnitOfWork, name: str) -> Actor:
    """Make the creator of a new database its first admin; does nothing once anyone exists."""
    if has_operators(uow):
        return authenticate(uow, name)
    _check_name(name)
    uow.session.add(Operator(name=name, role="admin", created_at=uow.now(), created_by=name))
    role_changed(uow, name, "users.bootstrap", name, "admin", True, None, None, {"role": "admin"})
    return Actor(name, "admin")


def add_user(uow: UnitOfWork, actor: Actor, name: str, role: str) -> None:
    """Add an operator, or change an existing one's role. Admins only; only support makes support."""
    require(actor, "admin", "manage operators")
    _check_name(name)
    if role not in ROLES:
        raise BadInput(f"role: {role!r} is not a role (one of: {', '.join(ROLES)})", field="role")
    if role == "support":
        require(actor, "support", "grant the support role")
    op = uow.session.exec(select(Operator).where(Operator.name == name)).first()
    before = {"role": op.role, "active": op.active} if op else None
    if op is None:
        op = Operator(name=name, role=role, created_at=uow.now(), created_by=actor.name)
    else:
        if op.role == "support" and not actor.can("support"):
            raise Refused(f"{actor.name} ({actor.role}) may not change a support operator")
        keep_an_admin(uow, op, role, True)
        op.role, op.active, op.version = role, True, op.version + 1
    uow.session.add(op)
    role_changed(uow, actor.name, "users.add" if before is None else "users.update", name, role, True,
                 (str(before["role"]), bool(before["active"])) if before is not None else None, before)
    uow.commit()


def list_users(uow: UnitOfWork, actor: Actor) -> list[Operator]:
    require(actor, "viewer", "list operators")
    return list(uow.session.exec(select(Operator).order_by(Operator.name)))


def _check_name(name: str) -> None:
    if not name or len(name) > NAME_MAX or not all(c.isalnum() or c in "._-@" for c in name):
        raise BadInput(f"name: {name!r} is not a valid operator name "
                       f"(letters, digits, . _ - @; at most {NAME_MAX})", field="name")
