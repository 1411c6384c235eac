"""Unit tests of the leadership facts and metrics (pure, on in-memory logs)."""
