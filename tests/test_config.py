from newsflow.streams.config import Settings


def test_boolean_settings_parse_like_people_write_them():
    assert Settings.from_env({"NEWSFLOW_TOKENS": "0"}).tokens is False
    assert Settings.from_env({"NEWSFLOW_TOKENS": "true"}).tokens is True
    assert Settings.from_env({"NEWSFLOW_PARTITIONS": "6"}).partitions == 6


def test_the_flow_follows_the_declared_stages_and_the_optional_ones_switched_on():
    from newsflow.streams.topics import hops, partitions_of

    default = Settings(fused=False)
    assert [h.stage for h in hops(default)] == ["extract", "language", "segment", "entities"]
    assert hops(default)[-1].sink == "enriched-articles" and partitions_of(default, "newsflow.segment") == 6
    with_stories = Settings(optional_stages="stories", fused=False)
    assert [(h.stage, h.source, h.sink) for h in hops(with_stories)][-2:] == [
        ("entities", "newsflow.segment", "newsflow.entities"), ("stories", "newsflow.entities", "enriched-articles")]
    assert partitions_of(with_stories, "newsflow.entities") == 1  # one worker holds the stories' state
    import pytest

    with pytest.raises(ValueError, match="no optional stage"):
        hops(Settings(optional_stages="sentiment"))


def test_fused_one_agent_runs_the_stateless_stages_and_stories_stays_apart():
    import pytest

    from newsflow.streams.topics import hops, hops_to_run, topic_names

    fused = Settings()
    assert fused.fused and [(h.stage, h.source, h.sink, h.group, h.stages) for h in hops(fused)] == [
        ("enrich", "raw-items", "enriched-articles", "newsflow.enrich", ("extract", "language", "segment", "entities"))]
    assert topic_names(fused) == ["raw-items", "enriched-articles", "dead-letters"]  # no internal topic
    with_stories = Settings(optional_stages="stories")
    assert [(h.stage, h.source, h.sink) for h in hops(with_stories)] == [
        ("enrich", "raw-items", "newsflow.entities"), ("stories", "newsflow.entities", "enriched-articles")]
    assert [h.stage for h in hops_to_run(with_stories, ["stories"])] == ["stories"]
    with pytest.raises(ValueError, match="NEWSFLOW_FUSED=false"):
        hops_to_run(fused, ["entities"])  # one stage alone needs the split flow
    assert [h.stage for h in hops_to_run(Settings(fused=False), ["entities"])] == ["entities"]


def test_the_stories_stage_brings_its_compacted_changelog_and_its_events_topic():
    from newsflow.streams.topics import partitions_of, state_topics, topic_config, topic_names

    default, with_stories = Settings(), Settings(optional_stages="stories", topic_stories="story-events")
    assert not any("changelog" in n or n == "stories" for n in topic_names(default))
    changelog, events = state_topics(with_stories, "stories")
    assert (changelog, events) == ("newsflow.stories-changelog", "story-events")
    assert {changelog, events} <= set(topic_names(with_stories)) and state_topics(with_stories, "entities") is None
    assert partitions_of(with_stories, changelog) == 1 and partitions_of(with_stories, events) == 6
    assert topic_config(with_stories, changelog)["cleanup.policy"] == "compact"
    assert "cleanup.policy" not in topic_config(with_stories, events)


def test_topics_keep_a_majority_of_replicas_in_sync():
    assert Settings(replication_factor=3).topic_config("raw-items")["min.insync.replicas"] == "2"
    assert Settings().topic_config("raw-items")["min.insync.replicas"] == "1"


def test_secrets_are_masked_in_repr_and_read_from_mounted_files(tmp_path):
    import pytest

    secret = tmp_path / "password"
    secret.write_text("s3cret-pw\n")
    env = {"NEWSFLOW_SECURITY_PROTOCOL": "SASL_SSL", "NEWSFLOW_SASL_USERNAME": "worker",
           "NEWSFLOW_SASL_PASSWORD_FILE": str(secret), "NEWSFLOW_SSL_KEY_PASSWORD": "key-pw",
           "NEWSFLOW_BROKER": "sasl_ssl://crawler:url-pw@kafka-1:9093,kafka-2:9093"}
    s = Settings.from_env(env)
    assert s.sasl_password == "s3cret-pw"  # the file's trailing newline is not part of it
    assert s.bootstrap == ["kafka-1:9093", "kafka-2:9093"]
    shown = repr(s)
    for leaked in ("s3cret-pw", "key-pw", "url-pw"):
        assert leaked not in shown
    assert "sasl_password='***'" in shown and "crawler:***@kafka-1:9093" in shown
    with pytest.raises(ValueError, match="both set"):
        Settings.from_env({**env, "NEWSFLOW_SASL_PASSWORD": "other"})


def test_credentials_in_the_broker_address_are_used_when_the_settings_name_no_user():
    s = Settings(broker="crawler:url-pw@kafka:9093", security_protocol="SASL_PLAINTEXT")
    assert s.sasl_credentials == ("crawler", "url-pw") and s.broker_shown == "crawler:***@kafka:9093"
    assert Settings(broker="crawler:url-pw@kafka:9093", security_protocol="SASL_PLAINTEXT",
                    sasl_username="worker", sasl_password="pw").sasl_credentials == ("worker", "pw")


def test_connection_settings_that_cannot_work_are_refused_before_connecting():
    import pytest

    with pytest.raises(ValueError, match="NEWSFLOW_SECURITY_PROTOCOL: expected one of"):
        Settings(security_protocol="TLS")
    with pytest.raises(ValueError, match="NEWSFLOW_SASL_MECHANISM"):
        Settings(security_protocol="SASL_SSL", sasl_mechanism="GSSAPI", sasl_username="u", sasl_password="p")
    with pytest.raises(ValueError, match="NEWSFLOW_SSL_CAFILE is set but NEWSFLOW_SECURITY_PROTOCOL is PLAINTEXT"):
        Settings(ssl_cafile="/etc/ca.pem")  # would silently connect in the clear
    with pytest.raises(ValueError, match="needs NEWSFLOW_SASL_USERNAME"):
        Settings(security_protocol="SASL_SSL", sasl_username="worker")


def test_every_client_gets_the_security_settings(tmp_path):
    import asyncio
    import ssl

    import pytest

    from newsflow.streams.admin import admin_client, connection, consumer, producer

    plain = connection(Settings())
    assert plain.pop("client_id").startswith("newsflow-")  # this process, by host and pid
    assert plain == {"bootstrap_servers": ["127.0.0.1:9092"], "security_protocol": "PLAINTEXT"}
    s = Settings(security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-256", sasl_username="worker",
                 sasl_password="pw", ssl_check_hostname=False)
    kwargs = connection(s)
    assert kwargs["sasl_plain_username"] == "worker" and kwargs["sasl_mechanism"] == "SCRAM-SHA-256"
    assert isinstance(kwargs["ssl_context"], ssl.SSLContext) and not kwargs["ssl_context"].check_hostname

    async def made() -> list:  # aiokafka clients are made inside a running loop
        return [producer(s), consumer(s, "t"), admin_client(s)]

    for client in asyncio.run(made()):
        inner = client.client if hasattr(client, "client") else client._client
        assert (inner._security_protocol, inner._sasl_plain_username) == ("SASL_SSL", "worker")
    with pytest.raises(ValueError, match="NEWSFLOW_SSL_CAFILE: no file"):
        connection(Settings(security_protocol="SSL", ssl_cafile=str(tmp_path / "missing.pem")))
