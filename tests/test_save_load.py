"""Tests for state_dict / load_state_dict and JSON save / load: round trips, and every kind
of bad input raising a clear error while leaving the model unchanged."""

from __future__ import annotations

import json
import math
import os
import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
import nn.module


@pytest.fixture
def model():
    return nn.MLP(2, [4, 3], activation="tanh", seed=0)


def test_state_dict_round_trip_copies_every_parameter(model):
    other = nn.MLP(2, [4, 3], activation="tanh", seed=1)
    assert other.state_dict() != model.state_dict()
    other.load_state_dict(model.state_dict())
    assert other.state_dict() == model.state_dict()
    assert [o.data for o in other([0.3, 0.7])] == [o.data for o in model([0.3, 0.7])]


def test_state_dict_values_are_plain_floats(model):
    assert all(type(v) is float for v in model.state_dict().values())


def test_save_and_load_round_trip(model, tmp_path):
    path = tmp_path / "model.json"
    model.save(path)
    loaded = nn.MLP.load(path)
    assert isinstance(loaded, nn.MLP)
    assert loaded.architecture() == model.architecture()
    assert loaded.state_dict() == model.state_dict()  # JSON keeps floats exactly
    assert [o.data for o in loaded([1.0, -1.0])] == [o.data for o in model([1.0, -1.0])]


def test_saved_file_is_readable_json_not_pickle(model, tmp_path):
    path = tmp_path / "model.json"
    model.save(path)
    document = json.loads(path.read_text())
    assert document["class"] == "MLP"
    assert document["architecture"] == {
        "nin": 2,
        "nouts": [4, 3],
        "activation": "tanh",
        "init": "micrograd",
    }
    assert len(document["parameters"]) == len(model.parameters())


def test_neuron_and_layer_save_and_load(tmp_path):
    for module in (nn.Neuron(3, seed=0), nn.Layer(3, 2, activation="sigmoid", seed=0)):
        path = tmp_path / "m.json"
        module.save(path)
        assert type(module).load(path).state_dict() == module.state_dict()


def snapshot(model):
    return dict(model.state_dict())


def test_missing_parameter_raises_key_error_and_changes_nothing(model):
    before = snapshot(model)
    state = {name: 0.0 for name in before}
    del state["layers.1.neurons.2.b"]
    with pytest.raises(KeyError, match="missing"):
        model.load_state_dict(state)
    assert snapshot(model) == before


def test_extra_parameter_raises_value_error_and_changes_nothing(model):
    before = snapshot(model)
    state = {name: 0.0 for name in before}
    state["layers.2.neurons.0.b"] = 1.0
    with pytest.raises(ValueError, match="does not have"):
        model.load_state_dict(state)
    assert snapshot(model) == before


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "1.0", None, True, [1.0]])
def test_bad_number_raises_value_error_and_changes_nothing(model, bad):
    before = snapshot(model)
    state = {name: 0.5 for name in before}
    state["layers.1.neurons.2.w.3"] = bad  # the last entries: the first ones were valid
    with pytest.raises(ValueError, match="layers.1.neurons.2.w.3"):
        model.load_state_dict(state)
    assert snapshot(model) == before


def test_state_dict_must_be_a_mapping(model):
    with pytest.raises(TypeError):
        model.load_state_dict([("layers.0.neurons.0.b", 1.0)])


def write(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    return path


def saved_document(model, tmp_path):
    path = tmp_path / "good.json"
    model.save(path)
    return json.loads(path.read_text())


def test_malformed_json_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match="invalid JSON"):
        nn.MLP.load(write(tmp_path, '{"format": "chainrule-model", '))


def test_not_a_model_file_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match="not a chainrule model"):
        nn.MLP.load(write(tmp_path, "[1, 2, 3]"))


def test_nan_in_file_raises_value_error(model, tmp_path):
    text = json.dumps(saved_document(model, tmp_path))
    name = "layers.0.neurons.0.w.0"
    text = text.replace(f'"{name}": {model.state_dict()[name]!r}', f'"{name}": NaN')
    assert "NaN" in text
    with pytest.raises(ValueError, match="NaN"):
        nn.MLP.load(write(tmp_path, text))


def test_wrong_architecture_raises_value_error(model, tmp_path):
    document = saved_document(model, tmp_path)
    document["architecture"]["nouts"] = [5, 3]
    with pytest.raises(ValueError, match="parameters"):
        nn.MLP.load(write(tmp_path, json.dumps(document)))


def test_unknown_activation_in_file_raises_value_error(model, tmp_path):
    document = saved_document(model, tmp_path)
    document["architecture"]["activation"] = "swish"
    with pytest.raises(ValueError, match="activation"):
        nn.MLP.load(write(tmp_path, json.dumps(document)))


def test_renamed_parameter_in_file_raises_value_error(model, tmp_path):
    document = saved_document(model, tmp_path)
    document["parameters"]["surprise"] = document["parameters"].pop("layers.0.neurons.0.b")
    with pytest.raises(ValueError, match="do not fit"):
        nn.MLP.load(write(tmp_path, json.dumps(document)))


def test_file_of_another_class_raises_value_error(tmp_path):
    path = tmp_path / "neuron.json"
    nn.Neuron(2, seed=0).save(path)
    with pytest.raises(ValueError, match="'Neuron', not a 'MLP'"):
        nn.MLP.load(path)


def test_huge_architecture_is_rejected_before_building(model, tmp_path):
    document = saved_document(model, tmp_path)
    document["architecture"]["nouts"] = [10**9, 1]
    with pytest.raises(ValueError, match="parameters"):
        nn.MLP.load(write(tmp_path, json.dumps(document)))


def test_saving_a_diverged_model_raises_instead_of_writing_invalid_json(model, tmp_path):
    model.parameters()[0].data = math.nan
    with pytest.raises(ValueError):
        model.save(tmp_path / "nan.json")
    assert not (tmp_path / "nan.json").exists()


def test_init_is_saved_and_loaded(tmp_path):
    path = tmp_path / "model.json"
    nn.MLP(2, [3, 1], seed=0, init="pytorch").save(path)
    assert json.loads(path.read_text())["architecture"]["init"] == "pytorch"
    assert nn.MLP.load(path).init == "pytorch"


@pytest.mark.parametrize(
    "cls, architecture",
    [
        (nn.MLP, {"nin": 2, "nouts": [4, 3], "activation": "tanh"}),
        (nn.Layer, {"nin": 3, "nout": 2, "activation": "relu"}),
        (nn.Neuron, {"nin": 3, "activation": "sigmoid"}),
    ],
)
def test_a_file_from_before_init_was_saved_still_loads(tmp_path, cls, architecture):
    model = cls(**architecture, seed=3, init="pytorch")
    old_file = {
        "format": "chainrule-model",
        "version": 1,
        "class": cls.__name__,
        "architecture": architecture,
        "parameters": model.state_dict(),
    }
    loaded = cls.load(write(tmp_path, json.dumps(old_file)))
    assert loaded.state_dict() == model.state_dict()
    assert loaded.architecture() == {**architecture, "init": nn.module.DEFAULT_INIT}


def test_loaded_parameters_carry_their_names_as_labels(model, tmp_path):
    path = tmp_path / "model.json"
    model.save(path)
    loaded = nn.MLP.load(path)
    assert [p.label for p in loaded.parameters()] == list(loaded.state_dict())


def test_loading_draws_no_numbers_from_the_global_stream(model, tmp_path):
    path = tmp_path / "model.json"
    model.save(path)
    random.seed(11)
    expected = random.random()
    random.seed(11)
    nn.MLP.load(path)
    assert random.random() == expected


# ---- atomic writes ----------------------------------------------------------------------


def test_a_failing_save_leaves_the_old_file_intact_and_no_temporary_file(
    model, tmp_path, monkeypatch
):
    path = tmp_path / "model.json"
    model.save(path)
    before = path.read_bytes()

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    other = nn.MLP(2, [4, 3], activation="tanh", seed=1)
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        other.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.json"]
    assert nn.MLP.load(path).state_dict() == model.state_dict()


def test_save_replaces_an_existing_file(model, tmp_path):
    path = tmp_path / "model.json"
    nn.MLP(2, [4, 3], activation="tanh", seed=1).save(path)
    model.save(path)
    assert nn.MLP.load(path).state_dict() == model.state_dict()
    assert sorted(os.listdir(tmp_path)) == ["model.json"]


def test_saving_through_a_symlink_updates_its_target_and_keeps_the_link(model, tmp_path):
    real = tmp_path / "models" / "model.json"
    real.parent.mkdir()
    nn.MLP(2, [4, 3], activation="tanh", seed=1).save(real)
    link = tmp_path / "latest.json"
    link.symlink_to(os.path.join("models", "model.json"))  # a relative link
    chain = tmp_path / "current.json"
    chain.symlink_to(link)  # a link to a link
    model.save(chain)
    assert chain.is_symlink() and link.is_symlink() and not real.is_symlink()
    assert nn.MLP.load(real).state_dict() == model.state_dict()
    assert sorted(os.listdir(tmp_path)) == ["current.json", "latest.json", "models"]
    assert os.listdir(real.parent) == ["model.json"]  # no temporary file left


def test_saving_through_a_dangling_symlink_creates_its_target(model, tmp_path):
    link = tmp_path / "model.json"
    link.symlink_to(tmp_path / "target.json")
    model.save(link)
    assert link.is_symlink() and nn.MLP.load(tmp_path / "target.json")


def test_saving_through_a_circle_of_symlinks_raises_and_keeps_the_links(model, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(OSError, match="symbolic links"):
        model.save(a)
    assert a.is_symlink() and b.is_symlink()
    assert sorted(os.listdir(tmp_path)) == ["a.json", "b.json"]


# ---- files that are not models: always a ValueError that says what is wrong ------------


def test_a_401_digit_integer_parameter_raises_value_error(model, tmp_path):
    document = saved_document(model, tmp_path)
    document["parameters"]["layers.0.neurons.0.w.0"] = 10**400
    with pytest.raises(ValueError, match="layers.0.neurons.0.w.0.*finite") as caught:
        nn.MLP.load(write(tmp_path, json.dumps(document)))
    assert len(str(caught.value)) < 600


def test_a_401_digit_integer_layer_size_raises_value_error(model, tmp_path):
    document = saved_document(model, tmp_path)
    document["architecture"]["nin"] = 10**400
    with pytest.raises(ValueError, match="parameters") as caught:
        nn.MLP.load(write(tmp_path, json.dumps(document)))
    assert len(str(caught.value)) < 800


def test_a_huge_unknown_architecture_key_gives_a_short_message(model, tmp_path):
    document = saved_document(model, tmp_path)
    document["architecture"]["k" * 1_000_000] = 1
    with pytest.raises(ValueError, match="bad architecture") as caught:
        nn.MLP.load(write(tmp_path, json.dumps(document)))
    assert len(str(caught.value)) < 800


@pytest.mark.parametrize("where", ["top", "parameter", "architecture"])
def test_a_1000_deep_json_array_raises_value_error(model, tmp_path, where):
    deep = "[" * 1000 + "]" * 1000
    if where == "top":
        text = deep
    else:
        document = saved_document(model, tmp_path)
        section, key = (
            ("parameters", "layers.0.neurons.0.b")
            if where == "parameter"
            else ("architecture", "nouts")
        )
        document[section][key] = "DEEP"
        text = json.dumps(document).replace('"DEEP"', deep)
    with pytest.raises(ValueError, match="nested"):
        nn.MLP.load(write(tmp_path, text))


def test_brackets_inside_strings_do_not_count_as_nesting(model, tmp_path):
    document = saved_document(model, tmp_path)
    document["note"] = "[" * 5000 + '\\" {{{'
    loaded = nn.MLP.load(write(tmp_path, json.dumps(document)))
    assert loaded.state_dict() == model.state_dict()


def test_a_folder_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match="folder"):
        nn.MLP.load(tmp_path)


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.MLP.load(tmp_path / "nothing.json")


def test_a_file_whose_class_is_module_raises_value_error(model, tmp_path):
    document = saved_document(model, tmp_path)
    document["class"] = "Module"
    path = write(tmp_path, json.dumps(document))
    with pytest.raises(ValueError, match="'Module', not a 'MLP'"):
        nn.MLP.load(path)
    with pytest.raises(ValueError, match="Module cannot be built from a file"):
        nn.Module.load(path)


def test_a_huge_class_name_gives_a_short_message(model, tmp_path):
    document = saved_document(model, tmp_path)
    document["class"] = "X" * 5_000_000
    with pytest.raises(ValueError, match="not a 'MLP'") as caught:
        nn.MLP.load(write(tmp_path, json.dumps(document)))
    assert len(str(caught.value)) < 600


@pytest.mark.parametrize("bad", [True, "1", 2.0, None])
def test_a_bad_version_raises_value_error(model, tmp_path, bad):
    document = saved_document(model, tmp_path)
    document["version"] = bad
    with pytest.raises(ValueError, match="version"):
        nn.MLP.load(write(tmp_path, json.dumps(document)))


def test_a_seed_in_the_architecture_raises_value_error(model, tmp_path):
    document = saved_document(model, tmp_path)
    document["architecture"]["seed"] = 1
    with pytest.raises(ValueError, match="seed"):
        nn.MLP.load(write(tmp_path, json.dumps(document)))


def test_load_state_dict_of_a_401_digit_integer_raises_value_error_and_changes_nothing(model):
    before = snapshot(model)
    state = {name: 0.5 for name in before}
    state["layers.1.neurons.2.w.3"] = 10**400
    with pytest.raises(ValueError, match="layers.1.neurons.2.w.3") as caught:
        model.load_state_dict(state)
    assert snapshot(model) == before
    assert len(str(caught.value)) < 600


def test_load_state_dict_quotes_unknown_names_briefly(model):
    state = {name: 0.5 for name in snapshot(model)}
    state["y" * 1_000_000] = 1.0
    with pytest.raises(ValueError, match="does not have") as caught:
        model.load_state_dict(state)
    assert len(str(caught.value)) < 600


# ---- the nesting check reads a file once: time linear in its size (issue 24) --------------


def _depth_by_reading(text):
    """The nesting depth as a JSON reader sees it, one character at a time: a backslash
    takes the next character with it, a quote opens or closes a string, and brackets count
    outside strings (an unterminated string runs to the end)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            in_string = not in_string
        elif not in_string and char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif not in_string and char in "]}":
            depth -= 1
    return deepest


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='[]{}"\\x\n', max_size=60))
def test_nesting_depth_is_that_of_a_reader_on_crafted_text(text):
    assert nn.module._nesting_depth(text) == _depth_by_reading(text)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.text(alphabet='[]{}"\\x', max_size=8) | st.integers(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=20,
    )
)
def test_nesting_depth_of_real_json_is_its_depth(document):
    def depth(x):
        # iteratively: the deepest list or dict
        deepest, stack = 0, [(x, 0)]
        while stack:
            item, level = stack.pop()
            if isinstance(item, (list, dict)):
                level += 1
                deepest = max(deepest, level)
                stack.extend(
                    (child, level) for child in (item.values() if isinstance(item, dict) else item)
                )
        return deepest

    assert nn.module._nesting_depth(json.dumps(document)) == depth(document)


@pytest.mark.parametrize(
    "text",
    [
        "x" + '\\"' * 40000,  # the 80 kB: 32 s before
        '"' + '\\"' * 40000,
        '["' + "\\" * 40001 + '"]',
        '"' * 40001,
        '["' + '\\"[' * 30000,
    ],
)
def test_a_malformed_file_of_escaped_quotes_is_rejected_with_value_error(model, tmp_path, text):
    with pytest.raises(ValueError, match="not a chainrule model file"):
        nn.MLP.load(write(tmp_path, text))


def test_the_nesting_check_takes_time_linear_in_the_size_of_the_file():
    # quadratic, 4 times the text takes 16 times as long; linear, 4 times. Each figure is
    # the best of 5 runs, so a busy machine does not decide it
    def best_time(n):
        text = "x" + '\\"' * n
        times = []
        for _ in range(5):
            start = time.perf_counter()
            nn.module._nesting_depth(text)
            times.append(time.perf_counter() - start)
        return min(times)

    small, large = best_time(4000), best_time(16000)
    assert large < 8 * small + 0.02, (small, large)
