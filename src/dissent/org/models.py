"""The organisation: a tree of units, and the people in them with their roles."""

from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import connection, models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person does in the channel. Stored values are a contract: never rename them."""

    MEMBER = "member", _("Member")
    CUSTODIAN = "custodian", _("Custodian")
    PRINCIPAL = "principal", _("Principal")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


class OrgUnit(models.Model):
    """A unit of the organisation: ministry > bureau > office or embassy."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")

    def __str__(self) -> str:
        return self.name


def display_name_of(first_name: str, last_name: str, username: str) -> str:
    """How a person is named on pages: their full name (as Django's get_full_name() makes
    it), or their user name; for lists read as plain values rather than Person objects."""
    return f"{first_name} {last_name}".strip() or username


class Person(AbstractUser):
    """A member of staff. Signs in with Django's auth; has one role and maybe a supervisor."""

    unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("unit"),
    )
    supervisor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("supervisor"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    #: The IANA time zone pages show times in for this person; blank: the channel's own.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    #: The language of this person's pages (where their browser has not chosen one) and of
    #: every e-mail they get; blank: the channel's (settings.LANGUAGE_CODE).
    language = models.CharField(_("language"), max_length=8, blank=True)
    #: Raised by "sign out everywhere" (org/actions.py): it is part of the hash every session
    #: is checked against on each request, so all sessions made before are ended.
    session_generation = models.PositiveIntegerField(_("session generation"), default=0)

    class Meta:
        ordering = ["username"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's HMAC of the password hash, with the session generation in it once that
        has been raised (generation 0 gives Django's own hash, so existing sessions stay)."""
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc,no-any-return]
        return salted_hmac(
            "dissent.org.models.Person.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def display_name(self) -> str:
        return display_name_of(self.first_name, self.last_name, self.username)

    def has_role(self, role: Role) -> bool:
        return self.is_active and self.role == role

    def subordinate_ids(self) -> set[int]:
        """Everyone whose supervisor chain includes this person, in one query.

        The protection rules need this: nobody sees a protected name of someone they
        supervise, directly or further down the chain.
        """
        table = Person._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH RECURSIVE below(id) AS (
                    SELECT id FROM {table} WHERE supervisor_id = %s
                    UNION
                    SELECT p.id FROM {table} p JOIN below b ON p.supervisor_id = b.id
                )
                SELECT id FROM below
                """,  # noqa: S608 - the table name is ours, the id is a parameter
                [self.pk],
            )
            return {row[0] for row in cursor.fetchall()}

    def supervisor_ids(self) -> set[int]:
        """Everyone above this person in the supervisor chain, in one query."""
        with connection.cursor() as cursor:
            cursor.execute(f"{_above(Person._meta.db_table)} SELECT id FROM above", [self.pk])  # noqa: S608
            return {row[0] for row in cursor.fetchall()}

    def custodians_against_chain(self) -> list[tuple[str, str, str, bool]]:
        """The active custodians other than this person (first name, last name, user name),
        ordered by name, each with whether they are above this person in the supervisor
        chain: one query, for the signing form's "who will see your name"."""
        table = Person._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""{_above(table)}
                SELECT first_name, last_name, username, id IN (SELECT id FROM above)
                FROM {table} WHERE role = %s AND is_active AND id <> %s
                ORDER BY last_name, first_name, username
                """,  # noqa: S608 - the table name is ours, the values are parameters
                [self.pk, Role.CUSTODIAN.value, self.pk],
            )
            return [(first, last, username, bool(up)) for first, last, username, up in cursor.fetchall()]


def _above(table: str) -> str:
    """The CTE `above(id)`: everyone above the person whose id is its one parameter in the
    supervisor chain (UNION ends a loop in bad data)."""
    return f"""
        WITH RECURSIVE above(id) AS (
            SELECT supervisor_id FROM {table} WHERE id = %s AND supervisor_id IS NOT NULL
            UNION
            SELECT p.supervisor_id FROM {table} p JOIN above a ON p.id = a.id
            WHERE p.supervisor_id IS NOT NULL
        )"""  # noqa: S608 - the table name is ours


class TokenScope(models.TextChoices):
    """What an API access token may do: read is GET routes only; write is every route."""

    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class AccessToken(models.Model):
    """A personal access token for the JSON API. The client holds `dct_<key_id>_<secret>`;
    only the SHA-256 of the secret is stored, so a copy of the database signs no one in.
    Created and revoked by org/actions.py; checked by org/tokens.py."""

    owner = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="access_tokens", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=100)
    #: Public: finds the row and is shown to tell tokens apart. Not a secret.
    key_id = models.CharField(_("token id"), max_length=16, unique=True)
    secret_sha256 = models.CharField(_("SHA-256 of the secret"), max_length=64)
    scope = models.CharField(_("scope"), max_length=10, choices=TokenScope.choices)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    #: Updated at most once a minute (org/tokens.py), so most requests write nothing.
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self) -> str:
        return f"{self.name} (dct_{self.key_id})"

    @property
    def prefix(self) -> str:
        return f"dct_{self.key_id}"


class SingleSignOnIdentity(models.Model):
    """Who a person is at an OpenID provider: its issuer and the `sub` it gives them, which
    the provider never reassigns (an e-mail address can move to someone else). Made at the
    person's first sign-in through the provider (org/oidc.py); deleting it unlinks them."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="sso_identities", verbose_name=_("person")
    )
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="org_sso_identity_unique")]
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"


class Session(AbstractBaseSession):
    """A browser's session: Django's database session, with the person it signs in kept
    beside its data (set whenever the session is saved), so that each request reads the
    session and its person in one query (dissent/sessions.py). A person's sessions go with
    them. Sessions saved before this column existed name nobody here, and their person is
    read on its own until the session is next saved."""

    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,  # a session naming someone since deleted is refused on reading, not on saving
        related_name="+",
        verbose_name=_("person"),
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
