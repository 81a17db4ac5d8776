"""What the Whereby insights and recordings API sends, as lenient payload models: unknown
fields are kept, and only what a record cannot live without is required."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from roomscope.tui.providers.parsing import Count, CountValue, Megabytes, Minutes, Sample, Time


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class WbRoom(_Lenient):
    roomName: str = Field(min_length=1)
    createdAt: Time = None
    endAt: Time = None
    firstSessionStartedAt: Time = None
    lastSessionStartedAt: Time = None
    totalSessions: CountValue = None


class WbRoomSession(_Lenient):
    roomSessionId: str = Field(min_length=1)
    roomName: str | None = None
    startedAt: datetime
    endedAt: Time = None
    totalParticipantMinutes: Minutes = None
    totalRecorderMinutes: Minutes = None
    totalStreamerMinutes: Minutes = None
    totalUniqueParticipants: Count = None
    totalUniqueRecorders: Count = None
    totalUniqueStreamers: Count = None
    rating: Sample = None
    totalRatings: CountValue = None


class WbParticipant(_Lenient):
    roomSessionId: str | None = None
    participantId: str = Field(min_length=1)
    deviceId: str | None = None
    userId: str | None = None
    roleName: str | None = None
    displayName: str | None = None
    joinedAt: datetime
    leftAt: Time = None
    externalId: str | None = None
    rating: Sample = None
    tags: list[str] | None = None
    comment: str | None = None


class WbRecording(_Lenient):
    recordingId: str = Field(min_length=1)
    roomSessionId: str | None = None
    filename: str | None = None
    startDate: Time = None
    endDate: Time = None
    sizeInMegaBytes: Megabytes = None


ROOM_SESSION_FIELDS = set(WbRoomSession.model_fields)
PARTICIPANT_FIELDS = set(WbParticipant.model_fields)
RECORDING_FIELDS = set(WbRecording.model_fields)
