"""Reading records: every format, folders, stdin, and one item per record whatever goes wrong."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from qualityscore import InputFileError, RecordError, read_records
from qualityscore.records import type_text_values
from qualityscore.standard.spec import InputSpec


def _ids(items: list) -> list[str]:  # type: ignore[type-arg]
    return [i.id for i in items]


def test_json_object_array_yaml_documents_and_jsonl(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text('{"id": "single", "a": 1}')
    (tmp_path / "many.json").write_text('[{"id": "x"}, {"b": 2}]')
    (tmp_path / "docs.yaml").write_text("id: y1\n---\n- id: y2\n- c: 3\n")
    (tmp_path / "lines.jsonl").write_text('{"id": "l1"}\n\n{"d": 4}\n')
    items = list(read_records([tmp_path]))
    assert _ids(items) == [
        "y1",
        "y2",
        f"{tmp_path}/docs.yaml#2[1]",
        "l1",
        f"{tmp_path}/lines.jsonl:3",
        "x",
        f"{tmp_path}/many.json[1]",
        "single",
    ]
    assert all(i.error is None for i in items)


def test_folders_are_read_recursively_skipping_hidden_and_other_files(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.json").write_text('{"id": "deep"}')
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "h.json").write_text('{"id": "hidden"}')
    (tmp_path / "notes.txt").write_text("not a record")
    assert _ids(list(read_records([tmp_path]))) == ["deep"]


def test_a_broken_line_is_one_error_and_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": "a"}\n{"id": \n{"id": "c"}\n{"x": Infinity}\n')
    items = list(read_records([path]))
    assert _ids(items) == ["a", f"{path}:2", "c", f"{path}:4"]
    errors = [i.error for i in items if i.error is not None]
    assert [(e.code, e.message) for e in errors] == [
        ("record-invalid-json", "invalid JSON: expecting value at column 8"),
        ("record-invalid-json", "invalid JSON: Infinity is not a number JSON allows"),
    ]


def test_broken_json_and_yaml_files_are_one_error_each(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("[{]")
    (tmp_path / "b.yaml").write_text("id: ok\nx: [unclosed\n")
    items = list(read_records([tmp_path]))
    assert [(i.id, i.error.code if i.error else None) for i in items] == [
        (f"{tmp_path}/a.json", "record-invalid-json"),
        (f"{tmp_path}/b.yaml:3", "record-invalid-yaml"),
    ]


def test_csv_dotted_columns_become_nested_records_typed_by_the_standard(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "id,vehicle.category,measurements.tread_mm,measurements.ok,vehicle.first_used,defects\n"
        'c1,M1,3.5,yes,2020-01-02,"[{""code"": ""1"", ""severity"": ""minor""}]"\n'
        "c2,N1,,no,,\n"
        "c3,M1,abc,yes,,\n"
        "c4,M1\n"
    )
    items = list(read_records([path]))
    assert [i.text_values for i in items[:3]] == [True, True, True]
    inputs = {
        "vehicle.category": InputSpec(type="enum", values=["M1", "N1"]),
        "measurements.tread_mm": InputSpec(type="number"),
        "measurements.ok": InputSpec(type="boolean"),
        "vehicle.first_used": InputSpec(type="date"),
        "defects": InputSpec(type="defects"),
    }
    first = type_text_values(items[0].record, inputs, items[0].id)
    assert first == {
        "id": "c1",
        "vehicle": {"category": "M1", "first_used": "2020-01-02"},
        "measurements": {"tread_mm": 3.5, "ok": True},
        "defects": [{"code": "1", "severity": "minor"}],
    }
    assert type_text_values(items[1].record, inputs, "c2") == {
        "id": "c2",
        "vehicle": {"category": "N1"},
        "measurements": {"ok": False},
    }
    with pytest.raises(RecordError) as caught:
        type_text_values(items[2].record, inputs, "c3")
    assert str(caught.value) == (
        "c3 at measurements.tread_mm: record-wrong-type: measurements.tread_mm should be a "
        "number, but is the text 'abc'"
    )
    assert items[3].error is not None
    assert items[3].error.message == "the row has 2 cells, the header 6"


def test_stdin_json_lines_are_streamed_and_other_input_is_sniffed() -> None:
    lines = io.StringIO('{"id": "s1"}\n{"id": "s2"}\n')
    assert _ids(list(read_records(["-"], stdin=lines))) == ["s1", "s2"]
    array = io.StringIO('[\n  {"id": "a1"},\n  {"id": "a2"}\n]\n')
    assert _ids(list(read_records(["-"], stdin=array))) == ["a1", "a2"]
    yaml_text = io.StringIO("id: y\nm: {a: 1}\n")
    assert _ids(list(read_records(["-"], stdin=yaml_text))) == ["y"]


def test_missing_paths_and_unknown_kinds_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as caught:
        list(read_records([tmp_path / "nope.json"]))
    assert caught.value.code == "file-not-found"
    odd = tmp_path / "r.txt"
    odd.write_text("{}")
    with pytest.raises(InputFileError) as caught:
        list(read_records([odd]))
    assert caught.value.message == f"{odd}: unknown kind of record file '.txt'"
