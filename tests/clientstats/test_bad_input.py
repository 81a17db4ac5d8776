"""Bad input: not a dump, cut short, an unknown version, absurd values, too large, a gzip bomb.

A file nothing can be read from raises a ``DumpError`` (exit code 2) naming the file and
what is wrong; a partly readable dump gives what it could read and says what it skipped;
absurd values are dropped with a note, never raised.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from roomscope.tui.clientstats import (
    Direction,
    DumpError,
    DumpTooLargeError,
    NotADumpError,
    ReadLimits,
    TruncatedDumpError,
    UnknownVersionError,
    detect_format,
)
from tests.clientstats import synth
from tests.clientstats.support import read


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "is empty"),
        (b"  \n\t\n", "only white space"),
        (b"hello, this is a log file\nline two\n", "is text, but not a WebRTC statistics dump"),
        (b"<!doctype html><html><body>Sign in</body></html>", "HTML"),
        (b"PK\x03\x04\x14\x00\x00\x00", "zip archive"),
        (bytes(range(256)) * 8, "binary data"),
        (gzip.compress(gzip.compress(b"{}", mtime=0), mtime=0), "gzip inside gzip"),
        (b'{"name": "roomscope", "version": 1}', "first key is 'name'"),
        (b"{}", "empty JSON object"),
        (b"[1, 2, 3]\n[4, 5, 6]\n", "not an rtcstats dump"),
        (b'{"PeerConnections": ', "ends before any statistics"),
        (b"RTCStatsDump\nnot json\n", "metadata line is not JSON"),
    ],
)
def test_what_is_not_a_dump_is_refused_naming_the_file(tmp_path: Path, data: bytes, words: str) -> None:
    path = _file(tmp_path, "upload.json", data)
    with pytest.raises(DumpError) as caught:
        read(path)
    assert str(caught.value).startswith("upload.json: ")
    assert words in str(caught.value)
    assert caught.value.exit_code == 2


def test_a_gzip_bomb_is_refused_before_it_inflates(tmp_path: Path) -> None:
    bomb = gzip.compress(b'{"PeerConnections": {' + b" " * (16 << 20), compresslevel=9)
    path = _file(tmp_path, "bomb.gz", bomb)
    limits = ReadLimits(ratio_grace_bytes=1 << 20)
    with pytest.raises(DumpTooLargeError) as caught:
        read(path, limits=limits)
    assert "inflates more than 100 times" in str(caught.value)
    assert str(caught.value).startswith("bomb.gz: ")


def test_a_dump_that_decompresses_past_the_size_limit_is_refused(tmp_path: Path) -> None:
    content = synth.internals_object(synth.call(polls=200))
    path = _file(tmp_path, "big.gz", gzip.compress(json.dumps(content).encode()))
    with pytest.raises(DumpTooLargeError, match="decompresses to more than 100 KiB"):
        read(path, limits=ReadLimits(max_bytes=100 << 10))


def test_a_2_gb_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(2 << 30)  # sparse: nothing is written
    with pytest.raises(DumpTooLargeError, match=r"huge.txt: is 2.0 GiB; dumps over 1.0 GiB are refused"):
        read(path)


def test_an_unknown_rtcstats_dump_file_format(tmp_path: Path) -> None:
    path = synth.write_rtcstats_dump(tmp_path / "dump", synth.call(polls=3), file_format=4)
    with pytest.raises(UnknownVersionError, match="fileFormat 4; fileFormat 3 is read") as caught:
        read(path)
    assert caught.value.where == "line 2"
    no_version = _file(tmp_path, "bare", b'RTCStatsDump\n{"origin": "x"}\n')
    with pytest.raises(UnknownVersionError, match="without a fileFormat"):
        detect_format(no_version)


def test_an_unknown_rtcstats_client_protocol(tmp_path: Path) -> None:
    path = synth.write_rtcstats(tmp_path / "future.jsonl", synth.call(polls=3), protocol="9.0_STANDARD")
    with pytest.raises(UnknownVersionError, match=r"client protocol 9\.0_STANDARD"):
        read(path)


def test_the_legacy_webrtc_internals_stats_format(tmp_path: Path) -> None:
    path = synth.write_internals(tmp_path / "legacy.txt", synth.call(polls=3), legacy_types=True)
    with pytest.raises(UnknownVersionError, match="legacy"):
        read(path)


def test_an_rtcstats_dump_with_only_its_header_is_truncated(tmp_path: Path) -> None:
    with pytest.raises(TruncatedDumpError, match="before its metadata line"):
        read(_file(tmp_path, "cut", b"RTCStatsDump\n"))


def test_a_webrtc_internals_dump_cut_short_gives_what_came_before(tmp_path: Path) -> None:
    whole = synth.write_internals(tmp_path / "whole.txt", synth.call(polls=20, pcs=2)).read_bytes()
    cut = _file(tmp_path, "cut.txt", whole[: int(len(whole) * 0.7)])
    dump = read(cut)
    assert not dump.complete
    assert any("truncated" in s.why and s.where.startswith("PeerConnections/PC_1") for s in dump.skipped)
    first = dump.peer_connections[0]
    assert first.id == "PC_0"
    assert next(t for t in first.inbound() if t.kind == "audio").packets == 950


def test_a_gzip_dump_cut_short_gives_what_came_before(tmp_path: Path) -> None:
    whole = synth.write_rtcstats(tmp_path / "whole.gz", synth.call(polls=30), gz=True).read_bytes()
    dump = read(_file(tmp_path, "cut.gz", whole[: int(len(whole) * 0.8)]))
    assert dump.peer_connections
    assert any("gzip data ends early" in s.why for s in dump.skipped)


def test_an_rtcstats_dump_with_a_half_written_last_line(tmp_path: Path) -> None:
    text = synth.write_rtcstats(tmp_path / "whole.jsonl", synth.call(polls=10)).read_text()
    lines = text.rstrip("\n").split("\n")
    cut = "\n".join(lines[:-1]) + "\n" + lines[-1][: len(lines[-1]) // 2]
    dump = read(_file(tmp_path, "cut.jsonl", cut.encode()))
    assert [str(s) for s in dump.skipped] == [
        f"line {len(lines)}: the file ends inside this line (truncated)"
    ]
    assert dump.peer_connections[0].tracks


def test_broken_lines_and_series_are_skipped_with_their_place(tmp_path: Path) -> None:
    text = synth.write_rtcstats(tmp_path / "whole.jsonl", synth.call(polls=6)).read_text().split("\n")
    text.insert(5, "this line is not json")
    text.insert(6, '{"an": "object"}')
    dump = read(_file(tmp_path, "broken.jsonl", "\n".join(text).encode()))
    assert {str(s) for s in dump.skipped} == {
        "line 6: not JSON",
        "line 7: not an rtcstats record [method, connection, value, time]",
    }
    assert dump.peer_connections[0].inbound()
    content = synth.internals_object(synth.call(polls=4))
    content["PeerConnections"]["PC_0"]["stats"]["IT01A111-packetsReceived"]["values"] = "[1, 2,"
    content["PeerConnections"]["PC_0"]["stats"]["IT01A111-jitter"] = "not a series"
    dump = read(_file(tmp_path, "broken.txt", json.dumps(content).encode()))
    assert {str(s) for s in dump.skipped} == {
        "PC_0/IT01A111-packetsReceived: values are not a JSON array",
        "PC_0/IT01A111-jitter: not a statistics series (no object)",
    }


@pytest.mark.parametrize("fmt", sorted(synth.WRITERS))
def test_absurd_values_are_dropped_with_a_note(tmp_path: Path, fmt: str) -> None:
    call = synth.call(polls=8)
    polls = call.pcs["PC_0"]
    polls[2].reports["IT01A111"]["bytesReceived"] = -5
    polls[3].reports["IT01A111"]["jitter"] = math.nan
    polls[4].reports["IT01V222"]["timestamp"] = synth.T0 + 3 * 86_400_000.0
    polls[5].reports["OT01A333"]["bytesSent"] = "lots"
    polls[6].reports["IT01V222"]["packetsLost"] = -3  # duplicates: a negative loss count is allowed
    dump = read(synth.WRITERS[fmt](tmp_path, call))
    why = {s.why for s in dump.skipped}
    assert why == {
        "negative value",
        "value is not a finite number (NaN or infinity)",
        "sample time in the future",
        "value is not a number",
    }
    (pc,) = dump.peer_connections
    audio_in = next(t for t in pc.inbound() if t.kind == "audio")
    jitter = audio_in.get("jitter_ms")
    assert jitter is not None and jitter.to_list()[3] is None
    bitrate = audio_in.get("bitrate_kbps")
    assert bitrate is not None and bitrate.to_list()[2] is None
    assert bitrate.to_list()[3] == pytest.approx(40.0)  # the rate over the two seconds since poll 1
    video_in = next(t for t in pc.tracks if t.direction is Direction.INBOUND and t.kind == "video")
    assert all(t < synth.T0 + 86_400_000 for t, _ in video_in.series[0].points())
    assert audio_in.packets == 350


def test_ids_from_the_dump_are_made_safe_to_show(tmp_path: Path) -> None:
    call = synth.call(polls=3)
    for poll in call.pcs["PC_0"]:
        poll.reports["IT\x1b[31mEVIL\u202e"] = {**poll.reports.pop("IT01A111"), "jitter": "x"}
    dump = read(synth.write_rtcstats(tmp_path / "evil.jsonl", call))
    (pc,) = dump.peer_connections
    assert any(t.id == "ITEVIL" for t in pc.tracks)
    assert [s.where for s in dump.skipped] == ["PC_0/ITEVIL.jitter"]


def test_a_file_that_cannot_be_opened(tmp_path: Path) -> None:
    with pytest.raises(NotADumpError, match=r"missing.txt: cannot be read"):
        read(tmp_path / "missing.txt")
