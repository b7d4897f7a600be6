"""Webhooks: events of the lifecycle, written to an outbox, signed and delivered."""
