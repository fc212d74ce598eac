"""Conversations of assets: the asset card, linking a ticket to an asset, maintenance, QR scans."""
