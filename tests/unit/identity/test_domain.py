import pytest

from services.identity.domain import check_email, check_slug, hash_password, password_matches
from shared.errors import Invalid


@pytest.mark.parametrize("slug", ["nike", "agency-a", "a1b", "x" * 63])
def test_dns_label_slugs_are_accepted(slug: str) -> None:
    assert check_slug(slug) == slug


@pytest.mark.parametrize("slug", ["ab", "x" * 64, "-nike", "nike-", "Nike", "ni_ke", "a--b", "www", "api", "admin"])
def test_bad_or_reserved_slugs_are_refused(slug: str) -> None:
    with pytest.raises(Invalid):
        check_slug(slug)


def test_email_shape() -> None:
    assert check_email(" a@b.example ") == "a@b.example"
    with pytest.raises(Invalid):
        check_email("not-an-email")


def test_password_hash_round_trip() -> None:
    stored = hash_password("correct horse battery")
    assert password_matches("correct horse battery", stored)
    assert not password_matches("wrong horse battery", stored)
    assert not password_matches("anything", "garbage")
    assert hash_password("same") != hash_password("same")  # salted
