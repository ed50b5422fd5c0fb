"""GET /api/v1/memos/{id}/export (the exports room renders it)."""

from ninja import Router

router = Router(tags=["exports"])
