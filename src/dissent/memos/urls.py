from django.urls import path

from . import response_views, views

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
    path("<int:memo_id>/reads/", views.memo_reads, name="reads"),
    path("<int:memo_id>/readers/", views.memo_add_reader, name="add-reader"),
    path("<int:memo_id>/caveats/", views.memo_caveats, name="caveats"),
    path("<int:memo_id>/call/", response_views.open_call, name="call"),
    path("<int:memo_id>/acknowledge/", response_views.acknowledge, name="acknowledge"),
    path("<int:memo_id>/reviewer/", response_views.assign_reviewer, name="reviewer"),
    path("<int:memo_id>/reply/", response_views.draft_reply, name="reply"),
    path("<int:memo_id>/reply/approve/", response_views.approve_reply, name="approve-reply"),
    path("<int:memo_id>/meeting-preference/", response_views.meeting_preference, name="meeting-preference"),
    path("<int:memo_id>/meetings/", response_views.propose_meeting, name="propose-meeting"),
    path(
        "<int:memo_id>/meetings/<int:meeting_id>/answer/",
        response_views.answer_meeting,
        name="answer-meeting",
    ),
]
