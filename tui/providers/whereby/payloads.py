"""What the Whereby insights and recordings API sends, as lenient payload models: unknown
fields are kept, and only what a record cannot live without is required."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class WbRoom(_Lenient):
    roomName: str = Field(min_length=1)
    createdAt: datetime | None = None
    endAt: datetime | None = None
    firstSessionStartedAt: datetime | None = None
    lastSessionStartedAt: datetime | None = None
    totalSessions: float | None = None


class WbRoomSession(_Lenient):
    roomSessionId: str = Field(min_length=1)
    roomName: str | None = None
    startedAt: datetime
    endedAt: datetime | None = None
    totalParticipantMinutes: float | None = None
    totalRecorderMinutes: float | None = None
    totalStreamerMinutes: float | None = None
    totalUniqueParticipants: int | None = None
    totalUniqueRecorders: int | None = None
    totalUniqueStreamers: int | None = None
    rating: float | None = None
    totalRatings: float | None = None


class WbParticipant(_Lenient):
    roomSessionId: str | None = None
    participantId: str = Field(min_length=1)
    deviceId: str | None = None
    userId: str | None = None
    roleName: str | None = None
    displayName: str | None = None
    joinedAt: datetime
    leftAt: datetime | None = None
    externalId: str | None = None
    rating: float | None = None
    tags: list[str] | None = None
    comment: str | None = None


class WbRecording(_Lenient):
    recordingId: str = Field(min_length=1)
    roomSessionId: str | None = None
    filename: str | None = None
    startDate: datetime | None = None
    endDate: datetime | None = None
    sizeInMegaBytes: float | None = None


ROOM_SESSION_FIELDS = set(WbRoomSession.model_fields)
PARTICIPANT_FIELDS = set(WbParticipant.model_fields)
RECORDING_FIELDS = set(WbRecording.model_fields)
