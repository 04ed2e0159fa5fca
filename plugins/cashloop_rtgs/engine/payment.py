"""A payment instruction as the engine tracks it (mutable, one object per run)."""

from __future__ import annotations

__all__ = ["Payment"]


class Payment:
    """A payment that settles whole. Money fields are integer cents; ticks are global.

    ``overdue_since`` is -1 until the payment is marked overdue; ``settled_at`` is -1 until it
    settles (for a split parent: until its last child settles).
    """

    __slots__ = (
        "amount",
        "arrival",
        "deadline",
        "overdue_since",
        "parent",
        "priority",
        "receiver",
        "remaining",
        "sender",
        "settled_at",
    )

    def __init__(
        self,
        sender: int,
        receiver: int,
        amount: int,
        arrival: int,
        deadline: int,
        priority: int,
        parent: Payment | None = None,
    ) -> None:
        self.sender = sender
        self.receiver = receiver
        self.amount = amount
        self.remaining = amount
        self.arrival = arrival
        self.deadline = deadline
        self.priority = priority
        self.overdue_since = -1
        self.settled_at = -1
        self.parent = parent

    def mark_settled(self, tick: int) -> None:
        """Settle in full at ``tick``; a split parent settles with its last child."""
        amount = self.remaining
        self.remaining = 0
        self.settled_at = tick
        parent = self.parent
        if parent is not None:
            parent.remaining -= amount
            if parent.remaining == 0:
                parent.settled_at = tick

    def __repr__(self) -> str:
        return (
            f"Payment({self.sender}->{self.receiver} {self.remaining}/{self.amount} "
            f"t{self.arrival} d{self.deadline} overdue={self.overdue_since} "
            f"settled={self.settled_at})"
        )
