"""Mounted at /memos/<int:memo_id>/export/ (project urls)."""

from django.urls import URLPattern, path

from . import views

app_name = "exports"
urlpatterns: list[URLPattern] = [
    path("pdf", views.export_pdf, name="pdf"),
    path("json", views.export_json, name="json"),
]
