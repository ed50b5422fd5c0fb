from dissent.org.models import Person, Role, SingleSignOnIdentity
from dissent.org.oidc import sign_in_from_claims

from ..conftest import Cast, signed_in
from ..factories import make_person


def test_subordinates_include_the_whole_chain_below_and_nobody_else(db: None) -> None:
    director = make_person("director", Role.CUSTODIAN)
    manager = make_person("manager", supervisor=director)
    analyst = make_person("analyst", supervisor=manager)
    intern = make_person("intern", supervisor=analyst)
    make_person("outsider")

    assert director.subordinate_ids() == {manager.pk, analyst.pk, intern.pk}
    assert analyst.subordinate_ids() == {intern.pk}
    assert intern.subordinate_ids() == set()


def test_a_supervision_loop_does_not_hang(db: None) -> None:
    a = make_person("a")
    b = make_person("b", supervisor=a)
    a.supervisor = b
    a.save()

    assert a.subordinate_ids() == {a.pk, b.pk}


def test_supervisors_are_the_whole_chain_above_and_nobody_else(db: None) -> None:
    director = make_person("director", Role.CUSTODIAN)
    manager = make_person("manager", supervisor=director)
    analyst = make_person("analyst", supervisor=manager)
    make_person("outsider", supervisor=director)

    assert analyst.supervisor_ids() == {manager.pk, director.pk}
    assert director.supervisor_ids() == set()


def test_a_supervision_loop_does_not_hang_going_up_either(db: None) -> None:
    a = make_person("a")
    b = make_person("b", supervisor=a)
    a.supervisor = b
    a.save()

    assert a.supervisor_ids() == {a.pk, b.pk}


def test_an_administrator_links_an_existing_account_to_its_single_sign_on_identity(cast: Cast) -> None:
    Person.objects.filter(pk=cast.adam.pk).update(is_staff=True, is_superuser=True)
    admin = signed_in(cast.adam)
    page = admin.get(f"/admin/org/person/{cast.alice.pk}/change/")
    assert page.status_code == 200
    assert "single sign-on identities" in page.content.decode().lower()
    SingleSignOnIdentity.objects.create(person=cast.alice, issuer="https://id.example", subject="alice-sub")

    found = sign_in_from_claims("https://id.example", "alice-sub", {"sub": "alice-sub"})

    assert found == cast.alice  # found through the link, not made anew
    assert Person.objects.filter(username__startswith="alice").count() == 1
