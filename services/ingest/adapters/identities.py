"""Identity lookups for ingest, backed by the PortfolioTable."""

from __future__ import annotations

from services.common.adapters.portfolio_table import PortfolioTable


class PortfolioIdentities(PortfolioTable):
    def account_exists(self, account_id: str) -> bool:
        return self.account(account_id) is not None
