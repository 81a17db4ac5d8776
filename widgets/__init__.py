"""Reusable widgets: session table, breadcrumb, status bar, filter bar, sparkline panel."""
