"""What billing's use cases need, built once per process in app.py."""

from __future__ import annotations

from dataclasses import dataclass

from shared.errors import Unavailable
from shared.web import ServiceContext

from .payments import Payments
from .settings import Settings


@dataclass(frozen=True, kw_only=True)
class Ctx(ServiceContext):
    settings: Settings
    payments: Payments | None  # None: no STRIPE_SECRET_KEY; what needs Stripe answers 503

    def require_payments(self) -> Payments:
        """Stripe's client, or 503 on a platform that has not configured payments."""
        if self.payments is None:
            raise Unavailable("payments are not configured on this platform (no STRIPE_SECRET_KEY)")
        return self.payments
