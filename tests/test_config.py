from newsflow.streams.config import Settings


def test_boolean_settings_parse_like_people_write_them():
    assert Settings.from_env({"NEWSFLOW_TOKENS": "0"}).tokens is False
    assert Settings.from_env({"NEWSFLOW_TOKENS": "true"}).tokens is True
    assert Settings.from_env({"NEWSFLOW_PARTITIONS": "6"}).partitions == 6
