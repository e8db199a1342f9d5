"""Every table of Recoup. Importing this package registers them all on SQLModel.metadata."""

from core.models.audit import AuditEntry
from core.models.ledger import (Encounter, Guarantor, Journal, LedgerTxn, Practice,
                                ServiceLine, Statement)
from core.models.security import Operator

__all__ = ["AuditEntry", "Encounter", "Guarantor", "Journal", "LedgerTxn", "Operator",
           "Practice", "ServiceLine", "Statement"]
