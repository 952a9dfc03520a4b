"""Billing's settings."""

from __future__ import annotations

import msgspec

from shared.web import ServiceSettings


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    monthly_credits: int = 0
    stripe_price: str = ""


class Settings(ServiceSettings, frozen=True, kw_only=True):
    signup_grant_credits: int = 100
    hold_sweep_interval: float = 15.0  # seconds between releases of expired holds
    settlement_pullers: int = 4  # concurrent consumers of each settlement stream
    stripe_secret_key: str = ""  # empty: top-ups answer 503 "payments are not configured"
    stripe_webhook_secret: str = ""
    stripe_api_base: str = ""  # another Stripe-compatible server (tests); empty: Stripe's
    # credits -> price in minor units
    credit_packs: dict[str, int] = msgspec.field(default_factory=lambda: {"100": 500, "500": 2000, "2000": 6000})
    currency: str = "eur"
    public_base_url: str = "http://localhost:8000"  # where Checkout sends the buyer back
    # plan -> {"monthly_credits": n, "stripe_price": "price_..."}; a plan without a price is free
    plans: dict[str, Plan] = msgspec.field(default_factory=lambda: {
        "free": Plan(monthly_credits=0), "pro": Plan(monthly_credits=1000, stripe_price="")})
    # plan -> the platform's share of each storefront sale, in percent
    commerce_fee_percent: dict[str, float] = msgspec.field(default_factory=lambda: {"free": 5.0, "pro": 2.0})
    connect_return_url: str = ""  # where Stripe sends an OWNER after onboarding; empty: <public>/settings/payments
    grant_interval: float = 3600.0  # seconds between runs of the monthly-grant scheduler
    reconcile_interval: float = 600.0  # seconds between looks for Stripe events that never arrived

    def plan_of_price(self, price_id: str) -> str | None:
        return next((name for name, plan in self.plans.items() if plan.stripe_price == price_id), None)

    def __repr__(self) -> str:  # never print the keys
        return f"billing.Settings(stripe configured={bool(self.stripe_secret_key)})"
