"""Every table of Recoup. Importing this package registers them all on SQLModel.metadata."""

from core.models.agencies import (
    Agency,
    AgencyAssignment,
    AgencyReturn,
    AgencyReturnImport,
    ExternalFile,
    ExternalHistory,
    ExternalPlacement,
    ExternalRun,
    ExternalSettings,
    ExternalWork,
)
from core.models.audit import AuditEntry
from core.models.compliance import ContactLog, EcaNotice, FapApplication, FapLetter, PlacedDebt, StateTimeZone
from core.models.exchange import DatabaseIdentity, ExchangeImport, GuarantorChange
from core.models.holds import Hold, HoldRelease
from core.models.imports import ImportFile
from core.models.ledger import Encounter, Guarantor, Journal, LedgerTxn, Practice, ServiceLine, Statement
from core.models.operations import RunLock
from core.models.precollections import (
    AgencyFile,
    PrecollectionHistory,
    PrecollectionRun,
    PrecollectionTask,
    PrecollectionWork,
)
from core.models.protections import PovertyGuideline
from core.models.roster import (
    AccountNote,
    AdjustmentCode,
    BillingGroup,
    CollectionStatus,
    LetterQueue,
    LetterTemplate,
    PaymentPlan,
    RosterAccount,
    RosterFile,
    RosterHistory,
    RosterRun,
    RosterSettings,
    RosterWork,
)
from core.models.security import Operator, RoleHistory, SignInClient
from core.models.tallies import Tally, TallyAccount, TallyCount

__all__ = [
    "Agency",
    "AgencyFile",
    "AuditEntry",
    "DatabaseIdentity",
    "Encounter",
    "ExchangeImport",
    "Guarantor",
    "GuarantorChange",
    "Journal",
    "LedgerTxn",
    "Operator",
    "Practice",
    "PrecollectionHistory",
    "PrecollectionRun",
    "PrecollectionTask",
    "PrecollectionWork",
    "ServiceLine",
    "Statement",
    "Tally",
    "TallyAccount",
    "TallyCount",
]
__all__ += ["AccountNote", "AdjustmentCode", "BillingGroup", "CollectionStatus", "LetterQueue",
            "LetterTemplate", "PaymentPlan", "RosterAccount", "RosterFile", "RosterHistory", "RosterRun",
            "RosterSettings", "RosterWork"]
__all__ += ["AgencyAssignment", "AgencyReturn", "AgencyReturnImport", "ExternalFile", "ExternalHistory",
            "ExternalPlacement", "ExternalRun", "ExternalSettings", "ExternalWork"]
__all__ += ["RunLock"]
__all__ += ["ImportFile"]
__all__ += ["Hold", "HoldRelease"]
__all__ += ["PovertyGuideline"]
__all__ += ["RoleHistory", "SignInClient"]
__all__ += ["ContactLog", "EcaNotice", "FapApplication", "FapLetter", "PlacedDebt", "StateTimeZone"]
