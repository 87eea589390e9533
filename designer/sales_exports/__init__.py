"""Telemetry sales exports (Cantaloupe Seed / ePort, or any CSV/XLSX by a saved column mapping) read into sale lines.

``read_export(path, mapping)`` gives a :class:`ParsedExport`: its lines (machine, product, coil, basket, day, payment,
quantity, unit price, a fingerprint) and every refused row with its line number and reason. ``infer_coil_rule`` and
:class:`CoilRule` say how a coil names a slot; ``propose_matches`` offers close names for the user to confirm.
Pure Python: no Qt, no database.
"""

from designer.sales_exports.coils import CoilRule, coil_rule_from_json, infer_coil_rule
from designer.sales_exports.columns import (
    FIELD_WORDS,
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    SEED,
    ColumnMapping,
    load_mapping,
    looks_like_seed,
    mapping_from_json,
    save_mapping,
)
from designer.sales_exports.lines import ParsedExport, RefusedRow, SaleLine, Stop, parse_table, read_export
from designer.sales_exports.matching import MatchProposal, propose_matches
from designer.sales_exports.tables import ExportTable, open_table

__all__ = [
    "FIELD_WORDS",
    "OPTIONAL_FIELDS",
    "REQUIRED_FIELDS",
    "SEED",
    "CoilRule",
    "ColumnMapping",
    "ExportTable",
    "MatchProposal",
    "ParsedExport",
    "RefusedRow",
    "SaleLine",
    "Stop",
    "coil_rule_from_json",
    "infer_coil_rule",
    "load_mapping",
    "looks_like_seed",
    "mapping_from_json",
    "open_table",
    "parse_table",
    "propose_matches",
    "read_export",
    "save_mapping",
]
