from dissent.org.models import Role

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
