from dataclasses import dataclass

import pytest
from django.test import Client

from dissent.org import two_factor
from dissent.org.models import Person, Role

from .factories import PASSWORD, enrol_authenticator, make_person
from .smtp import smtp  # noqa: F401 - the real SMTP server fixture, for every test


@dataclass
class Cast:
    """The same named people in every test: alice drafts, bob signs (dave supervises him),
    ivan is invited but has not signed, carol is a custodian, paula the addressee, peter
    another principal, audrey an auditor, adam an admin and erin an unrelated member."""

    alice: Person
    bob: Person
    ivan: Person
    carol: Person
    dave: Person
    erin: Person
    paula: Person
    peter: Person
    audrey: Person
    adam: Person


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache (the policy caches one channel setting)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def cast(db: None) -> Cast:
    dave = make_person("dave")
    return Cast(
        alice=make_person("alice"),
        bob=make_person("bob", supervisor=dave),
        ivan=make_person("ivan"),
        carol=make_person("carol", Role.CUSTODIAN),
        dave=dave,
        erin=make_person("erin"),
        paula=make_person("paula", Role.PRINCIPAL),
        peter=make_person("peter", Role.PRINCIPAL),
        audrey=make_person("audrey", Role.AUDITOR),
        adam=make_person("adam", Role.ADMIN),
    )


def signed_in(person: Person) -> Client:
    """A browser-like client with the person signed in through the real sign-in page."""
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/", {"username": person.username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302, "sign-in failed"
    if two_factor.required_for(person) or two_factor.is_enabled(person):  # the second step, for real
        code = two_factor.current_code(enrol_authenticator(person))
        response = client.post("/accounts/two-factor/", {"code": code, "csrfmiddlewaretoken": csrf(client)})
        assert response.status_code == 302, "the second step failed"
    return client


def csrf(client: Client) -> str:
    return client.cookies["csrftoken"].value


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: object) -> None:
    """Tests create many people; the production hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
