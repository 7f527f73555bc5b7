"""What agents did with suggested FAQ answers, folded back into ranking.

Each decision is a row ``(query, entry_id, outcome)`` with outcome ``used`` (sent as is),
``edited`` (sent after changes) or ``rejected``. The product keeps the rows in its database;
this module only turns them into ranking: ``apply_feedback`` gives every content word of the
query a per-entry weight (used +1, edited +0.5, rejected -1), and a later search adds to each
candidate's log-odds the mean weight of the query's words, squashed to at most
``FEEDBACK_SCALE``. So a similar later question (sharing the telling words) ranks a used
answer higher and a rejected one lower, while unrelated questions are untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from kefu.assist.retrieval import FEEDBACK_SCALE, OUTCOME_WEIGHTS, Retriever

__all__ = ["Feedback", "FeedbackLog", "apply_feedback", "OUTCOMES", "FEEDBACK_SCALE"]

OUTCOMES = tuple(OUTCOME_WEIGHTS)


@dataclass(frozen=True)
class Feedback:
    query: str
    entry_id: int | str
    outcome: str  # "used" | "edited" | "rejected"

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOME_WEIGHTS:
            raise ValueError(f"unknown outcome {self.outcome!r}; expected one of {OUTCOMES}")


@dataclass
class FeedbackLog:
    """An in-memory list of decisions (the product stores them as database rows)."""

    rows: list[Feedback] = field(default_factory=list)

    def record(self, query: str, entry_id: int | str, outcome: str) -> Feedback:
        row = Feedback(query=query, entry_id=entry_id, outcome=outcome)
        self.rows.append(row)
        return row

    def __iter__(self) -> Iterator[Feedback]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def apply(self, retriever: Retriever) -> int:
        return apply_feedback(retriever, self.rows)


def apply_feedback(retriever: Retriever, feedback: Iterable[Feedback | tuple[str, int | str, str]]) -> int:
    """Fold decisions into ``retriever``'s ranking; returns how many rows named a known entry."""
    applied = 0
    for row in feedback:
        query, entry_id, outcome = (
            (row.query, row.entry_id, row.outcome) if isinstance(row, Feedback) else row
        )
        if retriever.learn(query, entry_id, outcome):
            applied += 1
    return applied
