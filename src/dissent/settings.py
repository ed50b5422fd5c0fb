"""The one settings module. Every value comes from an environment variable with a safe
default (documented in docs/deployment.md); with no configuration at all the project runs
on a SQLite file under ./var/."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from dissent.keyfiles import read_or_create

django_stubs_ext.monkeypatch()  # lets ModelAdmin[Model] and friends be subscripted at run time

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    """A variable's value, or the contents of the file named by NAME_FILE (for secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    return value in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


VAR_DIR = Path(env("DISSENT_VAR_DIR", str(Path.cwd() / "var"))).resolve()


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into var/secret_key."""
    configured = env("SECRET_KEY")
    if configured:
        return configured
    return read_or_create(VAR_DIR / "secret_key", lambda: secrets.token_urlsafe(50))


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "dissent",
    "dissent.org",
    "dissent.events",
    "dissent.log",
    "dissent.markings",
    "dissent.memos",
    "dissent.anonymous",
    "dissent.deadlines",
    "dissent.stats",
    "dissent.notify",
    "dissent.exports",
    "dissent.search",
    "dissent.api",
    "dissent.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # request.user.is_verified(): whether this session has passed a second factor.
    "django_otp.middleware.OTPMiddleware",
    # request.user as the person itself, not a lazy wrapper (the memo page reads it often).
    "dissent.web.middleware.ResolvedUserMiddleware",
    # Sends whoever must (or chose to) use a second factor to it before any other page.
    "dissent.web.middleware.TwoFactorMiddleware",
    "dissent.web.middleware.ViewerLanguageMiddleware",
    "dissent.web.middleware.ViewerTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any view runs (LoginRequiredMiddleware decides in process_view, after this).
    "dissent.web.middleware.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dissent.web.middleware.DomainErrorMiddleware",
    # Last, so that it sees the sign-in view's answer and replaces it with the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dissent.urls"
WSGI_APPLICATION = "dissent.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: DATABASE_URL, default a SQLite file under var/. SQLite is a real default:
# writers queue on a busy timeout and take the write lock up front (IMMEDIATE), in WAL mode.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'dissent.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # Tests use a file too, so they exercise WAL, the busy timeout and IMMEDIATE as deployed.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-dissent.sqlite3")}
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
else:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend with a health check that needs no round trip while the
        # connection's socket is quiet (dissent/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "dissent.postgresql"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # An unreachable database fails a request in seconds (503, dissent/unavailable.py), not
    # after the operating system's TCP time-out.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.Person"
# Django's own database sessions and ModelBackend, with the look-ups every request makes
# in plain SQL (dissent/rows.py: ~1 ms less CPU per request). django-axes' backend comes
# first: it refuses any sign-in while the account or the address is locked out.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "dissent.org.backends.PersonBackend"]
SESSION_ENGINE = "dissent.sessions"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Argon2id for every new or changed password; PBKDF2 hashes made before still verify and
# are re-hashed with Argon2 at the person's next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

# Throttling failed sign-ins (django-axes, docs/security.md): SIGNIN_FAILURE_LIMIT failures
# for one account from one address, or SIGNIN_ADDRESS_FAILURE_LIMIT from one address for any
# accounts, lock sign-in out for SIGNIN_COOLOFF_MINUTES after the last failure. The address
# is REMOTE_ADDR unless CLIENT_IP_HEADER names the header a trusted reverse proxy sets.
SIGNIN_FAILURE_LIMIT = env_int("SIGNIN_FAILURE_LIMIT", 5)
SIGNIN_ADDRESS_FAILURE_LIMIT = env_int("SIGNIN_ADDRESS_FAILURE_LIMIT", 50)
SIGNIN_COOLOFF_MINUTES = env_int("SIGNIN_COOLOFF_MINUTES", 15)
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", "").strip()
AXES_HANDLER = "dissent.org.throttle.SignInThrottle"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = SIGNIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=SIGNIN_COOLOFF_MINUTES)
AXES_RESET_ON_SUCCESS = True
# A refused attempt during a lock-out does not push its end further: the page can say when.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "dissent.web.client.client_ip"
AXES_LOCKOUT_CALLABLE = "dissent.web.views.signin_locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Failed attempts are kept for the cool-off; successful sign-ins are not recorded at all (who
# signs in to a dissent channel, when and from where, is not ours to keep).
AXES_DISABLE_ACCESS_LOG = True

# Two-step verification (django-otp, docs/security.md): people in these roles must use an
# authenticator app (TOTP) or a recovery code after their password; members may choose to.
_TWO_FACTOR_ROLES = env("TWO_FACTOR_REQUIRED_ROLES", "custodian,principal,auditor,admin")
TWO_FACTOR_REQUIRED_ROLES = [r.strip() for r in _TWO_FACTOR_ROLES.split(",") if r.strip()]
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Dissent Channel")
# Wrong codes slow down: each failure doubles the wait before the next try (1 s, 2 s, 4 s ...).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Single sign-on through OpenID Connect (mozilla-django-oidc, org/oidc.py, docs/deployment.md).
# Off unless OIDC_ISSUER is set; then the provider's endpoints and this channel's client id and
# secret must be set too. People are found by issuer and `sub`, never by e-mail address.
OIDC_ISSUER = env("OIDC_ISSUER", "").strip()
OIDC_ENABLED = bool(OIDC_ISSUER)
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", "single sign-on").strip()
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", "").strip()
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", "").strip()
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", "").strip()
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", "").strip()
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", "").strip()
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", "RS256").strip()
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", "openid email profile").strip()
OIDC_TOKEN_USE_BASIC_AUTH = env_bool("OIDC_TOKEN_USE_BASIC_AUTH", True)  # client_secret_basic
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)  # seconds for each call to the provider
#: Whether a first sign-in through the provider creates the person (as a member).
OIDC_CREATE_PEOPLE = env_bool("OIDC_CREATE_PEOPLE", True)
#: The claim holding the person's unit code (OrgUnit.code); blank: units are set in the admin.
OIDC_UNIT_CLAIM = env("OIDC_UNIT_CLAIM", "dissent_unit").strip()
OIDC_GROUPS_CLAIM = env("OIDC_GROUPS_CLAIM", "groups").strip()


def _oidc_role_groups(value: str) -> dict[str, list[str]]:
    """OIDC_ROLE_GROUPS "role=group,role=group": the provider groups that give each role.
    Blank: roles are set in the admin. The admin role is never taken from the provider."""
    mapping: dict[str, list[str]] = {}
    for item in (part.strip() for part in value.split(",")):
        role, _equals, group = (text.strip() for text in item.partition("="))
        if item and (role not in {"custodian", "principal", "auditor"} or not group):
            raise ImproperlyConfigured(
                f"OIDC_ROLE_GROUPS: {item!r} is not ROLE=GROUP with ROLE custodian, principal or auditor"
                " (the admin role is never granted by the provider)."
            )
        if item:
            mapping.setdefault(role, []).append(group)
    return mapping


OIDC_ROLE_GROUPS = _oidc_role_groups(
    env(
        "OIDC_ROLE_GROUPS",
        "custodian=dissent-custodians,principal=dissent-principals,auditor=dissent-auditors",
    )
)
if OIDC_ENABLED:
    _oidc_missing = [
        name
        for name in (
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
            "OIDC_RP_CLIENT_ID",
            "OIDC_RP_CLIENT_SECRET",
        )
        if not globals()[name]
    ]
    if _oidc_missing:
        raise ImproperlyConfigured(f"OIDC_ISSUER is set, so these must be too: {', '.join(_oidc_missing)}")
    # After django-axes' backend, which stays first: a locked-out address cannot sign in this way either.
    AUTHENTICATION_BACKENDS.append("dissent.org.oidc.SingleSignOnBackend")
# A refused answer from the provider is a failed sign-in to django-axes, which keeps the request's
# query: its authorization code and state are kept masked, like a password.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "state"]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("id", _("Bahasa Indonesia"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from here after collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A sign-in lasts SESSION_COOKIE_AGE at most (fixed at sign-in, not extended by use) and
# ends after SESSION_IDLE_TIMEOUT seconds without a request (web/middleware.py).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
CSRF_COOKIE_SAMESITE = "Lax"
# API clients read the CSRF cookie to send X-CSRFToken, so it is not HttpOnly (Django's
# documentation: doing so would add no protection).
CSRF_COOKIE_HTTPONLY = False
# HTTPS in production (docs/deployment.md): HSTS, the redirect to HTTPS, and the header a
# TLS-terminating proxy sets to say the request came over HTTPS ("X-Forwarded-Proto").
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
_proxy_ssl_header = env("SECURE_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# A strict Content Security Policy (Django's own middleware, docs/security.md): scripts, styles
# and images only from our own origin, no inline script or style, no eval, no framing, forms
# post only to us. Everything the pages use is a static file (htmx is vendored).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# The largest memo body we accept, in characters; larger input is refused with a clear message.
MEMO_BODY_MAX_CHARS = env_int("MEMO_BODY_MAX_CHARS", 100_000)
# The smallest ring an anonymous signature may hide in (docs/anonymous-signatures.md): with
# fewer enrolled keys, signing anonymously says too much about who signed.
ANONYMOUS_MIN_RING = env_int("ANONYMOUS_MIN_RING", 5)
# The browser waits a random number of seconds in this range between making an anonymous
# signature and sending it, so that the moment it arrives says less about who was reading.
ANONYMOUS_SEND_DELAY = (env_int("ANONYMOUS_SEND_DELAY_MIN", 5), env_int("ANONYMOUS_SEND_DELAY_MAX", 45))
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)

# The tamper-evident log (docs/log.md). Every committed event is in a signed tree head within
# LOG_MAX_MERGE_DELAY seconds; the worker integrates at most LOG_BATCH_SIZE events a batch.
LOG_SIGNING_KEY = env("LOG_SIGNING_KEY")
LOG_MAX_MERGE_DELAY = env_int("LOG_MAX_MERGE_DELAY", 5)
LOG_BATCH_SIZE = env_int("LOG_BATCH_SIZE", 10_000)

# The channel's reply deadlines (docs/deadlines.md): a preset, the public-holiday calendar
# of a country (and optional subdivision), and the organisation's time zone.
CHANNEL_PRESET = env("CHANNEL_PRESET", "foreign-ministry")
CHANNEL_CALENDAR = env("CHANNEL_CALENDAR", "US")
CHANNEL_CALENDAR_SUBDIVISION = env("CHANNEL_CALENDAR_SUBDIVISION", "")
CHANNEL_TIME_ZONE = env("CHANNEL_TIME_ZONE", TIME_ZONE)

# Protected identities (docs/security.md): Fernet keys, newest first, comma-separated, that
# encrypt who signed under a protected name; and the key of the blind index that finds a
# person's protected signatures. Keep both out of the database and its backups.
IDENTITY_KEYS = env("IDENTITY_KEYS")
IDENTITY_INDEX_KEY = env("IDENTITY_INDEX_KEY")

# Background tasks (reminders, escalations, e-mail) are rows in the same database, run by
# `dissent worker` (and by `dissent demo` in-process); enqueuing joins the action's
# transaction, so a task exists exactly when the change that caused it does.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# E-mail (Django's MAILERS): SMTP when EMAIL_HOST is set (production, and the tests' own SMTP server);
# otherwise each message is written as a file under var/mail, so the demo needs no server.
_email_host = env("EMAIL_HOST", "")
if _email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": env_int("EMAIL_PORT", 25),
                "username": env("EMAIL_HOST_USER", ""),
                "password": env("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": env_int("EMAIL_TIMEOUT", 10),
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Dissent Channel <dissent-channel@localhost>")
#: The address links in e-mails point at (no trailing slash).
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Statistics: /stats/ for principals, auditors, custodians and admins; STATS_PUBLIC=1 also serves
# /stats/public/, aggregates only, to anyone.
STATS_PUBLIC = env_bool("STATS_PUBLIC", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
