"""Random sequences of grant / top-up / replay / reserve / capture / release / expire,
checked after every step against an in-memory model: the balance always equals the sum
of the ledger, never goes below zero, and nothing is charged twice."""

import asyncio
import uuid
from dataclasses import dataclass

import asyncpg
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from services.billing import service
from services.billing.repo import ledger, wallets
from shared.contracts import ReserveCredits
from shared.db import Database
from shared.errors import Conflict, Invalid
from tests.conftest import KERNEL_DATABASE
from tests.integration.billing.contexts import context_over


@dataclass
class Hold:
    id: uuid.UUID
    reference: str
    amount: int
    status: str = "held"
    captured: int | None = None


class LedgerMachine(RuleBasedStateMachine):
    db: Database
    loop: asyncio.AbstractEventLoop

    def run(self, coroutine):  # type: ignore[no-untyped-def]
        return self.loop.run_until_complete(coroutine)

    @initialize()
    def open_account(self) -> None:
        self.tenant = uuid.uuid4()
        self.balance, self.held, self.entries = 100, 0, 1
        self.applied: list[tuple[str, str, int]] = []
        self.holds: list[Hold] = []

        async def open_() -> None:
            async with self.db.tenant_tx(self.tenant) as tx:
                await wallets.insert_account(tx, self.tenant)
                await ledger.apply_entry(tx, self.tenant, 100, "SIGNUP_GRANT", "signup")

        self.run(open_())

    async def _entry(self, amount: int, type_: str, reference: str):  # type: ignore[no-untyped-def]
        async with self.db.tenant_tx(self.tenant) as tx:
            try:
                return await ledger.apply_entry(tx, self.tenant, amount, type_, reference)
            except asyncpg.PostgresError as exc:
                raise service.ledger_error(exc) from None

    @rule(amount=st.integers(1, 50), kind=st.sampled_from(["MONTHLY_GRANT", "TOP_UP"]))
    def credit(self, amount: int, kind: str) -> None:
        reference = uuid.uuid4().hex
        row = self.run(self._entry(amount, kind, reference))
        assert not row["replayed"]
        self.balance += amount
        self.entries += 1
        self.applied.append((kind, reference, amount))

    @precondition(lambda self: self.applied)
    @rule(data=st.data())
    def replay_entry(self, data: st.DataObject) -> None:
        kind, reference, amount = data.draw(st.sampled_from(self.applied))
        assert self.run(self._entry(amount, kind, reference))["replayed"]
        try:
            self.run(self._entry(amount + 1, kind, reference))
            raise AssertionError("a replay with another amount must be refused")
        except Conflict:
            pass

    @rule(amount=st.integers(1, 60))
    def reserve(self, amount: int) -> None:
        reference = uuid.uuid4().hex
        reply = self.run(service.reserve_credits(context_over(self.db), ReserveCredits(
            tenant_id=self.tenant, amount=amount, reference=reference, ledger_type="AI_PAGE_GENERATION")))
        if self.balance - self.held >= amount:
            assert reply.status == "held" and reply.hold_id is not None
            self.holds.append(Hold(reply.hold_id, reference, amount))
            self.held += amount
        else:
            assert reply.status == "refused" and reply.available == self.balance - self.held

    @precondition(lambda self: self.holds)
    @rule(data=st.data())
    def reserve_again(self, data: st.DataObject) -> None:
        hold = data.draw(st.sampled_from(self.holds))
        reply = self.run(service.reserve_credits(context_over(self.db), ReserveCredits(
            tenant_id=self.tenant, amount=hold.amount, reference=hold.reference, ledger_type="AI_PAGE_GENERATION")))
        assert (reply.hold_id, reply.status) == (hold.id, hold.status)

    async def _settle(self, hold: Hold, amount: int | None, final: str = "released") -> None:
        async with self.db.tenant_tx(self.tenant) as tx:
            if amount is None:
                await service.release(tx, hold.id, final)
            else:
                await service.capture(tx, self.tenant, hold.id, amount)

    @precondition(lambda self: self.holds)
    @rule(data=st.data(), share=st.floats(0, 1.2))
    def capture(self, data: st.DataObject, share: float) -> None:
        hold = data.draw(st.sampled_from(self.holds))
        amount = int(hold.amount * share)
        expected: type[Exception] | None = None
        if hold.status == "held" and amount > hold.amount:
            expected = Invalid
        elif hold.status in ("released", "expired") or (hold.status == "captured" and hold.captured != amount):
            expected = Conflict
        try:
            self.run(self._settle(hold, amount))
        except (Conflict, Invalid) as exc:
            assert expected is not None and isinstance(exc, expected), (exc, hold, amount)
            return
        assert expected is None, (hold, amount)
        if hold.status == "held":
            self.held -= hold.amount
            self.balance -= amount
            self.entries += 1 if amount else 0
            hold.status, hold.captured = "captured", amount

    @precondition(lambda self: self.holds)
    @rule(data=st.data(), final=st.sampled_from(["released", "expired"]))
    def release(self, data: st.DataObject, final: str) -> None:
        hold = data.draw(st.sampled_from(self.holds))
        try:
            self.run(self._settle(hold, None, final))
        except Conflict:
            assert hold.status == "captured"
            return
        assert hold.status != "captured"
        if hold.status == "held":
            self.held -= hold.amount
            hold.status = final

    @invariant()
    def database_agrees_with_the_model(self) -> None:
        async def read():  # type: ignore[no-untyped-def]
            async with self.db.tenant_tx(self.tenant) as tx:
                return await tx.fetchrow(
                    "SELECT a.balance, a.held, (SELECT sum(amount) FROM billing.credit_transactions)::int AS total, "
                    "(SELECT count(*) FROM billing.credit_transactions)::int AS entries FROM billing.accounts a")

        row = self.run(read())
        assert (row["balance"], row["held"], row["entries"]) == (self.balance, self.held, self.entries)
        assert row["total"] == row["balance"] >= 0
        assert 0 <= row["held"] <= row["balance"]


def test_the_ledger_matches_its_model(stack) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.new_event_loop()
    db = loop.run_until_complete(Database.connect(stack.database_url("billing", KERNEL_DATABASE),
                                                  name="tests-ledger-model", max_size=2))
    LedgerMachine.db, LedgerMachine.loop = db, loop
    try:
        LedgerMachine.TestCase.settings = settings(max_examples=500, stateful_step_count=10, deadline=None,
                                                   suppress_health_check=[HealthCheck.too_slow])
        LedgerMachine.TestCase().runTest()
    finally:
        loop.run_until_complete(db.close())
        loop.close()
