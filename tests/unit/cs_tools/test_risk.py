from __future__ import annotations

import json

from boomerang.cs_tools import risk

from .conftest import EXAMPLES, lacking

ARGS = ["--portfolio", str(EXAMPLES / "customers.csv"), "--as-of", "2026-11-22"]


def test_examples_rank_copperline_first_with_arr_at_risk(capsys):
    # Given the 12 example accounts, When ranked by risk
    code = risk.run(ARGS)
    out = capsys.readouterr().out
    # Then the silent SMB account leads, and the high + medium ARR is totalled
    assert code == 0
    first = out.splitlines()[4]
    assert "Copperline Logistics" in first
    assert "ARR at risk (high + medium): $906,400 of $2,007,200 (45.2 %)" in out


def test_examples_json_names_playbooks_with_the_seeds_steps(capsys):
    # Given the examples, When asked for JSON
    assert risk.run([*ARGS, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_id = {a["account_id"]: a for a in data["accounts"]}
    # Then each risky account carries its playbook and the seed's steps
    assert by_id["acc-brightwater"]["playbook"] == "Competitor Evaluation"
    assert by_id["acc-brightwater"]["steps"][0] == "Understand the specific concerns driving the evaluation."
    assert by_id["acc-rioclaro"]["playbook"] == "Executive Change"
    assert by_id["acc-pinecrest"]["playbook"] == "Low Adoption"
    assert by_id["acc-nordlys"]["risk"] == 0
    assert data["arr_at_risk"] == 906_400
    # And the risk is the sum of the listed reasons' points (capped at 100)
    for account in data["accounts"]:
        assert account["risk"] == min(100, sum(r["points"] for r in account["reasons"]))


def test_bad_rows_are_rejected_with_row_numbers(capsys, write_csv):
    # Given an export with a non-numeric ARR on row 3 and a bad date on row 4
    path = write_csv(
        "customers.csv",
        """
account_id,name,segment,arr,renewal_date,health_score
acc-a,A,SMB,1000,2027-01-01,70
acc-b,B,SMB,lots,2027-01-01,70
acc-c,C,Midmarket,1000,2027-13-01,70
""",
    )
    # When ranked
    assert risk.run(["--portfolio", str(path)]) == 1
    captured = capsys.readouterr()
    # Then every bad row is named and nothing is printed as a result
    assert (
        lacking(
            captured.err,
            "customers.csv row 3: arr: not a number: 'lots'",
            "customers.csv row 4: segment: expected one of",
            "customers.csv row 4: renewal_date: not an ISO date",
        )
        == []
    )
    assert captured.out == ""


def test_missing_required_column_is_named(capsys, write_csv):
    # Given an export without renewal_date, When ranked, Then the missing column is named
    path = write_csv("customers.csv", "account_id,name,segment,arr\nacc-a,A,SMB,1\n")
    assert risk.run(["--portfolio", str(path)]) == 1
    assert "missing column(s): renewal_date" in capsys.readouterr().err


def test_each_playbook_comes_with_the_event_that_makes_it_an_active_intervention_plan(capsys):
    # Given the example portfolio, When ranked as JSON
    assert risk.run([*ARGS, "--format", "json"]) == 0
    accounts = {a["account_id"]: a for a in json.loads(capsys.readouterr().out)["accounts"]}
    # Then starting Copperline's playbook is one InterventionStarted for the generic webhook
    assert accounts["acc-copperline"]["intervention"] == {
        "type": "InterventionStarted",
        "account": {"id": "acc-copperline"},
        "data": {"plan_id": "acc-copperline-low_engagement-2026-11-22", "playbook": "low_engagement"},
    }
    # And an account with no playbook has none
    assert accounts["acc-halvorsen"]["intervention"] is None
