"""Texts of the API's berichten (registered with the berichtenbox)."""
