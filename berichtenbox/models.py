"""Models of the berichtenbox app."""
