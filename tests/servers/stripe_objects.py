"""Stripe API objects as the fake Stripe server returns them: the real field names, types
and nesting (Stripe's openapi fixtures3.json and the official client's models), trimmed to
what a website builder's billing touches. Pure functions, no I/O.

Shapes follow the API version the installed `stripe` client pins, which moved fields that
older integrations read: a subscription's billing period lives on its items
(`items.data[0].current_period_end`), an invoice names its subscription under
`parent.subscription_details.subscription`, and neither carries a `payment_intent`.
"""

from __future__ import annotations

import calendar
import copy
import datetime
import secrets
import string
import time
from typing import Any

import stripe

API_VERSION: str = stripe.api_version  # what the pinned client sends as Stripe-Version
ID_ALPHABET = string.ascii_letters + string.digits
CHECKOUT_HOST = "https://checkout.stripe.test"
CONNECT_HOST = "https://connect.stripe.test"
PORTAL_HOST = "https://billing.stripe.test"
SESSION_LIFETIME = 24 * 3600  # Checkout's default expires_at
ACCOUNT_LINK_LIFETIME = 300
PAY_HOST = "https://pay.stripe.test"
DISPUTE_RESPONSE_WINDOW = 7 * 24 * 3600  # evidence_details.due_by, set by the card network
ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")
EVIDENCE_FIELDS = (
    "access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure",
    "cancellation_rebuttal", "customer_communication", "customer_email_address", "customer_name",
    "customer_purchase_ip", "customer_signature", "duplicate_charge_documentation", "duplicate_charge_explanation",
    "duplicate_charge_id", "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
    "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address", "shipping_carrier",
    "shipping_date", "shipping_documentation", "shipping_tracking_number", "uncategorized_file",
    "uncategorized_text",
)

Obj = dict[str, Any]


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(ID_ALPHABET) for _ in range(length))


def now() -> int:
    return int(time.time())


def list_object(data: list[Obj], url: str, *, has_more: bool = False) -> Obj:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def add_interval(timestamp: int, interval: str, count: int = 1) -> int:
    """One billing interval later; months keep the day of month, clamped (Jan 31 -> Feb 28)."""
    if interval in ("day", "week"):
        return timestamp + count * (86400 if interval == "day" else 7 * 86400)
    start = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    months = count * (12 if interval == "year" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())


def previous_attributes(before: Obj, after: Obj) -> Obj:
    """What an `*.updated` event carries in data.previous_attributes: the old values of
    the top-level fields that changed."""
    return {key: value for key, value in before.items() if after.get(key) != value}


# --- catalogue ---------------------------------------------------------------------------


def product_object(name: str, *, metadata: dict[str, str] | None = None) -> Obj:
    at = now()
    return {"id": new_id("prod_", 14), "object": "product", "active": True, "created": at, "default_price": None,
            "description": None, "images": [], "livemode": False, "marketing_features": [],
            "metadata": metadata or {}, "name": name, "package_dimensions": None, "shippable": None,
            "statement_descriptor": None, "tax_code": None, "unit_label": None, "updated": at, "url": None}


def price_object(*, unit_amount: int, currency: str, product: str, recurring: Obj | None = None,
                 lookup_key: str | None = None, metadata: dict[str, str] | None = None) -> Obj:
    if recurring is not None:
        recurring = {"interval": recurring["interval"], "interval_count": int(recurring.get("interval_count", 1)),
                     "meter": None, "trial_period_days": None, "usage_type": "licensed"}
    return {"id": new_id("price_"), "object": "price", "active": True, "billing_scheme": "per_unit",
            "created": now(), "currency": currency, "custom_unit_amount": None, "livemode": False,
            "lookup_key": lookup_key, "metadata": metadata or {}, "nickname": None, "product": product,
            "recurring": recurring, "tax_behavior": "unspecified", "tiers_mode": None, "transform_quantity": None,
            "type": "recurring" if recurring else "one_time", "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount)}


def customer_object(params: Obj) -> Obj:
    return {"id": new_id("cus_", 14), "object": "customer", "address": None, "balance": 0, "created": now(),
            "currency": None, "default_source": None, "delinquent": False,
            "description": params.get("description"), "discount": None, "email": params.get("email"),
            "invoice_prefix": new_id("", 8).upper(),
            "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None,
                                 "rendering_options": None},
            "livemode": False, "metadata": params.get("metadata", {}), "name": params.get("name"),
            "next_invoice_sequence": 1, "phone": params.get("phone"), "preferred_locales": [], "shipping": None,
            "tax_exempt": "none", "test_clock": None}


# --- checkout ----------------------------------------------------------------------------


def checkout_item_object(price: Obj, quantity: int, description: str) -> Obj:
    """A Checkout line item (object "item"), as GET /v1/checkout/sessions/{id}/line_items lists."""
    amount = price["unit_amount"] * quantity
    return {"id": new_id("li_"), "object": "item", "amount_discount": 0, "amount_subtotal": amount,
            "amount_tax": 0, "amount_total": amount, "currency": price["currency"], "description": description,
            "metadata": {}, "price": price, "quantity": quantity}


def checkout_session_object(params: Obj, items: list[Obj], *, customer: str | None) -> Obj:
    session_id = new_id("cs_test_", 58)
    created = now()
    amount = sum(item["amount_subtotal"] for item in items)
    payment_mode = params["mode"] == "payment"
    return {
        "id": session_id, "object": "checkout.session", "adaptive_pricing": {"enabled": False},
        "after_expiration": None, "allow_promotion_codes": None, "amount_subtotal": amount, "amount_total": amount,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": None, "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"), "client_secret": None,
        "collected_information": None, "consent": None, "consent_collection": None, "created": created,
        "currency": items[0]["currency"], "custom_fields": [],
        "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                        "terms_of_service_acceptance": None},
        "customer": customer,
        # A one-off payment creates no Customer unless asked to; a subscription always does.
        "customer_creation": "if_required" if payment_mode and customer is None else None,
        "customer_details": None, "customer_email": params.get("customer_email"), "discounts": [],
        "expires_at": created + SESSION_LIFETIME, "invoice": None,
        "invoice_creation": {"enabled": False, "invoice_data": {
            "account_tax_ids": None, "custom_fields": None, "description": None, "footer": None, "issuer": None,
            "metadata": {}, "rendering_options": None}} if payment_mode else None,
        "livemode": False, "locale": None, "metadata": params.get("metadata", {}), "mode": params["mode"],
        "payment_intent": None, "payment_link": None,
        "payment_method_collection": None if payment_mode else "always",
        "payment_method_configuration_details": None, "payment_method_options": {},
        "payment_method_types": ["card"], "payment_status": "unpaid", "phone_number_collection": {"enabled": False},
        "recovered_from": None, "saved_payment_method_options": None, "setup_intent": None,
        "shipping_address_collection": None, "shipping_cost": None, "shipping_options": [], "status": "open",
        "submit_type": None, "subscription": None, "success_url": params.get("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}, "ui_mode": "hosted",
        "url": f"{CHECKOUT_HOST}/c/pay/{session_id}",
    }


def customer_details(email: str | None, name: str | None = None) -> Obj:
    """What Checkout collected from the buyer, set when the session completes."""
    return {"address": None, "email": email, "name": name, "phone": None, "tax_exempt": "none", "tax_ids": []}


def payment_intent_object(session: Obj, options: Obj) -> Obj:
    """The PaymentIntent behind a payment-mode session, `options` being its payment_intent_data;
    it stays processing until a charge for it succeeds."""
    intent_id = new_id("pi_")
    amount = session["amount_total"]
    fee = options.get("application_fee_amount")
    destination = options.get("transfer_data", {}).get("destination")
    return {
        "id": intent_id, "object": "payment_intent", "amount": amount, "amount_capturable": 0,
        "amount_details": {"tip": {}}, "amount_received": 0, "application": None,
        "application_fee_amount": int(fee) if fee is not None else None, "automatic_payment_methods": None,
        "canceled_at": None, "cancellation_reason": None, "capture_method": "automatic",
        "client_secret": f"{intent_id}_secret_{new_id('', 25)}", "confirmation_method": "automatic",
        "created": now(), "currency": session["currency"], "customer": session["customer"],
        "description": options.get("description"), "last_payment_error": None,
        "latest_charge": None, "livemode": False,
        "metadata": options.get("metadata", {}), "next_action": None, "on_behalf_of": options.get("on_behalf_of"),
        "payment_method": new_id("pm_"), "payment_method_configuration_details": None,
        "payment_method_options": {}, "payment_method_types": ["card"], "processing": None,
        "receipt_email": None, "review": None, "setup_future_usage": None, "shipping": None, "source": None,
        "statement_descriptor": None, "statement_descriptor_suffix": None,
        "status": "processing",
        "transfer_data": {"destination": destination} if destination else None,
        "transfer_group": f"group_{intent_id}" if destination else None,
    }


def billing_portal_session_object(customer: str, return_url: str | None) -> Obj:
    return {"id": new_id("bps_"), "object": "billing_portal.session", "configuration": new_id("bpc_"),
            "created": now(), "customer": customer, "flow": None, "livemode": False, "locale": None,
            "on_behalf_of": None, "return_url": return_url,
            "url": f"{PORTAL_HOST}/p/session/test_{new_id('', 40)}"}


# --- charges, refunds and disputes ---------------------------------------------------------


def charge_object(intent: Obj, *, email: str | None) -> Obj:
    """The successful card charge of a PaymentIntent. It copies the intent's metadata and, for a
    destination charge, its application_fee_amount and transfer_data."""
    amount = intent["amount"]
    fee = intent["application_fee_amount"]
    destination = (intent["transfer_data"] or {}).get("destination")
    return {
        "id": new_id("ch_"), "object": "charge", "amount": amount, "amount_captured": amount, "amount_refunded": 0,
        "application": None, "application_fee": new_id("fee_") if fee is not None else None,
        "application_fee_amount": fee, "balance_transaction": new_id("txn_"),
        "billing_details": {"address": dict.fromkeys(ADDRESS_FIELDS), "email": email, "name": None, "phone": None,
                            "tax_id": None},
        "calculated_statement_descriptor": "SITEBUILDER", "captured": True, "created": now(),
        "currency": intent["currency"], "customer": intent["customer"], "description": intent["description"],
        "disputed": False, "failure_balance_transaction": None, "failure_code": None, "failure_message": None,
        "fraud_details": {}, "livemode": False, "metadata": dict(intent["metadata"]),
        "on_behalf_of": intent["on_behalf_of"],
        "outcome": {"advice_code": None, "network_advice_code": None, "network_decline_code": None,
                    "network_status": "approved_by_network", "reason": None, "seller_message": "Payment complete.",
                    "type": "authorized"},
        "paid": True, "payment_intent": intent["id"], "payment_method": intent["payment_method"],
        "payment_method_details": {"card": {
            "amount_authorized": amount, "brand": "visa",
            "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
            "country": "US", "exp_month": 12, "exp_year": 2034, "fingerprint": new_id("", 16), "funding": "credit",
            "installments": None, "last4": "4242", "mandate": None, "network": "visa", "three_d_secure": None,
            "wallet": None}, "type": "card"},
        "receipt_email": None, "receipt_number": None,
        "receipt_url": f"{PAY_HOST}/receipts/payment/{new_id('', 60)}", "refunded": False, "review": None,
        "shipping": None, "source": None, "source_transfer": None, "statement_descriptor": None,
        "statement_descriptor_suffix": None, "status": "succeeded",
        "transfer_data": {"amount": None, "destination": destination} if destination else None,
        "transfer_group": intent["transfer_group"],
    }


def refund_object(charge: Obj, amount: int, *, metadata: dict[str, str], reason: str | None,
                  reverse_transfer: bool) -> Obj:
    """A card refund, settled at once as in test mode. Reversing a destination charge's
    transfer shows as a transfer_reversal id."""
    reversed_transfer = reverse_transfer and charge["transfer_data"] is not None
    return {"id": new_id("re_"), "object": "refund", "amount": amount, "balance_transaction": new_id("txn_"),
            "charge": charge["id"], "created": now(), "currency": charge["currency"], "customer": None,
            "customer_account": None, "destination_details": {"card": {"type": "reversal"}, "type": "card"},
            "metadata": metadata, "payment_intent": charge["payment_intent"],
            "payment_method": charge["payment_method"], "reason": reason, "receipt_number": None,
            "source_transfer_reversal": None, "status": "succeeded",
            "transfer_reversal": new_id("trr_") if reversed_transfer else None}


def refund_charge(charge: Obj, amount: int) -> None:
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount_captured"]


def dispute_object(charge: Obj) -> Obj:
    """A card-network chargeback for fraud, waiting for the platform's evidence."""
    created = now()
    return {
        "id": new_id("dp_"), "object": "dispute", "amount": charge["amount_captured"] - charge["amount_refunded"],
        "balance_transactions": [], "charge": charge["id"], "created": created, "currency": charge["currency"],
        "enhanced_eligibility_types": [], "evidence": {**dict.fromkeys(EVIDENCE_FIELDS), "enhanced_evidence": {}},
        "evidence_details": {"due_by": created + DISPUTE_RESPONSE_WINDOW, "enhanced_eligibility": {},
                             "has_evidence": False, "past_due": False, "submission_count": 0},
        # A chargeback (not an inquiry) takes the funds: refunding is no longer possible.
        "is_charge_refundable": False, "livemode": False, "metadata": {},
        "payment_intent": charge["payment_intent"],
        "payment_method_details": {"card": {"brand": "visa", "case_type": "chargeback", "network": "visa",
                                            "network_reason_code": "10.4"}, "type": "card"},
        "reason": "fraudulent", "status": "needs_response",
    }


# --- subscriptions and invoices ----------------------------------------------------------


def subscription_object(*, customer: str, items: list[tuple[Obj, int]], metadata: dict[str, str],
                        status: str) -> Obj:
    subscription_id = new_id("sub_")
    start = now()
    data = []
    for price, quantity in items:
        recurring = price["recurring"]
        end = add_interval(start, recurring["interval"], recurring["interval_count"])
        data.append({"id": new_id("si_", 14), "object": "subscription_item", "billing_thresholds": None,
                     "created": start, "current_period_end": end, "current_period_start": start, "discounts": [],
                     "metadata": {}, "price": price, "quantity": quantity, "subscription": subscription_id,
                     "tax_rates": []})
    return {
        "id": subscription_id, "object": "subscription", "application": None, "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": start, "billing_cycle_anchor_config": None,
        "billing_mode": {"flexible": None, "type": "classic"}, "billing_thresholds": None, "cancel_at": None,
        "cancel_at_period_end": False, "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically", "created": start, "currency": items[0][0]["currency"],
        "customer": customer, "days_until_due": None, "default_payment_method": None, "default_source": None,
        "default_tax_rates": [], "description": None, "discounts": [], "ended_at": None,
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
        "items": list_object(data, f"/v1/subscription_items?subscription={subscription_id}"),
        "latest_invoice": None, "livemode": False, "metadata": metadata, "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None, "pause_collection": None,
        "payment_settings": {"payment_method_options": None, "payment_method_types": None,
                             "save_default_payment_method": "off"},
        "pending_invoice_item_interval": None, "pending_setup_intent": None, "pending_update": None,
        "schedule": None, "start_date": start, "status": status, "test_clock": None, "transfer_data": None,
        "trial_end": None, "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": None,
    }


def advance_period(subscription: Obj) -> None:
    """Move every item one interval on, as a renewal does."""
    for item in subscription["items"]["data"]:
        recurring = item["price"]["recurring"]
        item["current_period_start"] = item["current_period_end"]
        item["current_period_end"] = add_interval(item["current_period_end"], recurring["interval"],
                                                  recurring["interval_count"])


def invoice_object(subscription: Obj, customer: Obj, *, billing_reason: str, period: tuple[int, int]) -> Obj:
    """A draft invoice for the subscription's current items. `period` is the invoice's own
    period_start/end, which Stripe sets to the period just billed *in arrears* (equal to
    `created` on a first invoice), not to the service period the lines cover."""
    invoice_id = new_id("in_")
    lines = [_invoice_line(invoice_id, subscription, item) for item in subscription["items"]["data"]]
    total = sum(line["amount"] for line in lines)
    return {
        "id": invoice_id, "object": "invoice", "account_country": "US", "account_name": "Sitebuilder (test)",
        "account_tax_ids": None, "amount_due": total, "amount_overpaid": 0, "amount_paid": 0,
        "amount_remaining": total, "amount_shipping": 0, "application": None, "attempt_count": 0,
        "attempted": False, "auto_advance": True,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None, "provider": None,
                          "status": None},
        "automatically_finalizes_at": None, "billing_reason": billing_reason,
        "collection_method": "charge_automatically", "created": now(), "currency": subscription["currency"],
        "custom_fields": None, "customer": customer["id"], "customer_address": None,
        "customer_email": customer["email"], "customer_name": customer["name"], "customer_phone": None,
        "customer_shipping": None, "customer_tax_exempt": "none", "customer_tax_ids": [],
        "default_payment_method": None, "default_source": None, "default_tax_rates": [], "description": None,
        "discounts": [], "due_date": None, "effective_at": None, "ending_balance": None, "footer": None,
        "from_invoice": None, "hosted_invoice_url": None, "invoice_pdf": None, "issuer": {"type": "self"},
        "last_finalization_error": None, "latest_revision": None,
        "lines": list_object(lines, f"/v1/invoices/{invoice_id}/lines"), "livemode": False, "metadata": {},
        "next_payment_attempt": None, "number": None, "on_behalf_of": None,
        "parent": {"quote_details": None, "type": "subscription_details",
                   "subscription_details": {"metadata": dict(subscription["metadata"]),
                                            "subscription": subscription["id"]}},
        "payment_settings": {"default_mandate": None, "payment_method_options": None, "payment_method_types": None},
        "period_end": period[1], "period_start": period[0], "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0, "receipt_number": None, "rendering": None, "shipping_cost": None,
        "shipping_details": None, "starting_balance": 0, "statement_descriptor": None, "status": "draft",
        "status_transitions": {"finalized_at": None, "marked_uncollectible_at": None, "paid_at": None,
                               "voided_at": None},
        "subtotal": total, "subtotal_excluding_tax": total, "test_clock": None, "total": total,
        "total_discount_amounts": [], "total_excluding_tax": total, "total_pretax_credit_amounts": [],
        "total_taxes": [], "webhooks_delivered_at": None,
    }


def _invoice_line(invoice_id: str, subscription: Obj, item: Obj) -> Obj:
    price = item["price"]
    amount = price["unit_amount"] * item["quantity"]
    return {
        "id": new_id("il_"), "object": "line_item", "amount": amount, "currency": price["currency"],
        "description": f"{item['quantity']} \u00d7 subscription", "discount_amounts": [], "discountable": True,
        "discounts": [], "invoice": invoice_id, "livemode": False, "metadata": dict(subscription["metadata"]),
        "parent": {"invoice_item_details": None, "type": "subscription_item_details",
                   "subscription_item_details": {"invoice_item": None, "proration": False,
                                                 "proration_details": {"credited_items": None},
                                                 "subscription": subscription["id"], "subscription_item": item["id"]}},
        "period": {"end": item["current_period_end"], "start": item["current_period_start"]},
        "pretax_credit_amounts": [],
        "pricing": {"price_details": {"price": price["id"], "product": price["product"]}, "type": "price_details",
                    "unit_amount_decimal": price["unit_amount_decimal"]},
        "quantity": item["quantity"], "subtotal": amount, "taxes": [],
    }


def finalize_invoice(invoice: Obj) -> None:
    at = now()
    invoice["status"] = "open"
    invoice["number"] = f"{new_id('', 8).upper()}-0001"
    invoice["effective_at"] = invoice["status_transitions"]["finalized_at"] = at
    invoice["hosted_invoice_url"] = f"https://invoice.stripe.test/i/{new_id('', 40)}"
    invoice["invoice_pdf"] = f"{PAY_HOST}/invoice/{new_id('', 40)}/pdf"


def pay_invoice(invoice: Obj) -> None:
    invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0, attempted=True,
                   attempt_count=invoice["attempt_count"] + 1, next_payment_attempt=None, auto_advance=False)
    invoice["status_transitions"]["paid_at"] = now()


def fail_invoice_payment(invoice: Obj) -> None:
    """A declined charge: the invoice stays open and Smart Retries schedules another try."""
    invoice.update(attempted=True, attempt_count=invoice["attempt_count"] + 1,
                   next_payment_attempt=now() + 3 * 86400)


# --- Connect ------------------------------------------------------------------------------


def account_object(params: Obj) -> Obj:
    account_id = new_id("acct_", 16)
    requested = sorted(name for name, wanted in params.get("capabilities", {}).items()
                       if str(wanted.get("requested")).lower() == "true")
    due = ["business_profile.url", "external_account", "tos_acceptance.date", "tos_acceptance.ip"]
    return {
        "id": account_id, "object": "account",
        "business_profile": {"mcc": None, "name": None, "product_description": None, "support_address": None,
                             "support_email": None, "support_phone": None, "support_url": None, "url": None,
                             **params.get("business_profile", {})},
        "business_type": params.get("business_type"),
        "capabilities": dict.fromkeys(requested, "inactive"), "charges_enabled": False,
        # What an Express account created by a platform reports about who controls it.
        "controller": {"fees": {"payer": "application_express"}, "is_controller": True,
                       "losses": {"payments": "application"}, "requirement_collection": "stripe",
                       "stripe_dashboard": {"type": "express"}, "type": "application"},
        "country": params.get("country", "US"), "created": now(),
        "default_currency": params.get("default_currency", "usd"), "details_submitted": False,
        "email": params.get("email"),
        "external_accounts": list_object([], f"/v1/accounts/{account_id}/external_accounts"),
        "future_requirements": _requirements([]), "metadata": params.get("metadata", {}),
        "payouts_enabled": False, "requirements": _requirements(due),
        "settings": {"dashboard": {"display_name": None, "timezone": "Etc/UTC"},
                     "payouts": {"debit_negative_balances": True, "schedule": {"delay_days": 2, "interval": "daily"},
                                 "statement_descriptor": None}},
        "tos_acceptance": {"date": None, "ip": None, "user_agent": None}, "type": params.get("type", "express"),
    }


def onboard_account(account: Obj, *, charges_enabled: bool, payouts_enabled: bool, details_submitted: bool) -> None:
    """Stripe's verdict after the account holder went through onboarding."""
    account.update(charges_enabled=charges_enabled, payouts_enabled=payouts_enabled,
                   details_submitted=details_submitted,
                   capabilities=dict.fromkeys(account["capabilities"], "active" if charges_enabled else "inactive"))
    account["requirements"] = _requirements([] if charges_enabled else account["requirements"]["currently_due"])


def _requirements(due: list[str]) -> Obj:
    return {"alternatives": [], "current_deadline": None, "currently_due": list(due),
            "disabled_reason": "requirements.past_due" if due else None, "errors": [],
            "eventually_due": list(due), "past_due": list(due), "pending_verification": []}


def account_link_object(account: str) -> Obj:
    created = now()
    return {"object": "account_link", "created": created, "expires_at": created + ACCOUNT_LINK_LIFETIME,
            "url": f"{CONNECT_HOST}/setup/e/{account}/{new_id('', 12)}"}


def login_link_object(account: str) -> Obj:
    return {"object": "login_link", "created": now(), "url": f"{CONNECT_HOST}/express/{account}/{new_id('', 12)}"}


# --- events -------------------------------------------------------------------------------


def event_object(type: str, data_object: Obj, *, previous: Obj | None = None, request_id: str | None = None,
                 idempotency_key: str | None = None, account: str | None = None, pending_webhooks: int = 1) -> Obj:
    """An event holding a snapshot of the object as it was when the event happened."""
    data: Obj = {"object": copy.deepcopy(data_object)}
    if previous:
        data["previous_attributes"] = copy.deepcopy(previous)
    event: Obj = {"id": new_id("evt_"), "object": "event", "api_version": API_VERSION, "created": now(),
                  "data": data, "livemode": False, "pending_webhooks": pending_webhooks,
                  "request": {"id": request_id, "idempotency_key": idempotency_key}, "type": type}
    if account is not None:
        event["account"] = account  # only events about a connected account say which one
    return event
