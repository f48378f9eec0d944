"""kasacloud.server."""
