"""Screens of the app. ``backend`` is the app's door to the core and imports no Textual."""
