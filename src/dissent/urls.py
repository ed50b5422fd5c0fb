from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, include, path, re_path

from dissent.anonymous import views as anonymous_views
from dissent.api import django_errors
from dissent.api.api import api
from dissent.log import views as log_views
from dissent.memos import views as memo_views
from dissent.org import oidc
from dissent.web import two_factor as two_factor_views
from dissent.web import views as web_views
from dissent.web.middleware import two_factor_exempt


def _api_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """The API answers 401 in JSON itself, so the site-wide sign-in redirect skips it."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = login_not_required(pattern.callback)
    return patterns, app_name, namespace


urlpatterns = [
    path("", web_views.home, name="home"),
    path(
        "accounts/login/",
        # The single sign-on link's provider name, read at each request ("" when it is off).
        auth_views.LoginView.as_view(extra_context={"single_sign_on_provider": oidc.single_sign_on_provider}),
        name="login",
    ),
    path("accounts/logout/", two_factor_exempt(auth_views.LogoutView.as_view()), name="logout"),
    path("accounts/two-factor/", two_factor_views.verify, name="two_factor"),
    path("accounts/two-factor/setup/", two_factor_views.setup, name="two_factor_setup"),
    path(
        "accounts/two-factor/recovery-codes/",
        two_factor_views.new_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("accounts/two-factor/off/", two_factor_views.disable, name="two_factor_disable"),
    path("accounts/preferences/", web_views.preferences, name="preferences"),
    path("accounts/password/", web_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/tokens/", web_views.create_access_token, name="create_access_token"),
    path("accounts/tokens/<int:token_id>/revoke/", web_views.revoke_access_token, name="revoke_access_token"),
    path("accounts/anonymous-key/", include("dissent.anonymous.urls")),
    path("accounts/sign-out-everywhere/", web_views.sign_out_everywhere, name="sign_out_everywhere"),
    # The language switcher is on the sign-in page too: choosing a language needs no sign-in.
    path("i18n/setlang/", web_views.set_language, name="set_language"),
    path("memos/", include("dissent.memos.urls")),
    path("memos/<int:memo_id>/anonymous-counting/", anonymous_views.set_counting, name="anonymous-counting"),
    path("memos/<int:memo_id>/export/", include("dissent.exports.urls")),
    path("search/", include("dissent.search.urls")),
    path("queue/", memo_views.custodian_queue, name="queue"),
    path("inbox/", memo_views.inbox, name="inbox"),
    path("log/", log_views.log_overview, name="log"),
    path("stats/", include("dissent.stats.urls")),
    path("api/v1/", _api_urls()),
    re_path(r"^api/", django_errors.api_not_found),  # problem details, not the HTML 404 page
    path("admin/", admin.site.urls),
    # Single sign-on (OpenID Connect): each page answers 404 unless settings.OIDC_ENABLED.
    path("oidc/", include(oidc)),
]

handler500 = django_errors.server_error
