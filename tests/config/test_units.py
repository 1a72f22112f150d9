import pytest

from trtkit.config import units


@pytest.mark.parametrize("text, expected", [
    ("4GiB", 4 * 2**30), ("512MiB", 512 * 2**20), ("1.5GB", 1_500_000_000), ("64K", 65536),
    ("2g", 2 * 2**30), ("1000", 1000), (4096, 4096), ("16 MiB", 16 * 2**20), ("0", 0),
])
def test_parse_size(text, expected):
    assert units.parse_size(text) == expected


@pytest.mark.parametrize("bad", ["lots", "4 GiBs", "-1GiB", -5, True, None, "1.2.3MiB", [1]])
def test_parse_size_rejects(bad):
    with pytest.raises(ValueError, match="size"):
        units.parse_size(bad)


@pytest.mark.parametrize("size, text", [(4 * 2**30, "4GiB"), (512 * 2**20, "512MiB"), (1000, "1000B"), (3072, "3KiB")])
def test_format_size_round_trips(size, text):
    assert units.format_size(size) == text
    assert units.parse_size(text) == size


@pytest.mark.parametrize("text, seconds", [("200ms", 0.2), ("3s", 3.0), ("1.5min", 90.0), ("500us", 0.0005),
                                           ("2h", 7200.0), ("10 ms", 0.01)])
def test_parse_duration(text, seconds):
    assert units.parse_duration(text) == pytest.approx(seconds)


def test_duration_without_unit_names_both_readings():
    with pytest.raises(ValueError, match="write 200ms or 200s"):
        units.parse_duration(200)


@pytest.mark.parametrize("seconds", [0.2, 3.0, 1.5, 0.00025, 0.0])
def test_format_duration_round_trips(seconds):
    assert units.parse_duration(units.format_duration(seconds)) == pytest.approx(seconds)


def test_parse_shape_forms():
    assert units.parse_shape("1x3x224x224") == (1, 3, 224, 224)
    assert units.parse_shape([8, 128]) == (8, 128)
    assert units.parse_shape(16) == (16,)


@pytest.mark.parametrize("bad", ["1x3xAx224", "1x-3", "", "x3", [1, -1], [1.5], [], True])
def test_parse_shape_rejects(bad):
    with pytest.raises(ValueError, match="shape"):
        units.parse_shape(bad)


def test_shape_spec_from_trtexec_notation_and_mapping():
    assert units.parse_shape_spec("input:1x3x224x224,mask:1x128") == {"input": (1, 3, 224, 224), "mask": (1, 128)}
    assert units.parse_shape_spec({"ids": "8x128", "mask": [8, 128]}) == {"ids": (8, 128), "mask": (8, 128)}


def test_shape_spec_keeps_colons_in_tensorflow_style_names():
    assert units.parse_shape_spec("input_1:0:1x3x224x224") == {"input_1:0": (1, 3, 224, 224)}
    assert units.parse_shape_spec("'input_1:0':2x3") == {"input_1:0": (2, 3)}


def test_shape_spec_errors_name_the_input():
    with pytest.raises(ValueError, match="input 'mask'"):
        units.parse_shape_spec("input:1x3,mask:1xB")
    with pytest.raises(ValueError, match="NAME:SHAPE"):
        units.parse_shape_spec("1x3x224x224")


def test_shape_spec_round_trips():
    spec = {"input_ids": (8, 128), "attention_mask": (8, 128)}
    assert units.parse_shape_spec(units.format_shape_spec(spec)) == spec


@pytest.mark.parametrize("value, percent", [("5%", 5.0), ("2.5%", 2.5), (5, 5.0), ("7", 7.0)])
def test_parse_percentage(value, percent):
    assert units.parse_percentage(value) == percent


@pytest.mark.parametrize("bad", ["five", "-5%", -1, "5%%"])
def test_parse_percentage_rejects(bad):
    with pytest.raises(ValueError, match="percentage"):
        units.parse_percentage(bad)


# One formatter per unit, writing what its parser reads back exactly (config init, migrate and `config show` write
# values through them): no exponent (1e+06s), no digits lost (1.23457s), the short spelling where it is exact.
@pytest.mark.parametrize("seconds, text", [(0.2, "200ms"), (3.0, "3s"), (0.0005, "500us"), (1e6, "1000000s"),
                                           (1.23456789, "1.23456789s"), (1e-12, "0.000001us"),
                                           (0.1 + 0.2, "0.30000000000000004s")])
def test_format_duration_reads_back_exactly(seconds, text):
    assert units.format_duration(seconds) == text
    assert units.parse_duration(text) == seconds


@pytest.mark.parametrize("percent, text", [(5.0, "5%"), (2.5, "2.5%"), (1e20, "100000000000000000000%"),
                                           (1e-5, "0.00001%"), (2.123456789, "2.123456789%")])
def test_format_percentage_reads_back_exactly(percent, text):
    assert units.format_percentage(percent) == text
    assert units.parse_percentage(text) == percent
