"""Identity lookups for ingest, backed by the PortfolioTable; learned mappings are written here too."""

from __future__ import annotations

from datetime import UTC, datetime

from services.common.adapters.dynamo import to_item
from services.common.adapters.portfolio_table import PortfolioTable
from services.common.storage import PK, SK, Sk, lookup_key
from services.ingest.models.webhook import Identity


class PortfolioIdentities(PortfolioTable):
    def find(self, namespace: str, external_id: str) -> Identity | None:
        item = self.read(lookup_key(namespace, external_id), Sk.LOOKUP)
        return Identity(item["account_id"], item.get("contact_id")) if item else None

    def account_exists(self, account_id: str) -> bool:
        return self.account(account_id) is not None

    def remember(self, namespace: str, external_id: str, identity: Identity, learned_from: str) -> bool:
        """A conditional create: an imported (or concurrently learned) mapping is never overwritten."""
        item = {
            PK: lookup_key(namespace, external_id),
            SK: Sk.LOOKUP,
            "account_id": identity.account_id,
            "contact_id": identity.contact_id,
            "learned_from": learned_from,
            "learned_at": datetime.now(UTC).isoformat(),
        }
        try:
            self.db.put_item(TableName=self.name, Item=to_item(item), ConditionExpression=f"attribute_not_exists({PK})")
        except self.db.exceptions.ConditionalCheckFailedException:
            return False
        return True
