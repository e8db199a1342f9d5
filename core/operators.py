"""Operator administration beyond add/list (core.security): disable, enable, the admin screen's
save (role, active, password with a version check) — each checked against the roles of SPEC 8
here, not only in the screens. Reading the audit trail is core.audit.read_entries."""

from __future__ import annotations

from sqlmodel import select

from core.errors import BadInput, Refused
from core.models.audit import AuditEntry
from core.models.security import Operator
from core.security import Actor, keep_an_admin, require, role_changed
from core.uow import UnitOfWork


def set_active(uow: UnitOfWork, actor: Actor, name: str, active: bool,
               expected_version: int | None = None) -> Operator:
    """Disable (or enable again) an operator. Admins only; nobody disables themselves; a stale
    screen (the operator changed since it was read) is refused rather than overwriting."""
    require(actor, "admin", "disable or enable operators")
    op = uow.session.exec(select(Operator).where(Operator.name == name)).first()
    if op is None:
        raise BadInput(f"name: no operator {name!r}", field="name")
    keep_an_admin(uow, op, op.role, active)
    if name == actor.name and not active:
        raise Refused("you may not disable yourself; ask another admin")
    if op.role == "support" and not actor.can("support"):
        raise Refused(f"{actor.name} ({actor.role}) may not change a support operator")
    check_version(uow, op, expected_version)
    was = (op.role, op.active)
    op.active, op.version = active, op.version + 1
    uow.session.add(op)
    role_changed(uow, actor.name, "users.enable" if active else "users.disable", name, op.role, active, was,
                 {"active": was[1]}, {"active": active})
    uow.commit()
    return op


def check_version(uow: UnitOfWork, op: Operator, expected_version: int | None) -> None:
    """Conflict "changed by NAME at TIME — reload" when the row moved on since it was read."""
    if expected_version is None or op.version == expected_version:
        return
    from core.errors import Conflict
    last = uow.session.exec(select(AuditEntry).where(AuditEntry.entity == "operator")
                            .where(AuditEntry.record_ids == f'["{op.name}"]')
                            .order_by(AuditEntry.id.desc()).limit(1)).first()  # type: ignore[union-attr]
    who, when = (last.operator, f"{last.at:%Y-%m-%d %H:%M}") if last else ("someone", "an earlier time")
    raise Conflict(f"operator {op.name} was changed by {who} at {when} — reload")


# ------------------------------------------------------------------------- the admin screen's save

def save_user(uow: UnitOfWork, actor: Actor, name: str, role: str, active: bool = True,
              password: str | None = None, expected_version: int | None = None, new: bool = False) -> Operator:
    """Add an operator, or change one's role, active flag and (optionally) password — one
    transaction, one audit entry. Admins only; only support grants or touches support; nobody
    disables themselves; a stale screen is refused as Conflict rather than overwriting."""
    from core.auth import PASSWORD_MIN, hash_password
    from core.models.security import ROLES
    from core.security import _check_name
    require(actor, "admin", "manage operators")
    _check_name(name)
    if role not in ROLES:
        raise BadInput(f"role: {role!r} is not a role (one of: {', '.join(ROLES)})", field="role")
    if password is not None and len(password) < PASSWORD_MIN:
        raise BadInput(f"password: at least {PASSWORD_MIN} characters", field="password")
    op = uow.session.exec(select(Operator).where(Operator.name == name)).first()
    if new and op is not None:
        raise BadInput(f"name: operator {name} already exists; highlight it and update it", field="name")
    if not new and op is None:
        raise BadInput(f"name: no operator {name!r}", field="name")
    if op is not None:
        check_version(uow, op, expected_version)
        if op.role == "support" and not actor.can("support"):
            raise Refused(f"{actor.name} ({actor.role}) may not change a support operator")
    if role == "support":
        require(actor, "support", "grant the support role")
    if op is not None:
        keep_an_admin(uow, op, role, active)
    if name == actor.name and (not active or role != actor.role):
        raise Refused("you may not disable yourself or change your own role; ask another admin")
    before = {"role": op.role, "active": op.active} if op is not None else None
    if op is None:
        op = Operator(name=name, role=role, active=active, created_at=uow.now(), created_by=actor.name)
    else:
        op.role, op.active, op.version = role, active, op.version + 1
    if password is not None:
        op.password_hash, op.failed_logins, op.locked_until = hash_password(password), 0, None
    uow.session.add(op)
    after: dict[str, object] = {"role": role, "active": active}
    if password is not None:
        after["password"] = "set"
    was = (str(before["role"]), bool(before["active"])) if before is not None else None
    role_changed(uow, actor.name, "users.add" if before is None else "users.update", name, role, active, was,
                 before, after)
    uow.commit()
    return op
