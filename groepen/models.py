"""Models of the groepen app."""
