"""Providers: the protocol and one module per API."""
