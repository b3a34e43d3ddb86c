"""How the rules speak: findings, each a stable code with its severity, place and parameters.

Plain Python, no Django (docs/rules.md §6). Every finding code the engine can emit is a member
of `Code`, and its default severity is written once, beside it. A rule set may give a code
another severity (a score other than the suggested one is an error in some regions: §5); the
engine then stamps that severity on the finding, and `Finding.severity` — the effective one —
is what everything that counts or shows errors and warnings reads. The Django side
(`indicators.messages`) words each code in the user's language; nothing else spells a code out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """Errors block submission; warnings are shown and never block; info lines are hints."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Errors first, then warnings, then hints (the order lists show them in)."""
        return _RANKS[self]


_RANKS = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class Code(StrEnum):
    """Every finding the engine emits (docs/rules.md §6 says when each one fires)."""

    SCORE_ABOVE_WEIGHT = "score_above_weight"
    SCORE_NEGATIVE = "score_negative"
    WEIGHT_OUT_OF_RANGE = "weight_out_of_range"
    REASON_REQUIRED = "reason_required"
    QUALITATIVE_BAND = "qualitative_band"
    VALUE_MISSING = "value_missing"
    WEIGHTS_NOT_100 = "weights_not_100"
    FUNDS_NOT_ADDING_UP = "funds_not_adding_up"
    FUNDS_NO_BUDGET = "funds_no_budget"
    EXECUTION_RATE_IMPLAUSIBLE = "execution_rate_implausible"
    AMOUNT_MAGNITUDE = "amount_magnitude"
    AMOUNT_OUT_OF_RANGE = "amount_out_of_range"
    SCORE_DIFFERS_FROM_SUGGESTED = "score_differs_from_suggested"
    TARGET_MET_SCORE_CUT = "target_met_score_cut"
    REASON_CONTRADICTS_ACTUAL = "reason_contradicts_actual"
    DEVIATION_UNEXPLAINED = "deviation_unexplained"
    BOILERPLATE_REASON = "boilerplate_reason"
    EXECUTION_BELOW_90 = "execution_below_90"
    EXECUTION_ABOVE_100 = "execution_above_100"
    UNPARSED_VALUE = "unparsed_value"
    IMPORT_UNPLACED = "import_unplaced"
    WEIGHTS_GUIDELINE = "weights_guideline"
    TARGET_EXCEEDED = "target_exceeded"
    REASON_REPEATED = "reason_repeated"
    ROWS_NOT_GROUPED = "rows_not_grouped"

    @property
    def severity(self) -> Severity:
        return _SEVERITIES[self]


_SEVERITIES = {
    Code.SCORE_ABOVE_WEIGHT: Severity.ERROR,
    Code.SCORE_NEGATIVE: Severity.ERROR,
    Code.WEIGHT_OUT_OF_RANGE: Severity.ERROR,
    Code.REASON_REQUIRED: Severity.ERROR,
    Code.QUALITATIVE_BAND: Severity.ERROR,
    Code.VALUE_MISSING: Severity.ERROR,
    Code.WEIGHTS_NOT_100: Severity.ERROR,
    Code.FUNDS_NOT_ADDING_UP: Severity.ERROR,
    Code.FUNDS_NO_BUDGET: Severity.ERROR,
    Code.EXECUTION_RATE_IMPLAUSIBLE: Severity.ERROR,
    Code.AMOUNT_MAGNITUDE: Severity.ERROR,
    Code.AMOUNT_OUT_OF_RANGE: Severity.ERROR,
    Code.SCORE_DIFFERS_FROM_SUGGESTED: Severity.WARNING,
    Code.TARGET_MET_SCORE_CUT: Severity.WARNING,
    Code.REASON_CONTRADICTS_ACTUAL: Severity.WARNING,
    Code.DEVIATION_UNEXPLAINED: Severity.WARNING,
    Code.BOILERPLATE_REASON: Severity.WARNING,
    Code.EXECUTION_BELOW_90: Severity.WARNING,
    Code.EXECUTION_ABOVE_100: Severity.WARNING,
    Code.UNPARSED_VALUE: Severity.WARNING,
    Code.IMPORT_UNPLACED: Severity.WARNING,
    Code.WEIGHTS_GUIDELINE: Severity.INFO,
    Code.TARGET_EXCEEDED: Severity.INFO,
    Code.REASON_REPEATED: Severity.INFO,
    Code.ROWS_NOT_GROUPED: Severity.WARNING,
}


@dataclass(frozen=True)
class Finding:
    """One rule broken (or one hint) at one place.

    `row` is the indicator row's index (0-based) or None; `field` names the cell: `weight`,
    `score`, `reason`, `target`, `actual` of a row, `funds.total.<column>`, `header.<name>`,
    or None for the whole sheet. Parameters are strings (numbers as two decimals).
    `override` is the rule set's severity for the code when it differs from the code's own.
    """

    code: Code
    row: int | None = None
    field: str | None = None
    params: dict[str, str] = dataclasses.field(default_factory=dict)
    override: Severity | None = None

    @property
    def severity(self) -> Severity:
        """The effective severity: the rule set's for this code, else the code's own."""
        return self.override if self.override is not None else self.code.severity

    @property
    def blocking(self) -> bool:
        return self.severity == Severity.ERROR
