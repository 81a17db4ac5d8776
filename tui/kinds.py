"""The domain's enumerations: session status, sort keys, event kinds, metric ids.

Standard library only, so the screens can use them before the first frame without importing
pydantic; :mod:`roomscope.tui.models` re-exports them.
"""

from __future__ import annotations

from enum import StrEnum


class SessionStatus(StrEnum):
    LIVE = "live"
    ENDED = "ended"
    UNKNOWN = "unknown"


class SortKey(StrEnum):
    """Columns a session list can be ordered by."""

    START = "start"
    NAME = "name"
    STATUS = "status"
    DURATION = "duration"
    PARTICIPANTS = "participants"
    PROVIDER = "provider"


class EventKind(StrEnum):
    SESSION_START = "session_start"
    SESSION_END = "session_end"
    JOIN = "join"
    LEAVE = "leave"
    MUTE = "mute"
    UNMUTE = "unmute"
    VIDEO_ON = "video_on"
    VIDEO_OFF = "video_off"
    SCREENSHARE_START = "screenshare_start"
    SCREENSHARE_STOP = "screenshare_stop"
    RECONNECT = "reconnect"
    RECORDING_START = "recording_start"
    RECORDING_STOP = "recording_stop"
    QUALITY = "quality"
    OTHER = "other"


class Metric(StrEnum):
    LOSS_SEND = "packet_loss_send"
    LOSS_RECV = "packet_loss_recv"
    BITRATE_SEND = "bitrate_send"
    BITRATE_RECV = "bitrate_recv"
    JITTER = "jitter"
    RTT = "rtt"
    MOS = "mos"
    FPS = "fps"
    FPS_SEND = "fps_send"
    """Frames per second the participant's encoder sent (``FPS`` is what it received)."""
    CPU_LIMITED = "cpu_limited"
    """Percent of the sample interval the video encoder was CPU-limited
    (WebRTC ``qualityLimitationDurations.cpu``)."""
    BW_LIMITED = "bandwidth_limited"
    """Percent of the sample interval the video encoder was bandwidth-limited."""
    BWE = "bwe_send"
    """Available outgoing bitrate (the congestion controller's estimate), kbps."""
    FREEZE = "freeze_recv"
    """Percent of the sample interval received video was frozen."""
    CONCEALMENT = "concealment_recv"
    """Percent of the received audio samples concealed (synthesised for lost or late packets)
    in the sample interval (WebRTC ``concealedSamples`` / ``totalSamplesReceived``)."""
    RELAY = "relay_path"
    """1 while the selected ICE candidate pair is relayed (TURN) or TCP/TLS, 0 while direct."""
    PATH_SWITCH = "path_switch"
    """A change of the selected ICE candidate pair after the first selection, at the moment
    it happened: 1, or 2 when the local network type changed too (wifi to cellular)."""
    ICE_STATE = "ice_state"
    """The ICE connection state from each change on: 0 connected (or checking, new),
    1 disconnected, 2 failed."""
