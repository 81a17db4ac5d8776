"""roomscope: a keyboard-driven terminal explorer for video-conferencing room sessions.

The import package. The repository keeps the core in tui/, the screens in screens/, the
widgets in widgets/ and the themes in themes/; each is mapped here as a subpackage.
"""

__version__ = "0.1.0"
