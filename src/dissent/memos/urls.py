from django.urls import path

from . import views

app_name = "memos"
urlpatterns = [
    path("new/", views.memo_new, name="new"),
    path("<int:memo_id>/", views.memo_detail, name="detail"),
    path("<int:memo_id>/edit/", views.memo_edit, name="edit"),
    path("<int:memo_id>/invite/", views.memo_invite, name="invite"),
    path("<int:memo_id>/sign/", views.memo_sign, name="sign"),
    path("<int:memo_id>/unsign/", views.memo_unsign, name="unsign"),
    path("<int:memo_id>/transition/", views.memo_transition, name="transition"),
    path("<int:memo_id>/addenda/", views.memo_addendum, name="addendum"),
    path("<int:memo_id>/extensions/", views.memo_extend, name="extend"),
    path("<int:memo_id>/receipt.json", views.memo_receipt, name="receipt"),
]
