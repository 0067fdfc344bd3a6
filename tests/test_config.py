from newsflow.streams.config import Settings


def test_boolean_settings_parse_like_people_write_them():
    assert Settings.from_env({"NEWSFLOW_TOKENS": "0"}).tokens is False
    assert Settings.from_env({"NEWSFLOW_TOKENS": "true"}).tokens is True
    assert Settings.from_env({"NEWSFLOW_PARTITIONS": "6"}).partitions == 6


def test_the_flow_follows_the_declared_stages_and_the_optional_ones_switched_on():
    from newsflow.streams.topics import hops, partitions_of

    default = Settings()
    assert [h.stage for h in hops(default)] == ["extract", "language", "segment", "entities"]
    assert hops(default)[-1].sink == "enriched-articles" and partitions_of(default, "newsflow.segment") == 6
    with_stories = Settings(optional_stages="stories")
    assert [(h.stage, h.source, h.sink) for h in hops(with_stories)][-2:] == [
        ("entities", "newsflow.segment", "newsflow.entities"), ("stories", "newsflow.entities", "enriched-articles")]
    assert partitions_of(with_stories, "newsflow.entities") == 1  # one worker holds the stories' state
    import pytest

    with pytest.raises(ValueError, match="no optional stage"):
        hops(Settings(optional_stages="sentiment"))


def test_topics_keep_a_majority_of_replicas_in_sync():
    assert Settings(replication_factor=3).topic_config("raw-items")["min.insync.replicas"] == "2"
    assert Settings().topic_config("raw-items")["min.insync.replicas"] == "1"
