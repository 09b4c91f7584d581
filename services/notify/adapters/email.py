"""Outbound email through SES."""

from __future__ import annotations

from services.common.adapters.aws import client


class SesMailer:
    def send(self, *, sender: str, to: list[str], cc: list[str], reply_to: list[str], subject: str, body: str) -> str:
        response = client("ses").send_email(
            Source=sender,
            Destination={"ToAddresses": to, "CcAddresses": cc},
            ReplyToAddresses=reply_to,
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
            },
        )
        return str(response["MessageId"])
