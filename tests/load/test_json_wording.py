"""A `.json` file is read by the YAML parser (JSON is YAML), but its syntax errors say JSON."""

import pytest

from policy.errors import InputError
from policy.yamlio import read_yaml


@pytest.mark.parametrize("suffix, word, zh", [(".json", "invalid JSON", "JSON 无效"), (".yaml", "invalid YAML", "YAML 无效")])
def test_syntax_errors_name_the_format_of_the_file(tmp_path, suffix, word, zh):
    f = tmp_path / f"p{suffix}"
    f.write_text('{"applicant": {"sex": "male",}\n')
    with pytest.raises(InputError) as info:
        read_yaml(f)
    assert info.value.line == 2 and word in str(info.value) and zh in info.value.text("zh")
