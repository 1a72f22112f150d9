"""The public Python API under bad and hostile input: every refusal is an exception of `trtkit.errors` with the
command's exit code (never a KeyError or TypeError from inside trtkit), nothing is printed, and a result never
says "passed" about input it did not judge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import trtkit
from tests.conftest import FIXTURES

QAT = FIXTURES / "trt8" / "resnet18-a100" / "qat"


@pytest.mark.parametrize("fail_on", ["bogus", "ERROR", ""])
def test_lint_refuses_a_fail_on_that_is_not_a_severity(fail_on: str, capfd) -> None:
    if fail_on == "":  # an empty string is "not given": the config's fail_on applies, as on the command line
        assert trtkit.lint(QAT, fail_on=fail_on).fail_on == "error"
        return
    with pytest.raises(trtkit.UsageError, match="is not a severity") as refused:
        trtkit.lint(QAT, fail_on=fail_on)
    assert refused.value.exit_code == 2 and "never" in (refused.value.hint or "")
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize(("option", "value", "refusal"), [
    ("top", -1, "--top -1 is not a count"),
    ("top", "5", "--top '5' is not a count"),
    ("top", 2.5, "--top 2.5 is not a count"),
    ("top", True, "--top True is not a count"),
    ("profile", "0", "--profile '0' is not a count"),  # was told "--profile 0 is out of range: ... profile: 0"
    ("profile", True, "--profile True is not a count"),
    ("filter", 5, "--filter 5 is not text"),  # TypeError from re.compile
    ("precision", 8, "--precision 8 is not text"),  # AttributeError: 'int' object has no attribute 'upper'
])
def test_inspect_refuses_an_option_of_the_wrong_kind(option: str, value: Any, refusal: str) -> None:
    with pytest.raises(trtkit.UsageError) as refused:
        trtkit.inspect(QAT, **{option: value})
    assert refused.value.message == refusal and refused.value.exit_code == 2


def test_inspect_top_zero_and_a_count_still_work() -> None:
    assert trtkit.inspect(QAT, top=0).plans[0].top_layers == []
    assert len(trtkit.inspect(QAT, top=3).plans[0].top_layers) == 3


def test_inspect_without_a_path_is_refused_not_an_empty_result(capfd) -> None:
    with pytest.raises(trtkit.UsageError, match="inspect needs a path"):
        trtkit.inspect()
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize(("option", "value", "refusal"), [
    ("top", -1, "--top -1 is not a count"),
    ("top", 0, "--top 0 is not a count"),
    ("top", "3", "--top '3' is not a count"),
    ("max_graph_nodes", -1, "--max-graph-nodes -1 is not a count"),
    ("profile", 9, "--profile 9 is out of range: resnet-qat.onnx.engine has 1 optimization profile: 0"),
    ("profile", "0", "--profile '0' is not a count"),
    ("query", 5, "--query 5 is not text"),  # TypeError from re.compile
    ("beam", 5, "--beam 5 is not text"),  # AttributeError from the beam parser
    ("lint", "no", "lint 'no' is not True or False"),  # a truthy string ran the lint rules
])
def test_write_report_refuses_an_option_out_of_range_and_writes_nothing(option: str, value: Any, refusal: str,
                                                                        tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    with pytest.raises(trtkit.UsageError) as refused:
        trtkit.write_report(QAT, output=output, **{option: value})
    assert refusal in refused.value.message and refused.value.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_write_report_with_the_first_profile_still_draws_the_engine(tmp_path: Path) -> None:
    result = trtkit.write_report(QAT, output=tmp_path / "report.html", profile=0, top=1, max_graph_nodes=1)
    assert (tmp_path / "report.html").is_file()
    assert not [note for note in result.graph_notes if "no layer information" in note]


@pytest.mark.parametrize("compare", [trtkit.compare_outputs, trtkit.compare_layers])
@pytest.mark.parametrize("precision", ["bogus", "FP16", "float16"])
def test_comparing_outputs_refuses_a_precision_with_no_tolerances(compare: Any, precision: str,
                                                                  example_models: dict[str, Path], capfd) -> None:
    model = example_models["resnet18"]
    with pytest.raises(trtkit.UsageError, match=f"--precision '{precision}' is not a precision") as refused:
        compare(model, model, precision=precision)
    assert "fp16" in (refused.value.hint or "")
    assert capfd.readouterr() == ("", "")


# A value of the wrong type where the API takes a path, strings or shapes: pathlib's or the loader's TypeError and
# AttributeError leaked, and a str given for a list of strings was read one character at a time.
WRONG_TYPES = {
    "load_plan(int)": (lambda: trtkit.load_plan(5), "path 5 is not a path"),
    "load_plan(None)": (lambda: trtkit.load_plan(None), "path None is not a path"),
    "load_plan('')": (lambda: trtkit.load_plan(""), "path '' is not a path"),
    "load_plans([paths])": (lambda: trtkit.load_plans([QAT]), "is not a path"),
    "inspect(int)": (lambda: trtkit.inspect(3), "path 3 is not a path"),
    "compare_engines([paths])": (lambda: trtkit.compare_engines([QAT, QAT]), "is not a path"),
    "compare_engines(baseline=int)": (lambda: trtkit.compare_engines(QAT, QAT, baseline=3), "baseline 3 is not"),
    "compare_engines(config=int)": (lambda: trtkit.compare_engines(QAT, QAT, config=5), "config 5 is not a path"),
    "load_config(dict)": (lambda: trtkit.load_config({"compare": {}}), "config {'compare': {}} is not a path"),
    "load_config(overrides=[int])": (lambda: trtkit.load_config(None, [5]), "overrides [5] is not a list of str"),
    "lint(enable=[int])": (lambda: trtkit.lint(QAT, enable=[1]), "enable [1] is not a list of strings"),
    "write_report(output=int)": (lambda: trtkit.write_report(QAT, output=5), "output 5 is not a path"),
    "run(None)": (lambda: trtkit.run(None), "config None is not a path"),
    "build(int)": (lambda: trtkit.build(5), "model 5 is not a path"),
    "profile(int)": (lambda: trtkit.profile(5), "engine 5 is not a path"),
    "compare_outputs(int, path)": (lambda: trtkit.compare_outputs(1, QAT), "reference 1 is not a path"),
    "to_document(object())": (lambda: trtkit.to_document(object()), "object is not a result of trtkit's API"),
}


@pytest.mark.parametrize("call", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_a_value_of_the_wrong_type_is_a_usage_error(call: tuple[Any, str], capfd) -> None:
    function, refusal = call
    with pytest.raises(trtkit.UsageError) as refused:
        function()
    assert refusal in refused.value.message and refused.value.exit_code == 2
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("shapes", [[1, 3, 64, 64], 5])
def test_shapes_that_name_no_input_are_a_usage_error(shapes: Any, example_models: dict[str, Path]) -> None:
    model = example_models["resnet18"]
    with pytest.raises(trtkit.UsageError, match="names no input"):
        trtkit.compare_outputs(model, model, shapes=shapes)


def test_one_string_where_a_list_is_taken_is_one_item() -> None:
    """A str is a Sequence[str] to the type checker; its characters are not what the caller meant."""
    assert trtkit.load_config(trtkit.load_config(), "build.workspace=1GiB").build.workspace == 2**30
    assert trtkit.lint(QAT, overrides="lint.fail_on=never").fail_on == "never"
    with pytest.raises(trtkit.UsageError, match="unknown lint rule 'abc'"):
        trtkit.lint(QAT, enable="abc")


@pytest.mark.parametrize("compare", [trtkit.compare_outputs, trtkit.compare_layers])
@pytest.mark.parametrize("shapes", ["inptu:2x3x64x64", {"inptu": (2, 3, 64, 64)}])
def test_shapes_for_an_input_the_model_lacks_are_refused(compare: Any, shapes: Any,
                                                         example_models: dict[str, Path]) -> None:
    """A misspelt input name kept the input's default shape and the comparison passed on inputs not asked for."""
    model = example_models["resnet18"]
    with pytest.raises(trtkit.UsageError, match="the shapes name 'inptu', not an input of the model") as refused:
        compare(model, model, shapes=shapes)
    assert refused.value.hint == "the inputs are input"


@pytest.mark.parametrize(("section", "field", "value", "problem"), [
    ("compare", "max_regression", "abc", "assigning to CompareConfig: max_regression: expected a percentage"),
    ("compare", "metrics", 5, "assigning to CompareConfig: metrics: Input should be a valid list, got 5"),
    ("build", "workspace", "lots", "assigning to BuildConfig: workspace: expected a size such as 4GiB"),
    (None, "backend", "cuda", "assigning to PipelineConfig: backend: Input should be 'auto'"),
])
def test_a_config_changed_in_a_notebook_to_a_bad_value_is_a_config_error(section: str | None, field: str,
                                                                         value: Any, problem: str) -> None:
    """Assignments are validated; the refusal was pydantic's ValidationError, not trtkit's ConfigError."""
    config = trtkit.load_config()
    target = getattr(config, section) if section else config
    before = getattr(target, field)
    with pytest.raises(trtkit.ConfigError) as refused:
        setattr(target, field, value)
    assert refused.value.message.startswith(problem) and refused.value.exit_code == 2
    assert getattr(target, field) == before  # the config is left as it was


def test_a_config_changed_to_a_good_value_is_used() -> None:
    config = trtkit.load_config()
    config.compare.max_regression = "50%"
    config.build.workspace = "1GiB"
    assert config.compare.max_regression == 50.0 and config.build.workspace == 2**30


def test_successful_calls_print_nothing_even_from_tensorrt(example_models: dict[str, Path], tmp_path: Path,
                                                          capfd) -> None:
    """The API prints nothing: not the stages, not TensorRT-RTX's builder logger (captured at the file
    descriptors, where a C library writes)."""
    pytest.importorskip("tensorrt_rtx", reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")
    engine = tmp_path / "cnn.engine"
    built = trtkit.build(example_models["resnet18"], output=engine, backend="tensorrt-rtx", shapes="input:1x3x64x64")
    assert engine.stat().st_size > 0 and built.engine == str(engine)
    trtkit.inspect(engine)
    trtkit.lint(QAT)
    trtkit.write_report(QAT, output=tmp_path / "report.html")
    assert capfd.readouterr() == ("", "")
    assert sorted(path.name for path in tmp_path.iterdir() if not path.name.startswith("cnn.engine")) == [
        "report.html"]


@pytest.mark.parametrize("make", ["folder", "fifo"])
@pytest.mark.parametrize(("call", "what"), [
    (lambda path: trtkit.lint(path), "config file"),
    (lambda path: trtkit.profile(path), "engine"),
])
def test_a_folder_or_fifo_given_as_a_file_is_named_not_missing(make: str, call: Any, what: str,
                                                              tmp_path: Path) -> None:
    """They exist: "does not exist" (and "build it first") sent the user looking for the wrong problem."""
    import os

    path = tmp_path / "cnn.yaml"
    if make == "folder":
        path.mkdir()
    else:
        os.mkfifo(path)
    with pytest.raises(trtkit.InputFileError) as refused:
        call(path)
    kind = "a directory" if make == "folder" else "a FIFO"
    assert refused.value.message == f"{what} {path} is not a regular file ({kind})"
    assert refused.value.exit_code == 3


@pytest.mark.parametrize("target", [10, "10"])
def test_lint_takes_the_tensorrt_version_as_a_number_too(target: Any) -> None:
    assert trtkit.lint(QAT, target=target).target == "10"


def test_profile_of_an_empty_engine_is_a_bad_input_not_a_missing_backend(tmp_path: Path) -> None:
    engine = tmp_path / "cnn.engine"
    engine.write_bytes(b"")
    with pytest.raises(trtkit.InputFileError, match="cnn.engine is empty, not a TensorRT engine") as refused:
        trtkit.profile(engine)
    assert refused.value.exit_code == 3  # was 4: "needs TensorRT and a GPU", though no GPU could read it


def test_compare_layers_of_a_model_whose_external_data_is_gone(example_models: dict[str, Path],
                                                               tmp_path: Path) -> None:
    """onnx's checker ValidationError (not a ValueError) leaked from loading the weights."""
    import onnx

    model = tmp_path / "cnn.onnx"
    onnx.save(onnx.load(str(example_models["resnet18"])), str(model), save_as_external_data=True,
              location="cnn.onnx.data", size_threshold=0)
    (tmp_path / "cnn.onnx.data").unlink()
    with pytest.raises(trtkit.InputFileError, match="keeps its data in 'cnn.onnx.data', which is not beside"):
        trtkit.compare_layers(model, model)


def test_a_model_onnxruntime_refuses_is_one_error_and_nothing_on_stderr(tmp_path: Path, capfd) -> None:
    """onnxruntime logged its refusal (a graph without outputs) to stderr in colour before trtkit raised it."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([], "empty", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4])], [])
    model = tmp_path / "no_outputs.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(model))
    with pytest.raises(trtkit.InputFileError, match="onnxruntime cannot load"):
        trtkit.compare_outputs(model, model)
    assert capfd.readouterr() == ("", "")


def _graph_model(path: Path, nodes: list[Any], outputs: bool = True) -> Path:
    import onnx
    from onnx import TensorProto, helper

    value = helper.make_tensor_value_info
    graph = helper.make_graph(nodes, "g", [value("input", TensorProto.FLOAT, [1, 4])],
                              [value("output", TensorProto.FLOAT, [1, 4])] if outputs else [])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


def test_lint_fails_a_model_no_parser_can_load(tmp_path: Path, example_models: dict[str, Path]) -> None:
    """Lint passed these (no rule found anything) though onnxruntime and TensorRT refuse them."""
    from onnx import helper

    dangling = _graph_model(tmp_path / "dangling.onnx", [helper.make_node("Add", ["input", "ghost"], ["output"],
                                                                          name="add")])
    no_outputs = _graph_model(tmp_path / "no_outputs.onnx", [], outputs=False)
    result = trtkit.lint(dangling)
    assert result.failed and [(f.rule, f.message) for f in result.findings] == [
        ("onnx-broken-graph", "node add reads ghost, which no node, input or initializer produces")]
    assert [f.message for f in trtkit.lint(no_outputs).findings] == ["the graph has no outputs"]
    # an omitted optional input ("") is no dangling tensor; nor is anything in the example models
    clip = _graph_model(tmp_path / "clip.onnx", [helper.make_node("Clip", ["input", "", ""], ["output"])])
    for model in (clip, *example_models.values()):
        assert "onnx-broken-graph" not in {finding.rule for finding in trtkit.lint(model).findings}


def test_overrides_on_a_config_keep_what_the_caller_assigned(tmp_path: Path) -> None:
    config = trtkit.load_config()
    config.build.workspace = "1GiB"
    config.compare.max_regression = "20%"
    changed = trtkit.load_config(config, ["compare.confidence=0.9"])
    assert (changed.build.workspace, changed.compare.max_regression, changed.compare.confidence) == (2**30, 20.0, 0.9)
    # and a config loaded from a file keeps its values and its folder
    path = tmp_path / "cnn.yaml"
    path.write_text("model: cnn.onnx\nbuild:\n  workspace: 2GiB\n")
    loaded = trtkit.load_config(path)
    loaded.compare.max_regression = "10%"
    again = trtkit.load_config(loaded, ["compare.confidence=0.9"])
    assert again.build.workspace == 2 * 2**30 and again.compare.max_regression == 10.0
    assert again.resolve(again.model or Path()) == tmp_path / "cnn.onnx"


@pytest.mark.parametrize("shapes", ["input:2x3x64x64", {"input": (2, 3, 64, 64)}])
def test_build_takes_shapes_as_the_comparisons_do(shapes: Any, example_models: dict[str, Path],
                                                  tmp_path: Path) -> None:
    """A mapping was written into the override as its repr and refused: "expected a shape ..., got '(2'"."""
    pytest.importorskip("tensorrt_rtx", reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")
    built = trtkit.build(example_models["resnet18"], output=tmp_path / "cnn.engine", backend="tensorrt-rtx",
                         shapes=shapes, dry_run=True)
    assert built.profiles == {"shapes": {"min": "input:2x3x64x64", "opt": "input:2x3x64x64", "max": "input:2x3x64x64"}}


def test_build_refuses_shapes_that_name_no_input() -> None:
    with pytest.raises(trtkit.UsageError, match="names no input"):
        trtkit.build(QAT / "model.onnx", shapes=[1, 3, 64, 64])  # type: ignore[arg-type]


@pytest.mark.parametrize("write", [
    lambda folder, model: trtkit.write_report(QAT, output=folder / "a\x00b.html"),
    lambda folder, model: trtkit.convert(model, output=folder / "a\x00b.onnx"),  # ValueError from Path.resolve
], ids=["write_report", "convert"])
def test_an_output_path_with_a_nul_byte_is_refused(write: Any, example_models: dict[str, Path],
                                                   tmp_path: Path) -> None:
    """tempfile's ValueError ("embedded null byte") leaked from the atomic writer."""
    with pytest.raises(trtkit.InputFileError, match=r"cannot write '.*a\\x00b.(html|onnx)': embedded null byte"):
        write(tmp_path, example_models["resnet18"])
    assert list(tmp_path.iterdir()) == []


def test_build_refuses_an_engine_path_that_is_not_utf8_before_building(example_models: dict[str, Path],
                                                                      tmp_path: Path) -> None:
    """The build ran, then writing its metadata (which names the engine) raised UnicodeEncodeError."""
    import os

    pytest.importorskip("tensorrt_rtx", reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")
    engine = tmp_path / os.fsdecode(b"cnn\xff.engine")
    with pytest.raises(trtkit.InputFileError, match="is not valid UTF-8"):
        trtkit.build(example_models["resnet18"], output=engine, backend="tensorrt-rtx", shapes="input:1x3x64x64")
    assert list(tmp_path.iterdir()) == []


# A file name longer than the file system allows: Path.exists/is_file/is_dir raise OSError for it (not only False)
LONG_NAME = "x" * 300
TOO_LONG = {
    "inspect": lambda folder, model: trtkit.inspect(folder / LONG_NAME),
    "compare_engines": lambda folder, model: trtkit.compare_engines(QAT, folder / LONG_NAME),
    "compare_outputs": lambda folder, model: trtkit.compare_outputs(folder / LONG_NAME, model),
    "compare_layers": lambda folder, model: trtkit.compare_layers(model, folder / f"{LONG_NAME}.onnx"),
    "compare data": lambda folder, model: trtkit.compare_outputs(model, model, overrides=[
        f"compare.data.path={folder / LONG_NAME}"]),
    "profile": lambda folder, model: trtkit.profile(folder / f"{LONG_NAME}.engine"),
    "convert output": lambda folder, model: trtkit.convert(model, output=folder / f"{LONG_NAME}.onnx"),
    "convert output folder": lambda folder, model: trtkit.convert(model, output=folder / LONG_NAME / "cnn.onnx"),
    "report output": lambda folder, model: trtkit.write_report(QAT, output=folder / f"{LONG_NAME}.html"),
    "build output": lambda folder, model: trtkit.build(model, output=folder / f"{LONG_NAME}.engine",
                                                       backend="tensorrt-rtx", shapes="input:1x3x64x64"),
}


@pytest.mark.parametrize("call", TOO_LONG.values(), ids=TOO_LONG.keys())
def test_a_path_too_long_for_the_file_system_is_a_bad_input(call: Any, example_models: dict[str, Path],
                                                            tmp_path: Path) -> None:
    with pytest.raises(trtkit.InputFileError) as refused:
        call(tmp_path, example_models["resnet18"])
    assert refused.value.exit_code == 3 and LONG_NAME in refused.value.message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("write", [
    lambda folder, model: trtkit.write_report(QAT, output=folder / "notes.txt" / "report.html"),
    lambda folder, model: trtkit.convert(model, output=folder / "notes.txt" / "cnn.onnx"),
], ids=["write_report", "convert"])
def test_an_output_under_a_file_names_the_file_in_the_way(write: Any, example_models: dict[str, Path],
                                                          tmp_path: Path) -> None:
    """mkdir's errno said "File exists", which sent the user looking for an existing output."""
    (tmp_path / "notes.txt").write_text("kept")
    with pytest.raises(trtkit.InputFileError) as refused:
        write(tmp_path, example_models["resnet18"])
    assert refused.value.message.endswith(f"{tmp_path / 'notes.txt'} is a file, not a folder")
    assert (tmp_path / "notes.txt").read_text() == "kept"


def test_a_json_artifact_of_random_bytes_is_called_corrupt_json_not_an_onnx_model(tmp_path: Path) -> None:
    folder = tmp_path / "engine"
    folder.mkdir()
    (folder / "cnn.engine.graph.json").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(trtkit.InputFileError) as refused:
        trtkit.load_plan(folder)
    assert refused.value.message == f"{folder / 'cnn.engine.graph.json'} holds binary data, not JSON; the file is " \
        "corrupt"


def test_lint_with_every_rule_disabled_says_nothing_was_checked() -> None:
    from trtkit.analysis.lint import all_rules

    result = trtkit.lint(QAT, disable=list(all_rules()))
    assert result.findings == [] and result.rules_run == []
    assert result.notes == ["no rule ran: every rule that applies to these inputs is disabled"]
    assert result.failed  # nothing checked is no pass
    assert trtkit.lint(QAT).notes == []


@pytest.mark.parametrize("spelling", ["out/", "out/.", ".."])
def test_an_output_spelled_as_a_folder_is_refused_as_the_commands_do(spelling: str, example_models: dict[str, Path],
                                                                     tmp_path: Path, monkeypatch) -> None:
    """`output="out/"` was written as a file named out (pathlib drops the slash); `-o out/` is exit 2."""
    monkeypatch.chdir(tmp_path)
    model = example_models["resnet18"]
    for call in (lambda: trtkit.write_report(QAT, output=spelling, graph=False),
                 lambda: trtkit.convert(model, output=spelling),
                 lambda: trtkit.build(model, output=spelling, backend="tensorrt-rtx", shapes="input:1x3x64x64")):
        with pytest.raises(trtkit.UsageError, match="names a directory") as refused:
            call()
        assert refused.value.exit_code == 2
    assert list(tmp_path.iterdir()) == []
