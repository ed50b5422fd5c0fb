from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("", views.statistics, name="stats"),
    path("public/", views.public_statistics, name="stats-public"),
]
