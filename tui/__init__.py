"""roomscope: a keyboard-driven terminal explorer for video-conferencing room sessions."""

__version__ = "0.1.0"
