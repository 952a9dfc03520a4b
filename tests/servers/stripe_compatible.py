"""A local server that speaks Stripe's v1 wire format, for tests of billing through the
official `stripe` client (no machine here reaches the internet).

    fake = FakeStripe()
    await fake.start()
    client = fake.client()                      # official StripeClient pointed here
    price = fake.add_price(2000, interval="month")
    session = await client.v1.checkout.sessions.create_async({...})
    events = fake.complete_checkout(session.id)  # what the buyer does on Stripe's page
    status = await fake.deliver(events[-1], "http://127.0.0.1:8000/billing/webhooks/stripe")

Requests are form-encoded with bracket notation and answered with JSON objects of the real
shape (see stripe_objects). The server refuses what Stripe refuses before anything happens:
a wrong key, unknown or missing parameters, unknown ids, an idempotency key reused with
other parameters. Things that happen on Stripe's side (a buyer paying, a renewal, an account
finishing onboarding, a refund made in the Dashboard, a dispute) are test controls that
record events, which `deliver` POSTs to a webhook URL signed with Stripe's real scheme.
Stripe does not promise any order of delivery; controls record events in a plausible order
and tests may deliver them in any other.

The fake keeps one account's state in memory: one secret key, one webhook endpoint (so a new
event has pending_webhooks=1 until `deliver` gets a 2xx), Express accounts only for Connect.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import hmac
import json
import re
import sys
import typing
from collections import deque
from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec
import stripe
from aiohttp import web
from multidict import MultiMapping
from stripe import params as api_params
from stripe.params import billing_portal as portal_params
from stripe.params import checkout as checkout_params
from typing_extensions import is_typeddict  # stripe's params are typing_extensions TypedDicts, unknown to typing's

from tests.servers import stripe_objects as objects
from tests.servers.stripe_objects import Obj, list_object, new_id, now

WEBHOOK_USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
WEBHOOK_TIMEOUT = 10.0
REQUEST_OPTIONS = frozenset(stripe.RequestOptions.__annotations__)
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
CURRENCY_SIGNS = {"usd": "$", "eur": "\u20ac", "gbp": "\u00a3"}


class Recorded(msgspec.Struct, frozen=True):
    """One request as received: form or query parameters decoded into nested dicts and
    lists (values stay strings, as on the wire), header names lower-cased."""

    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]


class Refused(Exception):
    """A request Stripe refuses before doing anything; answered in Stripe's error shape."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code


@dataclass(frozen=True)
class Call:
    """What an endpoint handler gets: the decoded parameters and the id in the path."""

    params: Obj
    path_id: str
    request_id: str
    idempotency_key: str | None


@dataclass
class Checkout:
    """What a session keeps that its object does not show."""

    items: list[Obj]
    payment_intent_data: Obj
    subscription_data: Obj


@dataclass(frozen=True)
class Saved:
    """A response kept under an idempotency key."""

    endpoint: str
    params: Obj
    body: bytes
    request_id: str


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: str  # a method of FakeStripe, or "retrieve <kind>" for a plain GET by id
    schema: type | None  # the official client's params TypedDict: what Stripe accepts


def _route(method: str, path: str, handler: str, schema: type | None) -> Route:
    return Route(method, re.compile("^" + path.replace("{id}", "(?P<id>[^/]+)") + "$"), handler, schema)


ROUTES = [
    _route("POST", "/v1/checkout/sessions", "_create_checkout_session", checkout_params.SessionCreateParams),
    _route("GET", "/v1/checkout/sessions/{id}", "retrieve checkout.session", checkout_params.SessionRetrieveParams),
    _route("GET", "/v1/checkout/sessions/{id}/line_items", "_list_line_items",
           checkout_params.SessionListLineItemsParams),
    _route("POST", "/v1/billing_portal/sessions", "_create_portal_session", portal_params.SessionCreateParams),
    _route("POST", "/v1/customers", "_create_customer", api_params.CustomerCreateParams),
    _route("GET", "/v1/customers/{id}", "retrieve customer", api_params.CustomerRetrieveParams),
    _route("GET", "/v1/prices/{id}", "retrieve price", api_params.PriceRetrieveParams),
    _route("GET", "/v1/subscriptions/{id}", "retrieve subscription", api_params.SubscriptionRetrieveParams),
    _route("GET", "/v1/invoices/{id}", "retrieve invoice", api_params.InvoiceRetrieveParams),
    _route("GET", "/v1/payment_intents/{id}", "retrieve payment_intent", api_params.PaymentIntentRetrieveParams),
    _route("GET", "/v1/charges/{id}", "retrieve charge", api_params.ChargeRetrieveParams),
    _route("POST", "/v1/refunds", "_create_refund", api_params.RefundCreateParams),
    _route("GET", "/v1/refunds/{id}", "retrieve refund", api_params.RefundRetrieveParams),
    _route("GET", "/v1/disputes/{id}", "retrieve dispute", api_params.DisputeRetrieveParams),
    _route("GET", "/v1/events", "_list_events", api_params.EventListParams),
    _route("GET", "/v1/events/{id}", "retrieve event", api_params.EventRetrieveParams),
    _route("POST", "/v1/accounts", "_create_account", api_params.AccountCreateParams),
    _route("GET", "/v1/accounts/{id}", "retrieve account", api_params.AccountRetrieveParams),
    _route("POST", "/v1/account_links", "_create_account_link", api_params.AccountLinkCreateParams),
    _route("POST", "/v1/accounts/{id}/login_links", "_create_login_link", api_params.AccountLoginLinkCreateParams),
]


class FakeStripe:
    """One Stripe account in memory, served over HTTP; see the module docstring."""

    def __init__(self, api_key: str = "sk_test_fake", webhook_secret: str | None = None) -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret or new_id("whsec_", 32)
        self.base_url = ""
        self.requests: list[Recorded] = []
        self.events: list[Obj] = []  # newest last
        self._objects: dict[str, Obj] = {}  # every object by id: ids are unique across kinds
        self._checkouts: dict[str, Checkout] = {}
        self._refunds: dict[str, list[Obj]] = {}  # by charge, newest first; a charge shows them only expanded
        self._saved: dict[tuple[str | None, str], Saved] = {}  # (Stripe-Account, Idempotency-Key)
        self._failures: deque[tuple[int, bool | None]] = deque()
        self._drops = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def client(self, *, api_key: str | None = None, max_network_retries: int = 0) -> stripe.StripeClient:
        """The official client pointed at this server. Its HTTP client refuses sync calls:
        the fake answers from the caller's event loop, so a sync call would hang it."""
        return stripe.StripeClient(api_key or self.api_key, max_network_retries=max_network_retries,
                                   base_addresses={"api": self.base_url, "connect": self.base_url},
                                   http_client=stripe.HTTPXClient(allow_sync_methods=False))

    # --- failures --------------------------------------------------------------------------

    def fail_next(self, status: int = 500, times: int = 1, *, should_retry: bool | None = None) -> None:
        """Answer the next `times` requests with a Stripe-shaped error before doing anything
        (nothing is created, nothing kept under their idempotency key). `should_retry` sends
        Stripe-Should-Retry, which the client obeys over its own rule (retry 409 and 5xx only)."""
        self._failures.extend([(status, should_retry)] * times)

    def drop_next_response(self, times: int = 1) -> None:
        """Do the next `times` requests, then close the connection without answering: the
        client sees a network error although the object exists, and its retry with the same
        idempotency key gets the saved response replayed."""
        self._drops += times

    # --- things that happen on Stripe's side ------------------------------------------------

    def add_price(self, unit_amount: int, *, currency: str = "usd", interval: str | None = None,
                  interval_count: int = 1, product_name: str = "Website builder", lookup_key: str | None = None,
                  metadata: dict[str, str] | None = None) -> Obj:
        """A price set up in the Dashboard (recurring when `interval` is given)."""
        product = self._store(objects.product_object(product_name))
        recurring = {"interval": interval, "interval_count": interval_count} if interval else None
        return self._store(objects.price_object(unit_amount=unit_amount, currency=currency, product=product["id"],
                                                recurring=recurring, lookup_key=lookup_key, metadata=metadata))

    def complete_checkout(self, session_id: str, *, paid: bool = True, async_payment: bool = False) -> list[Obj]:
        """The buyer finishes the Checkout page. Stripe completes a session unpaid only for a
        delayed payment method (bank debit), so `paid=False` means the same as
        `async_payment=True`: payment_status "unpaid" until succeed/fail_async_payment."""
        session = self._checkout_session(session_id, status="open")
        checkout = self._checkouts[session_id]
        settled = paid and not async_payment
        email = session["customer_email"] or self._customer_email(session["customer"]) or "buyer@example.com"
        session["customer_details"] = objects.customer_details(email)
        events = []
        if session["mode"] == "payment":
            intent = self._store(objects.payment_intent_object(session, checkout.payment_intent_data))
            session["payment_intent"] = intent["id"]
            if settled:
                events += self._pay(intent, email)
        else:
            events += self._start_subscription(session, checkout, settled)
        # The page is gone once the session is over: Stripe only shows `url` while it is open.
        session.update(status="complete", payment_status="paid" if settled else "unpaid", url=None)
        events.append(self._emit("checkout.session.completed", session))
        return events

    def succeed_async_payment(self, session_id: str) -> Obj:
        """The delayed payment clears. Returns checkout.session.async_payment_succeeded; the
        events it causes are recorded in `events` before it: charge.succeeded and
        payment_intent.succeeded in payment mode, invoice.paid and
        customer.subscription.updated in subscription mode."""
        session = self._unpaid_session(session_id)
        if session["mode"] == "payment":
            self._pay(self._objects[session["payment_intent"]], session["customer_details"]["email"])
        else:
            self._settle(self._objects[session["subscription"]], paid=True)
        session["payment_status"] = "paid"
        return self._emit("checkout.session.async_payment_succeeded", session)

    def fail_async_payment(self, session_id: str) -> Obj:
        """The delayed payment bounces: checkout.session.async_payment_failed."""
        session = self._unpaid_session(session_id)
        if session["mode"] == "payment":
            intent = self._objects[session["payment_intent"]]
            intent.update(status="requires_payment_method", amount_received=0,
                          last_payment_error={"code": "payment_intent_payment_attempt_failed", "type": "card_error"})
            self._emit("payment_intent.payment_failed", intent)
        else:
            self._settle(self._objects[session["subscription"]], paid=False)
        return self._emit("checkout.session.async_payment_failed", session)

    def expire_checkout(self, session_id: str) -> Obj:
        """The session's 24 hours pass without the buyer paying."""
        session = self._checkout_session(session_id, status="open")
        session.update(status="expired", url=None)
        return self._emit("checkout.session.expired", session)

    def renew_subscription(self, subscription_id: str, *, paid: bool = True) -> list[Obj]:
        """A billing period ends: the subscription moves one interval on and a new invoice is
        charged. A declined charge leaves the invoice open and the subscription past_due."""
        subscription = self._subscription(subscription_id, "active", "past_due")
        before = copy.deepcopy(subscription)
        item = subscription["items"]["data"][0]
        billed = (item["current_period_start"], item["current_period_end"])
        objects.advance_period(subscription)
        customer = self._objects[subscription["customer"]]
        invoice = self._store(objects.invoice_object(subscription, customer, billing_reason="subscription_cycle",
                                                     period=billed))
        subscription["latest_invoice"] = invoice["id"]
        events = self._bill(invoice, outcome="paid" if paid else "failed")
        subscription["status"] = "active" if paid else "past_due"
        events.append(self._emit("customer.subscription.updated", subscription,
                                 previous=objects.previous_attributes(before, subscription)))
        return events

    def retry_payment(self, subscription_id: str, *, paid: bool = True) -> list[Obj]:
        """Smart Retries charges the open latest invoice again."""
        subscription = self._subscription(subscription_id, "past_due", "incomplete")
        return self._settle(subscription, paid=paid)

    def cancel_subscription(self, subscription_id: str) -> list[Obj]:
        """Cancelled now (from the portal, or after retries ran out)."""
        subscription = self._subscription(subscription_id, "active", "past_due", "incomplete", "trialing")
        at = now()
        subscription.update(status="canceled", canceled_at=at, ended_at=at)
        subscription["cancellation_details"]["reason"] = "cancellation_requested"
        return [self._emit("customer.subscription.deleted", subscription)]

    def update_account(self, account_id: str, *, charges_enabled: bool = True, payouts_enabled: bool = True,
                       details_submitted: bool | None = None) -> Obj:
        """Stripe's verdict on a connected account, recorded as account.updated."""
        account = self._get("account", account_id)
        before = copy.deepcopy(account)
        submitted = details_submitted if details_submitted is not None else charges_enabled or payouts_enabled
        objects.onboard_account(account, charges_enabled=charges_enabled, payouts_enabled=payouts_enabled,
                                details_submitted=submitted)
        return self._emit("account.updated", account, previous=objects.previous_attributes(before, account),
                          account=account_id)

    def refund(self, payment_intent_id: str, amount: int | None = None) -> list[Obj]:
        """A refund made in the Dashboard, with the effects of POST /v1/refunds: returns
        charge.refunded and refund.created. `amount` defaults to what is left to refund."""
        if amount is not None and amount < 1:
            raise ValueError(f"a refund of {amount} is not a refund")
        charge = self._charge_to_refund(self._get("payment_intent", payment_intent_id))
        return self._refund(charge, amount, call=None)[1]

    def dispute(self, payment_intent_id: str) -> Obj:
        """The buyer's bank charges the payment back as fraudulent: charge.dispute.created.
        The charge is then disputed, and Stripe refuses to refund it."""
        intent = self._get("payment_intent", payment_intent_id)
        if intent["latest_charge"] is None:
            raise ValueError(f"{payment_intent_id} has no charge to dispute")
        charge = self._objects[intent["latest_charge"]]
        if charge["disputed"] or charge["refunded"]:
            raise ValueError(f"{charge['id']} is already {'disputed' if charge['disputed'] else 'refunded'}")
        dispute = self._store(objects.dispute_object(charge))
        charge["disputed"] = True
        return self._emit("charge.dispute.created", dispute)

    def _pay(self, intent: Obj, email: str | None) -> list[Obj]:
        """The card is charged: the intent succeeds with the charge as its latest_charge."""
        charge = self._store(objects.charge_object(intent, email=email))
        intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=charge["id"])
        return [self._emit("charge.succeeded", charge), self._emit("payment_intent.succeeded", intent)]

    def _charge_to_refund(self, intent: Obj) -> Obj:
        if intent["latest_charge"] is None:
            raise Refused(400, f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                          param="payment_intent")
        return self._objects[intent["latest_charge"]]

    def _refund(self, charge: Obj, amount: int | None, *, call: Call | None, metadata: dict[str, str] | None = None,
                reason: str | None = None, reverse_transfer: bool = False) -> tuple[Obj, list[Obj]]:
        """Refund part or all of what is left of a charge; the refund and its two events."""
        if charge["refunded"]:
            raise Refused(400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
        if charge["disputed"]:
            raise Refused(400, f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                          code="charge_disputed")
        captured, currency = charge["amount_captured"], charge["currency"]
        left = captured - charge["amount_refunded"]
        amount = left if amount is None else amount
        if amount > captured:
            raise Refused(400, f"Refund amount ({_money(amount, currency)}) is greater than charge amount "
                               f"({_money(captured, currency)})", param="amount")
        if amount > left:
            raise Refused(400, f"Refund amount ({_money(amount, currency)}) is greater than unrefunded amount on "
                               f"charge ({_money(left, currency)})", param="amount")
        refund = self._store(objects.refund_object(charge, amount, metadata=metadata or {}, reason=reason,
                                                   reverse_transfer=reverse_transfer))
        before = copy.deepcopy(charge)
        objects.refund_charge(charge, amount)
        self._refunds.setdefault(charge["id"], []).insert(0, refund)
        events = [self._emit("charge.refunded", charge, previous=objects.previous_attributes(before, charge),
                             call=call),
                  self._emit("refund.created", refund, call=call)]
        return refund, events

    def _start_subscription(self, session: Obj, checkout: Checkout, settled: bool) -> list[Obj]:
        events = []
        if session["customer"] is None:
            customer = self._store(objects.customer_object({"email": session["customer_details"]["email"]}))
            session["customer"] = customer["id"]
            events.append(self._emit("customer.created", customer))
        customer = self._objects[session["customer"]]
        subscription = self._store(objects.subscription_object(
            customer=customer["id"], items=[(item["price"], item["quantity"]) for item in checkout.items],
            metadata=checkout.subscription_data.get("metadata", {}), status="active" if settled else "incomplete"))
        invoice = self._store(objects.invoice_object(subscription, customer, billing_reason="subscription_create",
                                                     period=(subscription["created"], subscription["created"])))
        subscription["latest_invoice"] = session["invoice"] = invoice["id"]
        session["subscription"] = subscription["id"]
        events.append(self._emit("customer.subscription.created", subscription))
        return events + self._bill(invoice, outcome="paid" if settled else "pending")

    def _bill(self, invoice: Obj, *, outcome: str) -> list[Obj]:
        """Invoice events from draft to `outcome`: paid, failed, or pending (a bank debit)."""
        events = [self._emit("invoice.created", invoice)]
        objects.finalize_invoice(invoice)
        events.append(self._emit("invoice.finalized", invoice))
        return events + self._charge(invoice, outcome)

    def _charge(self, invoice: Obj, outcome: str) -> list[Obj]:
        if outcome == "paid":
            objects.pay_invoice(invoice)
            return [self._emit("invoice.paid", invoice), self._emit("invoice.payment_succeeded", invoice)]
        if outcome == "failed":
            objects.fail_invoice_payment(invoice)
            return [self._emit("invoice.payment_failed", invoice)]
        return []

    def _settle(self, subscription: Obj, *, paid: bool) -> list[Obj]:
        """Charge the open latest invoice; paid makes the subscription active."""
        invoice = self._objects[subscription["latest_invoice"]]
        if invoice["status"] != "open":
            raise ValueError(f"{invoice['id']} is {invoice['status']}, not open")
        events = self._charge(invoice, "paid" if paid else "failed")
        if paid:
            before = copy.deepcopy(subscription)
            subscription["status"] = "active"
            events.append(self._emit("customer.subscription.updated", subscription,
                                     previous=objects.previous_attributes(before, subscription)))
        return events

    def _checkout_session(self, session_id: str, *, status: str) -> Obj:
        session = self._get("checkout.session", session_id)
        if session["status"] != status:
            raise ValueError(f"{session_id} is {session['status']}, not {status}")
        return session

    def _unpaid_session(self, session_id: str) -> Obj:
        session = self._checkout_session(session_id, status="complete")
        if session["payment_status"] != "unpaid":
            raise ValueError(f"{session_id} has no pending payment")
        return session

    def _subscription(self, subscription_id: str, *statuses: str) -> Obj:
        subscription = self._get("subscription", subscription_id)
        if subscription["status"] not in statuses:
            raise ValueError(f"{subscription_id} is {subscription['status']}")
        return subscription

    def _customer_email(self, customer_id: str | None) -> str | None:
        return self._objects[customer_id]["email"] if customer_id else None

    # --- webhooks --------------------------------------------------------------------------

    def signed(self, event: Obj, *, secret: str | None = None, timestamp: int | None = None) -> tuple[bytes, str]:
        """The body Stripe would POST and its Stripe-Signature header: t=<unix seconds>,
        v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the whole whsec_ secret>."""
        payload = json.dumps(event, indent=2).encode()  # Stripe sends pretty-printed JSON
        timestamp = now() if timestamp is None else timestamp
        key = (secret or self.webhook_secret).encode()
        signature = hmac.new(key, f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
        return payload, f"t={timestamp},v1={signature}"

    async def deliver(self, event: Obj, url: str, *, host: str | None = None) -> int:
        """POST the event, signed, to a webhook endpoint; returns the HTTP status (0 when the
        endpoint could not be reached). A 2xx marks it delivered (pending_webhooks 0), which
        GET /v1/events?delivery_success=... reflects."""
        stored = self._get("event", event["id"])
        payload, signature = self.signed(stored)
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": WEBHOOK_USER_AGENT,
                   "Stripe-Signature": signature}
        if host is not None:
            headers["Host"] = host
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT)) as session, \
                    session.post(url, data=payload, headers=headers) as response:
                status = response.status
        except (TimeoutError, aiohttp.ClientError):
            status = 0
        if 200 <= status < 300:
            stored["pending_webhooks"] = 0
        return status

    def _emit(self, type: str, obj: Obj, *, previous: Obj | None = None, call: Call | None = None,
              account: str | None = None) -> Obj:
        # Events caused by an API request name it; those Stripe caused itself do not.
        request_id, key = (call.request_id, call.idempotency_key) if call else (None, None)
        event = objects.event_object(type, obj, previous=previous, request_id=request_id, idempotency_key=key,
                                     account=account)
        self.events.append(self._store(event))
        return event

    # --- the HTTP side ----------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        params = decode_form((await request.post()) if request.method == "POST" else request.query)
        headers = {name.lower(): value for name, value in request.headers.items()}
        self.requests.append(Recorded(request.method, request.path, params, headers))
        request_id = new_id("req_", 14)
        reply_headers = {"Request-Id": request_id, "Stripe-Version": headers.get("stripe-version", objects.API_VERSION)}
        key = headers.get("idempotency-key") if request.method == "POST" else None
        if key is not None:
            reply_headers["Idempotency-Key"] = key
        try:
            route, path_id = self._match(request.method, request.path)
            self._check_key(headers.get("authorization", ""))
            self._check_account(headers.get("stripe-account"))
            if self._failures:
                return _failure(*self._failures.popleft(), reply_headers)
            scope = (headers.get("stripe-account"), key)
            if key is not None and (saved := self._replay(scope, f"{request.method} {request.path}", params)):
                return _json(saved.body, 200, {**reply_headers, "Idempotent-Replayed": "true",
                                                "Original-Request": saved.request_id})
            _check_known(params, route.schema)
            call = Call(params, path_id, request_id, key)
            body = json.dumps(self._expanded(self._handle(route, call), params.get("expand"))).encode()
        except Refused as refused:
            return _error(refused, reply_headers)
        if key is not None:
            self._saved[scope] = Saved(f"{request.method} {request.path}", params, body, request_id)
        if self._drops:
            self._drops -= 1
            request.transport.close()  # the object exists, the client never hears of it
        return _json(body, 200, reply_headers)

    def _handle(self, route: Route, call: Call) -> Obj:
        verb, _, kind = route.handler.partition(" ")
        return self._get(kind, call.path_id) if verb == "retrieve" else getattr(self, verb)(call)

    def _match(self, method: str, path: str) -> tuple[Route, str]:
        for route in ROUTES:
            match = route.pattern.match(path)
            if match and route.method == method:
                return route, match.groupdict().get("id", "")
        raise Refused(404, f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we "
                           "can help at https://support.stripe.com/.")

    def _check_key(self, authorization: str) -> None:
        scheme, _, key = authorization.partition(" ")
        if scheme != "Bearer" or not key:
            raise Refused(401, "You did not provide an API key. You need to provide your API key in the "
                               "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                               "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or "
                               "we can help at https://support.stripe.com/.")
        if key != self.api_key:
            raise Refused(401, f"Invalid API Key provided: {mask_key(key)}")

    def _check_account(self, account: str | None) -> None:
        if account is not None and self._objects.get(account, {}).get("object") != "account":
            raise Refused(403, f"The provided key '{mask_key(self.api_key)}' does not have access to account "
                               f"'{account}' (or that account does not exist). Application access may have been "
                               "revoked.", code="account_invalid")

    def _replay(self, scope: tuple[str | None, str], endpoint: str, params: Obj) -> Saved | None:
        saved = self._saved.get(scope)
        if saved is None:
            return None
        if saved.endpoint != endpoint:
            raise Refused(400, f"Keys for idempotent requests can only be used for the same endpoint they were "
                               f"first used for ('{saved.endpoint}' vs '{endpoint}'). Try using a key other than "
                               f"'{scope[1]}' if you meant to execute a different request.", type="idempotency_error")
        if saved.params != params:
            raise Refused(400, "Keys for idempotent requests can only be used with the same parameters they were "
                               f"first used with. Try using a key other than '{scope[1]}' if you meant to execute a "
                               "different request.", type="idempotency_error")
        return saved

    def _store(self, obj: Obj) -> Obj:
        self._objects[obj["id"]] = obj
        return obj

    def _get(self, kind: str, object_id: Any, *, param: str = "id", status: int = 404) -> Obj:
        """The stored object; a missing one is 404 when named in the path, 400 in a parameter."""
        obj = self._objects.get(object_id) if isinstance(object_id, str) else None
        if obj is None or obj["object"] != kind:
            raise Refused(status, f"No such {kind}: '{object_id}'", param=param, code="resource_missing")
        return obj

    def _expanded(self, obj: Obj, expand: Any) -> Obj:
        """A copy with `expand` paths (like "subscription" or "subscription.latest_invoice")
        replaced by the objects their ids name."""
        body = copy.deepcopy(obj)
        for path in expand if isinstance(expand, list) else [expand] if expand else []:
            self._expand(body, path.split("."), path)
        return body

    def _expand(self, node: Obj, names: list[str], path: str) -> None:
        name = names[0]
        if name == "line_items" and node.get("object") == "checkout.session":
            items = self._checkouts[node["id"]].items
            node[name] = list_object(items, f"/v1/checkout/sessions/{node['id']}/line_items")
        elif name == "refunds" and node.get("object") == "charge":
            refunds = self._refunds.get(node["id"], [])
            node[name] = list_object(refunds, f"/v1/charges/{node['id']}/refunds")
        elif name == "id" or name not in node:
            raise Refused(400, f"This property cannot be expanded ({path}).", param="expand")
        elif isinstance(node[name], str) and node[name] in self._objects:
            node[name] = copy.deepcopy(self._objects[node[name]])
        if len(names) > 1 and isinstance(node[name], dict):
            self._expand(node[name], names[1:], path)

    # --- endpoints ---------------------------------------------------------------------------

    def _create_checkout_session(self, call: Call) -> Obj:
        params = call.params
        mode = _one_of(params, "mode", ("payment", "subscription", "setup"))
        if mode == "setup":
            raise Refused(400, "The fake Stripe does not model mode=setup.", param="mode")
        # Stripe has since made cancel_url optional; the fake requires it so the platform always sends one.
        _required(params, "success_url")
        _required(params, "cancel_url")
        if "customer" in params and "customer_email" in params:
            raise Refused(400, "You may only specify one of these parameters: customer, customer_email.",
                          param="customer_email")
        customer = self._get("customer", params["customer"], param="customer", status=400) \
            if "customer" in params else None
        lines = params.get("line_items")
        if not isinstance(lines, list) or not lines:
            raise Refused(400, f"`line_items` is required in `{mode}` mode.", param="line_items")
        items = [self._checkout_item(line, f"line_items[{index}]") for index, line in enumerate(lines)]
        _check_mode(mode, params, items)
        intent_data = params.get("payment_intent_data", {})
        self._check_destination(intent_data, sum(item["amount_subtotal"] for item in items))
        for where, metadata in (("metadata", params.get("metadata")),
                                ("payment_intent_data[metadata]", intent_data.get("metadata")),
                                ("subscription_data[metadata]", params.get("subscription_data", {}).get("metadata"))):
            _check_metadata(metadata, where)
        session = self._store(objects.checkout_session_object(
            params, items, customer=customer["id"] if customer else None))
        self._checkouts[session["id"]] = Checkout(items, intent_data, params.get("subscription_data", {}))
        return session

    def _checkout_item(self, line: Any, where: str) -> Obj:
        if not isinstance(line, dict):
            raise Refused(400, f"Invalid object: {where} must be a hash.", param=where)
        if "quantity" not in line:
            raise Refused(400, f"Quantity is required. Add `quantity` to `{where}`.", param=f"{where}[quantity]")
        quantity = _integer(line["quantity"], f"{where}[quantity]", low=1)
        if ("price" in line) == ("price_data" in line):
            raise Refused(400, f"You must specify exactly one of `price` or `price_data` in `{where}`.", param=where)
        if "price" in line:
            price = self._get("price", line["price"], param=f"{where}[price]", status=400)
        else:
            price = self._inline_price(line["price_data"], f"{where}[price_data]")
        product = self._objects.get(price["product"], {})
        return objects.checkout_item_object(price, quantity, product.get("name", "Item"))

    def _inline_price(self, data: Any, where: str) -> Obj:
        """price_data: Checkout creates the price (and product, from product_data) on the fly."""
        if not isinstance(data, dict):
            raise Refused(400, f"Invalid object: {where} must be a hash.", param=where)
        currency = _required(data, "currency", where)
        amount = _integer(_required(data, "unit_amount", where), f"{where}[unit_amount]", low=0)
        if "product" in data:
            product = self._get("product", data["product"], param=f"{where}[product]", status=400)
        else:
            name = _required(data.get("product_data", {}), "name", f"{where}[product_data]")
            product = self._store(objects.product_object(name))
        recurring = data.get("recurring")
        if recurring is not None:
            _one_of(recurring, "interval", ("day", "week", "month", "year"), f"{where}[recurring]")
        return self._store(objects.price_object(unit_amount=amount, currency=currency.lower(),
                                                product=product["id"], recurring=recurring))

    def _check_destination(self, intent_data: Obj, amount: int) -> None:
        """Destination charges: the fee needs a destination, which must be able to take transfers."""
        destination = intent_data.get("transfer_data", {}).get("destination")
        fee = intent_data.get("application_fee_amount")
        if fee is not None:
            where = "payment_intent_data[application_fee_amount]"
            if destination is None:
                raise Refused(400, "Can only apply an application_fee_amount when the PaymentIntent is attempting a "
                                   "direct payment (using an OAuth key or Stripe-Account header) or destination "
                                   "payment (using `transfer_data[destination]`).", param=where)
            if _integer(fee, where, low=0) > amount:
                raise Refused(400, "The application fee amount cannot be greater than the total amount.", param=where)
        if destination is not None:
            where = "payment_intent_data[transfer_data][destination]"
            account = self._get("account", destination, param=where, status=400)
            if account["capabilities"].get("transfers") != "active":
                raise Refused(400, "Your destination account needs to have at least one of the following "
                                   "capabilities enabled: transfers, crypto_transfers, legacy_payments", param=where,
                              code="insufficient_capabilities_for_transfer")

    def _list_line_items(self, call: Call) -> Obj:
        self._get("checkout.session", call.path_id)
        items = self._checkouts[call.path_id].items
        page, has_more = _page(items, call.params, "item")
        return list_object(page, f"/v1/checkout/sessions/{call.path_id}/line_items", has_more=has_more)

    def _create_portal_session(self, call: Call) -> Obj:
        customer = self._get("customer", _required(call.params, "customer"), param="customer", status=400)
        return self._store(objects.billing_portal_session_object(customer["id"], call.params.get("return_url")))

    def _create_customer(self, call: Call) -> Obj:
        _check_metadata(call.params.get("metadata"), "metadata")
        customer = self._store(objects.customer_object(call.params))
        self._emit("customer.created", customer, call=call)
        return customer

    def _create_refund(self, call: Call) -> Obj:
        params = call.params
        if "charge" in params and "payment_intent" in params:
            raise Refused(400, "You may only specify one of these parameters: charge, payment_intent.",
                          param="payment_intent")
        if "payment_intent" in params:
            intent = self._get("payment_intent", params["payment_intent"], param="payment_intent", status=400)
            charge = self._charge_to_refund(intent)
        else:
            charge = self._get("charge", _required(params, "charge"), param="charge", status=400)
        for name in ("currency", "customer", "instructions_email", "origin"):  # refunds to a customer balance
            if name in params:
                raise Refused(400, f"The fake Stripe does not model refunds with `{name}`.", param=name)
        _check_metadata(params.get("metadata"), "metadata")
        amount = _integer(params["amount"], "amount", low=1) if "amount" in params else None
        reason = _one_of(params, "reason", REFUND_REASONS) if "reason" in params else None
        # The fake keeps no application fee objects: refund_application_fee is checked, and only
        # visible in `requests`.
        _boolean(params.get("refund_application_fee", "false"), "refund_application_fee")
        reverse_transfer = _boolean(params.get("reverse_transfer", "false"), "reverse_transfer")
        refund, _ = self._refund(charge, amount, call=call, metadata=params.get("metadata"), reason=reason,
                                 reverse_transfer=reverse_transfer)
        return refund

    def _list_events(self, call: Call) -> Obj:
        """Newest first, filtered like Stripe: type (with * wildcards), types, created, and
        delivery_success (false: some webhook endpoint has not had it yet)."""
        matching = [event for event in reversed(self.events) if _event_matches(event, call.params)]
        page, has_more = _page(matching, call.params, "event", order=[event["id"] for event in reversed(self.events)])
        return list_object(page, "/v1/events", has_more=has_more)

    def _create_account(self, call: Call) -> Obj:
        kind = _one_of(call.params, "type", ("custom", "express", "standard"))
        if kind != "express":
            raise Refused(400, "The fake Stripe models Express accounts only.", param="type")
        _check_metadata(call.params.get("metadata"), "metadata")
        return self._store(objects.account_object(call.params))

    def _create_account_link(self, call: Call) -> Obj:
        params = call.params
        account = self._get("account", _required(params, "account"), param="account", status=400)
        kind = _one_of(params, "type", ("account_onboarding", "account_update"))
        _required(params, "refresh_url")
        _required(params, "return_url")
        if kind == "account_update" and account["type"] == "express":
            raise Refused(400, "You cannot create `account_update` type Account Links for accounts that have access "
                               "to a Stripe-hosted Dashboard.", param="type")
        return objects.account_link_object(account["id"])

    def _create_login_link(self, call: Call) -> Obj:
        account = self._get("account", call.path_id, param="account")
        return objects.login_link_object(account["id"])


# --- wire format -----------------------------------------------------------------------------

BRACKETS = re.compile(r"\[([^\]]*)\]")


def decode_form(pairs: MultiMapping[str]) -> Obj:
    """Stripe's bracket notation into nested values: a[b][0][c]=1 -> {"a": {"b": [{"c": "1"}]}};
    `a[]` appends. Values stay strings, as Stripe receives them."""
    root: Obj = {}
    for key, value in pairs.items():
        name, bracket, rest = key.partition("[")
        parts = [name, *BRACKETS.findall(bracket + rest)]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part or str(len(node)), {})
            if not isinstance(node, dict):
                raise Refused(400, f"Invalid hash: {key} mixes a value and nested parameters.", param=name)
        node[parts[-1] or str(len(node))] = value
    return _with_lists(root)


def _with_lists(node: Any, name: str = "") -> Any:
    """Hashes keyed 0..n-1 are arrays, except metadata, whose keys are the caller's own."""
    if not isinstance(node, dict):
        return node
    converted = {key: _with_lists(value, key) for key, value in node.items()}
    if name != "metadata" and converted and set(converted) == {str(index) for index in range(len(converted))}:
        return [converted[str(index)] for index in range(len(converted))]
    return converted


def _check_known(params: Obj, schema: type | None, prefix: str = "") -> None:
    """Stripe refuses parameters it does not know. Which it knows is read from the official
    client's TypedDicts, generated from Stripe's OpenAPI spec for the same API version."""
    if schema is None:
        return
    fields = {name: hint for name, hint in schema.__annotations__.items() if name not in REQUEST_OPTIONS}
    for name, value in params.items():
        where = f"{prefix}[{name}]" if prefix else name
        if name not in fields:
            raise Refused(400, f"Received unknown parameter: {where}", param=where, code="parameter_unknown")
        nested = _nested_schema(fields[name], sys.modules[schema.__module__])
        for index, item in enumerate(value) if isinstance(value, list) else [(None, value)]:
            if isinstance(item, dict):
                _check_known(item, nested, where if index is None else f"{where}[{index}]")


def _nested_schema(hint: Any, module: Any) -> type | None:
    """The TypedDict inside a hint such as NotRequired[List["SessionCreateParamsLineItem"]]."""
    if isinstance(hint, typing.ForwardRef):
        names = hint.__forward_arg__.split("|")
        hint = next((getattr(module, name.strip()) for name in names if hasattr(module, name.strip())), None)
    if is_typeddict(hint):
        return hint
    return next((found for arg in typing.get_args(hint) if (found := _nested_schema(arg, module))), None)


def _required(params: Obj, name: str, prefix: str = "") -> Any:
    where = f"{prefix}[{name}]" if prefix else name
    value = params.get(name) if isinstance(params, dict) else None
    if value in (None, ""):
        raise Refused(400, f"Missing required param: {where}.", param=where, code="parameter_missing")
    return value


def _one_of(params: Obj, name: str, allowed: tuple[str, ...], prefix: str = "") -> str:
    value = _required(params, name, prefix)
    if value not in allowed:
        where = f"{prefix}[{name}]" if prefix else name
        choices = ", ".join(allowed[:-1]) + f", or {allowed[-1]}"
        raise Refused(400, f"Invalid {where}: must be one of {choices}", param=where, code="parameter_invalid_string")
    return value


def _integer(value: Any, where: str, *, low: int | None = None, high: int | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Refused(400, f"Invalid integer: {value}", param=where, code="parameter_invalid_integer") from None
    if low is not None and number < low:
        raise Refused(400, f"This value must be greater than or equal to {low}.", param=where)
    if high is not None and number > high:
        raise Refused(400, f"This value must be less than or equal to {high}.", param=where)
    return number


def _boolean(value: Any, where: str) -> bool:
    if value not in ("true", "false"):
        raise Refused(400, f"Invalid boolean: {value}", param=where, code="parameter_invalid_boolean")
    return value == "true"


def _money(amount: int, currency: str) -> str:
    """An amount as Stripe's messages show it: $12.50 (two-decimal currencies only)."""
    sign = CURRENCY_SIGNS.get(currency)
    return f"{sign}{amount / 100:.2f}" if sign else f"{amount / 100:.2f} {currency.upper()}"


def _check_metadata(metadata: Any, where: str) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise Refused(400, f"Invalid object: {where} must be a hash of keys and values.", param=where)
    if len(metadata) > 50:
        raise Refused(400, f"Metadata can have up to 50 keys, but you passed in {len(metadata)} keys.", param=where)
    for key, value in metadata.items():
        if len(key) > 40 or not isinstance(value, str) or len(value) > 500:
            raise Refused(400, f"Metadata keys can be up to 40 characters and values up to 500 characters; "
                               f"{where}[{key}] is too long.", param=f"{where}[{key}]")


def _check_mode(mode: str, params: Obj, items: list[Obj]) -> None:
    recurring = [item for item in items if item["price"]["recurring"]]
    if mode == "payment" and recurring:
        raise Refused(400, "You specified `payment` mode but passed a recurring price. Either switch to "
                           "`subscription` mode or use only one-time prices.", param="line_items")
    if mode == "subscription" and not recurring:
        raise Refused(400, "You must provide at least one recurring price in `subscription` mode when using prices.",
                      param="line_items")
    wrong = "subscription_data" if mode == "payment" else "payment_intent_data"
    if wrong in params:
        raise Refused(400, f"You can not pass `{wrong}` in `{mode}` mode.", param=wrong)


def _event_matches(event: Obj, params: Obj) -> bool:
    if "type" in params and not fnmatch.fnmatchcase(event["type"], params["type"]):
        return False
    if "types" in params and event["type"] not in params["types"]:
        return False
    if "delivery_success" in params:
        delivered = event["pending_webhooks"] == 0
        if delivered != (params["delivery_success"] == "true"):
            return False
    return _created_matches(event["created"], params.get("created"))


def _created_matches(created: int, condition: Any) -> bool:
    if condition is None:
        return True
    if not isinstance(condition, dict):
        return created == _integer(condition, "created")
    tests = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}
    return all(tests[op](created, _integer(bound, f"created[{op}]")) for op, bound in condition.items()
               if op in tests)


def _page(items: list[Obj], params: Obj, kind: str, *, order: list[str] | None = None) -> tuple[list[Obj], bool]:
    """One page of a list endpoint: `limit` items after `starting_after` or before
    `ending_before`. `order` is every id in list order, cursors need not match filters."""
    limit = _integer(params.get("limit", 10), "limit", low=1, high=100)
    position = {object_id: index for index, object_id in enumerate(order or [item["id"] for item in items])}
    for cursor in ("starting_after", "ending_before"):
        if cursor in params and params[cursor] not in position:
            raise Refused(400, f"No such {kind}: '{params[cursor]}'", param=cursor, code="resource_missing")
    if "ending_before" in params:  # the `limit` items just before the cursor, still in list order
        items = [item for item in items if position[item["id"]] < position[params["ending_before"]]]
        return items[-limit:], len(items) > limit
    if "starting_after" in params:
        items = [item for item in items if position[item["id"]] > position[params["starting_after"]]]
    return items[:limit], len(items) > limit


def mask_key(key: str) -> str:
    """Stripe shows a wrong key's type prefix and last four characters: sk_test_****1234."""
    prefix = key[:key.rfind("_") + 1] if key.startswith(("sk_", "rk_", "pk_")) else ""
    return f"{prefix}{'*' * max(len(key) - len(prefix) - 4, 0)}{key[-4:]}"


def _json(body: bytes, status: int, headers: dict[str, str]) -> web.Response:
    return web.Response(body=body, status=status, content_type="application/json", headers=headers)


def _error(refused: Refused, headers: dict[str, str]) -> web.Response:
    error: Obj = {"message": refused.message, "type": refused.type}
    if refused.code is not None:
        error.update(code=refused.code, doc_url=f"https://stripe.com/docs/error-codes/{refused.code.replace('_', '-')}")
    if refused.param is not None:
        error["param"] = refused.param
    return _json(json.dumps({"error": error}).encode(), refused.status, headers)


def _failure(status: int, should_retry: bool | None, headers: dict[str, str]) -> web.Response:
    """An injected failure in Stripe's shape. Stripe reports rate limiting as
    invalid_request_error/rate_limit with 429; the client maps it by status to RateLimitError."""
    if status == 429:
        refused = Refused(429, "Request rate limit exceeded. Learn more about rate limits here "
                               "https://stripe.com/docs/rate-limits.", code="rate_limit")
    else:
        refused = Refused(status, "Sorry, something went wrong. We've already been notified of the problem, but if "
                                  "you need any help, you can reach us at support.stripe.com/contact.",
                          type="api_error")
    if should_retry is not None:
        headers = {**headers, "Stripe-Should-Retry": str(should_retry).lower()}
    return _error(refused, headers)
