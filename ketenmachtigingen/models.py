"""Models of the ketenmachtigingen app."""
