import pytest

from services.identity.domain import Passwords, check_email, check_name, check_slug
from shared.errors import Invalid


@pytest.mark.parametrize("slug", ["nike", "agency-a", "a1b", "x" * 63])
def test_dns_label_slugs_are_accepted(slug: str) -> None:
    assert check_slug(slug) == slug


@pytest.mark.parametrize("slug", ["ab", "x" * 64, "-nike", "nike-", "Nike", "ni_ke", "a--b", "www", "api", "admin",
                                  # the platform's apps, names clients look up and send credentials to, mail
                                  # and DNS infrastructure, and names that pass for the platform's own pages
                                  "studio", "autodiscover", "wpad", "mta-sts", "postmaster", "ns1", "localhost",
                                  "security", "abuse", "sso", "checkout", "webmail"])
def test_bad_or_reserved_slugs_are_refused(slug: str) -> None:
    with pytest.raises(Invalid):
        check_slug(slug)


def test_email_shape() -> None:
    assert check_email(" a@b.example ") == "a@b.example"
    with pytest.raises(Invalid):
        check_email("not-an-email")


def test_password_hash_round_trip_is_argon2id() -> None:
    passwords = Passwords(time_cost=1, memory_kib=8192)
    stored = passwords.hash("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert passwords.matches("correct horse battery", stored)
    assert not passwords.matches("wrong horse battery", stored)
    assert not passwords.matches("anything", "garbage")
    assert not passwords.matches("anything", None)  # unknown account: decoy work, never a match
    assert passwords.hash("same") != passwords.hash("same")  # salted
    assert Passwords(time_cost=2, memory_kib=8192).needs_rehash(stored)


# A newline, a Cyrillic i, full-width letters, a space.
@pytest.mark.parametrize("slug", ["nike\n", "n\u0456ke", "\uff4e\uff49\uff4b\uff45", "ni ke"])
def test_look_alike_and_sneaky_slugs_are_refused(slug: str) -> None:
    with pytest.raises(Invalid):
        check_slug(slug)


def test_names_are_tidied_and_must_be_visible() -> None:
    assert check_name("  Acme   Studio ") == "Acme Studio"
    with pytest.raises(Invalid):
        check_name("\u200b\x00")
