"""Machine audits: what a vending machine says it sold, read from its DEX (EVA-DTS) audit file.

``parse_audit(bytes_or_text)`` gives an :class:`AuditRead` (identity, clock and read counters, currency and decimals,
per-selection prices, capacities, paid/test/free vends, sold-out counts, payment splits and price lists, machine
totals, warnings) or raises :class:`AuditInvalid` naming the line and field, never half a read.
``audit_to_text(read)`` writes one back. ``sales_between_reads(earlier, later)`` gives what each selection sold
between two reads of one machine (resets, roll-overs, re-initialisation and reads out of order handled; never
negative). Pure Python: no Qt, no database.
"""

from designer.machine_audits.parse import parse_audit
from designer.machine_audits.records import (
    PAYMENT_DEVICES,
    AuditInvalid,
    AuditRead,
    MachineIdentity,
    MachineTotals,
    Money,
    PaymentSplit,
    PriceListEntry,
    ReadCounters,
    SelectionAudit,
    SoldOut,
    Tally,
    VendTotals,
)
from designer.machine_audits.sales import (
    Basis,
    PaidCounters,
    SalesBetweenReads,
    SelectionSales,
    in_read_order,
    sales_across_reads,
    sales_between_reads,
)
from designer.machine_audits.write import audit_to_text

__all__ = [
    "PAYMENT_DEVICES",
    "AuditInvalid",
    "AuditRead",
    "Basis",
    "MachineIdentity",
    "MachineTotals",
    "Money",
    "PaidCounters",
    "PaymentSplit",
    "PriceListEntry",
    "ReadCounters",
    "SalesBetweenReads",
    "SelectionAudit",
    "SelectionSales",
    "SoldOut",
    "Tally",
    "VendTotals",
    "audit_to_text",
    "in_read_order",
    "parse_audit",
    "sales_across_reads",
    "sales_between_reads",
]
