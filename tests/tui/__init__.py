"""Pilot, snapshot and tmux tests of the Textual app."""
