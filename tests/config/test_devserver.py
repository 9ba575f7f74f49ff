from config.devserver import processes


def test_make_run_starts_web_workers_and_beat_with_the_simulator_in_test_mode(monkeypatch):
    monkeypatch.delenv("CERT_TSA_URL", raising=False)
    commands = processes(test_mode=True)
    assert set(commands) == {"web", "worker", "models", "beat", "simulator", "tsa"}
    # Model calls wait on the network: a thread pool holds 100 in flight; CPU work stays on prefork.
    assert "-Q model_calls -P threads -c 100" in commands["models"]
    assert "-Q default -P prefork" in commands["worker"]
    assert "-m devtools.model_simulator --port 8765 --content content" in commands["simulator"]


def test_a_live_api_key_runs_without_the_simulator():
    assert "simulator" not in processes(test_mode=False)


def test_the_development_timestamp_authority_runs_unless_a_tsa_is_configured(monkeypatch):
    monkeypatch.delenv("CERT_TSA_URL", raising=False)
    assert "timestamp_authority --port" in processes(test_mode=True)["tsa"]
    monkeypatch.setenv("CERT_TSA_URL", "https://tsa.example.com/")
    assert "tsa" not in processes(test_mode=False)
