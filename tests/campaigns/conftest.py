"""Campaign fixtures (defined in campaign_helpers)."""

from campaign_helpers import campaign_dir, cli

__all__ = ["campaign_dir", "cli"]
