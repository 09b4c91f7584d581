from pathlib import Path

import pytest

from boomerang.cli import main
from services.common.models.config import load_config, parse_config
from services.common.models.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
VALID = (ROOT / "boomerang.toml").read_text()


def test_shipped_rules_file_is_valid():
    config = load_config(ROOT / "boomerang.toml")
    assert {t.key for t in config.triggers} >= {"nps_promoter", "onboarding_completed", "renewal_signed"}
    assert config.gates.min_nps == 7
    assert config.windows.peak_hours == 72


def test_every_problem_is_reported_with_its_path():
    text = VALID.replace("min_nps = 7", "min_nps = 12").replace('event = "RenewalSigned"', 'event = "TicketOpened"')
    with pytest.raises(ConfigError) as err:
        parse_config(text)
    problems = err.value.problems
    assert any(p.startswith("gates.min_nps:") for p in problems)
    assert any(p.startswith("triggers[renewal_signed].event: a peak trigger") for p in problems)


def test_unknown_script_placeholder_and_missing_script_are_errors():
    with pytest.raises(ConfigError) as err:
        parse_config(VALID.replace("{intro_company}", "{intro_compnay}", 1))
    assert any("intro_compnay" in p for p in err.value.problems)
    with pytest.raises(ConfigError) as err:
        parse_config(VALID.replace('script = "nps_named"', 'script = "nope"'))
    assert err.value.problems == ["triggers[nps_promoter].script: names script 'nope', which is not in [scripts]"]


def test_every_script_with_an_unknown_placeholder_is_named_by_its_key():
    with pytest.raises(ConfigError) as err:
        parse_config(VALID.replace("{intro_company}", "{intro_compnay}"))
    named = [p.split(":", 1)[0] for p in err.value.problems]
    assert named == ["scripts.nps_named", "scripts.milestone_named", "scripts.renewal_named"]


SMB_WEIGHTS = "\n[health.segments.SMB]\nproduct = 0.6\nrelationship = 0.3\noutcomes = 0.3\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            VALID.replace("industry = 50", "industry = 40"),
            "icp.weights: industry + size + region must add up to 100, got 90 (40 + 30 + 20)",
        ),
        (
            VALID.replace("product = 0.4", "product = 0.5"),
            "health.weights: product + relationship + outcomes must add up to 1, got 1.1 (0.5 + 0.3 + 0.3)",
        ),
        (
            VALID + SMB_WEIGHTS,
            "health.segments.SMB: product + relationship + outcomes must add up to 1, got 1.2 (0.6 + 0.3 + 0.3)",
        ),
    ],
    ids=["icp", "health", "segment"],
)
def test_weights_that_do_not_add_up_show_their_sum(text, problem):
    with pytest.raises(ConfigError) as err:
        parse_config(text)
    assert err.value.problems == [problem]


def test_toml_syntax_error_is_reported_not_raised_raw():
    with pytest.raises(ConfigError) as err:
        parse_config("version = \n")
    assert err.value.problems[0].startswith("TOML syntax")


def test_cli_validate_exit_codes(tmp_path, capsys):
    assert main(["config", "validate", str(ROOT / "boomerang.toml")]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(VALID.replace("product = 0.4", "product = 0.5"))
    assert main(["config", "validate", str(bad)]) == 1
    assert "  health.weights: product + relationship + outcomes must add up to 1, got 1.1" in capsys.readouterr().err
