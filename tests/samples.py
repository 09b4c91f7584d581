"""One correctly shaped webhook per source (accounts from examples/portfolio), and variants of it.

Used by the unit matrix (tests/unit/test_ingest_matrix.py) and the end-to-end tests over the local stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from boomerang.signing import sign

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "examples" / "webhooks"

#: ``[sources.<name>]`` options the samples need (everything else runs on the defaults).
SOURCE_OPTIONS = {"typeform": {"nps_field_ref": "nps_score", "comment_field_ref": "nps_reason"}}
#: Sources that sign a timestamp: a delivery more than 5 minutes old is refused.
TIMESTAMPED = ("zendesk", "hubspot", "generic")
NOBODY = b"nobody@unknown-company.example"


@dataclass(frozen=True)
class Sample:
    source: str
    file: Path
    # (old, new) byte replacements that make the body name no account we know, or name none at all: 422
    unplaceable: tuple[tuple[bytes, bytes], ...] = ()
    unplaceable_file: Path | None = None  # a fixture the adapter cannot map (422 unmappable) instead
    malformed: bytes = b'{"not": "closed"'

    @property
    def body(self) -> bytes:
        return self.file.read_bytes()

    @property
    def unmappable_body(self) -> bytes:
        if self.unplaceable_file is not None:
            return self.unplaceable_file.read_bytes()
        body = self.body
        for old, new in self.unplaceable:
            assert old in body, (self.source, old)
            body = body.replace(old, new)
        return body


SAMPLES: dict[str, Sample] = {
    s.source: s
    for s in (
        Sample(
            "delighted",
            EXAMPLES / "delighted" / "01-promoter-priya-raman-halvorsen.json",
            ((b"priya.raman@halvorsen-freight.example", NOBODY), (b'"id": "116895010"', b'"id": "1"')),
        ),
        Sample(
            "typeform",
            FIXTURES / "typeform" / "form-response-promoter-sofia.json",
            ((b"sofia.marchetti@brightwater-coldchain.example", NOBODY),),
        ),
        Sample(
            "zendesk",
            FIXTURES / "zendesk" / "event-ticket-created-kestrel-urgent.json",
            ((b'"organization_id": "24831017900715"', b'"organization_id": "99999999999999"'),),
        ),
        Sample(
            "intercom",
            FIXTURES / "intercom" / "conversation-user-created-halvorsen.json",
            ((b"nora.lie@halvorsen-freight.example", NOBODY),),
        ),
        Sample(
            "hubspot",
            FIXTURES / "hubspot" / "01-mixed-batch.json",
            unplaceable_file=FIXTURES / "hubspot" / "03-deal-stage-without-company.json",
        ),
        Sample(
            "salesforce",
            FIXTURES / "salesforce" / "01-opportunities.xml",
            unplaceable_file=FIXTURES / "salesforce" / "05-opportunity-without-account.xml",
            malformed=b"<soapenv:Envelope><unclosed>",
        ),
        Sample(
            "gainsight",
            FIXTURES / "gainsight" / "onboarding-completed-halvorsen.json",
            ((b"1P02NWK0DO4UE11RB4PVP3BN880PZCY7IBBT", b"1P02ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"),),
        ),
        Sample(
            "churnzero",
            FIXTURES / "churnzero" / "renewal-signed-brightwater.json",
            ((b'"account_id": "CUST-10474"', b'"account_id": "CUST-00000"'),),
        ),
        Sample(
            "totango",
            FIXTURES / "totango" / "meeting-held-rioclaro.json",
            ((b'"account_id": "acct_rio_claro"', b'"account_id": "acct_nobody"'),),
        ),
        Sample(
            "generic",
            EXAMPLES / "generic" / "00-kestrel-critical-ticket.json",
            ((b'"external_id": "24831017900715"', b'"external_id": "99999999999999"'),),
        ),
    )
}


def url_for(base: str, source: str, secret: str) -> str:
    """The URL the vendor posts to (Salesforce carries its token in the query)."""
    return f"{base}/webhooks/{source}" + (f"?token={secret}" if source == "salesforce" else "")


def signed(source: str, body: bytes, secret: str, url: str, timestamp: int | None = None) -> dict[str, str]:
    return sign(source, body, secret, timestamp=timestamp, url=url)
