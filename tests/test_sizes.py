"""Sizes read the same everywhere: whole bytes, then one decimal while it means something."""

from engine.sizes import format_size


def test_bytes_are_whole_bytes():
    assert format_size(0) == "0 B"
    assert format_size(193) == "193 B"  # not "193.00 bytes"


def test_larger_sizes_take_the_next_unit_with_one_decimal_below_ten():
    assert format_size(1_200) == "1.2 kB"
    assert format_size(1_234_567) == "1.2 MB"
    assert format_size(5_000_000) == "5 MB"
    assert format_size(193_400) == "193 kB"


def test_a_size_just_under_a_unit_reads_as_that_unit():
    assert format_size(999_700) == "1 MB"


def test_unknown_size_is_empty():
    assert format_size(None) == ""
    assert format_size(-1) == ""
