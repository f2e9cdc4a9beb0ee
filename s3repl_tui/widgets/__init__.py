"""Textual widgets of the app (the core never imports these)."""
