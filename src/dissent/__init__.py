"""Dissent Channel: an organisation's protected channel for dissent memos."""
