"""The fake RealtimeKit's records: the demo world's sessions, participants, peer events,
device and network details and recordings in RealtimeKit's JSON shapes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from roomscope.tui.demo.world import DemoParticipant, DemoSession, DemoWorld
from roomscope.tui.fakes.realtimekit.ids import DEMO_APP_ID, derived_uuid, peer_id
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.providers.parsing import iso

SDK = ("web-core", "1.36.2")
MEETING_CREATED = "2025-06-01T09:00:00.000Z"
LINK_TTL = timedelta(hours=1)
CLIENT_EVENT_NAMES = {
    "mute": "audio_off",
    "unmute": "audio_on",
    "screenshare_start": "screenshare_started",
    "screenshare_stop": "screenshare_stopped",
}
ENGINES = {"Chrome": "Blink", "Edge": "Blink", "Electron": "Blink", "Firefox": "Gecko", "Safari": "WebKit"}


def present_s(participant: DemoParticipant, now: datetime) -> float:
    return sum(
        (min(iv.leave, now) - iv.join).total_seconds() for iv in participant.intervals if iv.join <= now
    )


def minutes(world: DemoWorld, s: DemoSession, now: datetime) -> float:
    return round(sum(present_s(p, now) for p in world.visible_participants(s, now)) / 60.0, 2)


def session_record(
    world: DemoWorld, s: DemoSession, now: datetime, *, detail: bool = False
) -> dict[str, Any]:
    visible = world.visible_participants(s, now)
    live = world.is_live(s, now)
    ended = world.ended_at(s, now)
    connected = sum(1 for p in visible if any(iv.join <= now < iv.leave for iv in p.intervals))
    record: dict[str, Any] = {
        "id": s.id,
        "associated_id": s.room_id,
        "meeting_display_name": s.title,
        "type": "meeting",
        "status": "LIVE" if live else "ENDED",
        "created_at": iso(s.start),
        "started_at": iso(s.start),
        "updated_at": iso(ended or now),
        "live_participants": connected if live else 0,
        "max_concurrent_participants": DemoProvider._max_concurrent(visible, now),
        "minutes_consumed": minutes(world, s, now),
        "organization_id": DEMO_APP_ID,
        "meta": {"region": s.region, "layout": s.layout},
    }
    if ended is not None:
        record["ended_at"] = iso(ended)
    if detail:
        record["breakout_rooms"] = []
    return record


def participant_record(
    s: DemoSession, p: DemoParticipant, now: datetime, *, peer_events: bool
) -> dict[str, Any]:
    gone = p.left_at <= now
    record: dict[str, Any] = {
        "id": p.id,
        "user_id": p.user_id,
        "display_name": p.name,
        "preset_name": f"group_call_{p.role}",
        "joined_at": iso(p.joined_at),
        "duration": round(present_s(p, now) / 60.0, 4),
        "created_at": iso(p.joined_at),
        "updated_at": iso(p.left_at if gone else now),
    }
    if p.external_id is not None:
        record["custom_participant_id"] = p.external_id
    if gone:
        record["left_at"] = iso(p.left_at)
    if peer_events:
        record["peer_events"] = peer_event_records(s, p, now)
    return record


def peer_event_records(s: DemoSession, p: DemoParticipant, now: datetime) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for k, iv in enumerate(p.intervals):
        if iv.join > now:
            break
        peer = peer_id(p, k)
        socket = derived_uuid("socket", peer)
        moments = [
            ("PEER_CREATED", iv.join - timedelta(milliseconds=800), 0.0),
            ("PEER_JOINING", iv.join, 0.0),
        ]
        if iv.leave <= now:
            minutes = round((iv.leave - iv.join).total_seconds() / 60.0, 4)
            moments.append(("PEER_LEAVING", iv.leave, minutes))
        for name, at, minutes in moments:
            out.append(
                {
                    "id": derived_uuid("peer-event", peer, name),
                    "peer_id": peer,
                    "event_name": name,
                    "created_at": iso(at),
                    "updated_at": iso(at + timedelta(milliseconds=6)),
                    "minutes_consumed": minutes,
                    "preset_view_type": "GROUP_CALL",
                    "participant_id": p.id,
                    "session_id": s.id,
                    "socket_session_id": socket,
                }
            )
    return out


def user_agent(p: DemoParticipant) -> str:
    return f"Mozilla/5.0 ({p.os} {p.os_version}) {p.browser}/{p.browser_version}"


def client_events(
    world: DemoWorld, s: DemoSession, p: DemoParticipant, now: datetime
) -> list[tuple[datetime, str]]:
    return [
        (e.at, CLIENT_EVENT_NAMES[e.kind])
        for e in world.events(s, now)
        if e.participant_id == p.id and e.kind in CLIENT_EVENT_NAMES
    ]


def legacy_peer_stats(
    world: DemoWorld, s: DemoSession, p: DemoParticipant, now: datetime, wanted: set[str]
) -> dict[str, Any]:
    stats: dict[str, Any] = {}
    if "device_info" in wanted:
        stats["device_info"] = {
            "browser": p.browser,
            "browser_version": p.browser_version,
            "engine": ENGINES.get(p.browser, "Blink"),
            "os": p.os,
            "os_version": p.os_version,
            "is_mobile": p.device_type in ("mobile", "tablet"),
            "user_agent": user_agent(p),
            "sdk_name": SDK[0],
            "sdk_version": SDK[1],
            "cpus": 8,
            "memory": 8,
            "webgl_support": "2",
        }
    if "ip_information" in wanted:
        stats["ip_information"] = {
            "city": p.city,
            "region": p.region,
            "country": p.country,
            "ipv4": p.ip,
            "org": f"{p.asn} {p.isp}",
            "ip_location": "0.0000,0.0000",
            "portal": "",
            "timezone": "UTC",
        }
    if "precall_network_information" in wanted:
        stats["precall_network_information"] = {
            "effective_networktype": p.connection,
            "rtt": round(p.rtt_base, 1),
            "backend_rtt": round(p.rtt_base * 1.1, 1),
            "jitter": round(p.jitter_base, 1),
            "fractional_loss": round(p.loss_base / 100.0, 4),
            "throughtput": round(p.bitrate_base * 3.0, 1),
            "turn_connectivity": True,
            "relay_connectivity": True,
            "reflexive_connectivity": p.connection != "vpn",
        }
    if "events" in wanted:
        stats["events"] = [
            {"type": name, "timestamp": iso(at)} for at, name in client_events(world, s, p, now)
        ]
    if stats:
        stats["status"] = "left" if p.left_at <= now else "joined"
        stats["config"] = "group_call"
    return stats


def report_metadata(
    world: DemoWorld, s: DemoSession, p: DemoParticipant, k: int, now: datetime, wanted: set[str]
) -> dict[str, Any]:
    iv = p.intervals[k]
    meta: dict[str, Any] = {}
    if "device_info" in wanted:
        meta.update(
            sdk_name=SDK[0],
            sdk_version=SDK[1],
            sdk_type="web",
            room_view_type="GROUP_CALL",
            browser_metadata={
                "browser": p.browser,
                "browser_version": p.browser_version,
                "engine": ENGINES.get(p.browser, "Blink"),
                "user_agent": user_agent(p),
                "webgl_support": True,
            },
            device_info={
                "cpus": 8,
                "is_mobile": p.device_type in ("mobile", "tablet"),
                "os": p.os,
                "os_version": p.os_version,
            },
            audio_devices_updates=[
                {
                    "timestamp": iso(iv.join),
                    "added": [{"device_id": "default", "kind": "audioinput", "label": "Default microphone"}],
                    "removed": [],
                }
            ],
            selected_device_updates=[
                {
                    "timestamp": iso(iv.join),
                    "device": {
                        "device_id": "default",
                        "kind": "audioinput",
                        "label": "Default microphone",
                    },
                }
            ],
        )
    if "ip_information" in wanted:
        meta["ip_information"] = {
            "asn": {"asn": p.asn, "name": p.isp, "type": "isp"},
            "city": p.city,
            "region": p.region,
            "country": p.country,
            "ipv4": p.ip,
            "org": f"{p.asn} {p.isp}",
        }
    if "precall_network_information" in wanted:
        meta["pc_metadata"] = [
            {
                "timestamp": iso(iv.join),
                "effective_network_type": p.connection,
                "reflexive_connectivity": p.connection != "vpn",
                "relay_connectivity": True,
                "turn_connectivity": True,
            }
        ]
        meta["candidate_pairs"] = {
            "producing_transport": [_candidate_pair(p, "send")],
            "consuming_transport": [_candidate_pair(p, "recv")],
        }
    if "events" in wanted:
        until = iv.leave if k + 1 < len(p.intervals) else now
        meta["events"] = [
            {"name": name, "timestamp": iso(at), "metadata": {"peer_id": peer_id(p, k)}}
            for at, name in client_events(world, s, p, now)
            if iv.join <= at <= until
        ]
    return meta


def _candidate_pair(p: DemoParticipant, direction: str) -> dict[str, Any]:
    return {
        "nominated": True,
        "current_round_trip_time": round(p.rtt_base / 1000.0, 4),
        "available_outgoing_bitrate": round(p.bitrate_base * 1500.0),
        "local_candidate_type": "srflx",
        "local_candidate_protocol": "udp",
        "local_candidate_network_type": p.connection,
        "local_candidate_address": p.ip,
        "local_candidate_port": 50000 + (p.index % 1000),
        "remote_candidate_type": "host",
        "remote_candidate_protocol": "udp",
        "remote_candidate_address": "198.51.100.10",
        "remote_candidate_port": 443 if direction == "send" else 444,
    }


def recording_record(world: DemoWorld, s: DemoSession, index: int, now: datetime) -> dict[str, Any]:
    r = world.recordings(s, now)[index]
    done = r.ended_at <= now
    record: dict[str, Any] = {
        "id": r.id,
        "session_id": s.id,
        "status": "UPLOADED" if done else "RECORDING",
        "invoked_time": iso(r.started_at - timedelta(seconds=3)),
        "started_time": iso(r.started_at),
        "stopped_time": iso(r.ended_at) if done else None,
        "recording_duration": round(((r.ended_at if done else now) - r.started_at).total_seconds()),
        "file_size": r.size_bytes if done else None,
        "download_url": r.url if done else None,
        "download_url_expiry": iso(now + LINK_TTL) if done else None,
        "audio_download_url": None,
        "output_file_name": f"{r.id}.{r.format}",
        "storage_config": None,
        "meeting": {
            "id": s.room_id,
            "title": s.title,
            "created_at": MEETING_CREATED,
            "updated_at": MEETING_CREATED,
            "record_on_start": False,
            "status": "ACTIVE",
        },
        "start_reason": {
            "reason": "API_CALL",
            "caller": {"type": "ORGANIZATION", "name": "roomscope demo"},
        },
    }
    if done:
        record["stop_reason"] = {"reason": "ALL_PEERS_LEFT"}
    return record


def report_peer_stats(p: DemoParticipant, k: int) -> dict[str, Any]:
    """``peer_stats`` of a peer report: known from the SDK only (cloudflare-python
    ``session_get_participant_data_from_peer_id_response``), not from the spec. One
    connection check at the peer's join (``events[].metadata.connection_info``)."""
    iv = p.intervals[k]
    return {
        "events": [
            {
                "type": "connection_check",
                "timestamp": iso(iv.join),
                "metadata": {
                    "connection_info": {
                        "r_t_t": round(p.rtt_base, 1),
                        "backend_r_t_t": round(p.rtt_base * 1.1, 1),
                        "jitter": round(p.jitter_base),
                        "fractional_loss": 0,
                        "throughput": round(p.bitrate_base * 3.0),
                        "effective_network_type": p.connection,
                        "turn_connectivity": True,
                        "connectivity": {"host": True, "reflexive": p.connection != "vpn", "relay": True},
                        "ip_details": {
                            "ip": p.ip,
                            "city": p.city,
                            "region": p.region,
                            "country": p.country,
                            "asn": {"asn": p.asn},
                        },
                        "location": {"coords": {"latitude": 52.52, "longitude": 13.405}},
                    }
                },
            }
        ]
    }
