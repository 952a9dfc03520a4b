"""One form of an e-mail address (services/identity/domain.py, normal_email): what is stored,
looked up and throttled by. Two spellings are one address exactly when their normal forms
are equal, so the log-in throttle's key and the account a log-in matches cannot disagree;
and every mail identity sends spends one allowance first (accounts.queue_mail).

Each rule is tested from both sides: spellings of one address meet, spellings of two stay
apart, so a normaliser that merged everything (or nothing) fails."""

from __future__ import annotations

import ast
import string
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar import Litestar, get
from litestar.testing import TestClient

from services.identity import repo
from services.identity.accounts import TooManyAttempts, login_keys
from services.identity.domain import check_email, normal_email
from shared.errors import EXCEPTION_HANDLERS, Invalid

IDENTITY = Path(__file__).resolve().parents[3] / "services" / "identity"

# Each group: spellings of one address, the first in its normal form.
SAME_ADDRESS = {
    "mixed case": ["view@probe.example", "VIEW@probe.example", "ViEw@PrObE.ExAmPlE", "view@PROBE.EXAMPLE"],
    "white space around": ["view@probe.example", "  view@probe.example", "view@probe.example \t\n",
                           "\u3000View@probe.example\u00a0"],
    "fullwidth letters": ["view@probe.example", "\uff56\uff49\uff45\uff57@probe.example",
                          "\uff36\uff29\uff25\uff37\uff20\uff50\uff52\uff4f\uff42\uff45\uff0e\uff45\uff58\uff41"
                          "\uff4d\uff50\uff4c\uff45"],
    "Kelvin sign": ["kate@probe.example", "\u212aate@probe.example", "\u212aATE@probe.example", "Kate@probe.example"],
    "dotted capital I": ["vi\u0307ew@probe.example", "V\u0130EW@probe.example", "v\u0130ew@probe.example",
                         "VI\u0307EW@probe.example"],
    "sharp s": ["stra\u00dfe@probe.example", "STRA\u00dfE@probe.example", "Stra\u00dfe@Probe.Example",
                "STRA\u1e9eE@probe.example"],  # U+1E9E, the capital sharp s, lower-cases to U+00DF
    "final sigma": ["\u03c3\u03bf\u03c6\u03b9\u03b1\u03c2@probe.example", "\u03a3\u039f\u03a6\u0399\u0391\u03a3"
                    "@probe.example"],
}
# Pairs that look alike, or fold alike, but are two mailboxes: never one account, one throttle.
OTHER_ADDRESS = [
    ("view@probe.example", "V\u0130EW@probe.example"),  # U+0130 lower-cases to i + U+0307, not to i
    ("strasse@probe.example", "STRA\u00dfE@probe.example"),  # not case-folded: straße.example is another domain
    ("view@probe.example", "vi\u0435w@probe.example"),  # Cyrillic e: another address, as it is to a mail server
    ("view@probe.example", "view@probe.example."),
    ("view@probe.example", "v iew@probe.example"),
]


@pytest.mark.parametrize("group", SAME_ADDRESS, ids=str)
def test_spellings_of_one_address_have_one_normal_form(group: str) -> None:
    normal, *spellings = SAME_ADDRESS[group]
    assert normal_email(normal) == normal
    for spelling in spellings:
        assert normal_email(spelling) == normal, ascii(spelling)


def test_the_groups_stay_apart() -> None:
    """The allowed twin of the above: a normaliser that merged every address would pass it."""
    forms = {group: normal_email(spellings[0]) for group, spellings in SAME_ADDRESS.items()}
    assert len(set(forms.values()) - {"view@probe.example"}) == len(forms) - 3  # case, space, fullwidth are view@


@pytest.mark.parametrize(("one", "other"), OTHER_ADDRESS, ids=ascii)
def test_addresses_that_only_look_alike_stay_two(one: str, other: str) -> None:
    assert normal_email(one) != normal_email(other)
    assert login_keys(one, "client")[0] != login_keys(other, "client")[0]


@pytest.mark.parametrize("group", SAME_ADDRESS, ids=str)
def test_the_log_in_throttle_key_is_the_normal_form_the_account_is_stored_in(group: str) -> None:
    normal = SAME_ADDRESS[group][0]
    for spelling in SAME_ADDRESS[group]:
        assert login_keys(spelling, "203.0.113.9") == [f"email:{normal}", "ip:203.0.113.9"]


def test_the_normal_form_is_a_fixed_point_for_every_code_point() -> None:
    """Idempotent, alone and between letters (where final sigma and combining marks act): a
    stored address looked up again is found, whatever it contains."""
    for code_point in range(sys.maxunicode + 1):
        if 0xD800 <= code_point <= 0xDFFF:
            continue
        for text in (chr(code_point), f"a{chr(code_point)}\u03a3@x.example", f"\u03a3{chr(code_point)}"):
            once = normal_email(text)
            assert normal_email(once) == once, hex(code_point)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_text_normalises_to_a_fixed_point(raw: str) -> None:
    once = normal_email(raw)
    assert normal_email(once) == once and once == once.strip()
    assert unicodedata.is_normalized("NFKC", once)


@given(st.text(alphabet=string.ascii_letters + "@.\uff20\uff0e\u212a\u0130\u00df \u3000", max_size=30))
def test_an_accepted_address_is_in_its_normal_form_and_has_one_at(raw: str) -> None:
    try:
        email = check_email(raw)
    except Invalid:
        return
    assert email == normal_email(raw) == normal_email(email) and email.count("@") == 1


@pytest.mark.parametrize(("raw", "accepted"), [
    ("\uff56\uff49\uff45\uff57\uff20probe.example", "view@probe.example"),  # fullwidth at: a real @ once normal
    ("a\uff20b@probe.example", None),  # ... so this one has two
    (" View@Probe.Example ", "view@probe.example"),
    ("a@" + "b" * 243 + ".example", "a@" + "b" * 243 + ".example"),  # 254 characters: the most there may be
    ("a@" + "\ufdfa" * 14 + ".example", None),  # 24 characters typed, 262 once NFKC spells U+FDFA out
    ("not-an-address", None),
])
def test_an_address_is_checked_in_its_normal_form(raw: str, accepted: str | None) -> None:
    if accepted is None:
        with pytest.raises(Invalid):
            check_email(raw)
    else:
        assert check_email(raw) == accepted


# The rule's places in the code, read from the sources so a new query or mail is held to it.

def repository_sql() -> dict[str, str]:
    return {name: value for name, value in vars(repo).items() if name.isupper() and isinstance(value, str)}


def test_the_repository_compares_emails_exactly() -> None:
    """No lower() on either side: PostgreSQL's lower-casing and Python's are not the same rule."""
    compares_email = [name for name, sql in repository_sql().items() if "email = $" in sql]
    assert compares_email == ["SELECT_ACCOUNT_BY_EMAIL"]
    assert [name for name, sql in repository_sql().items() if "lower(" in sql.lower()] == []


def functions_taking_an_email(source: str) -> dict[str, bool]:
    """Each function with an `email` parameter, and whether it passes it to normal_email."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and "email" in [a.arg for a in node.args.args]:
            found[node.name] = any(
                isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "normal_email"
                and [ast.unparse(a) for a in call.args] == ["email"] for call in ast.walk(node))
    return found


def test_every_repository_function_normalises_the_email_it_is_given() -> None:
    taking = functions_taking_an_email((IDENTITY / "repo.py").read_text())
    assert set(taking) == {"account_by_email", "insert_account", "insert_signup", "insert_invitation"}
    assert all(taking.values()), taking


def test_the_email_scan_sees_a_function_that_does_not_normalise() -> None:
    source = "async def f(tx, email):\n    return email\nasync def g(tx, email):\n    return normal_email(email)\n"
    assert functions_taking_an_email(source) == {"f": False, "g": True}


def mail_queued_outside_the_allowance(source: str, module: str) -> list[str]:
    """Calls of repo.queue_mail anywhere but in accounts.queue_mail, which spends the allowance."""
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.AsyncFunctionDef | ast.FunctionDef):
            continue
        for call in ast.walk(function):
            if isinstance(call, ast.Call) and ast.unparse(call.func) == "repo.queue_mail" \
                    and (module, function.name) != ("accounts", "queue_mail"):
                found.append(f"{module}.{function.name}")
    return found


@pytest.mark.parametrize("path", sorted(IDENTITY.glob("*.py")), ids=lambda p: p.name)
def test_every_mail_is_queued_through_its_allowance(path: Path) -> None:
    assert mail_queued_outside_the_allowance(path.read_text(), path.stem) == []


def test_the_mail_scan_sees_a_mail_that_skips_the_allowance() -> None:
    source = "async def invite(ctx, tx):\n    await repo.queue_mail(tx, 'a@b.example', 's', 'b', None)\n"
    assert mail_queued_outside_the_allowance(source, "members") == ["members.invite"]
    assert mail_queued_outside_the_allowance(source.replace("invite", "queue_mail"), "accounts") == []


@get("/invitations", sync_to_thread=False)
def over_the_allowance() -> None:
    raise TooManyAttempts("this site has sent 50 mails in the last hour; try again in 42 s", retry_after=42)


def test_over_an_allowance_is_a_429_problem_with_retry_after() -> None:
    with TestClient(Litestar([over_the_allowance], exception_handlers=EXCEPTION_HANDLERS)) as client:
        answer = client.get("/invitations")
    assert answer.status_code == 429
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["retry-after"] == "42"
    problem = answer.json()
    assert problem["status"] == 429 and problem["type"].endswith("/rate-limited") and "42 s" in problem["detail"]
