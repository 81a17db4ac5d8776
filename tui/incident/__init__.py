"""Incidents: one time window across every open profile, its sessions, groups, history and hand-off.

No Textual here (an import contract checks it): the headless commands and the screens share it.
Modules: ``window`` (parsing a window), ``scan`` (the sessions overlapping it, with their
diagnoses, worst first).
"""
