"""The embedded, deterministic demo world."""
