"""Checking the audit hash chain end to end."""

from dataclasses import dataclass

from .models import AuditLog, ChainHead
from .services import GENESIS_HASH

# Entries fetched per round trip; the walk holds one batch at a time, never the table.
BATCH_SIZE = 2000


@dataclass(frozen=True)
class ChainVerification:
    """The outcome of ``verify_chain``.

    ``ok`` is true when every entry's hash matches its content and its predecessor and
    the chain head names an entry that exists; ``entries`` counts every entry walked;
    ``first_bad_id`` is the id of the first entry that fails (None when the chain is
    intact, or when the entries are sound but some were removed from its end);
    ``reason`` says what failed, in words.
    """

    ok: bool
    entries: int
    first_bad_id: int | None
    reason: str
    head_hash: str

    def as_dict(self):
        """The public shape (API, ``verify_audit --json``)."""
        return {"ok": self.ok, "entries": self.entries, "first_bad_id": self.first_bad_id}


def _fault(entry, expected_prev):
    if entry.prev_hash != expected_prev:
        return f"entry #{entry.pk} does not link to the entry before it"
    if entry.compute_hash() != entry.hash:
        return f"entry #{entry.pk} does not match its hash: its content was changed"
    return ""


def verify_chain():
    """Walk the whole chain in id order, in constant memory, and report the first break.

    Each entry must link to the stored hash of the one before it (the first to 64
    zeros) and hash to its stored hash. The chain head is read before the walk, so
    entries appended meanwhile are walked too; the head must name one of the walked
    entries, otherwise entries were cut from the end.
    """
    head = ChainHead.objects.filter(pk=1).values_list("last_hash", flat=True).first()
    head_hash = head or GENESIS_HASH
    head_seen = head_hash == GENESIS_HASH
    expected_prev = GENESIS_HASH
    entries = 0
    first_bad_id = None
    reason = ""
    for entry in AuditLog.objects.order_by("id").iterator(chunk_size=BATCH_SIZE):
        entries += 1
        if first_bad_id is None:
            reason = _fault(entry, expected_prev)
            if reason:
                first_bad_id = entry.pk
        head_seen = head_seen or entry.hash == head_hash
        expected_prev = entry.hash
    if first_bad_id is None and not head_seen:
        reason = f"the chain head {head_hash} names no entry: entries were removed from the end"
    return ChainVerification(
        ok=not reason, entries=entries, first_bad_id=first_bad_id, reason=reason, head_hash=head_hash
    )
