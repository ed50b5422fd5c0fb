from django.urls import path

from . import views

app_name = "anonymous"
urlpatterns = [
    path("", views.key_page, name="key"),
    path("revoke/", views.revoke, name="revoke"),
]
